"""A person's own hearings activity: on the municipality's "My activity" page (inside the
tenant) and on the apex dashboard across municipalities (one reviewed cross-tenant read per
kind of row, filtered by the account, never a loop over the tenants)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.toolkit import (
    DashboardItem,
    cross_tenant_read,
    db,
    render_template,
    signed_in_link,
    tenant_context,
    tenant_info,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.common import local_text
from plugins.hearings.following.services import followable_organisations, is_following
from plugins.hearings.models import (
    Comment,
    Consultation,
    Meeting,
    Registration,
    RegistrationStatus,
    SpeakerRequest,
    SpeakerStatus,
)
from plugins.hearings.registrations.services import registration_token

#: Rows per kind on a page: the newest first.
LIMIT = 50


def _both(model, other):
    """The join of ``model`` to ``other`` within one tenant (tenant key first)."""
    return sa.and_(other.tenant_id == model.tenant_id, other.id == getattr(model, _fk[(model, other)]))


_fk = {
    (Comment, Consultation): "consultation_id",
    (Registration, Meeting): "meeting_id",
    (SpeakerRequest, Meeting): "meeting_id",
}


def _rows(account_id: int, *, everywhere: bool = False) -> dict[str, list[Any]]:
    """The person's comments, registrations and speaker requests with their parents' titles."""
    opts = {"all_tenants": True} if everywhere else {}
    queries = {
        "comments": sa.select(Comment, Consultation.title)
        .join(Consultation, _both(Comment, Consultation))
        .where(Comment.account_id == account_id)
        .order_by(Comment.created_at.desc()),
        "registrations": sa.select(Registration, Meeting)
        .join(Meeting, _both(Registration, Meeting))
        .where(Registration.account_id == account_id)
        .order_by(Meeting.starts_at.desc()),
        "speakers": sa.select(SpeakerRequest, Meeting.title)
        .join(Meeting, _both(SpeakerRequest, Meeting))
        .where(SpeakerRequest.account_id == account_id)
        .order_by(SpeakerRequest.created_at.desc()),
    }
    return {k: db.session.execute(q.limit(LIMIT).execution_options(**opts)).all() for k, q in queries.items()}


def sections(account: Any) -> list[DashboardItem]:
    """The "My activity" sections of this municipality (hook ``sympraxis_my_activity``)."""
    rows = _rows(account.id)
    html = render_template(
        "hearings/_my_activity.html",
        comments=rows["comments"],
        registrations=[(r, m, registration_token(r)) for r, m in rows["registrations"]],
        speakers=rows["speakers"],
        following=is_following(account),
        organisations=[o for o in followable_organisations(account) if o["following"]],
    )
    return [DashboardItem(title=_("Consultations and hearings"), html=html, order=20)]


def _live_counts(account_id: int) -> dict[str, dict[int, int]]:
    """Per kind, per municipality: what still stands (not the rows the lists show, which stop at
    ``LIMIT``): comments neither withdrawn nor hidden, registrations not cancelled, requests to
    speak not withdrawn. Inside a ``cross_tenant_read``."""
    queries = {
        "comments": sa.select(Comment.tenant_id, sa.func.count()).where(
            Comment.account_id == account_id, Comment.withdrawn_at.is_(None), Comment.hidden_at.is_(None)
        ),
        "registrations": sa.select(Registration.tenant_id, sa.func.count()).where(
            Registration.account_id == account_id, Registration.status != RegistrationStatus.CANCELLED.value
        ),
        "speakers": sa.select(SpeakerRequest.tenant_id, sa.func.count()).where(
            SpeakerRequest.account_id == account_id, SpeakerRequest.status != SpeakerStatus.WITHDRAWN.value
        ),
    }
    return {
        kind: dict(
            db.session.execute(q.group_by(q.selected_columns[0]).execution_options(all_tenants=True)).all()
        )
        for kind, q in queries.items()
    }


def everywhere(account: Any) -> list[dict[str, Any]]:
    """Per municipality where the person did something: its name, counts and the link (arriving
    signed in) to its "My activity" page. A reviewed cross-tenant read (SELECT only)."""
    with cross_tenant_read():
        rows = _rows(account.id, everywhere=True)
        counts = _live_counts(account.id)
    per: dict[int, dict[str, Any]] = {}
    for kind, found in rows.items():
        for row in found:
            entry = per.setdefault(row[0].tenant_id, {"items": []})
            if kind == "registrations" and row[0].status != RegistrationStatus.CANCELLED:
                with tenant_context(row[0].tenant_id):  # the time in that municipality's zone
                    when = local_text(row[1].starts_at)
                entry["items"].append((row[1].title, when, f"/hearings/meetings/{row[1].id}"))
    for kind, by_tenant in counts.items():
        for tenant_id, n in by_tenant.items():
            per.setdefault(tenant_id, {"items": []})[kind] = n
    out = []
    for tenant_id, entry in per.items():
        if not any(entry.get(k) for k in ("comments", "registrations", "speakers")):
            continue  # all of it cancelled or withdrawn
        info = tenant_info(tenant_id)
        if info is None or info.status != "active" or not info.primary_host:
            continue
        out.append(
            {
                "municipality": info.name,
                "url": signed_in_link(info.primary_host, "/me/activity"),
                "meetings": [
                    (t, when, signed_in_link(info.primary_host, p)) for t, when, p in entry["items"][:5]
                ],
                **{k: entry.get(k, 0) for k in ("comments", "registrations", "speakers")},
            }
        )
    return sorted(out, key=lambda e: e["municipality"])
