"""Personal data of the hearings plugin by the book (issue 12 §4).

- Retention rules (hook ``sympraxis_retention_rules``), every period counted from the end of the
  meeting concerned: accessibility needs (special-category data: 30 days by default), the
  registrations of accounts and of guests, the free text of feedback; follows from when they were
  made (following again renews one).
- Guests (a registration with an e-mail address and no account): their data and its erasure,
  through the core's mailed single-use link (hooks ``sympraxis_*_guest_data``).
- What "download my data" adds for an account: its follows and the consents it gave.

Anonymising keeps the row (a meeting's attendance, the ratings of its feedback stay counted),
without the person. Every purge is idempotent: what is anonymised already is not matched again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from core.toolkit import Account, RetentionRule, db
from core.toolkit import lazy_gettext as _l
from plugins.hearings.models import Feedback, Follow, Meeting, Registration, RegistrationStatus

#: Stored in place of an anonymised person's name (the same marker as the erasure's).
ANONYMISED = "—"


def _meeting_ended_before(cutoff: dt.datetime) -> Any:
    """The registration's meeting ended before ``cutoff`` (a correlated test, tenant_id and all)."""
    return sa.exists().where(
        Meeting.tenant_id == Registration.tenant_id,
        Meeting.id == Registration.meeting_id,
        Meeting.ends_at < cutoff,
    )


def _has_needs() -> Any:
    return sa.or_(
        Registration.accessibility != "",
        Registration.accessibility_other != "",
        Registration.accessibility_consent != "",
        Registration.accessibility_consent_at.is_not(None),
    )


NO_NEEDS = {
    "accessibility": "",
    "accessibility_other": "",
    "accessibility_consent": "",
    "accessibility_consent_at": None,
}
NO_PERSON = {"name": ANONYMISED, "email": "", "organisation_name": "", "account_id": None, **NO_NEEDS}


def purge_accessibility(cutoff: dt.datetime) -> int:
    """Accessibility needs, and the consent to them, of meetings that ended before ``cutoff``."""
    result = db.session.execute(
        sa.update(Registration)
        .where(_meeting_ended_before(cutoff), _has_needs())
        .values(**NO_NEEDS)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def purge_registrations(cutoff: dt.datetime) -> int:
    """Accounts' registrations for meetings that ended before ``cutoff`` lose the person."""
    result = db.session.execute(
        sa.update(Registration)
        .where(_meeting_ended_before(cutoff), Registration.account_id.is_not(None))
        .values(**NO_PERSON)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def purge_guests(cutoff: dt.datetime) -> int:
    """Guests' registrations: never confirmed ones (they hold no seat) are deleted once made
    before ``cutoff`` or once their meeting ended before it; the others lose the person once
    their meeting ended before ``cutoff``."""
    guest = sa.and_(Registration.account_id.is_(None), Registration.email != "")
    pending = Registration.status == RegistrationStatus.PENDING.value
    deleted = db.session.execute(
        sa.delete(Registration)
        .where(guest, pending, sa.or_(Registration.created_at < cutoff, _meeting_ended_before(cutoff)))
        .execution_options(synchronize_session=False)
    )
    anonymised = db.session.execute(
        sa.update(Registration)
        .where(guest, ~pending, _meeting_ended_before(cutoff))
        .values(**NO_PERSON)
        .execution_options(synchronize_session=False)
    )
    return (deleted.rowcount or 0) + (anonymised.rowcount or 0)


def purge_feedback_text(cutoff: dt.datetime) -> int:
    """The free text of feedback on meetings that ended before ``cutoff`` (the ratings stay)."""
    ended = sa.exists().where(
        Meeting.tenant_id == Feedback.tenant_id, Meeting.id == Feedback.meeting_id, Meeting.ends_at < cutoff
    )
    result = db.session.execute(
        sa.update(Feedback)
        .where(ended, Feedback.text != "")
        .values(text="")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def purge_follows(cutoff: dt.datetime) -> int:
    """Follows made (or last renewed) before ``cutoff``."""
    result = db.session.execute(
        sa.delete(Follow).where(Follow.created_at < cutoff).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


RULES = (
    RetentionRule(
        key="hearings.accessibility",
        label=_l("Accessibility needs given with a registration, and the consent to them"),
        description=_l("deleted %(days)d days after the meeting"),
        default_days=30,
        max_days=365,
        purge=purge_accessibility,
    ),
    RetentionRule(
        key="hearings.registrations",
        label=_l("Registrations of people with an account for meetings (name, e-mail, organisation)"),
        description=_l("removed %(days)d days after the meeting (the attendance figures stay)"),
        default_days=365,
        min_days=30,
        purge=purge_registrations,
    ),
    RetentionRule(
        key="hearings.guests",
        label=_l("Registrations of guests without an account (name, e-mail, organisation)"),
        description=_l(
            "removed %(days)d days after the meeting; registrations never confirmed are deleted "
            "%(days)d days after they were made"
        ),
        default_days=90,
        min_days=7,
        purge=purge_guests,
    ),
    RetentionRule(
        key="hearings.feedback",
        label=_l("What people wrote in their feedback after a meeting"),
        description=_l("deleted %(days)d days after the meeting (the ratings stay, without the text)"),
        default_days=730,
        min_days=30,
        purge=purge_feedback_text,
    ),
    RetentionRule(
        key="hearings.follows",
        label=_l("Follows of the municipality's consultations (who is mailed when one opens)"),
        description=_l("deleted %(days)d days after they were made or last renewed"),
        default_days=730,
        min_days=90,
        purge=purge_follows,
    ),
)


# --- guests ---------------------------------------------------------------------------------------


def _guest_registrations(email: str) -> list[tuple[Registration, str, dt.datetime]]:
    return list(
        db.session.execute(
            sa.select(Registration, Meeting.title, Meeting.starts_at)
            .join(
                Meeting,
                sa.and_(Meeting.id == Registration.meeting_id, Meeting.tenant_id == Registration.tenant_id),
            )
            .where(Registration.account_id.is_(None), sa.func.lower(Registration.email) == email.lower())
            .order_by(Registration.created_at)
        ).all()
    )


def _registration(r: Registration, title: str, starts_at: dt.datetime | None) -> dict[str, Any]:
    return {
        "meeting": title,
        "meeting_starts_at": starts_at.isoformat() if starts_at else None,
        "name": r.name,
        "email": r.email,
        "organisation": r.organisation_name,
        "accessibility": [x for x in r.accessibility.split(",") if x],
        "accessibility_other": r.accessibility_other,
        "accessibility_consent": r.accessibility_consent or None,
        "accessibility_consent_at": r.accessibility_consent_at.isoformat()
        if r.accessibility_consent_at
        else None,
        "status": r.status,
        "created_at": r.created_at.isoformat(),
    }


def _feedback_of(registration_ids: list[Any]) -> list[Feedback]:
    if not registration_ids:
        return []
    return list(
        db.session.execute(
            sa.select(Feedback).where(Feedback.registration_id.in_(registration_ids))
        ).scalars()
    )


def export_guest(email: str) -> dict[str, Any] | None:
    rows = _guest_registrations(email)
    if not rows:
        return None
    feedback = _feedback_of([r.id for r, _t, _s in rows])
    return {
        "registrations": [_registration(r, t, s) for r, t, s in rows],
        "feedback": [
            {"overall": f.overall, "organisation": f.organisation, "usefulness": f.usefulness, "text": f.text}
            for f in feedback
        ],
    }


def erase_guest(email: str) -> None:
    """A guest's registrations: never confirmed ones go; the others stay without the person
    (a meeting's attendance is a record); their feedback keeps its ratings, not its text."""
    rows = [r for r, _t, _s in _guest_registrations(email)]
    for feedback in _feedback_of([r.id for r in rows]):
        feedback.text = ""
    for r in rows:
        if r.status == RegistrationStatus.PENDING:
            db.session.delete(r)
        else:
            for key, value in NO_PERSON.items():
                setattr(r, key, value)
    db.session.flush()


# --- accounts -------------------------------------------------------------------------------------


def account_extras(account: Account) -> dict[str, Any]:
    """What "download my data" adds to the plugin's section: follows and consents given."""
    follows = db.session.execute(sa.select(Follow).where(Follow.account_id == account.id)).scalars().all()
    consents = db.session.execute(
        sa.select(Registration.accessibility_consent, Registration.accessibility_consent_at, Meeting.title)
        .join(
            Meeting,
            sa.and_(Meeting.id == Registration.meeting_id, Meeting.tenant_id == Registration.tenant_id),
        )
        .where(Registration.account_id == account.id, Registration.accessibility_consent != "")
        .order_by(Registration.accessibility_consent_at)
    ).all()
    return {
        "follows": [
            {"consultations_of_the_municipality": True, "since": f.created_at.isoformat()} for f in follows
        ],
        "accessibility_consents": [
            {"meeting": title, "text": text, "given_at": at.isoformat() if at else None}
            for text, at, title in consents
        ],
    }


def erase_account_extras(account: Account) -> None:
    """The consents the person gave go with their needs (the rest is the erasure's)."""
    db.session.execute(
        sa.update(Registration)
        .where(Registration.account_id == account.id)
        .values(**NO_NEEDS)
        .execution_options(synchronize_session=False)
    )
