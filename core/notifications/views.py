"""The person's notification settings (apex) and the page a notification's link opens (host)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.accounts.services.memberships import account_tenants
from core.accounts.views import apex_only, tenant_only
from core.extensions import db
from core.notifications import services
from core.notifications.models import MODES
from core.tenancy import current_tenant

bp = Blueprint("notifications", __name__)


def _scope(tenants: list[dict]) -> int | None:
    """The municipality the page edits (one of the person's), or None for all of them."""
    raw = request.values.get("municipality", "")
    if not raw:
        return None
    allowed = {str(e["tenant"].id): e["tenant"].id for e in tenants}
    if raw not in allowed:
        abort(404)
    return allowed[raw]


@bp.route("/account/notifications", methods=["GET", "POST"])
@apex_only
@login_required
def settings():
    tenants = account_tenants(current_user)
    scope = _scope(tenants)
    # the kinds of the modules on where this setting applies (one municipality, or any of theirs)
    groups = services.kinds_by_module(
        [e["tenant"] for e in tenants if scope is None or e["tenant"].id == scope]
    )
    kinds = [k for g in groups for k in g.kinds]
    stored = services.settings_of(current_user.id, scope)
    errors: dict[str, str] = {}
    if request.method == "POST":
        allowed = set(MODES) | ({""} if scope is not None else set())
        # a kind the form does not name keeps its setting
        chosen = {k.code: request.form[f"mode-{k.code}"] for k in kinds if f"mode-{k.code}" in request.form}
        for code, value in chosen.items():
            if value not in allowed:
                errors[code] = _("Choose one of the options.")
        if not errors:
            for code, value in chosen.items():
                services.set_preference(current_user.id, code, scope, value or None)
            db.session.commit()
            flash(_("Your notification settings have been saved."), "success")
            return redirect(url_for("notifications.settings", municipality=scope or None))
        stored = {**stored, **{code: (value or None) for code, value in chosen.items()}}
    wider = (
        {k.code: services.preference(current_user.id, k.code, None) for k in kinds}
        if scope is not None
        else {}
    )
    return render_template(
        "notifications/settings.html",
        groups=groups,
        stored=stored,
        wider=wider,
        errors=errors,
        tenants=tenants,
        scope=scope,
        scope_name=next((e["tenant"].name for e in tenants if e["tenant"].id == scope), None),
    ), (422 if errors else 200)


@bp.route("/notifications/off/<token>", methods=["GET", "POST"])
@tenant_only
def unsubscribe(token: str):
    """A notification's link: the page names the kind, a button turns it off in this municipality
    (a mail program that opens links by itself must not change anything)."""
    tenant = current_tenant()
    found = services.read_unsubscribe_token(token, tenant.id)
    if found is None:
        return render_template("notifications/unsubscribe.html", invalid=True), 404
    account_id, code = found
    kind = next(k for k in services.notification_kinds() if k.code == code)
    done = False
    if request.method == "POST":
        services.set_preference(account_id, code, tenant.id, "off")
        db.session.commit()
        done = True
    return render_template(
        "notifications/unsubscribe.html",
        invalid=False,
        kind=kind,
        token=token,
        done=done,
        settings_url=services.settings_url(tenant.id),
    )
