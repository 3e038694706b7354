"""The signed-in person's dashboard on the apex: their municipalities, organisations, widgets."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.accounts.models import (
    Account,
    Organisation,
)
from core.accounts.services.memberships import account_tenants
from core.accounts.services.organisations import affiliation_requests_of, organisations_of
from core.extensions import db


def dashboard(account: Account) -> dict[str, Any]:
    """What the NGO dashboard on the apex shows: municipalities (with a link arriving signed in),
    organisations and affiliation requests."""
    from core.accounts.services.handoff import signed_in_link

    tenants = account_tenants(account)
    for entry in tenants:
        entry["url"] = signed_in_link(entry["host"]) if entry["host"] else None
    memberships = organisations_of(account)
    orgs = {
        o.id: o
        for o in db.session.execute(
            sa.select(Organisation).where(Organisation.id.in_([m.organisation_id for m in memberships]))
        ).scalars()
    }
    return {
        "tenants": tenants,
        "organisations": memberships,
        "orgs": orgs,
        "affiliations": affiliation_requests_of(account),
        "widgets": apex_dashboard_widgets(account),
    }


def apex_dashboard_widgets(account: Account) -> list[Any]:
    """Plugins' widgets for the apex dashboard, one plugin at a time: a failing one is skipped
    and recorded for the operator, the others still show (e.g. open consultations everywhere)."""
    from core.plugins import registry

    reg = registry()
    widgets: list[Any] = []
    for name in sorted(reg.plugins):
        try:
            for result in reg.only("sympraxis_apex_dashboard_items", {name})(account=account):
                widgets.extend(result or [])
        except Exception as exc:
            db.session.rollback()
            reg.record_error(name, "sympraxis_apex_dashboard_items", exc)
    return sorted(widgets, key=lambda w: (w.order, w.title))
