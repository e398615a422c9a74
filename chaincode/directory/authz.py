"""Who may do what; kept apart from the actions so each rule reads in one place.

Reads are open to every member of the channel (any MSP, any role), so only writes call
these checks.
"""

from __future__ import annotations

from typing import Any

from .errors import failed_precondition, forbidden
from .identity import Caller

BUREAU_MSP = "DataBureauMSP"
MEMBER_ROLES = ("admin", "client")


def require_bureau_admin(caller: Caller, action: str) -> None:
    """Rule 1: the data bureau's admins keep the department register."""
    if caller.msp_id != BUREAU_MSP or caller.role != "admin":
        raise forbidden(
            f"only admins of {BUREAU_MSP} may {action}; the caller is {caller.describe()}",
            required_msp=BUREAU_MSP,
            required_role="admin",
        )


def require_admin_of(caller: Caller, department: dict[str, Any], action: str) -> None:
    """Rule 2: a department's own records are changed only by admins of its MSP."""
    msp = department["msp_id"]
    if caller.msp_id != msp or caller.role != "admin":
        raise forbidden(
            f"only admins of {msp} may {action} for department {department['id']}; "
            f"the caller is {caller.describe()}",
            required_msp=msp,
            required_role="admin",
        )


def require_member_of(caller: Caller, department: dict[str, Any], action: str) -> None:
    """Admins and clients of the department's MSP act on its behalf (peers/orderers only read)."""
    msp = department["msp_id"]
    if caller.msp_id != msp or caller.role not in MEMBER_ROLES:
        raise forbidden(
            f"only admins or clients of {msp} may {action} for department {department['id']}; "
            f"the caller is {caller.describe()}",
            required_msp=msp,
            required_role="admin or client",
        )


def require_active(department: dict[str, Any], action: str) -> None:
    """Rule 3: a suspended department neither writes nor requests (yet its admins may still
    revoke its grants, see access.revoke: narrowing access is always possible)."""
    if department["status"] != "active":
        raise failed_precondition(
            f"department {department['id']} is suspended and cannot {action}",
            department_id=department["id"],
        )
