"""Roles and permissions in a municipality; plugins declare theirs through ``sympraxis_permissions``."""

from __future__ import annotations

from copy import deepcopy
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user

from core import grants as _grants  # noqa: F401 - the PermissionGrant model is part of the schema
from core.accounts.models import Role
from core.accounts.services.memberships import role_in
from core.tenancy import current_tenant

CORE_PERMISSIONS = {
    "core.read": None,  # everyone, signed in or not
    "core.participate": "member",
    "core.moderate": "moderator",
    "core.manage": "staff",
    "core.administer": "admin",
}


def current_account() -> Any:
    """The signed-in account, or None."""
    return current_user if current_user and current_user.is_authenticated else None


def current_role() -> Role | None:
    return role_in(current_account(), current_tenant())


def has_role(role: Role | str) -> bool:
    role = Role.parse(role) if isinstance(role, str) else role
    found = current_role()
    return found is not None and found >= role


def _permission_role(permission: str) -> Role | None:
    from core.plugins import registry

    if permission in CORE_PERMISSIONS:
        name = CORE_PERMISSIONS[permission]
    else:
        name = None
        for plugin in registry().plugins.values():
            if permission in plugin.permissions:
                name = plugin.permissions[permission]
                break
            if permission in plugin.grantable:
                name = Role.ADMIN.label  # given by grants only: admins hold it anyway
                break
        else:
            raise KeyError(f"unknown permission {permission!r}")
    return Role.parse(name) if name else None


def has_permission(permission: str) -> bool:
    """Whether the current visitor holds ``permission`` in the current municipality: by role
    (``sympraxis_permissions``), or by a grant an admin gave them (``core.grants``)."""
    needed = _permission_role(permission)
    return needed is None or has_role(needed) or _granted(permission)


def _granted(permission: str) -> bool:
    from core.grants import account_grants, grantable_permissions

    account, tenant = current_account(), current_tenant()
    if account is None or tenant is None or permission not in grantable_permissions():
        return False
    if current_role() is None:  # a grant outlives nothing: only members act on it
        return False
    return permission in account_grants(account.id, tenant.id)


def require_role(role: Role | str):
    """Decorator: 401 for anonymous visitors, 403 below ``role`` in the current municipality."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if current_account() is None:
                abort(401)
            if not has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return _document_refusals(wrapper)

    return decorator


def require_permission(permission: str):
    """Decorator: like :func:`require_role`, for a named permission (role or grant)::

        @bp.post("/beneficiaries/<uuid:id>/validate")
        @require_permission("markets.validate")
        def validate(id): ...

    A role holder or a current member holding the grant passes; others get 401 or 403.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            needed = _permission_role(permission)
            if needed is not None:
                if current_account() is None:
                    abort(401)
                if not has_role(needed) and not _granted(permission):
                    abort(403)
            return view(*args, **kwargs)

        return _document_refusals(wrapper)

    return decorator


def _document_refusals(wrapper: Any) -> Any:
    """Put 401 and 403 in the OpenAPI document of an API view guarded by a permission.

    Written the way flask-smorest's ``alt_response`` stores documentation on a view (``_apidoc``),
    so it works whichever side of the ``@blp.response`` decorators the guard sits on; HTML views
    ignore it. ``core.api_responses`` documents error bodies as problem documents.
    """
    doc = deepcopy(getattr(wrapper, "_apidoc", {}))
    responses = doc.setdefault("response", {}).setdefault("responses", {})
    for status, description in (
        (401, "Sign-in required: a personal access token."),
        (403, "Not allowed for this account in this municipality."),
    ):
        if status not in responses:
            responses[status] = [{"description": description, "content_type": None}]
    wrapper._apidoc = doc
    return wrapper
