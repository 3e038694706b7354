""" "Download my data" and "delete my account", gathered from the core and every plugin."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapper, Session

from core.accounts.models import (
    Account,
    Affiliation,
    HandoffCode,
    Membership,
    Organisation,
    OrganisationMember,
    PersonalAccessToken,
    PersonalDataLocation,
)
from core.accounts.services.common import AccountError
from core.accounts.services.sessions import forget_sessions
from core.db import SympraxisSession, cross_tenant_read, tenant_context
from core.extensions import db
from core.plugins import registry
from core.privacy import retention
from core.tenancy import Tenant, tenant_info_from_row, utcnow

#: Stored in place of an erased person's name (a marker, not a sentence: pages translate it).
ERASED_NAME = "Deleted account"


# --- where a person has data: the index ---------------------------------------------------------

_account_columns: dict[type, tuple[str, ...]] = {}


def _account_keys(mapper: Mapper) -> tuple[str, ...]:
    """The attributes of a model that reference an account (a foreign key to ``accounts.id``)."""
    keys = _account_columns.get(mapper.class_)
    if keys is None:
        keys = tuple(
            prop.key
            for prop in mapper.column_attrs
            if any(fk.target_fullname == "accounts.id" for col in prop.columns for fk in col.foreign_keys)
        )
        _account_columns[mapper.class_] = keys
    return keys


@event.listens_for(SympraxisSession, "after_flush")
def _note_personal_data(session: Session, flush_context: Any) -> None:
    """Record (tenant, account) in :class:`PersonalDataLocation` for every tenant-owned row just
    stored that references an account, in the same transaction: any plugin's rows count, with
    nothing for the plugin to call. Only new rows and changed references are looked at."""
    pairs: set[tuple[int, int]] = set()
    for obj in [*session.new, *session.dirty]:
        if not getattr(obj, "__tenant_scoped__", False) or isinstance(obj, PersonalDataLocation):
            continue
        state = sa.inspect(obj)
        for key in _account_keys(state.mapper):
            if obj in session.new:
                value = getattr(obj, key)
            else:
                added = state.attrs[key].history.added
                value = added[0] if added else None
            if value is not None and obj.tenant_id is not None:
                pairs.add((obj.tenant_id, value))
    if not pairs:
        return
    connection = session.connection()
    dialect = {"postgresql": postgresql, "sqlite": sqlite}.get(connection.dialect.name)
    rows = [{"tenant_id": t, "account_id": a} for t, a in sorted(pairs)]
    if dialect is None:  # pragma: no cover - the platform runs on PostgreSQL or SQLite
        raise RuntimeError(f"no upsert for {connection.dialect.name}")
    insert = dialect.insert(PersonalDataLocation.__table__).on_conflict_do_nothing(
        index_elements=["tenant_id", "account_id"]
    )
    connection.execute(insert, rows)


def _tenants_of(account: Account) -> list[Tenant]:
    """Every municipality holding the account's rows: its memberships, and the index of where it
    wrote (a municipality it has left included). A reviewed cross-tenant read of two indexed
    tables by account, never a scan of every tenant."""
    with cross_tenant_read():
        member = sa.select(Membership.tenant_id).where(Membership.account_id == account.id)
        wrote = sa.select(PersonalDataLocation.tenant_id).where(PersonalDataLocation.account_id == account.id)
        ids = db.session.execute(sa.union(member, wrote).execution_options(all_tenants=True)).scalars().all()
    if not ids:
        return []
    return list(db.session.execute(sa.select(Tenant).where(Tenant.id.in_(ids)).order_by(Tenant.id)).scalars())


def _affiliations_requested_by(account: Account) -> list[tuple[Affiliation, str]]:
    """Affiliation requests the person made, in any municipality (a reviewed cross-tenant read)."""
    with cross_tenant_read():
        return [
            (a, name)
            for a, name in db.session.execute(
                sa.select(Affiliation, Tenant.name)
                .join(Tenant, Tenant.id == Affiliation.tenant_id)
                .where(Affiliation.requested_by_id == account.id)
                .order_by(Affiliation.requested_at)
                .execution_options(all_tenants=True)
            ).all()
        ]


def export_personal_data(account: Account) -> dict[str, Any]:
    """One JSON-ready document with everything the platform holds about the account."""
    reg = registry()
    orgs = db.session.execute(
        sa.select(OrganisationMember, Organisation)
        .join(Organisation, Organisation.id == OrganisationMember.organisation_id)
        .where(OrganisationMember.account_id == account.id)
    ).all()
    tokens = db.session.execute(
        sa.select(PersonalAccessToken).where(PersonalAccessToken.account_id == account.id)
    ).scalars()
    document: dict[str, Any] = {
        "format": "sympraxis-personal-data/1",
        "exported_at": utcnow().isoformat() + "Z",
        "account": {
            "id": account.id,
            "email": account.email,
            "display_name": account.display_name,
            "locale": account.locale,
            "email_verified_at": account.email_verified_at,
            "created_at": account.created_at,
            "two_step_verification": account.totp_enabled_at is not None,
        },
        "organisations": [
            {"id": o.id, "name": o.name, "kind": o.kind, "role": m.role, "since": m.created_at}
            for m, o in orgs
        ],
        "access_tokens": [
            {
                "name": t.name,
                "prefix": t.prefix,
                "created_at": t.created_at,
                "last_used_at": t.last_used_at,
                "revoked_at": t.revoked_at,
            }
            for t in tokens
        ],
        "affiliation_requests": [
            {
                "organisation_id": a.organisation_id,
                "municipality": name,
                "status": a.status,
                "message": a.message,
                "requested_at": a.requested_at,
            }
            for a, name in _affiliations_requested_by(account)
        ],
        "municipalities": [],
        "platform": {},
    }
    for tenant in _tenants_of(account):
        info = tenant_info_from_row(tenant)
        with tenant_context(tenant.id):
            membership = db.session.execute(
                sa.select(Membership).where(Membership.account_id == account.id)
            ).scalar_one_or_none()  # None: a municipality the person has left, data still there
            entry: dict[str, Any] = {
                "municipality": tenant.name,
                "slug": tenant.slug,
                "role": membership.role if membership else None,
                "member_since": membership.created_at if membership else None,
                "plugins": {},
                "purposes": purposes(info),
                "retention": [e.as_dict() for e in retention.schedule(tenant.id)],
            }
            for name in sorted(reg.plugins):
                for result in reg.only("sympraxis_export_personal_data", {name})(
                    account=account, tenant=info
                ):
                    if result:
                        entry["plugins"][name] = result
            from core.legal.services import export_personal_data as legal_feedback

            feedback = legal_feedback(account)
            if feedback:
                entry["accessibility_feedback"] = feedback
        document["municipalities"].append(entry)
    for name in sorted(reg.plugins):  # what plugins keep outside municipalities (the audit log)
        for result in reg.only("sympraxis_export_account_data", {name})(account=account):
            if result:
                document["platform"][name] = result
    return document


def purposes(tenant: Any) -> list[dict[str, Any]]:
    """Why the municipality keeps each kind of personal data, on what legal basis and for how
    long (the days in force there): its records of processing, from every module's declarations
    (hook ``sympraxis_personal_data_declarations``), as the privacy notice shows them."""
    from core.legal.declarations import declarations

    found, _failed = declarations(tenant.id, controller="municipality")
    return [
        {
            "kind": p.declaration.kind,
            "module": p.source_title,
            "data": str(p.declaration.title),
            "categories": [str(c) for c in p.declaration.categories],
            "purpose": str(p.declaration.purpose),
            "legal_basis": p.declaration.legal_basis_label,
            "special_category": p.declaration.special_category_label,
            "retention_days": p.retention_days,
            "retention_note": str(p.declaration.retention_note) or None,
            "recipients": [str(r) for r in p.declaration.recipients],
        }
        for p in found
    ]


def erase_account(account: Account) -> None:
    """Anonymise the account everywhere; plugins keep legal records without the person."""
    reg = registry()
    sole_admin_of = [
        org_id
        for (org_id,) in db.session.execute(
            sa.select(OrganisationMember.organisation_id).where(
                OrganisationMember.account_id == account.id, OrganisationMember.role == "admin"
            )
        ).all()
        if db.session.execute(
            sa.select(sa.func.count())
            .select_from(OrganisationMember)
            .where(OrganisationMember.organisation_id == org_id, OrganisationMember.role == "admin")
        ).scalar_one()
        == 1
        and db.session.execute(
            sa.select(sa.func.count())
            .select_from(OrganisationMember)
            .where(OrganisationMember.organisation_id == org_id)
        ).scalar_one()
        > 1
    ]
    if sole_admin_of:
        raise AccountError(
            _(
                "You are the only administrator of an organisation with other members. "
                "Make someone else an administrator first."
            )
        )
    for tenant in _tenants_of(account):
        info = tenant_info_from_row(tenant)
        with tenant_context(tenant.id):
            for name in sorted(reg.plugins):
                reg.only("sympraxis_erase_personal_data", {name})(account=account, tenant=info)
            from core.legal.services import erase_personal_data as erase_legal

            erase_legal(account)
            from core.notifications.models import QueuedNotification

            # the digest's queue holds mail written to the person: it goes with them
            db.session.execute(
                sa.delete(QueuedNotification).where(QueuedNotification.account_id == account.id)
            )
            db.session.execute(sa.delete(Membership).where(Membership.account_id == account.id))
            db.session.execute(
                sa.update(Affiliation)
                .where(Affiliation.requested_by_id == account.id)
                .values(requested_by_id=None)
            )
            db.session.execute(
                sa.update(Affiliation)
                .where(Affiliation.decided_by_id == account.id)
                .values(decided_by_id=None)
            )
            db.session.flush()  # the hooks' changes first: nothing of the person is left to note
            db.session.execute(
                sa.delete(PersonalDataLocation).where(PersonalDataLocation.account_id == account.id)
            )
    for name in sorted(reg.plugins):  # platform-wide records (the audit log), while the address is known
        reg.only("sympraxis_erase_account_data", {name})(account=account)
    db.session.execute(sa.delete(OrganisationMember).where(OrganisationMember.account_id == account.id))
    db.session.execute(sa.delete(PersonalAccessToken).where(PersonalAccessToken.account_id == account.id))
    db.session.execute(sa.delete(HandoffCode).where(HandoffCode.account_id == account.id))
    from core.notifications.models import NotificationPreference

    db.session.execute(
        sa.delete(NotificationPreference).where(NotificationPreference.account_id == account.id)
    )
    forget_sessions(account)
    account.email = None
    account.display_name = ERASED_NAME
    account.password_hash = None
    account.totp_secret = None
    account.totp_enabled_at = None
    account.totp_last_step = None
    account.locale = None
    account.is_operator = False
    account.erased_at = utcnow()
    account.session_generation += 1
    db.session.flush()
