"""Roles and permissions in a municipality; plugins declare theirs through ``sympraxis_permissions``."""

from __future__ import annotations

from copy import deepcopy
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user

from core.accounts.models import Role
from core.accounts.services import role_in
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
        else:
            raise KeyError(f"unknown permission {permission!r}")
    return Role.parse(name) if name else None


def has_permission(permission: str) -> bool:
    needed = _permission_role(permission)
    return needed is None or has_role(needed)


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
    """Decorator: like :func:`require_role`, for a named permission."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            needed = _permission_role(permission)
            if needed is not None:
                if current_account() is None:
                    abort(401)
                if not has_role(needed):
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
