"""The person's own place on a municipality's host: "My activity", gathered from the plugins
enabled here (hook ``sympraxis_my_activity``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from core.extensions import db
from core.tenancy import current_tenant

bp = Blueprint("me", __name__)


def my_activity(tenant: Any, account: Any) -> list[Any]:
    """Every enabled plugin's sections, one plugin at a time: one that fails is skipped and
    recorded for the operator, the others still show."""
    from core.plugins import enabled_plugins, registry

    reg = registry()
    sections: list[Any] = []
    for name in sorted(enabled_plugins(tenant)):
        try:
            for result in reg.only("sympraxis_my_activity", {name})(tenant=tenant, account=account):
                sections.extend(result or [])
        except Exception as exc:
            db.session.rollback()
            reg.record_error(name, "sympraxis_my_activity", exc)
    return sorted(sections, key=lambda s: (s.order, s.title))


@bp.get("/me/activity")
@login_required
def activity():
    tenant = current_tenant()
    if tenant is None:  # across municipalities: the dashboard on the apex
        abort(404)
    from core.tenancy import apex_host, external_url

    return render_template(
        "me/activity.html",
        sections=my_activity(tenant, current_user),
        dashboard_url=external_url(apex_host(), "/dashboard"),
    )
