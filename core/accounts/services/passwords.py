"""Password reset by mailed token (the same answer for a known and an unknown email)."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from core.accounts import security
from core.accounts.models import (
    Account,
)
from core.accounts.services.common import MAX_EMAIL_LENGTH, _mail_account, find_account, validate_password
from core.accounts.services.signin import sign_out_everywhere
from core.extensions import db
from core.tenancy import (
    apex_host,
    external_url,
    utcnow,
)


def request_password_reset(email: str) -> None:
    """Mail a reset link if the account exists; do nothing visible otherwise."""
    account = find_account(email) if len(email or "") <= MAX_EMAIL_LENGTH else None
    if account is None or account.erased_at is not None:
        return
    token = security.sign("reset", {"a": account.id, "f": security.fingerprint(account.password_hash)})
    _mail_account(
        account,
        _("Reset your password"),
        _(
            "To choose a new password for Sympraxis, open this link within one hour:\n\n%(url)s\n\n"
            "If you did not ask for this, ignore this message: your password stays as it is.",
            url=external_url(apex_host(), f"/auth/reset/{token}"),
        ),
    )


def account_for_reset_token(token: str) -> Account | None:
    data = security.unsign("reset", token, int(current_app.config.get("RESET_TOKEN_MAX_AGE", 3600)))
    if not data:
        return None
    account = db.session.get(Account, data["a"])
    if account is None or account.erased_at is not None:
        return None
    # single use: the token names the password it replaces
    if data["f"] != security.fingerprint(account.password_hash):
        return None
    return account


def reset_password(token: str, new_password: str) -> Account | None:
    account = account_for_reset_token(token)
    if account is None:
        return None
    validate_password(new_password)
    account.password_hash = security.hash_password(new_password)
    if account.email_verified_at is None:
        account.email_verified_at = utcnow()  # the link proved the address
    sign_out_everywhere(account)
    return account
