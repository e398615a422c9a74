"""The chaincode events: one per submitted transaction, named after what happened.

Payload ``{"entity", "id", "version"}`` (the entity's new version); ``CatalogsCreated`` carries
``{"entity": "catalog", "ids": [...], "version": 1}``. Queries emit nothing.
"""

from __future__ import annotations

from enum import StrEnum


class Event(StrEnum):
    DEPARTMENT_REGISTERED = "DepartmentRegistered"
    DEPARTMENT_UPDATED = "DepartmentUpdated"
    DEPARTMENT_SUSPENDED = "DepartmentSuspended"
    DEPARTMENT_REACTIVATED = "DepartmentReactivated"
    RESPONSIBILITY_CREATED = "ResponsibilityCreated"
    RESPONSIBILITY_UPDATED = "ResponsibilityUpdated"
    CATALOG_CREATED = "CatalogCreated"
    CATALOGS_CREATED = "CatalogsCreated"
    CATALOG_UPDATED = "CatalogUpdated"
    CATALOG_PUBLISHED = "CatalogPublished"
    CATALOG_DEPRECATED = "CatalogDeprecated"
    ACCESS_REQUESTED = "AccessRequested"
    ACCESS_APPROVED = "AccessApproved"  # also the automatic approval of an unconditional request
    ACCESS_REJECTED = "AccessRejected"
    ACCESS_WITHDRAWN = "AccessWithdrawn"
    GRANT_REVOKED = "GrantRevoked"
    USAGE_RECORDED = "UsageRecorded"
