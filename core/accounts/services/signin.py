"""Sign-in by password (the same answer for an unknown email and a wrong password) and sign-out
everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from core.accounts import security
from core.accounts.models import (
    Account,
    AccountSession,
)
from core.accounts.services.common import MAX_EMAIL_LENGTH, find_account
from core.extensions import db
from core.tenancy import (
    utcnow,
)


@dataclass
class SignInResult:
    account: Account | None
    needs_totp: bool = False
    unverified: bool = False


def authenticate(email: str, password: str) -> SignInResult:
    """Check an email and password. Costs the same time whether or not the email exists."""
    password = password or ""
    account = find_account(email) if len(email or "") <= MAX_EMAIL_LENGTH else None
    hash_ = account.password_hash if account is not None and account.erased_at is None else None
    if len(password) > security.MAX_PASSWORD_LENGTH:
        hash_ = None  # never truncate: a longer password is simply wrong (and costs the same)
    if not security.verify_password(hash_, password[: security.MAX_PASSWORD_LENGTH]):
        return SignInResult(None)
    assert account is not None
    if security.needs_rehash(account.password_hash or ""):
        account.password_hash = security.hash_password(password)
    if account.email_verified_at is None:
        return SignInResult(account, unverified=True)
    if account.totp_enabled_at is not None or account.is_operator:
        return SignInResult(account, needs_totp=True)
    return SignInResult(account)


def password_matches(account: Account, password: str) -> bool:
    """Re-check the password of a signed-in account (before deleting it, for instance)."""
    if account.erased_at is not None or len(password or "") > security.MAX_PASSWORD_LENGTH:
        return False
    return security.verify_password(account.password_hash, password or "")


def sign_out_everywhere(account: Account) -> None:
    """Invalidate every session of the account, on every host: sessions carry the generation,
    and every server-side session row is revoked too."""
    account.session_generation += 1
    db.session.execute(
        sa.update(AccountSession)
        .where(AccountSession.account_id == account.id, AccountSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
