"""Server-side sessions (issue 10 item 12): starting, looking up, ending and revoking them, and
confirming the person's identity again before a sensitive change.
"""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from flask_babel import gettext as _

from core.accounts import security
from core.accounts.models import (
    Account,
    AccountSession,
)
from core.accounts.services.common import AccountError
from core.accounts.services.signin import password_matches
from core.accounts.services.totp import check_totp
from core.extensions import db
from core.tenancy import (
    normalise_host,
    utcnow,
)

#: How often a session's ``last_seen_at`` is written at most (the list shows it to this precision).
SESSION_SEEN_EVERY = dt.timedelta(minutes=5)


#: Revoked sessions are kept this long (the account page no longer shows them), then purged.
REVOKED_SESSION_KEPT = dt.timedelta(days=30)


#: A session not seen for this long is purged (the remember-me cookie lasts a year).
IDLE_SESSION_KEPT = dt.timedelta(days=400)
_MAX_ID = 2**63 - 1


def start_session(account: Account, host: str) -> str:
    """A new server-side session for the account on ``host``; returns the key the cookie carries.

    Also purges the account's own long-revoked and long-idle sessions (an indexed delete).
    """
    now = utcnow()
    db.session.execute(
        sa.delete(AccountSession).where(
            AccountSession.account_id == account.id,
            sa.or_(
                AccountSession.revoked_at < now - REVOKED_SESSION_KEPT,
                AccountSession.last_seen_at < now - IDLE_SESSION_KEPT,
            ),
        )
    )
    key = secrets.token_urlsafe(32)
    db.session.add(
        AccountSession(
            account_id=account.id,
            key_hash=security.hash_token(key),
            host=normalise_host(host)[:253],
            created_at=now,
            last_seen_at=now,
        )
    )
    db.session.flush()
    return key


def parse_session_id(user_id: str) -> tuple[int, int, str] | None:
    """``account:generation:key`` from the cookie, or None (older two-part ids included)."""
    try:
        account_id, generation, key = user_id.split(":")
        return int(account_id), int(generation), key
    except (ValueError, AttributeError):
        return None


#: Built once: this runs on every signed-in request, and building a select costs more than running it.
_LIVE_SESSION = (
    sa.select(Account, AccountSession.id, AccountSession.last_seen_at)
    .join(AccountSession, AccountSession.account_id == Account.id)
    .where(
        AccountSession.key_hash == sa.bindparam("key_hash"),
        AccountSession.revoked_at.is_(None),
        Account.id == sa.bindparam("account_id"),
    )
)


def account_for_session(user_id: str) -> tuple[Account, int, dt.datetime] | None:
    """The account of a live session cookie, with the session's id and when it was last seen.

    One indexed read (the session by its key hash, joined to its account) per request. None when
    the session was signed out or revoked, the account signed out everywhere, or was erased.
    """
    parsed = parse_session_id(user_id)
    if parsed is None or len(parsed[2]) > 100:
        return None
    account_id, generation, key = parsed
    row = db.session.execute(
        _LIVE_SESSION, {"key_hash": security.hash_token(key), "account_id": account_id}
    ).first()
    if row is None:
        return None
    account, session_id, last_seen = row
    if account.session_generation != generation or account.erased_at is not None:
        return None
    account.session_key = key  # so that get_id() names this session again
    return account, session_id, last_seen


def end_session(user_id: str | None) -> None:
    """Revoke the server-side session a cookie names (sign-out on this browser)."""
    parsed = parse_session_id(user_id or "")
    if parsed is None:
        return
    db.session.execute(
        sa.update(AccountSession)
        .where(
            AccountSession.key_hash == security.hash_token(parsed[2]),
            AccountSession.account_id == parsed[0],
            AccountSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )


def revoke_session(account: Account, session_id: int) -> bool:
    """Revoke one of the account's own sessions (from the list on the account page)."""
    if not 0 < session_id <= _MAX_ID:
        return False
    found = db.session.get(AccountSession, session_id)
    if found is None or found.account_id != account.id or found.revoked_at is not None:
        return False
    found.revoked_at = utcnow()
    return True


def list_sessions(account: Account) -> list[AccountSession]:
    """The account's live sessions, the most recently seen first."""
    return list(
        db.session.execute(
            sa.select(AccountSession)
            .where(AccountSession.account_id == account.id, AccountSession.revoked_at.is_(None))
            .order_by(AccountSession.last_seen_at.desc(), AccountSession.id.desc())
        ).scalars()
    )


#: Wrong answers to "confirm it's you" after which the session is signed out (a stolen cookie
#: must not become a way to guess the password without the sign-in's rate limit).
MAX_FAILED_CONFIRMATIONS = 5


def confirm_identity(account: Account, password: str, code: str | None) -> None:
    """Check the password again, and the authenticator's code if the account uses one; raise
    :class:`AccountError` naming the field that is wrong."""
    if not password_matches(account, password):
        raise AccountError(_("The password is not right."), "password")
    uses_code = account.totp_enabled_at is not None or account.is_operator
    if uses_code and not check_totp(account, code or ""):
        raise AccountError(_("That code is not right. Check the time on your device and try again."), "code")


def note_failed_confirmation(session_id: int | None) -> int:
    """Count a wrong confirmation in the session (committed by the caller); the new count."""
    if session_id is None:
        return MAX_FAILED_CONFIRMATIONS
    return db.session.execute(
        sa.update(AccountSession)
        .where(AccountSession.id == session_id)
        .values(failed_confirmations=AccountSession.failed_confirmations + 1)
        .returning(AccountSession.failed_confirmations)
    ).scalar_one()


def forget_sessions(account: Account) -> None:
    """Delete the account's session rows (erasure: hosts and times are personal data too)."""
    db.session.execute(sa.delete(AccountSession).where(AccountSession.account_id == account.id))


def record_sessions_seen(session_ids: set[int] | list[int]) -> None:
    """Stamp ``last_seen_at`` on sessions, in a transaction of its own (called after a request)."""
    if not session_ids:
        return
    db.session.execute(
        sa.update(AccountSession)
        .where(AccountSession.id.in_(list(session_ids)))
        .values(last_seen_at=utcnow())
    )
    db.session.commit()
