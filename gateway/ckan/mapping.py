"""Directory entities as CKAN dicts: departments → organizations, catalogs → packages.

Pure functions (no Flask, no ledger), so the unit tests can check the shapes directly.

- A department is an organization: ``name`` = ``id`` = the department id, ``title`` = the zh
  name, ``description`` = the en name. The hierarchy is kept twice: the parent is the org's
  ``groups`` (``[{"name": <parent id>, "capacity": "public"}]``, the ckanext-hierarchy
  convention) and the ``parent_id`` extra. ``provider_code`` (national guideline), ``level``,
  ``msp_id``, ``status`` and ``title_en`` are extras.
- A catalog is a package: ``id`` = ``name`` = the catalog id, ``title`` = the zh title,
  ``notes`` = the description, ``metadata_created`` = ``created_at``, ``metadata_modified`` =
  the ledger timestamp of the last write (both as CKAN writes them: UTC, no zone suffix),
  ``license_id`` = ``notspecified`` (the ledger carries no licence). Everything else is an
  extra (CKAN core keeps unknown top-level keys only as extras, and harvesters copy extras):
  the directory's own fields and the national-guideline fields when present
  (``resource_code``, ``classification`` as JSON plus ``classification_kind`` and
  ``classification_path`` (a JSON list), ``share_method``, ``related_codes`` (a JSON list),
  ``released_at``, ``no_share_basis``). Absent or empty fields give no extra.
- The data items are the ``items`` extra (a JSON list of ``{name, title, type, description,
  sensitivity}``); the distribution endpoint, when the catalog has one, is the one resource.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

_NS = uuid.UUID("6f1d9a52-3c1e-4f7e-9a51-2b8f0c1d7e43")  # citydir's namespace for derived ids

LICENSE_ID = "notspecified"
LICENSE_TITLE = "License not specified"

# Catalog fields copied as extras as they are (strings, numbers), when present and not empty.
_CATALOG_SCALARS = (
    "share_type",
    "share_conditions",
    "open_type",
    "update_frequency",
    "format",
    "source_system",
    "endpoint",
    "schema_hash",
    "status",
    # national guideline (optional)
    "resource_code",
    "share_method",
    "released_at",
    "no_share_basis",
)
# Catalog fields given as JSON lists (fq matches any element).
_CATALOG_LISTS = ("responsibility_ids", "related_codes")
LIST_EXTRAS = frozenset({*_CATALOG_LISTS, "classification_path"})


def derived_id(*parts: str) -> str:
    """A stable UUID for what the directory names without one (tags, resources)."""
    return str(uuid.uuid5(_NS, "\x1f".join(parts)))


def ckan_time(value: Any) -> str | None:
    """``2026-01-02T03:04:05.123456Z`` → ``2026-01-02T03:04:05.123456`` (CKAN's form)."""
    if not isinstance(value, str) or not value:
        return None
    return value[:-1] if value.endswith("Z") else value


def _localized(value: Any, lang: str) -> str:
    if isinstance(value, Mapping):
        text = value.get(lang) or value.get("zh") or value.get("en") or ""
        return str(text)
    return str(value) if value is not None else ""


def _scalar(value: Any) -> str | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _extras(pairs: Mapping[str, Any]) -> list[dict[str, str]]:
    out = []
    for key in sorted(pairs):
        value = _scalar(pairs[key])
        if value is not None:
            out.append({"key": key, "value": value})
    return out


# --- organizations ---------------------------------------------------------------------------


def organization(
    department: Mapping[str, Any],
    *,
    package_count: int | None = None,
    include_extras: bool = True,
    include_groups: bool = True,
) -> dict[str, Any]:
    dept_id = str(department.get("id", ""))
    name = department.get("name")
    org: dict[str, Any] = {
        "id": dept_id,
        "name": dept_id,
        "title": _localized(name, "zh"),
        "display_name": _localized(name, "zh"),
        "description": _localized(name, "en"),
        "image_url": "",
        "image_display_url": "",
        "created": ckan_time(department.get("created_at")),
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
        "type": "organization",
        "num_followers": 0,
    }
    if package_count is not None:
        org["package_count"] = package_count
    if include_extras:
        org["extras"] = _extras(
            {
                "title_en": _localized(name, "en"),
                "level": department.get("level"),
                "parent_id": department.get("parent_id"),
                "msp_id": department.get("msp_id"),
                "status": department.get("status"),
                "version": department.get("version"),
                "provider_code": department.get("provider_code"),
            }
        )
    if include_groups:
        parent = department.get("parent_id")
        org["groups"] = [{"name": parent, "capacity": "public"}] if parent else []
    return org


def organization_summary(department: Mapping[str, Any] | None, department_id: str) -> dict[str, Any]:
    """The ``organization`` object inside a package."""
    if department is None:  # unreadable department: still name it
        department = {"id": department_id, "name": {"zh": department_id, "en": department_id}}
    org = organization(department, include_extras=False, include_groups=False)
    for key in ("display_name", "image_display_url", "num_followers"):
        org.pop(key, None)
    return org


# --- packages --------------------------------------------------------------------------------


def _classification_extras(classification: Any) -> dict[str, Any]:
    if not isinstance(classification, Mapping):
        return {}
    return {
        "classification": dict(classification),
        "classification_kind": classification.get("kind"),
        "classification_path": classification.get("path"),
    }


def package(catalog: Mapping[str, Any], department: Mapping[str, Any] | None) -> dict[str, Any]:
    cat_id = str(catalog.get("id", ""))
    dept_id = str(catalog.get("department_id", ""))
    raw_ledger = catalog.get("ledger")
    ledger: Mapping[str, Any] = raw_ledger if isinstance(raw_ledger, Mapping) else {}
    created = ckan_time(catalog.get("created_at"))
    modified = ckan_time(ledger.get("timestamp")) or ckan_time(catalog.get("updated_at")) or created
    title = catalog.get("title")
    tags = [
        {"id": derived_id("tag", t), "name": t, "display_name": t, "state": "active", "vocabulary_id": None}
        for t in (catalog.get("tags") or [])
        if isinstance(t, str)
    ]
    resources = []
    endpoint = catalog.get("endpoint")
    if isinstance(endpoint, str) and endpoint:
        resources.append(
            {
                "id": derived_id("resource", cat_id, endpoint),
                "package_id": cat_id,
                "name": _localized(title, "zh"),
                "description": _localized(title, "en"),
                "format": str(catalog.get("format") or ""),
                "url": endpoint,
                "url_type": None,
                "resource_type": "api" if catalog.get("share_method") == "interface" else None,
                "mimetype": None,
                "hash": str(catalog.get("schema_hash") or ""),
                "state": "active",
                "position": 0,
                "created": created,
                "last_modified": modified,
                "metadata_modified": modified,
                "datastore_active": False,
            }
        )
    extras: dict[str, Any] = {name: catalog.get(name) for name in _CATALOG_SCALARS}
    extras.update({name: catalog.get(name) or None for name in _CATALOG_LISTS})
    extras.update(_classification_extras(catalog.get("classification")))
    extras["title_en"] = _localized(title, "en")
    extras["items"] = catalog.get("items") or None
    extras["version"] = catalog.get("version")
    extras["ledger_tx_id"] = ledger.get("tx_id")
    org = organization_summary(department, dept_id)
    contact = department.get("contact") if department is not None else None
    contact = contact if isinstance(contact, Mapping) else {}
    return {
        "id": cat_id,
        "name": cat_id,
        "title": _localized(title, "zh"),
        "notes": str(catalog.get("description") or ""),
        "type": "dataset",
        "state": "active",
        "private": False,
        "isopen": False,
        "license_id": LICENSE_ID,
        "license_title": LICENSE_TITLE,
        "url": "",
        "version": _scalar(catalog.get("version")),
        "author": org["title"],
        "author_email": None,
        "maintainer": contact.get("name"),
        "maintainer_email": contact.get("email"),
        "creator_user_id": None,
        "metadata_created": created,
        "metadata_modified": modified,
        "owner_org": dept_id,
        "organization": org,
        "groups": [],
        "tags": tags,
        "num_tags": len(tags),
        "resources": resources,
        "num_resources": len(resources),
        "extras": _extras(extras),
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }


def extra(pkg: Mapping[str, Any], key: str) -> str | None:
    for pair in pkg.get("extras") or []:
        if pair.get("key") == key:
            value: str = pair["value"]
            return value
    return None
