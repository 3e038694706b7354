"""What the hearings plugin shows outside its pages: home-page widget, the NGO dashboard on the
apex (a reviewed cross-tenant read) and the activity feed.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from core.toolkit import (
    Affiliation,
    AffiliationStatus,
    Organisation,
    OrganisationMember,
    cross_tenant_read,
    db,
    signed_in_link,
    tenant_info,
    utcnow,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.consultations.services import open_clause
from plugins.hearings.models import (
    Consultation,
    Meeting,
    Status,
    StatusChange,
)


def open_consultations_for(account: Any, limit: int = 50) -> list[dict[str, Any]]:
    """Open consultations of every municipality where one of ``account``'s organisations is
    affiliated (approved). Read-only, across tenants, inside ``cross_tenant_read()``: the ORM wall
    is opted out per statement (``all_tenants``) and PostgreSQL admits the rows by the
    SELECT-only ``cross_tenant_read`` policy. Returns plain dicts; nothing is written."""
    if account is None:
        return []
    with cross_tenant_read():
        affiliated = db.session.execute(
            sa.select(Affiliation.tenant_id, Organisation.name)
            .join(Organisation, Organisation.id == Affiliation.organisation_id)
            .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
            .where(
                OrganisationMember.account_id == account.id,
                Affiliation.status == AffiliationStatus.APPROVED.value,
            )
            .execution_options(all_tenants=True)
        ).all()
        orgs: dict[int, list[str]] = defaultdict(list)
        for tenant_id, name in affiliated:
            orgs[tenant_id].append(name)
        if not orgs:
            return []
        rows = list(
            db.session.execute(
                sa.select(Consultation)
                .where(Consultation.tenant_id.in_(list(orgs)), open_clause(utcnow()))
                .order_by(Consultation.closes_at)
                .limit(limit)
                .execution_options(all_tenants=True)
            ).scalars()
        )
        out = []
        infos = {tid: tenant_info(tid) for tid in {c.tenant_id for c in rows}}
        for c in rows:
            info = infos[c.tenant_id]
            if info is None or info.status != "active":
                continue
            out.append(
                {
                    "municipality": info.name,
                    "title": c.title,
                    "closes_at": c.closes_at,
                    "organisations": sorted(orgs[c.tenant_id]),
                    "url": signed_in_link(
                        info.primary_host, f"/hearings/consultations/{c.id}"
                    ),  # arrives signed in,
                }
            )
    return out


def activity(limit: int = 10) -> list[dict[str, Any]]:
    """The tenant's latest hearings activity, newest first: openings (recorded transitions),
    published outcomes and new meetings."""
    items: list[dict[str, Any]] = []
    changes = db.session.execute(
        sa.select(StatusChange, Consultation.title)
        .join(
            Consultation,
            sa.and_(
                Consultation.id == StatusChange.consultation_id,
                Consultation.tenant_id == StatusChange.tenant_id,
            ),
        )
        .where(StatusChange.to_status.in_([Status.OPEN.value, Status.OUTCOME_PUBLISHED.value]))
        .order_by(StatusChange.at.desc())
        .limit(limit)
    ).all()
    for change, title in changes:
        label = _("Open for comments: %(title)s", title=title)
        if change.to_status == Status.OUTCOME_PUBLISHED:
            label = _("Outcome published: %(title)s", title=title)
        items.append(
            {"at": change.at, "title": label, "url": f"/hearings/consultations/{change.consultation_id}"}
        )
    for m in db.session.execute(
        sa.select(Meeting).order_by(Meeting.created_at.desc()).limit(limit)
    ).scalars():
        items.append({"at": m.created_at, "title": m.title, "url": f"/hearings/meetings/{m.id}"})
    return sorted(items, key=lambda i: i["at"], reverse=True)[:limit]


def open_consultations(limit: int = 5) -> list[Consultation]:
    return list(
        db.session.execute(
            sa.select(Consultation).where(open_clause(utcnow())).order_by(Consultation.closes_at).limit(limit)
        ).scalars()
    )
