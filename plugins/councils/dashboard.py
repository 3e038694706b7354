"""The NGO dashboard on the apex: across the municipalities where one of the account's
organisations is affiliated (approved) and the plugin is on, the seats the organisation holds, the
meetings of those councils to come, the calls for nominations open now, and where the
organisation has nominated someone a link to that municipality's "My nominations" page.

One reviewed cross-tenant read: inside ``cross_tenant_read()``, each statement opts out of the ORM
wall (``all_tenants``) and PostgreSQL admits the rows by the SELECT-only ``cross_tenant_read``
policy. Nothing is written."""

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
    tenants_with_plugin,
    to_local,
    utcnow_aware,
)
from plugins.councils.models import Call, CallStatus, Council, Meeting, MeetingStatus, Member, Nomination

ALL = {"all_tenants": True}


def for_account(account: Any, limit: int = 20) -> dict[str, list[dict[str, Any]]]:
    empty: dict[str, list[dict[str, Any]]] = {"seats": [], "meetings": [], "calls": [], "nominations": []}
    if account is None:
        return empty
    enabled = set(tenants_with_plugin("councils"))
    with cross_tenant_read():
        affiliated = db.session.execute(
            sa.select(Affiliation.tenant_id, Organisation.id, Organisation.name)
            .join(Organisation, Organisation.id == Affiliation.organisation_id)
            .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
            .where(
                OrganisationMember.account_id == account.id,
                Affiliation.status == AffiliationStatus.APPROVED.value,
            )
            .execution_options(**ALL)
        ).all()
        orgs: dict[int, dict[int, str]] = defaultdict(dict)
        for tenant_id, org_id, name in affiliated:
            if tenant_id in enabled:
                orgs[tenant_id][org_id] = name
        if not orgs:
            return empty
        now = utcnow_aware()
        infos = {tid: tenant_info(tid) for tid in orgs}
        infos = {tid: i for tid, i in infos.items() if i is not None and i.status == "active"}
        seats = []
        council_ids: dict[int, set] = defaultdict(set)
        for member, council in db.session.execute(
            sa.select(Member, Council)
            .join(Council, sa.and_(Council.tenant_id == Member.tenant_id, Council.id == Member.council_id))
            .where(
                Member.tenant_id.in_(list(infos)),
                Member.organisation_id.is_not(None),
                Member.ended_on.is_(None),
            )
            .order_by(Member.term_end)
            .execution_options(**ALL)
        ).all():
            info = infos[member.tenant_id]
            today = to_local(now, info).date()
            if (
                member.organisation_id not in orgs[member.tenant_id]
                or not member.term_start <= today <= member.term_end
            ):
                continue
            council_ids[member.tenant_id].add(council.id)
            seats.append(
                {
                    "municipality": info.name,
                    "council": council.name,
                    "member": member.name,
                    "organisation": orgs[member.tenant_id][member.organisation_id],
                    "term_end": member.term_end,
                    "url": signed_in_link(info.primary_host, f"/councils/{council.id}"),  # arrives signed in,
                }
            )
        meetings = []
        held = [c for ids in council_ids.values() for c in ids]
        if held:
            for meeting, council in db.session.execute(
                sa.select(Meeting, Council)
                .join(
                    Council, sa.and_(Council.tenant_id == Meeting.tenant_id, Council.id == Meeting.council_id)
                )
                .where(
                    Meeting.council_id.in_(held),
                    Meeting.starts_at >= now,
                    Meeting.status == MeetingStatus.SCHEDULED,
                )
                .order_by(Meeting.starts_at)
                .limit(limit)
                .execution_options(**ALL)
            ).all():
                if meeting.council_id not in council_ids.get(meeting.tenant_id, set()):
                    continue
                info = infos[meeting.tenant_id]
                meetings.append(
                    {
                        "municipality": info.name,
                        "council": council.name,
                        "title": meeting.title,
                        "starts_at": meeting.starts_at,
                        "url": signed_in_link(
                            info.primary_host, f"/councils/meetings/{meeting.id}"
                        ),  # arrives signed in,
                    }
                )
        calls = []
        for call, council in db.session.execute(
            sa.select(Call, Council)
            .join(Council, sa.and_(Council.tenant_id == Call.tenant_id, Council.id == Call.council_id))
            .where(
                Call.tenant_id.in_(list(infos)),
                Call.status == CallStatus.PUBLISHED,
                Call.opens_at <= now,
                Call.closes_at > now,
            )
            .order_by(Call.closes_at)
            .limit(limit)
            .execution_options(**ALL)
        ).all():
            info = infos[call.tenant_id]
            calls.append(
                {
                    "municipality": info.name,
                    "council": council.name,
                    "title": call.title,
                    "closes_at": call.closes_at,
                    "url": signed_in_link(
                        info.primary_host, f"/councils/calls/{call.id}"
                    ),  # arrives signed in,
                }
            )
        nominated = set(
            db.session.execute(
                sa.select(Nomination.tenant_id)
                .where(
                    Nomination.tenant_id.in_(list(infos)),
                    Nomination.organisation_id.in_([o for by_org in orgs.values() for o in by_org]),
                )
                .distinct()
                .execution_options(**ALL)
            ).scalars()
        )
        nominations = [
            {
                "municipality": infos[tid].name,
                "url": signed_in_link(infos[tid].primary_host, "/councils/my-nominations"),
            }
            for tid in sorted(nominated, key=lambda t: infos[t].name)
        ]
    return {"seats": seats, "meetings": meetings, "calls": calls, "nominations": nominations}
