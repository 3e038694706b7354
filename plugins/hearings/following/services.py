"""Following consultations: mail when one opens and two days before it closes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer

from core.toolkit import (
    Account,
    Organisation,
    OrganisationMember,
    active_tenant_id,
    db,
    external_url,
    utcnow,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.common import HearingsError, _host, acting_organisations, mail_locale, mail_time
from plugins.hearings.models import (
    Consultation,
    Follow,
    Status,
)
from plugins.hearings.notices import CLOSING, OPENED

CLOSING_NOTICE = dt.timedelta(days=2)


def is_following(account: Any) -> bool:
    if account is None:
        return False
    return db.session.execute(sa.select(Follow.id).where(Follow.account_id == account.id)).first() is not None


def followable_organisations(account: Any) -> list[dict[str, Any]]:
    """Organisations the account administers and that are affiliated here, with whether each follows."""
    if account is None:
        return []
    admin_of = {
        o.id
        for o in acting_organisations(account)
        if db.session.get(OrganisationMember, (o.id, account.id)).role == "admin"
    }
    orgs = [o for o in acting_organisations(account) if o.id in admin_of]
    following = set(
        db.session.execute(
            sa.select(Follow.organisation_id).where(Follow.organisation_id.in_([o.id for o in orgs]))
        ).scalars()
    )
    return [{"id": o.id, "name": o.name, "following": o.id in following} for o in orgs]


def set_following(account: Any, follow: bool, organisation_id: int | str | None = None) -> None:
    """Follow (or stop) as oneself, or on behalf of an organisation one administers here.

    An organisation id that is not one of those (malformed included) is refused, never read as
    "follow as oneself".
    """
    if organisation_id is not None:
        allowed = {str(o["id"]): o["id"] for o in followable_organisations(account)}
        organisation_id = allowed.get(str(organisation_id).strip())
        if organisation_id is None:
            raise HearingsError(
                _("Only an administrator of an organisation affiliated with this municipality can do this."),
                403,
            )
        where = Follow.organisation_id == organisation_id
    else:
        where = Follow.account_id == account.id
    existing = db.session.execute(sa.select(Follow).where(where)).scalar_one_or_none()
    if follow and existing is None:
        if organisation_id is not None:
            db.session.add(Follow(organisation_id=organisation_id))
        else:
            db.session.add(Follow(account_id=account.id))
    elif follow:  # following again renews it: its retention period counts from now
        existing.created_at = utcnow()
    elif existing is not None:
        db.session.delete(existing)
    db.session.flush()


def _followers() -> list[tuple[str, str | None, dict[str, int]]]:
    """Followers' addresses, languages and what each follows through: accounts that follow (their
    own follow), and the administrators of following organisations (the organisation's)."""
    own = sa.select(Account.email, Account.locale, Account.id, sa.null()).join(
        Follow, Follow.account_id == Account.id
    )
    via_organisation = (
        sa.select(Account.email, Account.locale, Account.id, Follow.organisation_id)
        .join(OrganisationMember, OrganisationMember.account_id == Account.id)
        .join(Follow, Follow.organisation_id == OrganisationMember.organisation_id)
        .where(OrganisationMember.role == "admin")
    )
    found: dict[str, tuple[str | None, dict[str, int]]] = {}
    for query in (own, via_organisation):
        for email, locale, account_id, organisation_id in db.session.execute(
            query.where(Account.email.is_not(None), Account.erased_at.is_(None))
        ):
            # one mail per address: its own follow first, else the first organisation's
            if email not in found:
                target = (
                    {"a": account_id} if organisation_id is None else {"a": account_id, "o": organisation_id}
                )
                found[email] = (locale, target)
    return [(email, locale, target) for email, (locale, target) in sorted(found.items())]


def _follower_emails() -> list[str]:
    return [email for email, _locale, _target in _followers()]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="hearings.unfollow")


def unfollow_token(target: dict[str, int]) -> str:
    """The link in a follower's mail that stops them (no sign-in: the mail is the proof); it names
    the municipality, so it does nothing on another's host."""
    return _serializer().dumps({**target, "t": active_tenant_id()})


def unfollow_target(token: str) -> dict[str, int]:
    """What ``token`` stops: ``{"a": account id}`` or ``{"a": …, "o": organisation id}``; 404 if
    forged or made for another municipality."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        raise HearingsError(_("This link is not valid."), 404) from None
    if (
        not isinstance(data, dict)
        or data.get("t") != active_tenant_id()
        or not isinstance(data.get("a"), int)
    ):
        raise HearingsError(_("This link is not valid."), 404)
    return {k: v for k, v in data.items() if k in ("a", "o") and isinstance(v, int)}


def organisation_name(organisation_id: int | None) -> str | None:
    if organisation_id is None:
        return None
    org = db.session.get(Organisation, organisation_id)
    return org.name if org is not None else None


def unfollow(target: dict[str, int]) -> bool:
    """Stop the follow a mail's link names; False when there was none (already stopped)."""
    if "o" in target:
        admin = db.session.execute(
            sa.select(OrganisationMember.role).where(
                OrganisationMember.organisation_id == target["o"],
                OrganisationMember.account_id == target["a"],
            )
        ).scalar_one_or_none()
        if admin != "admin":  # no longer its administrator: the link no longer speaks for it
            raise HearingsError(
                _("Only an administrator of an organisation affiliated with this municipality can do this."),
                403,
            )
        where = Follow.organisation_id == target["o"]
    else:
        where = Follow.account_id == target["a"]
    existing = db.session.execute(sa.select(Follow).where(where)).scalar_one_or_none()
    if existing is None:
        return False
    db.session.delete(existing)
    db.session.flush()
    return True


def _mail_followers(c: Consultation, kind: str, subject: Callable[[], str], line: Callable[[], str]) -> int:
    """One notification of ``kind`` per follower, written in their language (the municipality's
    if it does not offer theirs): ``subject`` and ``line`` are called under each recipient's
    language. Each follower's settings say whether it goes now, in the digest or not at all; the
    mail links the page that stops the follow, and (the notification's link) the kind."""
    from plugins.hearings.notices import notify_account

    link = external_url(_host(), f"/hearings/consultations/{c.id}")
    followers = _followers()
    for _email, locale, target in followers:
        stop = external_url(_host(), f"/hearings/unfollow/{unfollow_token(target)}")
        with force_locale(mail_locale(locale)):
            text = "\n\n".join([line(), link, _("To stop following the consultations: %(link)s", link=stop)])
            notify_account(target["a"], kind, subject(), text)
    return len(followers)


def enqueue_follow_mail(c: Consultation) -> None:
    """Tell followers that a consultation is open (called on every transition to open)."""
    _mail_followers(
        c,
        OPENED,
        lambda: _("Open for comments: %(title)s", title=c.title),
        lambda: _("A consultation is open for comments until %(when)s.", when=mail_time(c.closes_at)),
    )


def send_closing_reminders(now: dt.datetime | None = None) -> int:
    """Two days before closing, once per consultation: a reminder to followers."""
    now = now or utcnow()
    due = db.session.execute(
        sa.select(Consultation).where(
            Consultation.status == Status.OPEN.value,
            Consultation.closing_reminder_sent_at.is_(None),
            Consultation.closes_at > now,
            Consultation.closes_at <= now + CLOSING_NOTICE,
        )
    ).scalars()
    count = 0
    for c in due:
        _mail_followers(
            c,
            CLOSING,
            lambda c=c: _("Closing soon: %(title)s", title=c.title),
            lambda c=c: _("Comments close on %(when)s.", when=mail_time(c.closes_at)),
        )
        c.closing_reminder_sent_at = now
        count += 1
    db.session.flush()
    return count
