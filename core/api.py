"""The JSON API under ``/api/v1`` (flask-smorest): core endpoints and problem+json errors."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, current_app, g, request
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields

from core import api_responses
from core.accounts.models import Account
from core.accounts.services.memberships import account_tenants
from core.api_blueprint import ApiBlueprint
from core.errors import problem
from core.extensions import csrf, db
from core.plugins import enabled_plugins, registry
from core.tenancy import current_tenant

blp = ApiBlueprint("core_api", __name__, description="The platform: the current municipality and you.")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ProblemSchema(Schema):
    """An RFC 9457 problem document (``application/problem+json``)."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.Dict()
    #: the broken rule's name (``RuleViolation(code=...)``), e.g. ``shift_full``
    code = fields.String()
    #: the request's id (also in the X-Request-ID header): quote it when reporting a problem
    request_id = fields.String()


class TenantSchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    country = fields.String(required=True)
    default_locale = fields.String(required=True)
    locales = fields.List(fields.String(), required=True)
    timezone = fields.String(required=True)
    status = fields.String(required=True)
    plugins = fields.List(fields.String(), required=True, metadata={"description": "Enabled plugins"})


class MembershipSchema(Schema):
    municipality = fields.String(required=True)
    slug = fields.String(required=True)
    host = fields.String(allow_none=True, required=True)
    role = fields.String(allow_none=True, required=True)
    organisation_ids = fields.List(fields.Integer(), required=True)


class MeSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.String(allow_none=True, required=True)
    display_name = fields.String(required=True)
    locale = fields.String(allow_none=True, required=True)
    is_operator = fields.Boolean(required=True)
    memberships = fields.List(fields.Nested(MembershipSchema), required=True)


@blp.route("/tenant")
class TenantResource(MethodView):
    @blp.response(200, TenantSchema)
    @blp.alt_response(404, schema=ProblemSchema, description="Not a municipality's host.")
    def get(self):
        """The municipality this host serves, its languages and enabled plugins."""
        tenant = current_tenant()
        if tenant is None:
            abort(404)
        reg = registry()
        return {
            "slug": tenant.slug,
            "name": tenant.name,
            "country": tenant.country,
            "default_locale": tenant.default_locale,
            "locales": list(tenant.locales),
            "timezone": tenant.timezone,
            "status": tenant.status,
            "plugins": sorted(n for n in enabled_plugins(tenant) if not reg.plugins[n].builtin),
        }


@blp.route("/me")
class MeResource(MethodView):
    @blp.response(200, MeSchema)
    @blp.alt_response(401, schema=ProblemSchema, description="Not signed in.")
    def get(self):
        """The signed-in account and the municipalities it belongs to."""
        if not current_user.is_authenticated:
            abort(401)
        account = db.session.get(Account, current_user.id)
        return {
            "id": account.id,
            "email": account.email,
            "display_name": account.display_name,
            "locale": account.locale,
            "is_operator": account.is_operator,
            "memberships": [
                {
                    "municipality": e["tenant"].name,
                    "slug": e["tenant"].slug,
                    "host": e["host"],
                    "role": e["role"],
                    "organisation_ids": e["organisation_ids"],
                }
                for e in account_tenants(account)
            ],
        }


def init_api(app: Flask, api: Any) -> None:
    """Register the core API (every API write must carry a bearer token: :func:`csrf_or_token`)."""
    api.spec.components.schema("Problem", schema=ProblemSchema)
    api_responses.install(api)  # errors documented as problem+json, on core and plugin operations
    api.register_blueprint(blp, url_prefix="/api/v1")


def csrf_or_token() -> Any:
    """before_request (placed by core.lifecycle): writes through HTML forms carry a CSRF token,
    writes through the API a bearer token (no cookie-only writes)."""
    if request.method in SAFE_METHODS:
        return None
    if not request.path.startswith("/api/"):
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            # HTML forms: Flask-WTF's CSRF check; views marked csrf.exempt (signed webhooks) skip it
            csrf.protect(apply_exemptions=True)
        return None
    # API: cookies alone never write (no CSRF token there); a bearer token is required
    if current_user.is_authenticated and g.get("auth_method") != "token":
        return problem(401, _("A personal access token is required to write through the API."))
    return None
