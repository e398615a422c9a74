"""A realistic demo directory, loaded through ordinary transactions, in order.

``seed_transactions()`` lists (msp_id, role, function, argument). Timestamps come from the
ledger; only the requested end dates are fixed, and they lie within three years of
late 2026.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

Tx = tuple[str, str, str, dict[str, Any]]
Item = tuple[str, str, str, str]  # name, title, type, sensitivity

BUREAU = "DataBureauMSP"
CIVIL = "CivilAffairsMSP"
HEALTH = "HealthMSP"
ADMIN = "admin"
CLIENT = "client"
UNTIL = "2027-12-31"

# id, 中文名, English name, parent, level, msp, contact person, phone
DEPARTMENTS: list[tuple[str, str, str, str | None, str, str, str, str]] = [
    (
        "data-bureau",
        "市大数据管理局",
        "Municipal Big Data Bureau",
        None,
        "municipal",
        BUREAU,
        "王建国",
        "+86 10 6519 0001",
    ),
    (
        "civil-affairs",
        "市民政局",
        "Municipal Civil Affairs Bureau",
        None,
        "municipal",
        CIVIL,
        "李秀兰",
        "+86 10 6519 0002",
    ),
    (
        "health",
        "市卫生健康委员会",
        "Municipal Health Commission",
        None,
        "municipal",
        HEALTH,
        "张伟",
        "+86 10 6519 0003",
    ),
    (
        "transport",
        "市交通委员会",
        "Municipal Transport Commission",
        None,
        "municipal",
        BUREAU,
        "刘洋",
        "+86 10 6519 0004",
    ),
    (
        "education",
        "市教育委员会",
        "Municipal Education Commission",
        None,
        "municipal",
        BUREAU,
        "陈静",
        "+86 10 6519 0005",
    ),
    (
        "hrss",
        "市人力资源和社会保障局",
        "Municipal Human Resources and Social Security Bureau",
        None,
        "municipal",
        BUREAU,
        "杨磊",
        "+86 10 6519 0006",
    ),
    (
        "market-regulation",
        "市市场监督管理局",
        "Municipal Administration for Market Regulation",
        None,
        "municipal",
        BUREAU,
        "赵敏",
        "+86 10 6519 0007",
    ),
    (
        "haidian-civil-affairs",
        "海淀区民政局",
        "Haidian District Civil Affairs Bureau",
        "civil-affairs",
        "district",
        CIVIL,
        "周强",
        "+86 10 8251 0001",
    ),
    (
        "chaoyang-civil-affairs",
        "朝阳区民政局",
        "Chaoyang District Civil Affairs Bureau",
        "civil-affairs",
        "district",
        CIVIL,
        "吴芳",
        "+86 10 6509 0001",
    ),
    (
        "zhongguancun-subdistrict",
        "中关村街道办事处",
        "Zhongguancun Subdistrict Office",
        "haidian-civil-affairs",
        "subdistrict",
        CIVIL,
        "郑海",
        "+86 10 6256 0001",
    ),
]

# id, department, code, 中文, English, legal basis
RESPONSIBILITIES: list[tuple[str, str, str, str, str, str]] = [
    (
        "db-data-sharing",
        "data-bureau",
        "DSJ-01",
        "政务数据共享统筹",
        "Coordinating government data sharing",
        "《政务信息资源共享管理暂行办法》（国发〔2016〕51号）",
    ),
    (
        "db-open-data",
        "data-bureau",
        "DSJ-02",
        "公共数据开放",
        "Opening public data",
        "《全国一体化政务大数据体系建设指南》（国办函〔2022〕102号）",
    ),
    (
        "ca-social-assistance",
        "civil-affairs",
        "MZ-01",
        "最低生活保障与特困人员救助供养",
        "Minimum living allowance and support for persons in extreme poverty",
        "《社会救助暂行办法》（国务院令第649号）",
    ),
    (
        "ca-marriage",
        "civil-affairs",
        "MZ-02",
        "婚姻登记管理",
        "Marriage registration",
        "《婚姻登记条例》（国务院令第387号）",
    ),
    (
        "ca-social-orgs",
        "civil-affairs",
        "MZ-03",
        "社会组织登记管理",
        "Registration of social organisations",
        "《社会团体登记管理条例》（国务院令第250号）",
    ),
    (
        "ca-elderly",
        "civil-affairs",
        "MZ-04",
        "养老服务管理",
        "Elderly care services",
        "《中华人民共和国老年人权益保障法》",
    ),
    (
        "ca-disability-welfare",
        "civil-affairs",
        "MZ-05",
        "残疾人福利与两项补贴",
        "Disability welfare and subsidies",
        "《中华人民共和国残疾人保障法》",
    ),
    (
        "hd-social-assistance",
        "haidian-civil-affairs",
        "HDMZ-01",
        "辖区社会救助审核确认",
        "Review and confirmation of social assistance in the district",
        "《社会救助暂行办法》（国务院令第649号）第十一条",
    ),
    (
        "cy-community",
        "chaoyang-civil-affairs",
        "CYMZ-01",
        "社区服务体系建设",
        "Community service facilities",
        "《中华人民共和国城市居民委员会组织法》",
    ),
    (
        "zgc-grid",
        "zhongguancun-subdistrict",
        "ZGC-01",
        "网格化服务管理",
        "Grid-based community management",
        "《中华人民共和国城市居民委员会组织法》",
    ),
    (
        "hw-medical-institutions",
        "health",
        "WJ-01",
        "医疗机构监督管理",
        "Supervision of medical institutions",
        "《医疗机构管理条例》（国务院令第149号）",
    ),
    (
        "hw-immunization",
        "health",
        "WJ-02",
        "预防接种管理",
        "Immunisation programme",
        "《中华人民共和国疫苗管理法》",
    ),
    (
        "hw-disease-control",
        "health",
        "WJ-03",
        "传染病防治",
        "Prevention and control of infectious diseases",
        "《中华人民共和国传染病防治法》",
    ),
    (
        "hw-medical-assistance",
        "health",
        "WJ-04",
        "医疗救助",
        "Medical assistance",
        "《社会救助暂行办法》（国务院令第649号）第五章",
    ),
    (
        "hw-physicians",
        "health",
        "WJ-05",
        "医师执业注册",
        "Registration of physicians",
        "《中华人民共和国医师法》",
    ),
    (
        "hw-maternal",
        "health",
        "WJ-06",
        "母婴保健与出生医学证明",
        "Maternal care and birth certificates",
        "《中华人民共和国母婴保健法》",
    ),
    (
        "tr-public-transit",
        "transport",
        "JT-01",
        "城市公共交通管理",
        "Urban public transport",
        "《城市公共交通条例》（国务院令第793号）",
    ),
    (
        "tr-road-transport",
        "transport",
        "JT-02",
        "道路运输管理",
        "Road transport",
        "《中华人民共和国道路运输条例》",
    ),
    (
        "tr-traffic",
        "transport",
        "JT-03",
        "交通运行监测",
        "Traffic monitoring",
        "《中华人民共和国道路交通安全法》",
    ),
    (
        "ed-compulsory",
        "education",
        "JW-01",
        "义务教育招生入学",
        "Compulsory education enrolment",
        "《中华人民共和国义务教育法》",
    ),
    ("ed-student-aid", "education", "JW-02", "学生资助", "Student financial aid", "《中华人民共和国教育法》"),
    (
        "hr-social-insurance",
        "hrss",
        "RS-01",
        "社会保险登记与待遇",
        "Social insurance",
        "《中华人民共和国社会保险法》",
    ),
    (
        "hr-employment",
        "hrss",
        "RS-02",
        "就业失业登记",
        "Employment and unemployment registration",
        "《中华人民共和国就业促进法》",
    ),
    (
        "hr-skills",
        "hrss",
        "RS-03",
        "职业技能评价",
        "Vocational skill assessment",
        "《中华人民共和国职业教育法》",
    ),
    (
        "mr-registration",
        "market-regulation",
        "SJ-01",
        "市场主体登记",
        "Registration of market entities",
        "《中华人民共和国市场主体登记管理条例》",
    ),
    (
        "mr-food-safety",
        "market-regulation",
        "SJ-02",
        "食品经营许可与监管",
        "Food business licensing",
        "《中华人民共和国食品安全法》",
    ),
    (
        "mr-special-equipment",
        "market-regulation",
        "SJ-03",
        "特种设备安全监察",
        "Special equipment safety",
        "《中华人民共和国特种设备安全法》",
    ),
    (
        "mr-enforcement",
        "market-regulation",
        "SJ-04",
        "行政执法",
        "Administrative enforcement",
        "《中华人民共和国行政处罚法》",
    ),
]

PERSON: list[Item] = [
    ("person_name", "姓名", "string", "confidential"),
    ("id_card_no", "公民身份号码", "string", "secret"),
]
CONDITIONS = (
    "仅限履行法定职责所需，经数据提供部门审核同意后使用 / "
    "Only for statutory duties, after the owner's approval"
)


def _catalog(
    catalog_id: str,
    department: str,
    responsibilities: list[str],
    zh: str,
    en: str,
    items: list[Item],
    share: str,
    frequency: str,
    tags: list[str],
    open_type: str = "none",
    fmt: str = "API",
    source: str = "",
) -> dict[str, Any]:
    catalog: dict[str, Any] = {
        "id": catalog_id,
        "department_id": department,
        "responsibility_ids": responsibilities,
        "title": {"zh": zh, "en": en},
        "description": f"{zh}。{en}.",
        "items": [
            {"name": name, "title": title, "type": kind, "sensitivity": sensitivity}
            for name, title, kind, sensitivity in items
        ],
        "share_type": share,
        "open_type": open_type,
        "update_frequency": frequency,
        "format": fmt,
        "source_system": source or f"{department} 业务系统",
        "endpoint": f"https://dataex.city.example/api/v1/{department}/{catalog_id}",
        "schema_hash": hashlib.sha256(json.dumps(items, ensure_ascii=False).encode()).hexdigest(),
        "tags": tags,
    }
    if share == "conditional":
        catalog["share_conditions"] = CONDITIONS
    return catalog


def _civil_affairs_catalogs() -> list[dict[str, Any]]:
    social = ["ca-social-assistance"]
    return [
        _catalog(
            "ca-dibao-recipients",
            "civil-affairs",
            social,
            "最低生活保障对象信息",
            "Minimum living allowance recipients",
            [
                *PERSON,
                ("household_size", "共同生活家庭成员人数", "integer", "internal"),
                ("monthly_allowance", "月保障金额", "number", "confidential"),
                ("district_code", "所属区划代码", "string", "internal"),
                ("approval_date", "审批日期", "date", "internal"),
            ],
            "conditional",
            "monthly",
            ["社会救助", "social-assistance"],
            source="全市社会救助信息系统",
        ),
        _catalog(
            "ca-extreme-poverty",
            "civil-affairs",
            social,
            "特困人员救助供养信息",
            "Persons in extreme poverty receiving support",
            [
                *PERSON,
                ("support_type", "供养方式", "string", "internal"),
                ("support_since", "纳入供养日期", "date", "internal"),
            ],
            "conditional",
            "monthly",
            ["社会救助", "social-assistance"],
        ),
        _catalog(
            "ca-disability-registry",
            "civil-affairs",
            ["ca-disability-welfare"],
            "残疾人登记信息",
            "Disability registry",
            [
                *PERSON,
                ("disability_category", "残疾类别", "string", "confidential"),
                ("disability_grade", "残疾等级", "integer", "confidential"),
                ("subsidy_status", "两项补贴享受状态", "string", "internal"),
            ],
            "conditional",
            "monthly",
            ["残疾人", "disability"],
        ),
        _catalog(
            "ca-marriage-registrations",
            "civil-affairs",
            ["ca-marriage"],
            "婚姻登记信息",
            "Marriage registrations",
            [
                ("male_id_card_no", "男方身份号码", "string", "secret"),
                ("female_id_card_no", "女方身份号码", "string", "secret"),
                ("registration_type", "登记类型", "string", "internal"),
                ("registered_on", "登记日期", "date", "internal"),
            ],
            "conditional",
            "daily",
            ["婚姻", "marriage"],
        ),
        _catalog(
            "ca-social-orgs",
            "civil-affairs",
            ["ca-social-orgs"],
            "社会组织登记信息",
            "Registered social organisations",
            [
                ("org_name", "组织名称", "string", "public"),
                ("uscc", "统一社会信用代码", "string", "public"),
                ("org_type", "组织类型", "string", "public"),
                ("registered_on", "成立登记日期", "date", "public"),
            ],
            "unconditional",
            "weekly",
            ["社会组织", "open-data"],
            open_type="open",
            fmt="CSV",
        ),
        _catalog(
            "ca-elderly-care-institutions",
            "civil-affairs",
            ["ca-elderly"],
            "养老机构名录",
            "Elderly care institutions",
            [
                ("name", "机构名称", "string", "public"),
                ("address", "地址", "string", "public"),
                ("beds", "床位数", "integer", "public"),
                ("location", "位置", "geometry", "public"),
            ],
            "unconditional",
            "monthly",
            ["养老", "elderly-care", "open-data"],
            open_type="open",
        ),
        _catalog(
            "ca-assistance-review-log",
            "civil-affairs",
            social,
            "社会救助审核日志",
            "Social assistance review log",
            [
                ("case_no", "案件编号", "string", "confidential"),
                ("reviewer", "审核人", "string", "secret"),
                ("decision", "审核意见", "string", "secret"),
                ("reviewed_at", "审核时间", "datetime", "internal"),
            ],
            "none",
            "realtime",
            ["内部", "internal-only"],
        ),
    ]


def _district_catalogs() -> list[dict[str, Any]]:
    return [
        _catalog(
            "hd-dibao-applications",
            "haidian-civil-affairs",
            ["hd-social-assistance"],
            "海淀区低保申请受理信息",
            "Haidian minimum living allowance applications",
            [
                *PERSON,
                ("applied_on", "申请日期", "date", "internal"),
                ("review_status", "审核状态", "string", "internal"),
            ],
            "conditional",
            "daily",
            ["社会救助", "haidian"],
        ),
        _catalog(
            "cy-community-services",
            "chaoyang-civil-affairs",
            ["cy-community"],
            "朝阳区社区服务设施",
            "Chaoyang community service facilities",
            [
                ("facility_name", "设施名称", "string", "public"),
                ("community", "所属社区", "string", "public"),
                ("location", "位置", "geometry", "public"),
            ],
            "unconditional",
            "quarterly",
            ["社区", "chaoyang", "open-data"],
            open_type="open",
        ),
        _catalog(
            "zgc-grid-workers",
            "zhongguancun-subdistrict",
            ["zgc-grid"],
            "中关村街道网格员信息",
            "Zhongguancun grid workers",
            [
                ("worker_name", "网格员姓名", "string", "internal"),
                ("grid_code", "网格编码", "string", "internal"),
                ("mobile", "联系电话", "string", "confidential"),
            ],
            "conditional",
            "irregular",
            ["网格化", "zhongguancun"],
        ),
    ]


def _health_catalogs() -> list[dict[str, Any]]:
    return [
        _catalog(
            "hw-hospital-beds",
            "health",
            ["hw-medical-institutions"],
            "医疗机构床位资源",
            "Hospital bed capacity",
            [
                ("hospital_code", "医疗机构代码", "string", "public"),
                ("hospital_name", "医疗机构名称", "string", "public"),
                ("total_beds", "编制床位数", "integer", "public"),
                ("available_beds", "空余床位数", "integer", "internal"),
                ("updated_at", "更新时间", "datetime", "public"),
            ],
            "unconditional",
            "realtime",
            ["医疗资源", "hospital"],
            open_type="conditional",
        ),
        _catalog(
            "hw-vaccination-records",
            "health",
            ["hw-immunization"],
            "预防接种记录",
            "Vaccination records",
            [
                *PERSON,
                ("vaccine_code", "疫苗编码", "string", "internal"),
                ("dose_no", "剂次", "integer", "internal"),
                ("vaccinated_at", "接种时间", "datetime", "confidential"),
                ("clinic_code", "接种单位代码", "string", "internal"),
            ],
            "conditional",
            "daily",
            ["疫苗", "immunisation"],
        ),
        _catalog(
            "hw-medical-assistance",
            "health",
            ["hw-medical-assistance"],
            "医疗救助记录",
            "Medical assistance records",
            [
                *PERSON,
                ("assistance_type", "救助类型", "string", "confidential"),
                ("amount", "救助金额", "number", "confidential"),
                ("paid_on", "支付日期", "date", "internal"),
            ],
            "conditional",
            "monthly",
            ["社会救助", "medical-assistance"],
        ),
        _catalog(
            "hw-medical-institutions",
            "health",
            ["hw-medical-institutions"],
            "医疗机构执业登记信息",
            "Licensed medical institutions",
            [
                ("institution_name", "机构名称", "string", "public"),
                ("licence_no", "执业许可证号", "string", "public"),
                ("grade", "机构等级", "string", "public"),
                ("address", "地址", "string", "public"),
            ],
            "unconditional",
            "weekly",
            ["医疗机构", "open-data"],
            open_type="open",
            fmt="CSV",
        ),
        _catalog(
            "hw-licensed-physicians",
            "health",
            ["hw-physicians"],
            "医师执业注册信息",
            "Registered physicians",
            [
                ("physician_name", "医师姓名", "string", "public"),
                ("certificate_no", "执业证书编码", "string", "internal"),
                ("practice_scope", "执业范围", "string", "public"),
                ("institution", "执业机构", "string", "public"),
            ],
            "unconditional",
            "weekly",
            ["医师", "workforce"],
        ),
        _catalog(
            "hw-infectious-disease-reports",
            "health",
            ["hw-disease-control"],
            "法定传染病报告信息",
            "Notifiable infectious disease reports",
            [
                *PERSON,
                ("disease_code", "病种编码", "string", "secret"),
                ("reported_at", "报告时间", "datetime", "secret"),
            ],
            "none",
            "realtime",
            ["疾控", "disease-control"],
        ),
        _catalog(
            "hw-birth-certificates",
            "health",
            ["hw-maternal"],
            "出生医学证明信息",
            "Birth medical certificates",
            [
                ("certificate_no", "出生医学证明编号", "string", "confidential"),
                ("newborn_name", "新生儿姓名", "string", "confidential"),
                ("born_on", "出生日期", "date", "confidential"),
                ("mother_id_card_no", "母亲身份号码", "string", "secret"),
            ],
            "conditional",
            "daily",
            ["出生", "maternal-care"],
        ),
    ]


def _transport_catalogs() -> list[dict[str, Any]]:
    transit = ["tr-public-transit"]
    return [
        _catalog(
            "tr-bus-routes",
            "transport",
            transit,
            "公交线路信息",
            "Bus routes",
            [
                ("route_no", "线路编号", "string", "public"),
                ("route_name", "线路名称", "string", "public"),
                ("first_bus", "首班时间", "string", "public"),
                ("last_bus", "末班时间", "string", "public"),
                ("path", "线路走向", "geometry", "public"),
            ],
            "unconditional",
            "weekly",
            ["公交", "public-transport", "open-data"],
            open_type="open",
            fmt="GTFS",
        ),
        _catalog(
            "tr-bus-stops",
            "transport",
            transit,
            "公交站点信息",
            "Bus stops",
            [
                ("stop_id", "站点编号", "string", "public"),
                ("stop_name", "站点名称", "string", "public"),
                ("location", "位置", "geometry", "public"),
            ],
            "unconditional",
            "monthly",
            ["公交", "public-transport", "open-data"],
            open_type="open",
            fmt="GTFS",
        ),
        _catalog(
            "tr-taxi-operators",
            "transport",
            ["tr-road-transport"],
            "出租汽车经营者信息",
            "Taxi operators",
            [
                ("operator_name", "经营者名称", "string", "public"),
                ("licence_no", "经营许可证号", "string", "public"),
                ("fleet_size", "车辆数", "integer", "public"),
            ],
            "unconditional",
            "monthly",
            ["出租车", "taxi"],
        ),
        _catalog(
            "tr-traffic-flow",
            "transport",
            ["tr-traffic"],
            "道路交通流量监测",
            "Road traffic flow",
            [
                ("segment_id", "路段编号", "string", "internal"),
                ("volume", "车流量", "integer", "internal"),
                ("avg_speed", "平均车速", "number", "internal"),
                ("measured_at", "采集时间", "datetime", "internal"),
            ],
            "conditional",
            "realtime",
            ["交通运行", "traffic"],
            fmt="Kafka",
        ),
        _catalog(
            "tr-metro-ridership-legacy",
            "transport",
            transit,
            "轨道交通客流（旧版）",
            "Metro ridership (legacy)",
            [
                ("line", "线路", "string", "public"),
                ("station", "车站", "string", "public"),
                ("entries", "进站量", "integer", "internal"),
                ("day", "日期", "date", "public"),
            ],
            "unconditional",
            "daily",
            ["轨道交通", "legacy"],
        ),
    ]


def _education_catalogs() -> list[dict[str, Any]]:
    return [
        _catalog(
            "ed-school-enrolment",
            "education",
            ["ed-compulsory"],
            "义务教育阶段学生入学信息",
            "School enrolment (compulsory education)",
            [
                ("student_name", "学生姓名", "string", "confidential"),
                ("id_card_no", "身份号码", "string", "secret"),
                ("school_code", "学校代码", "string", "internal"),
                ("grade", "年级", "integer", "internal"),
                ("enrolled_on", "入学日期", "date", "internal"),
            ],
            "conditional",
            "yearly",
            ["教育", "enrolment"],
        ),
        _catalog(
            "ed-schools",
            "education",
            ["ed-compulsory"],
            "中小学校名录",
            "Primary and secondary schools",
            [
                ("school_code", "学校代码", "string", "public"),
                ("school_name", "学校名称", "string", "public"),
                ("district", "所在区", "string", "public"),
                ("location", "位置", "geometry", "public"),
            ],
            "unconditional",
            "yearly",
            ["教育", "open-data"],
            open_type="open",
            fmt="CSV",
        ),
        _catalog(
            "ed-student-aid",
            "education",
            ["ed-student-aid"],
            "学生资助信息",
            "Student financial aid",
            [
                *PERSON,
                ("aid_type", "资助项目", "string", "confidential"),
                ("amount", "资助金额", "number", "confidential"),
            ],
            "conditional",
            "quarterly",
            ["教育", "social-assistance"],
        ),
    ]


def _hrss_catalogs() -> list[dict[str, Any]]:
    return [
        _catalog(
            "hr-social-insurance",
            "hrss",
            ["hr-social-insurance"],
            "社会保险参保信息",
            "Social insurance enrolment",
            [
                *PERSON,
                ("insurance_type", "险种", "string", "internal"),
                ("employer", "参保单位", "string", "internal"),
                ("contribution_base", "缴费基数", "number", "confidential"),
                ("status", "参保状态", "string", "internal"),
            ],
            "conditional",
            "monthly",
            ["社保", "social-insurance"],
        ),
        _catalog(
            "hr-unemployment-registration",
            "hrss",
            ["hr-employment"],
            "失业登记信息",
            "Unemployment registration",
            [
                *PERSON,
                ("registered_on", "登记日期", "date", "internal"),
                ("benefit_status", "失业保险金领取状态", "string", "confidential"),
            ],
            "conditional",
            "monthly",
            ["就业", "employment"],
        ),
        _catalog(
            "hr-vocational-certificates",
            "hrss",
            ["hr-skills"],
            "职业技能等级证书信息",
            "Vocational skill certificates",
            [
                ("certificate_no", "证书编号", "string", "public"),
                ("holder_name", "持证人", "string", "internal"),
                ("occupation", "职业（工种）", "string", "public"),
                ("level", "等级", "integer", "public"),
            ],
            "unconditional",
            "monthly",
            ["职业技能", "skills"],
        ),
    ]


def _market_catalogs() -> list[dict[str, Any]]:
    return [
        _catalog(
            "mr-business-licences",
            "market-regulation",
            ["mr-registration"],
            "市场主体登记信息（营业执照）",
            "Business licences",
            [
                ("uscc", "统一社会信用代码", "string", "public"),
                ("entity_name", "主体名称", "string", "public"),
                ("legal_representative", "法定代表人", "string", "public"),
                ("registered_capital", "注册资本（万元）", "number", "public"),
                ("established_on", "成立日期", "date", "public"),
                ("status", "登记状态", "string", "public"),
            ],
            "unconditional",
            "daily",
            ["企业", "business", "open-data"],
            open_type="open",
        ),
        _catalog(
            "mr-food-business-permits",
            "market-regulation",
            ["mr-food-safety"],
            "食品经营许可信息",
            "Food business permits",
            [
                ("permit_no", "许可证编号", "string", "public"),
                ("operator", "经营者名称", "string", "public"),
                ("valid_until", "有效期至", "date", "public"),
            ],
            "unconditional",
            "daily",
            ["食品安全", "food-safety"],
            open_type="open",
        ),
        _catalog(
            "mr-special-equipment",
            "market-regulation",
            ["mr-special-equipment"],
            "特种设备使用登记信息",
            "Special equipment registry",
            [
                ("equipment_code", "设备代码", "string", "internal"),
                ("category", "设备类别", "string", "internal"),
                ("user_unit", "使用单位", "string", "internal"),
                ("next_inspection", "下次检验日期", "date", "internal"),
            ],
            "conditional",
            "weekly",
            ["特种设备", "safety"],
        ),
        _catalog(
            "mr-administrative-penalties",
            "market-regulation",
            ["mr-enforcement"],
            "行政处罚信息",
            "Administrative penalties",
            [
                ("decision_no", "处罚决定书文号", "string", "public"),
                ("party", "当事人", "string", "public"),
                ("violation", "违法行为类型", "string", "public"),
                ("decided_on", "处罚决定日期", "date", "public"),
            ],
            "unconditional",
            "daily",
            ["信用", "enforcement"],
            open_type="open",
        ),
    ]


def _bureau_catalogs() -> list[dict[str, Any]]:
    return [
        _catalog(
            "db-resource-index",
            "data-bureau",
            ["db-data-sharing"],
            "政务数据资源目录索引",
            "Government data resource index",
            [
                ("catalog_code", "目录编码", "string", "public"),
                ("catalog_name", "目录名称", "string", "public"),
                ("provider", "提供部门", "string", "public"),
            ],
            "unconditional",
            "daily",
            ["目录", "open-data"],
            open_type="open",
            fmt="JSON",
        ),
        _catalog(
            "db-population-base",
            "data-bureau",
            ["db-data-sharing"],
            "人口综合库（草案）",
            "Population base database (draft)",
            [
                *PERSON,
                ("household_address", "户籍地址", "string", "confidential"),
                ("residence_address", "居住地址", "string", "confidential"),
            ],
            "conditional",
            "daily",
            ["基础库", "population"],
        ),
    ]


def _departments() -> list[Tx]:
    return [
        (
            BUREAU,
            ADMIN,
            "RegisterDepartment",
            {
                "id": dept_id,
                "name": {"zh": zh, "en": en},
                "parent_id": parent,
                "level": level,
                "msp_id": msp,
                "contact": {"name": person, "email": f"{dept_id}@city.example", "phone": phone},
            },
        )
        for dept_id, zh, en, parent, level, msp, person, phone in DEPARTMENTS
    ]


def _msp_of(department_id: str) -> str:
    return next(row[5] for row in DEPARTMENTS if row[0] == department_id)


def _responsibilities() -> list[Tx]:
    return [
        (
            _msp_of(dept),
            ADMIN,
            "CreateResponsibility",
            {
                "id": resp_id,
                "department_id": dept,
                "code": code,
                "title": {"zh": zh, "en": en},
                "description": f"依法履行{zh}职责。",
                "legal_basis": basis,
            },
        )
        for resp_id, dept, code, zh, en, basis in RESPONSIBILITIES
    ]


def _catalogs() -> list[Tx]:
    txs: list[Tx] = []
    groups = [
        _civil_affairs_catalogs(),
        _district_catalogs(),
        _health_catalogs(),
        _transport_catalogs(),
        _education_catalogs(),
        _hrss_catalogs(),
        _market_catalogs(),
        _bureau_catalogs(),
    ]
    for group in groups:
        by_msp: dict[str, list[dict[str, Any]]] = {}
        for catalog in group:
            by_msp.setdefault(_msp_of(catalog["department_id"]), []).append(catalog)
        for msp, catalogs in by_msp.items():
            if len(catalogs) == 1:
                txs.append((msp, ADMIN, "CreateCatalog", catalogs[0]))
            else:
                txs.append((msp, ADMIN, "CreateCatalogs", {"catalogs": catalogs}))
    for catalog in (c for group in groups for c in group):
        if catalog["id"] != "db-population-base":  # stays a draft
            txs.append((_msp_of(catalog["department_id"]), ADMIN, "PublishCatalog", {"id": catalog["id"]}))
    return txs


def _lifecycle() -> list[Tx]:
    beds_items = [
        {"name": "hospital_code", "title": "医疗机构代码", "type": "string", "sensitivity": "public"},
        {"name": "hospital_name", "title": "医疗机构名称", "type": "string", "sensitivity": "public"},
        {"name": "total_beds", "title": "编制床位数", "type": "integer", "sensitivity": "public"},
        {"name": "available_beds", "title": "空余床位数", "type": "integer", "sensitivity": "internal"},
        {"name": "icu_beds", "title": "重症监护床位数", "type": "integer", "sensitivity": "internal"},
        {"name": "updated_at", "title": "更新时间", "type": "datetime", "sensitivity": "public"},
    ]
    return [
        (HEALTH, ADMIN, "UpdateCatalog", {"id": "hw-hospital-beds", "items": beds_items}),
        (
            BUREAU,
            ADMIN,
            "DeprecateCatalog",
            {
                "id": "tr-metro-ridership-legacy",
                "reason": "由轨道交通客流实时库替代 / replaced by the real-time ridership feed",
            },
        ),
    ]


def _request(
    request_id: str,
    requester: str,
    catalog: str,
    items: list[str],
    purpose: str,
    basis: str,
    until: str = UNTIL,
) -> Tx:
    return (
        _msp_of(requester),
        CLIENT,
        "RequestAccess",
        {
            "id": request_id,
            "requester_id": requester,
            "catalog_id": catalog,
            "items": items,
            "purpose": purpose,
            "legal_basis": basis,
            "requested_until": until,
        },
    )


def _access() -> list[Tx]:
    return [
        # Unconditional shares: approved by the catalog's policy in the same transaction.
        _request(
            "req-transport-beds",
            "transport",
            "hw-hospital-beds",
            [],
            "急救车辆调度参考空余床位 / Ambulance dispatch by free bed capacity",
            "《院前医疗急救管理办法》",
        ),
        _request(
            "req-civil-licences",
            "civil-affairs",
            "mr-business-licences",
            ["uscc", "entity_name", "status"],
            "低保家庭经营性收入核对 / Checking business income of allowance households",
            "《社会救助暂行办法》第十一条",
        ),
        # Conditional, approved by the owner.
        _request(
            "req-health-dibao",
            "health",
            "ca-dibao-recipients",
            ["person_name", "id_card_no", "district_code"],
            "低保对象医疗救助资格认定 / Medical assistance eligibility of allowance recipients",
            "《社会救助暂行办法》第二十八条",
        ),
        (
            CIVIL,
            ADMIN,
            "ApproveRequest",
            {"id": "req-health-dibao", "reason": "符合医疗救助资格核验需要 / needed for eligibility checks"},
        ),
        _request(
            "req-haidian-medical",
            "haidian-civil-affairs",
            "hw-medical-assistance",
            [],
            "辖区困难群众医疗救助统计 / Medical assistance statistics for the district",
            "《社会救助暂行办法》第二十八条",
            "2027-06-30",
        ),
        (
            HEALTH,
            ADMIN,
            "ApproveRequest",
            {
                "id": "req-haidian-medical",
                "reason": "同意，有效期一年 / approved for one year",
                "valid_until": "2027-06-30",
            },
        ),
        # Pending.
        _request(
            "req-education-dibao",
            "education",
            "ca-dibao-recipients",
            ["person_name", "id_card_no"],
            "困难家庭学生资助精准认定 / Targeting student aid to low-income families",
            "《学生资助资金管理办法》",
        ),
        _request(
            "req-hrss-medical",
            "hrss",
            "hw-medical-assistance",
            ["person_name", "id_card_no", "amount"],
            "大病保险与医疗救助衔接 / Linking critical illness insurance and medical assistance",
            "《中华人民共和国社会保险法》",
        ),
        # Rejected.
        _request(
            "req-market-vaccination",
            "market-regulation",
            "hw-vaccination-records",
            ["vaccine_code"],
            "疫苗流通监管 / Vaccine distribution oversight",
            "《中华人民共和国疫苗管理法》",
        ),
        (
            HEALTH,
            ADMIN,
            "RejectRequest",
            {
                "id": "req-market-vaccination",
                "reason": (
                    "个人接种记录超出疫苗流通监管所需，请改用疫苗批签发数据 / "
                    "personal records exceed the stated need"
                ),
            },
        ),
        # Withdrawn.
        _request(
            "req-hrss-disability",
            "hrss",
            "ca-disability-registry",
            ["person_name", "disability_category"],
            "残疾人就业保障金核定 / Disability employment levy",
            "《残疾人就业条例》",
        ),
        (BUREAU, CLIENT, "WithdrawRequest", {"id": "req-hrss-disability"}),
        # Approved, then revoked.
        _request(
            "req-civil-insurance",
            "civil-affairs",
            "hr-social-insurance",
            ["person_name", "status"],
            "低保对象就业状况核对 / Employment status of allowance recipients",
            "《社会救助暂行办法》第十一条",
        ),
        (BUREAU, ADMIN, "ApproveRequest", {"id": "req-civil-insurance", "reason": "同意 / approved"}),
        (
            BUREAU,
            ADMIN,
            "RevokeGrant",
            {
                "id": "grant-req-civil-insurance",
                "reason": "核对工作已完成，收回授权 / checks completed",
            },
        ),
        # Recorded uses under live grants.
        (
            HEALTH,
            CLIENT,
            "RecordUsage",
            {
                "id": "use-health-dibao-1",
                "grant_id": "grant-req-health-dibao",
                "department_id": "health",
                "items": ["person_name", "id_card_no"],
                "purpose_ref": "医疗救助资格批量核验 2026-11",
                "record_count": 1824,
            },
        ),
        (
            BUREAU,
            CLIENT,
            "RecordUsage",
            {
                "id": "use-transport-beds-1",
                "grant_id": "grant-req-transport-beds",
                "department_id": "transport",
                "items": ["hospital_name", "available_beds"],
                "purpose_ref": "120 急救调度",
                "record_count": 96,
            },
        ),
    ]


def seed_transactions() -> list[Tx]:
    return [*_departments(), *_responsibilities(), *_catalogs(), *_lifecycle(), *_access()]
