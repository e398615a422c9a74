// Every label in Chinese and English. t(key, vars, fallback); bi({zh, en}) for bilingual data.
const LANG_KEY = 'citydir.lang';

const en = {
  'app.title': 'City data directory',
  'app.subtitle': 'Departments, data catalogs and access — on the ledger',
  'app.footer': 'Every change is a transaction on the citydir channel; the chaincode decides who may do what.',
  'lang.switch': 'Switch language',
  'banner.embedded': "Embedded ledger (one machine): none of Fabric's multi-organisation guarantees — one operator holds every key.",

  'nav.skip': 'Skip to content', 'nav.menu': 'Menu', 'nav.dashboard': 'Dashboard', 'nav.directory': 'Directory',
  'nav.catalogs': 'Catalogs', 'nav.access': 'Access', 'nav.admin': 'Admin', 'nav.ledger': 'Ledger',

  'auth.title': 'Sign in', 'auth.intro': 'Sign in with the API token issued to your department (an admin or a client token).',
  'auth.token': 'API token', 'auth.tokenHint': 'Kept in this browser tab only, and forgotten when the tab closes.',
  'auth.signin': 'Sign in', 'auth.signout': 'Sign out', 'auth.signedIn': 'Signed in',
  'auth.signedOut': 'Signed out.', 'auth.welcome': 'Signed in.', 'auth.rejected': 'The API did not accept this token.',
  'auth.expired': 'Your session has ended (token unknown or expired). Please sign in again.',

  'common.loading': 'Loading…', 'common.error': 'Something went wrong', 'common.retry': 'Try again',
  'common.notFound': 'Page not found', 'common.dismiss': 'Dismiss', 'common.confirm': 'Confirm', 'common.cancel': 'Cancel',
  'common.save': 'Save', 'common.edit': 'Edit', 'common.remove': 'Remove', 'common.reset': 'Reset', 'common.apply': 'Apply',
  'common.refresh': 'Refresh', 'common.all': 'All', 'common.choose': '— choose —', 'common.actions': 'Actions',
  'common.status': 'Status', 'common.reason': 'Reason', 'common.description': 'Description', 'common.id': 'Identifier',
  'common.created': 'Created', 'common.updated': 'Updated', 'common.time': 'Time', 'common.breadcrumb': 'Breadcrumb',
  'common.titleZh': 'Title (Chinese)', 'common.titleEn': 'Title (English)', 'common.prev': '‹ Previous', 'common.next': 'Next ›',
  'common.page': 'Page {n}', 'common.shown': '{n} shown',
  'common.savedTx': 'Saved on the ledger: transaction {tx}, block {block}.', 'common.back': '‹ Back',
  'nf.entity': 'No {what} “{id}” on the ledger', 'nf.page': 'Page not found',
  'nf.lead': 'The link may be mistyped or out of date: nothing with this identifier is on the ledger now.',
  'nf.pageLead': 'There is no page at this address.',
  'nf.back.catalogs': 'Back to the catalog list', 'nf.back.directory': 'Back to the directory',
  'nf.back.access': 'Back to access requests', 'nf.back.admin': 'Back to department administration',
  'nf.back.ledger': 'Back to the ledger', 'nf.back.dashboard': 'Go to the dashboard',

  'err.network': 'The gateway cannot be reached. Check your connection and try again.',
  'err.unexpected': 'Something unexpected went wrong in the page.', 'err.badResponse': 'The gateway sent an answer that is not JSON.',
  'err.status': 'The gateway answered with error {status}.', 'err.retryable': 'This may succeed if you try again.',
  'err.detail': 'Server message',
  'err.code.UNAUTHENTICATED': 'You are not signed in, or your session has ended.',
  'err.code.FORBIDDEN': 'You are not permitted to do this.',
  'err.forbiddenRole': 'Not permitted: only {role} of {msp} may do this.',
  'err.role.admin': 'administrators', 'err.role.client': 'clients', 'err.role.member': 'members (administrators or clients)',
  'err.code.NOT_FOUND': 'Not found: it does not exist, or no longer does.',
  'err.notFoundEntity': 'Not found: there is no {what} “{id}”.',
  'err.code.CONFLICT': 'This conflicts with what is already on the ledger.',
  'err.exists': '“{id}” already exists.',
  'err.concurrent': 'Someone else changed this at the same time, so your change was not saved. Please try again.',
  'err.code.FAILED_PRECONDITION': 'Not possible in the current state.',
  'err.stateNow': 'Not possible: “{id}” is now {status}.',
  'err.code.INVALID_ARGUMENT': 'The input was not accepted.',
  'err.invalidField': 'The input was not accepted: check {field}.',
  'err.code.INTERNAL': 'An internal error occurred. Please try again later.',
  'err.code.UNAVAILABLE': "The ledger's peers cannot be reached right now. Please try again in a moment.",
  'err.code.ENDORSEMENT_FAILED': 'The peers did not endorse this transaction, so nothing was changed.',
  'err.code.TRANSACTION_INVALID': 'The ledger refused the transaction ({reason}), so nothing was changed.',
  'err.code.COMMIT_STATUS_UNKNOWN': 'Sent, but the ledger did not confirm it in time: it may still take effect. Look the transaction up before trying again.',
  'err.code.PAYLOAD_TOO_LARGE': 'This is too large for the gateway.',
  'err.code.METHOD_NOT_ALLOWED': 'The gateway does not support this operation.',
  'err.code.UNSUPPORTED_MEDIA_TYPE': 'The gateway does not accept this kind of content.',
  'err.code.TOKEN_IN_QUERY': 'The gateway refused a credential sent in the address (it belongs in the Authorization header).',
  'err.code.BAD_RESPONSE': 'The gateway sent an answer that is not JSON.',
  'err.txr.ENDORSEMENT_POLICY_FAILURE': 'its endorsement policy was not met',
  'err.txr.MVCC_READ_CONFLICT': 'data it read was changed meanwhile',
  'err.txr.PHANTOM_READ_CONFLICT': 'data it read was changed meanwhile',
  'err.txr.other': 'validation result {code}',

  'v.required': 'This field is required.', 'v.slug': 'Use 2–63 characters: lower-case letters, digits and hyphens, starting with a letter.',
  'v.slugHint': 'e.g. health-beds (lower-case letters, digits, hyphens; cannot be changed later)',
  'v.email': 'Enter a valid e-mail address.', 'v.date': 'Enter a valid date (YYYY-MM-DD).', 'v.future': 'The date must be today or later.',
  'v.number': 'Enter a number.', 'v.min': 'Must be at least {min}.', 'v.msp': 'Enter an MSP ID such as HealthMSP.',
  'v.txId': 'A transaction id is 64 hexadecimal characters.',

  'perm.bureauOnly': 'Only administrators of the data bureau (DataBureauMSP) may register or change departments.',
  'perm.deptAdminOnly': "Only administrators of this department's organisation may change it; the ledger will refuse others.",

  'dash.title': 'Dashboard', 'dash.lead': 'The shared directory at a glance.', 'dash.summary': 'Summary',
  'dash.departments': 'Departments', 'dash.publishedCatalogs': 'Published catalogs', 'dash.pendingIncoming': 'Requests awaiting my decision',
  'dash.activeGrants': 'Active grants I hold', 'dash.catalogsPerDept': 'Catalogs per department', 'dash.shareTypes': 'Share types',
  'dash.catalogsUnit': 'catalogs', 'dash.requestsOverTime': 'Access requests over time', 'dash.expiring': 'Grants expiring within {days} days',
  'dash.noCatalogs': 'No catalogs yet.', 'dash.noneExpiring': 'No grant of yours expires within {days} days.', 'dash.daysLeft': '{n} d',
  'dash.requestsNote': 'Per day filed: {incoming} incoming and {outgoing} outgoing requests.',

  'dir.title': 'Directory', 'dir.lead': 'Municipal → district → subdistrict departments, each with its organisation (MSP).',
  'dir.filter': 'Filter departments', 'dir.tree': 'Department tree', 'dir.none': 'No departments registered yet.',

  'dept.id': 'Identifier', 'dept.name': 'Name', 'dept.nameZh': 'Name (Chinese)', 'dept.nameEn': 'Name (English)', 'dept.level': 'Level',
  'dept.msp': 'Organisation (MSP)', 'dept.parent': 'Parent department', 'dept.noParent': '(none: top level)', 'dept.contact': 'Contact',
  'dept.contactName': 'Contact name', 'dept.contactEmail': 'Contact e-mail', 'dept.contactPhone': 'Contact phone',
  'dept.children': 'Subordinate departments', 'dept.suspendReason': 'Suspension reason',

  'resp.title': 'Statutory responsibilities', 'resp.new': 'Add responsibility', 'resp.edit': 'Edit responsibility', 'resp.code': 'Code',
  'resp.titleCol': 'Responsibility', 'resp.legalBasis': 'Legal basis', 'resp.none': 'No responsibilities recorded.',
  'resp.noneLinked': 'No responsibilities linked.',

  'cat.title': 'Data catalogs', 'cat.new': 'New catalog', 'cat.editTitle': 'Edit catalog {id}', 'cat.none': 'No catalogs.',
  'cat.search': 'Search', 'cat.searchPlaceholder': 'Words or 中文, e.g. 低保 or allowance', 'cat.searchBtn': 'Search',
  'cat.results': 'Results', 'cat.noMatch': 'No catalog matches.', 'cat.department': 'Department', 'cat.shareType': 'Share type',
  'cat.tag': 'Tag', 'cat.tags': 'Tags', 'cat.titleCol': 'Catalog', 'cat.version': 'Version', 'cat.overview': 'Overview',
  'cat.shareConditions': 'Share conditions', 'cat.openType': 'Open type', 'cat.updateFrequency': 'Update frequency',
  'cat.format': 'Format', 'cat.sourceSystem': 'Source system', 'cat.endpoint': 'Endpoint', 'cat.schemaHash': 'Schema hash',
  'cat.items': 'Data items', 'cat.item': 'Item', 'cat.noItems': 'No items.', 'cat.publish': 'Publish', 'cat.deprecate': 'Deprecate',
  'cat.deprecateTitle': 'Deprecate this catalog?', 'cat.addItem': 'Add item', 'cat.removeItem': 'Remove item {n}',
  'cat.conditionsHint': 'Required for conditional sharing: what a requester must satisfy.',
  'cat.conditionsRequired': 'Conditional sharing needs its conditions.', 'cat.openHint': 'e.g. open, restricted, closed',
  'cat.freqHint': 'e.g. realtime, daily, weekly, monthly', 'cat.tagsHint': 'Separate tags with commas.',
  'cat.pickDeptFirst': 'Choose the department first.', 'cat.duplicateItem': 'Item names must be unique.',
  'cat.needItem': 'A catalog needs at least one data item.', 'cat.noChanges': 'Nothing changed.',

  'item.name': 'Field name', 'item.title': 'Title', 'item.type': 'Type', 'item.sensitivity': 'Sensitivity',

  'hist.title': 'Version history', 'hist.none': 'No history.', 'hist.version': 'Version {n}', 'hist.deleted': 'Deleted',
  'hist.who': 'Written by', 'hist.changed': 'Changed', 'hist.created': 'Created',
  'hist.unavailable': 'The history of this record is not available yet.',

  'req.requestAccess': 'Request access', 'req.requester': 'Requesting department', 'req.owner': 'Owning department',
  'req.items': 'Data items', 'req.purpose': 'Purpose', 'req.purposeHint': 'What the data is for, as the owner will read it.',
  'req.legalBasis': 'Legal basis', 'req.until': 'Needed until', 'req.submit': 'Send request', 'req.selectAll': 'Select all',
  'req.pickItems': 'Choose at least one data item.',
  'req.noDepartment': 'Your organisation has no department that may request this catalog.',
  'req.shareNote.conditional': 'Conditional sharing: the owning department decides on each request.',
  'req.shareNote.unconditional': 'Unconditional sharing: access is granted as soon as the request is recorded.',
  'req.shareNote.none': 'This catalog is not shared.',
  'req.filed': 'Request recorded (transaction {tx}). The owner will decide.', 'req.grantedAtOnce': 'Access granted (transaction {tx}).',
  'req.approve': 'Approve', 'req.reject': 'Reject', 'req.withdraw': 'Withdraw', 'req.approveTitle': 'Approve request {id}',
  'req.approveMsg': '{dept} asks for: {items}', 'req.validHint': 'Empty: as requested.', 'req.rejectTitle': 'Reject request {id}',
  'req.withdrawTitle': 'Withdraw request {id}?', 'req.withdrawMsg': 'The owner will no longer see it as pending.',
  'req.approved': 'Approved: transaction {tx}, block {block}.', 'req.rejected': 'Rejected: transaction {tx}, block {block}.',
  'req.withdrawn': 'Withdrawn: transaction {tx}, block {block}.',
  'req.inboxEmpty': 'No requests for your catalogs.', 'req.outboxEmpty': 'You have not requested any catalog.',
  'req.wholeCatalog': 'The whole catalog (all its items)', 'req.details': 'Details and history', 'req.title': 'Access request',
  'req.pageTitle': 'Access request: {title}',
  'req.requestedBy': 'Requested by', 'req.decidedBy': 'Decided by', 'req.decidedAt': 'Decided',

  'grant.id': 'Grant', 'grant.grantee': 'Grantee', 'grant.catalog': 'Catalog', 'grant.validUntil': 'Valid until',
  'grant.onCatalog': 'Grants on this catalog', 'grant.none': 'No grants.', 'grant.noneHeld': 'Your department holds no grants.',
  'grant.revoke': 'Revoke', 'grant.revokeTitle': 'Revoke grant {id}', 'grant.revoked': 'Grant revoked (transaction {tx}).',
  'grant.title': 'Grant', 'grant.pageTitle': 'Grant: {title}', 'grant.validFrom': 'Valid from', 'grant.request': 'Request', 'grant.revokedBy': 'Revoked by',
  'grant.revokedAt': 'Revoked', 'grant.usage': 'Usage under this grant',

  'access.title': 'Access', 'access.actingDept': 'Acting department', 'access.defaultDept': "(my organisation's department)",
  'access.allMyDepts': "(all my organisation's departments)",
  'access.tab.inbox': 'Inbox', 'access.tab.outbox': 'Outbox', 'access.tab.grants': 'Grants held', 'access.tab.usage': 'Usage',
  'access.tab.check': 'Access check',

  'usage.title': 'Usage records', 'usage.record': 'Record a use', 'usage.grant': 'Grant', 'usage.itemsHint': 'Comma-separated field names.',
  'usage.purposeRef': 'Purpose reference', 'usage.count': 'Records used', 'usage.submit': 'Record', 'usage.none': 'No usage recorded.',
  'usage.noGrants': 'No active grant to record a use under.',

  'check.title': 'Access check', 'check.lead': 'May a department use a data item of a catalog now? The ledger answers.',
  'check.department': 'Department', 'check.catalog': 'Catalog', 'check.item': 'Data item', 'check.check': 'Check',
  'check.allowed': 'Allowed', 'check.denied': 'Not allowed',
  'check.reason.owner': 'the department owns the catalog', 'check.reason.grant': 'an active grant covers the item',
  'check.reason.no-grant': 'no active grant covers the item', 'check.reason.unknown-item': 'the catalog has no such item',
  'check.reason.department-suspended': 'the department is suspended',
  'check.reason.no-grant-register': 'the catalog has no grant register, so no grant counts',
  'check.reason.expired': 'the grant covering the item has expired', 'check.reason.revoked': 'the grant covering the item was revoked',
  'check.reason.not-yet-valid': 'the grant covering the item is not valid yet', 'check.reason.void': "the grant is not in the owner's grant register",
  'check.reason.other': 'reason code {code}',

  'admin.title': 'Departments (administration)', 'admin.register': 'Register department', 'admin.editTitle': 'Edit {name}',
  'admin.suspend': 'Suspend', 'admin.reactivate': 'Reactivate', 'admin.suspendTitle': 'Suspend {name}',
  'admin.suspendMsg': 'A suspended department cannot publish, request or approve.', 'admin.reactivateTitle': 'Reactivate {name}?',
  'admin.parentHint': 'District departments sit under a municipal one, subdistrict under a district one.',
  'admin.municipalNoParent': 'A municipal department has no parent.', 'admin.parentRequired': 'Choose a {level} parent department.',
  'admin.parentLevel': 'The parent must be a {level} department.',

  'ledger.title': 'Ledger', 'ledger.peers': 'Peers', 'ledger.peer': 'Peer', 'ledger.address': 'Address', 'ledger.height': 'Height',
  'ledger.behind': '{n} behind', 'ledger.unreachable': 'unreachable', 'ledger.noPeers': 'No peer reported.', 'ledger.channel': 'Channel',
  'ledger.chainHeight': 'Block height', 'ledger.recent': 'Recent blocks', 'ledger.noBlocks': 'No blocks.', 'ledger.block': 'block',
  'ledger.txCount': '{n} transaction(s)', 'ledger.events': 'Live chaincode events', 'ledger.waiting': 'Waiting for events…',
  'ledger.pause': 'Pause', 'ledger.resume': 'Resume', 'ledger.tx': 'Transaction', 'ledger.txId': 'Transaction id',
  'ledger.txTitle': 'Transaction', 'ledger.lastWrite': 'Last written by', 'ledger.lookup': 'Transaction id', 'ledger.open': 'Open',
  'ledger.txNotFound': 'No such transaction on the channel.', 'ledger.pendingNote': 'Not committed yet; checking again…',
  'ledger.sse.connecting': 'connecting', 'ledger.sse.live': 'live', 'ledger.sse.reconnecting': 'reconnecting',
  'ledger.sse.paused': 'paused', 'ledger.sse.unavailable': 'unavailable',
  'ledger.kind': 'Ledger', 'ledger.kind.fabric': 'Hyperledger Fabric', 'ledger.kind.embedded': 'Embedded (one machine, one SQLite file)',
  'ledger.embeddedNote': 'No endorsement and no key-level policies: one process writes every block and is its only witness. Each block records the hash of the block before it.',
  'ledger.store': 'Ledger file', 'ledger.hash': 'Hash', 'ledger.previousHash': 'Previous hash',

  'tx.VALID': 'Valid', 'tx.pending': 'Pending', 'tx.MVCC_READ_CONFLICT': 'Invalid: read conflict',
  'tx.ENDORSEMENT_POLICY_FAILURE': 'Invalid: endorsement policy not met', 'tx.unknown': 'Unknown',

  'share.unconditional': 'Unconditional', 'share.conditional': 'Conditional', 'share.none': 'Not shared',
  'sensitivity.public': 'Public', 'sensitivity.internal': 'Internal', 'sensitivity.confidential': 'Confidential', 'sensitivity.secret': 'Secret',
  'status.draft': 'Draft', 'status.published': 'Published', 'status.deprecated': 'Deprecated', 'status.active': 'Active',
  'status.suspended': 'Suspended', 'status.retired': 'Retired', 'status.pending': 'Pending', 'status.approved': 'Approved',
  'status.rejected': 'Rejected', 'status.withdrawn': 'Withdrawn', 'status.revoked': 'Revoked', 'status.expired': 'Expired',
  'status.void': 'Void (not in the owner\'s grant register)',
  'level.municipal': 'Municipal', 'level.district': 'District', 'level.subdistrict': 'Subdistrict',
  'role.admin': 'Admin', 'role.client': 'Client',
  'open.open': 'Open', 'open.conditional': 'Open on conditions', 'open.none': 'Not open',
  'freq.realtime': 'Real time', 'freq.daily': 'Daily', 'freq.weekly': 'Weekly', 'freq.monthly': 'Monthly',
  'freq.quarterly': 'Quarterly', 'freq.yearly': 'Yearly', 'freq.irregular': 'Irregular',
  'type.string': 'Text', 'type.integer': 'Integer', 'type.number': 'Number', 'type.boolean': 'Yes/no', 'type.date': 'Date',
  'type.datetime': 'Date and time', 'type.geo': 'Location', 'type.binary': 'Binary',
  'entity.department': 'department', 'entity.responsibility': 'responsibility', 'entity.catalog': 'catalog',
  'entity.request': 'request', 'entity.grant': 'grant', 'entity.usage': 'usage',
  'event.DepartmentRegistered': 'Department registered', 'event.DepartmentUpdated': 'Department updated',
  'event.DepartmentSuspended': 'Department suspended', 'event.DepartmentReactivated': 'Department reactivated',
  'event.ResponsibilityCreated': 'Responsibility created', 'event.ResponsibilityUpdated': 'Responsibility updated',
  'event.CatalogCreated': 'Catalog created', 'event.CatalogsCreated': 'Catalogs created', 'event.CatalogUpdated': 'Catalog updated',
  'event.CatalogPublished': 'Catalog published', 'event.CatalogDeprecated': 'Catalog deprecated',
  'event.AccessRequested': 'Access requested', 'event.AccessApproved': 'Access approved', 'event.AccessRejected': 'Access rejected',
  'event.AccessWithdrawn': 'Request withdrawn', 'event.GrantRevoked': 'Grant revoked', 'event.UsageRecorded': 'Usage recorded',
};

const zh = {
  'app.title': '城市数据目录',
  'app.subtitle': '部门、数据目录与授权 —— 全部上链',
  'app.footer': '每一次变更都是 citydir 通道上的一笔交易；谁能做什么由链码决定。',
  'lang.switch': '切换语言',
  'banner.embedded': '演示模式：嵌入式账本（单机）——没有 Fabric 的多组织保证，所有密钥由一个运营方持有。',

  'nav.skip': '跳到正文', 'nav.menu': '菜单', 'nav.dashboard': '概览', 'nav.directory': '部门目录',
  'nav.catalogs': '数据目录', 'nav.access': '共享申请', 'nav.admin': '部门管理', 'nav.ledger': '账本',

  'auth.title': '登录', 'auth.intro': '请使用为本部门签发的 API 令牌（管理员或普通用户令牌）登录。',
  'auth.token': 'API 令牌', 'auth.tokenHint': '仅保存在当前浏览器标签页中，关闭标签页即清除。',
  'auth.signin': '登录', 'auth.signout': '退出', 'auth.signedIn': '已登录',
  'auth.signedOut': '已退出。', 'auth.welcome': '登录成功。', 'auth.rejected': 'API 未接受此令牌。',
  'auth.expired': '会话已结束（令牌无效或已过期），请重新登录。',

  'common.loading': '加载中…', 'common.error': '出错了', 'common.retry': '重试',
  'common.notFound': '页面不存在', 'common.dismiss': '关闭', 'common.confirm': '确认', 'common.cancel': '取消',
  'common.save': '保存', 'common.edit': '编辑', 'common.remove': '删除', 'common.reset': '重置', 'common.apply': '应用',
  'common.refresh': '刷新', 'common.all': '全部', 'common.choose': '— 请选择 —', 'common.actions': '操作',
  'common.status': '状态', 'common.reason': '理由', 'common.description': '说明', 'common.id': '标识',
  'common.created': '创建时间', 'common.updated': '更新时间', 'common.time': '时间', 'common.breadcrumb': '导航路径',
  'common.titleZh': '名称（中文）', 'common.titleEn': '名称（英文）', 'common.prev': '‹ 上一页', 'common.next': '下一页 ›',
  'common.page': '第 {n} 页', 'common.shown': '本页 {n} 条',
  'common.savedTx': '已写入账本：交易 {tx}，区块 {block}。', 'common.back': '‹ 返回',
  'nf.entity': '账本上没有{what}“{id}”', 'nf.page': '页面不存在',
  'nf.lead': '链接可能有误或已过期：账本上目前没有这个标识的记录。',
  'nf.pageLead': '此地址没有对应的页面。',
  'nf.back.catalogs': '返回目录列表', 'nf.back.directory': '返回部门目录',
  'nf.back.access': '返回共享申请', 'nf.back.admin': '返回部门管理',
  'nf.back.ledger': '返回账本', 'nf.back.dashboard': '返回概览',

  'err.network': '无法连接网关，请检查网络后重试。',
  'err.unexpected': '页面发生了意外错误。', 'err.badResponse': '网关返回的内容不是 JSON。',
  'err.status': '网关返回错误 {status}。', 'err.retryable': '重试可能会成功。',
  'err.detail': '服务器信息',
  'err.code.UNAUTHENTICATED': '未登录，或会话已结束。',
  'err.code.FORBIDDEN': '您无权执行此操作。',
  'err.forbiddenRole': '无权操作：只有 {msp} 的{role}可以执行此操作。',
  'err.role.admin': '管理员', 'err.role.client': '普通用户', 'err.role.member': '成员（管理员或普通用户）',
  'err.code.NOT_FOUND': '未找到：该内容不存在或已不存在。',
  'err.notFoundEntity': '未找到：没有{what}“{id}”。',
  'err.code.CONFLICT': '与账本上已有的数据冲突。',
  'err.exists': '“{id}”已存在。',
  'err.concurrent': '其他人同时修改了这条数据，您的修改未保存，请重试。',
  'err.code.FAILED_PRECONDITION': '当前状态下无法执行此操作。',
  'err.stateNow': '无法执行：“{id}”当前状态为「{status}」。',
  'err.code.INVALID_ARGUMENT': '输入未被接受。',
  'err.invalidField': '输入未被接受：请检查 {field}。',
  'err.code.INTERNAL': '发生内部错误，请稍后重试。',
  'err.code.UNAVAILABLE': '暂时无法连接账本节点，请稍后重试。',
  'err.code.ENDORSEMENT_FAILED': '节点没有为此交易背书，数据未改变。',
  'err.code.TRANSACTION_INVALID': '账本拒绝了此交易（{reason}），数据未改变。',
  'err.code.COMMIT_STATUS_UNKNOWN': '已提交，但账本未能及时确认，可能仍会生效。请先查看该交易，再决定是否重试。',
  'err.code.PAYLOAD_TOO_LARGE': '内容过大，网关无法接受。',
  'err.code.METHOD_NOT_ALLOWED': '网关不支持此操作。',
  'err.code.UNSUPPORTED_MEDIA_TYPE': '网关不接受此类内容。',
  'err.code.TOKEN_IN_QUERY': '网关拒绝了放在地址中的凭据（凭据应放在 Authorization 请求头中）。',
  'err.code.BAD_RESPONSE': '网关返回的内容不是 JSON。',
  'err.txr.ENDORSEMENT_POLICY_FAILURE': '未满足背书策略',
  'err.txr.MVCC_READ_CONFLICT': '所读取的数据已被其他交易修改',
  'err.txr.PHANTOM_READ_CONFLICT': '所读取的数据已被其他交易修改',
  'err.txr.other': '校验结果 {code}',

  'v.required': '此项必填。', 'v.slug': '2–63 个字符：小写字母、数字和连字符，以字母开头。',
  'v.slugHint': '例如 health-beds（小写字母、数字、连字符；创建后不可修改）',
  'v.email': '请输入有效的电子邮箱。', 'v.date': '请输入有效日期（YYYY-MM-DD）。', 'v.future': '日期不能早于今天。',
  'v.number': '请输入数字。', 'v.min': '不能小于 {min}。', 'v.msp': '请输入 MSP 标识，例如 HealthMSP。',
  'v.txId': '交易 ID 为 64 位十六进制字符。',

  'perm.bureauOnly': '只有数据局（DataBureauMSP）的管理员可以注册或修改部门。',
  'perm.deptAdminOnly': '只有本部门所属组织的管理员可以修改；其他人的操作会被账本拒绝。',

  'dash.title': '概览', 'dash.lead': '共享目录一览。', 'dash.summary': '摘要',
  'dash.departments': '部门', 'dash.publishedCatalogs': '已发布目录', 'dash.pendingIncoming': '待我审批的申请',
  'dash.activeGrants': '本部门有效授权', 'dash.catalogsPerDept': '各部门目录数', 'dash.shareTypes': '共享类型',
  'dash.catalogsUnit': '个目录', 'dash.requestsOverTime': '共享申请趋势', 'dash.expiring': '{days} 天内到期的授权',
  'dash.noCatalogs': '暂无目录。', 'dash.noneExpiring': '本部门没有 {days} 天内到期的授权。', 'dash.daysLeft': '{n} 天',
  'dash.requestsNote': '按提交日统计：收到 {incoming} 条，发出 {outgoing} 条。',

  'dir.title': '部门目录', 'dir.lead': '市级 → 区级 → 街道级部门，以及各自的组织（MSP）。',
  'dir.filter': '筛选部门', 'dir.tree': '部门树', 'dir.none': '尚未注册部门。',

  'dept.id': '标识', 'dept.name': '名称', 'dept.nameZh': '名称（中文）', 'dept.nameEn': '名称（英文）', 'dept.level': '层级',
  'dept.msp': '所属组织（MSP）', 'dept.parent': '上级部门', 'dept.noParent': '（无：顶级）', 'dept.contact': '联系人',
  'dept.contactName': '联系人姓名', 'dept.contactEmail': '联系人邮箱', 'dept.contactPhone': '联系电话',
  'dept.children': '下级部门', 'dept.suspendReason': '停用理由',

  'resp.title': '法定职责', 'resp.new': '新增职责', 'resp.edit': '编辑职责', 'resp.code': '编码',
  'resp.titleCol': '职责', 'resp.legalBasis': '法律依据', 'resp.none': '尚无职责记录。',
  'resp.noneLinked': '未关联职责。',

  'cat.title': '数据目录', 'cat.new': '新建目录', 'cat.editTitle': '编辑目录 {id}', 'cat.none': '暂无目录。',
  'cat.search': '搜索', 'cat.searchPlaceholder': '关键词，如 低保 或 allowance', 'cat.searchBtn': '搜索',
  'cat.results': '结果', 'cat.noMatch': '没有匹配的目录。', 'cat.department': '部门', 'cat.shareType': '共享类型',
  'cat.tag': '标签', 'cat.tags': '标签', 'cat.titleCol': '目录', 'cat.version': '版本', 'cat.overview': '概要',
  'cat.shareConditions': '共享条件', 'cat.openType': '开放类型', 'cat.updateFrequency': '更新频率',
  'cat.format': '格式', 'cat.sourceSystem': '来源系统', 'cat.endpoint': '接口地址', 'cat.schemaHash': '结构哈希',
  'cat.items': '数据项', 'cat.item': '数据项', 'cat.noItems': '无数据项。', 'cat.publish': '发布', 'cat.deprecate': '废止',
  'cat.deprecateTitle': '确定废止此目录？', 'cat.addItem': '添加数据项', 'cat.removeItem': '删除第 {n} 个数据项',
  'cat.conditionsHint': '有条件共享时必填：申请方须满足的条件。',
  'cat.conditionsRequired': '有条件共享须填写共享条件。', 'cat.openHint': '例如 open、restricted、closed',
  'cat.freqHint': '例如 realtime、daily、weekly、monthly', 'cat.tagsHint': '多个标签用逗号分隔。',
  'cat.pickDeptFirst': '请先选择部门。', 'cat.duplicateItem': '数据项名称不能重复。',
  'cat.needItem': '目录至少需要一个数据项。', 'cat.noChanges': '没有改动。',

  'item.name': '字段名', 'item.title': '名称', 'item.type': '类型', 'item.sensitivity': '敏感级别',

  'hist.title': '版本历史', 'hist.none': '无历史记录。', 'hist.version': '第 {n} 版', 'hist.deleted': '已删除',
  'hist.who': '写入方', 'hist.changed': '变更', 'hist.created': '创建',
  'hist.unavailable': '暂时无法查看此记录的历史。',

  'req.requestAccess': '申请共享', 'req.requester': '申请部门', 'req.owner': '提供部门',
  'req.items': '数据项', 'req.purpose': '用途', 'req.purposeHint': '说明数据用途，提供部门将据此审批。',
  'req.legalBasis': '法律依据', 'req.until': '使用截止日期', 'req.submit': '提交申请', 'req.selectAll': '全选',
  'req.pickItems': '请至少选择一个数据项。',
  'req.noDepartment': '您的组织没有可以申请此目录的部门。',
  'req.shareNote.conditional': '有条件共享：由提供部门逐条审批。',
  'req.shareNote.unconditional': '无条件共享：申请上链后即自动授权。',
  'req.shareNote.none': '此目录不予共享。',
  'req.filed': '申请已上链（交易 {tx}），等待提供部门审批。', 'req.grantedAtOnce': '已获授权（交易 {tx}）。',
  'req.approve': '批准', 'req.reject': '驳回', 'req.withdraw': '撤回', 'req.approveTitle': '批准申请 {id}',
  'req.approveMsg': '{dept} 申请：{items}', 'req.validHint': '留空则按申请期限。', 'req.rejectTitle': '驳回申请 {id}',
  'req.withdrawTitle': '撤回申请 {id}？', 'req.withdrawMsg': '撤回后提供部门将不再看到待审批状态。',
  'req.approved': '已批准：交易 {tx}，区块 {block}。', 'req.rejected': '已驳回：交易 {tx}，区块 {block}。',
  'req.withdrawn': '已撤回：交易 {tx}，区块 {block}。',
  'req.inboxEmpty': '暂无针对本部门目录的申请。', 'req.outboxEmpty': '本部门尚未提出申请。',
  'req.wholeCatalog': '整个目录（全部数据项）', 'req.details': '详情与历史', 'req.title': '共享申请',
  'req.pageTitle': '共享申请：{title}',
  'req.requestedBy': '申请人', 'req.decidedBy': '审批人', 'req.decidedAt': '审批时间',

  'grant.id': '授权', 'grant.grantee': '被授权部门', 'grant.catalog': '目录', 'grant.validUntil': '有效期至',
  'grant.onCatalog': '本目录的授权', 'grant.none': '暂无授权。', 'grant.noneHeld': '本部门暂无授权。',
  'grant.revoke': '撤销', 'grant.revokeTitle': '撤销授权 {id}', 'grant.revoked': '授权已撤销（交易 {tx}）。',
  'grant.title': '授权', 'grant.pageTitle': '授权：{title}', 'grant.validFrom': '生效时间', 'grant.request': '对应申请', 'grant.revokedBy': '撤销人',
  'grant.revokedAt': '撤销时间', 'grant.usage': '此授权下的使用记录',

  'access.title': '共享申请', 'access.actingDept': '代表部门', 'access.defaultDept': '（本组织的部门）',
  'access.allMyDepts': '（本组织的全部部门）',
  'access.tab.inbox': '收到的申请', 'access.tab.outbox': '发出的申请', 'access.tab.grants': '已获授权', 'access.tab.usage': '使用记录',
  'access.tab.check': '权限核验',

  'usage.title': '使用记录', 'usage.record': '登记使用', 'usage.grant': '授权', 'usage.itemsHint': '字段名，用逗号分隔。',
  'usage.purposeRef': '用途编号', 'usage.count': '使用条数', 'usage.submit': '登记', 'usage.none': '暂无使用记录。',
  'usage.noGrants': '没有可登记使用的有效授权。',

  'check.title': '权限核验', 'check.lead': '某部门现在能否使用某目录的某数据项？由账本给出答案。',
  'check.department': '部门', 'check.catalog': '目录', 'check.item': '数据项', 'check.check': '核验',
  'check.allowed': '允许', 'check.denied': '不允许',
  'check.reason.owner': '本部门即目录所有方', 'check.reason.grant': '有有效授权覆盖该数据项',
  'check.reason.no-grant': '没有覆盖该数据项的有效授权', 'check.reason.unknown-item': '该目录没有此数据项',
  'check.reason.department-suspended': '该部门已暂停',
  'check.reason.no-grant-register': '该目录没有授权登记，任何授权均不生效',
  'check.reason.expired': '覆盖该数据项的授权已过期', 'check.reason.revoked': '覆盖该数据项的授权已被撤销',
  'check.reason.not-yet-valid': '覆盖该数据项的授权尚未生效', 'check.reason.void': '该授权未列入所有方的授权登记',
  'check.reason.other': '原因代码 {code}',

  'admin.title': '部门管理', 'admin.register': '注册部门', 'admin.editTitle': '编辑 {name}',
  'admin.suspend': '停用', 'admin.reactivate': '恢复', 'admin.suspendTitle': '停用 {name}',
  'admin.suspendMsg': '停用的部门不能发布、申请或审批。', 'admin.reactivateTitle': '恢复 {name}？',
  'admin.parentHint': '区级部门隶属市级部门，街道级隶属区级部门。',
  'admin.municipalNoParent': '市级部门没有上级部门。', 'admin.parentRequired': '请选择一个{level}上级部门。',
  'admin.parentLevel': '上级部门必须是{level}部门。',

  'ledger.title': '账本', 'ledger.peers': '节点', 'ledger.peer': '节点', 'ledger.address': '地址', 'ledger.height': '区块高度',
  'ledger.behind': '落后 {n}', 'ledger.unreachable': '无法连接', 'ledger.noPeers': '没有节点信息。', 'ledger.channel': '通道',
  'ledger.chainHeight': '区块高度', 'ledger.recent': '最近区块', 'ledger.noBlocks': '没有区块。', 'ledger.block': '区块',
  'ledger.txCount': '{n} 笔交易', 'ledger.events': '实时链码事件', 'ledger.waiting': '等待事件…',
  'ledger.pause': '暂停', 'ledger.resume': '继续', 'ledger.tx': '交易', 'ledger.txId': '交易 ID',
  'ledger.txTitle': '交易', 'ledger.lastWrite': '最后写入', 'ledger.lookup': '交易 ID', 'ledger.open': '查看',
  'ledger.txNotFound': '通道上没有此交易。', 'ledger.pendingNote': '尚未提交，正在重新查询…',
  'ledger.sse.connecting': '连接中', 'ledger.sse.live': '实时', 'ledger.sse.reconnecting': '重连中',
  'ledger.sse.paused': '已暂停', 'ledger.sse.unavailable': '不可用',
  'ledger.kind': '账本类型', 'ledger.kind.fabric': 'Hyperledger Fabric', 'ledger.kind.embedded': '嵌入式（单机，一个 SQLite 文件）',
  'ledger.embeddedNote': '没有背书，也没有键级策略：所有区块由一个进程写入，它也是唯一的见证者。每个区块记录前一区块的哈希。',
  'ledger.store': '账本文件', 'ledger.hash': '区块哈希', 'ledger.previousHash': '前一区块哈希',

  'tx.VALID': '有效', 'tx.pending': '待提交', 'tx.MVCC_READ_CONFLICT': '无效：读写冲突',
  'tx.ENDORSEMENT_POLICY_FAILURE': '无效：未满足背书策略', 'tx.unknown': '未知',

  'share.unconditional': '无条件共享', 'share.conditional': '有条件共享', 'share.none': '不予共享',
  'sensitivity.public': '公开', 'sensitivity.internal': '内部', 'sensitivity.confidential': '敏感', 'sensitivity.secret': '涉密',
  'status.draft': '草稿', 'status.published': '已发布', 'status.deprecated': '已废止', 'status.active': '有效',
  'status.suspended': '已停用', 'status.retired': '已撤销', 'status.pending': '待审批', 'status.approved': '已批准',
  'status.rejected': '已驳回', 'status.withdrawn': '已撤回', 'status.revoked': '已撤销', 'status.expired': '已过期',
  'status.void': '无效（未列入所有方授权登记）',
  'level.municipal': '市级', 'level.district': '区级', 'level.subdistrict': '街道级',
  'role.admin': '管理员', 'role.client': '用户',
  'open.open': '无条件开放', 'open.conditional': '有条件开放', 'open.none': '不予开放',
  'freq.realtime': '实时', 'freq.daily': '每日', 'freq.weekly': '每周', 'freq.monthly': '每月',
  'freq.quarterly': '每季度', 'freq.yearly': '每年', 'freq.irregular': '不定期',
  'type.string': '文本', 'type.integer': '整数', 'type.number': '数值', 'type.boolean': '是/否', 'type.date': '日期',
  'type.datetime': '日期时间', 'type.geo': '位置', 'type.binary': '二进制',
  'entity.department': '部门', 'entity.responsibility': '职责', 'entity.catalog': '目录',
  'entity.request': '申请', 'entity.grant': '授权', 'entity.usage': '使用记录',
  'event.DepartmentRegistered': '部门注册', 'event.DepartmentUpdated': '部门更新',
  'event.DepartmentSuspended': '部门停用', 'event.DepartmentReactivated': '部门恢复',
  'event.ResponsibilityCreated': '职责新增', 'event.ResponsibilityUpdated': '职责更新',
  'event.CatalogCreated': '目录创建', 'event.CatalogsCreated': '目录批量创建', 'event.CatalogUpdated': '目录更新',
  'event.CatalogPublished': '目录发布', 'event.CatalogDeprecated': '目录废止',
  'event.AccessRequested': '提出申请', 'event.AccessApproved': '申请批准', 'event.AccessRejected': '申请驳回',
  'event.AccessWithdrawn': '申请撤回', 'event.GrantRevoked': '授权撤销', 'event.UsageRecorded': '登记使用',
};

export const DICTIONARIES = { en, zh };

function initialLang() {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved === 'zh' || saved === 'en') return saved;
  return (navigator.language || '').toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

let lang = initialLang();
document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';

export const getLang = () => lang;

export function setLang(next) {
  lang = next === 'zh' ? 'zh' : 'en';
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}

/** The label for `key`; `{name}` placeholders filled from `vars`; `fallback` when there is no label. */
export function t(key, vars, fallback) {
  let text = DICTIONARIES[lang][key];
  if (text === undefined) text = fallback !== undefined ? fallback : DICTIONARIES.en[key] ?? key;
  if (vars) text = String(text).replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
  return text;
}

/** Bilingual data ({zh, en}) in the current language, falling back to the other one. */
export function bi(value) {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return String(value);
  return value[lang] || value[lang === 'zh' ? 'en' : 'zh'] || '';
}

/** Labels in static HTML: the elements carrying a data-i18n attribute (its value is the key). */
export function applyStatic(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}
