"""The operator API: ``/api/v1/operator/tenants`` (apex, an operator's personal access token)."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask import abort, g, request
from flask.views import MethodView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import Schema, fields, validate

from core.api import ProblemSchema
from core.api_blueprint import ApiBlueprint
from core.errors import problem
from core.extensions import db
from core.plugins import registry
from core.tenancy import LOCALES, RESERVED_SLUGS, current_tenant, platform_subdomain
from tenants import services

blp = ApiBlueprint(
    "operator_api",
    __name__,
    description="The operator's API: onboard and list municipalities (apex, operator token).",
)


#: The service's rules (tenants.services.validate_onboarding), said in the document so that what
#: the document allows is what the service accepts (schemathesis checks both ways). The service
#: checks them, with its own messages keyed by field; the document only states them. A slug as
#: core.tenancy.validate_slug wants it (no "--" in the third and fourth places, no reserved
#: word); a name with more than whitespace. Whitespace is spelt out (what ``str.strip`` removes): the
#: document's patterns are ECMA-262, whose ``\s`` is not Python's.
SLUG_PATTERN = (
    r"^(?!(?:" + "|".join(sorted(RESERVED_SLUGS)) + r")$)(?!..--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
)
SPACE = r"\x09-\x0d\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: An address the mail headers can carry (an RFC 5322 dot-atom @ a host name, ASCII), checked here
#: as well: an address Python's e-mail parser cannot read was a 500 when the invitation was sent.
ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^{ATEXT}(?:\.{ATEXT})*@{LABEL}(?:\.{LABEL})*$"
NAME_PATTERN = rf"^[{SPACE}]*[^{SPACE}\x00][^\x00]*$"
COUNTRY_PATTERN = r"^[A-Za-z]{2}$"


def _rule(**properties) -> dict:
    return {"metadata": properties}


class OnboardingSchema(Schema):
    """A new municipality. ``plan`` and the plugin names are listed in this instance's document
    (they depend on its configuration and installed plugins, see :func:`document_choices`)."""

    slug = fields.String(required=True, validate=validate.Length(max=63), **_rule(pattern=SLUG_PATTERN))
    name = fields.String(required=True, validate=validate.Length(max=200), **_rule(pattern=NAME_PATTERN))
    country = fields.String(
        required=True, validate=validate.Length(equal=2), **_rule(pattern=COUNTRY_PATTERN)
    )
    default_locale = fields.String(required=True, **_rule(enum=list(LOCALES)))
    locales = fields.List(
        fields.String(**_rule(enum=list(LOCALES))),
        required=True,
        validate=validate.Length(min=1, max=4),
        metadata={"description": "The municipality's languages; the default language is always among them."},
    )
    timezone = fields.String(
        load_default="Europe/Athens",
        validate=validate.Length(max=64),
        **_rule(enum=sorted(available_timezones())),
    )
    plan = fields.String(required=True)
    allowed_plugins = fields.List(fields.String(), load_default=list)
    enabled_plugins = fields.List(
        fields.String(), load_default=list, metadata={"description": "Switched on, and so also allowed."}
    )
    billing_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    billing_email = fields.String(
        required=True,
        validate=[
            validate.Length(max=254),
            validate.Regexp(EMAIL_PATTERN, error=_l("Enter a valid email address.")),
        ],
    )
    collection_method = fields.String(
        load_default="send_invoice", validate=validate.OneOf(services.COLLECTION_METHODS)
    )
    days_until_due = fields.Integer(
        load_default=30,
        validate=validate.Range(min=1, max=services.MAX_DAYS_UNTIL_DUE),
        metadata={"description": "For invoices (send_invoice); ignored for card payments."},
    )
    admin_email = fields.String(
        required=True,
        validate=[
            validate.Length(max=254),
            validate.Regexp(EMAIL_PATTERN, error=_l("Enter a valid email address.")),
        ],
    )


def document_choices(app) -> None:
    """Fill this app's document with the plans and plugins it accepts (its configuration)."""
    from tenants import catalog

    with app.app_context():
        plans = sorted(catalog.plans())
        plugins = sorted(registry().switchable_names())
    spec = app.extensions["sympraxis_api"].spec
    onboarding = spec.components.schemas.get("Onboarding")
    if onboarding is None:
        return
    properties = onboarding["properties"]
    properties["plan"]["enum"] = plans
    for name in ("allowed_plugins", "enabled_plugins"):
        properties[name]["items"]["enum"] = plugins
        properties[name]["uniqueItems"] = False


class TenantOutSchema(Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    status = fields.String(required=True)
    host = fields.String(required=True)
    plan = fields.String(allow_none=True, required=True)
    billing_state = fields.String(required=True)
    billing_sync = fields.String(required=True)
    allowed_plugins = fields.List(fields.String(), required=True)
    enabled_plugins = fields.List(fields.String(), required=True)
    members = fields.Integer(required=True)


class TenantQuerySchema(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=100))
    status = fields.String(load_default="", validate=validate.OneOf(["", "active", "suspended", "archived"]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


@blp.before_request
def _operator_token_only():
    """Apex only; an operator's token (bearer), operators with two-step verification only."""
    if current_tenant() is not None:
        abort(404)
    if not current_user.is_authenticated:
        abort(401)
    if g.get("auth_method") != "token" and request.method not in ("GET", "HEAD", "OPTIONS"):
        abort(401)
    if not current_user.is_operator or current_user.totp_enabled_at is None:
        abort(403)


def _out(row: services.TenantRow) -> dict:
    return {
        "id": row.tenant.id,
        "slug": row.tenant.slug,
        "name": row.tenant.name,
        "status": row.tenant.status,
        "host": row.primary_host,
        "plan": row.plan,
        "billing_state": row.billing_state,
        "billing_sync": row.sync_state,
        "allowed_plugins": row.allowed,
        "enabled_plugins": row.enabled,
        "members": row.members,
    }


@blp.route("/tenants")
class Tenants(MethodView):
    @blp.arguments(TenantQuerySchema, location="query")
    @blp.response(200, TenantOutSchema(many=True))
    @blp.alt_response(401, schema=ProblemSchema, description="No operator token.")
    @blp.alt_response(403, schema=ProblemSchema, description="Not an operator with two-step verification.")
    @blp.alt_response(401, description="No operator's personal access token.")
    @blp.alt_response(403, description="The token is not an operator's.")
    def get(self, args):
        """Municipalities, searchable by name or slug and filterable by status."""
        rows, total = services.tenant_rows(
            args["q"], args["status"], limit=args["per_page"], offset=(args["page"] - 1) * args["per_page"]
        )
        return [_out(r) for r in rows], 200, {"X-Total-Count": str(total)}

    @blp.arguments(OnboardingSchema)
    @blp.response(201, TenantOutSchema)
    @blp.alt_response(401, schema=ProblemSchema, description="No operator token.")
    @blp.alt_response(403, schema=ProblemSchema, description="Not an operator with two-step verification.")
    @blp.alt_response(409, schema=ProblemSchema, description="The slug is already taken.")
    @blp.alt_response(
        422, schema=ProblemSchema, description="Invalid data; ``errors`` maps fields to messages."
    )
    @blp.alt_response(
        503, schema=ProblemSchema, description="The invitation could not be sent; nothing was created."
    )
    @blp.alt_response(409, description="The slug is already taken.")
    def post(self, data):
        """Onboard a municipality (atomic: tenant, domain, plugins, billing, admin invitation)."""
        # what the document promises: the default language is among the languages, and a module
        # switched on is allowed
        data["locales"] = list(dict.fromkeys([data["default_locale"], *data["locales"]]))
        data["allowed_plugins"] = list(dict.fromkeys([*data["allowed_plugins"], *data["enabled_plugins"]]))
        try:
            tenant = services.onboard(services.Onboarding(**data), actor=current_user)
            db.session.commit()
        except services.OnboardingError as exc:
            db.session.rollback()
            title = (
                _("This slug is already taken.")
                if exc.status == 409
                else _("Some of the information given is not valid.")
            )
            return problem(exc.status, title, errors=exc.errors)
        except services.MAIL_ERRORS:
            db.session.rollback()
            return problem(
                503, _("The invitation could not be sent, so nothing was created. Please try again later.")
            )
        services.after_onboarding(tenant.id)
        # built from what was just written: no second round of queries
        row = services.TenantRow(
            tenant=tenant,
            plan=data["plan"],
            billing_state="none",
            sync_state=services.billing_sync_state(tenant.id),
            allowed=sorted(data["allowed_plugins"]),
            enabled=sorted(data["enabled_plugins"]),
            members=0,
            last_activity=None,
            primary_host=platform_subdomain(tenant.slug),
        )
        return _out(row), 201, {"Location": f"/api/v1/operator/tenants/{tenant.id}"}
