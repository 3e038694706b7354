"""Two-factor sign-in by TOTP: enrolment, checking a code, turning it off."""

from __future__ import annotations

import datetime as dt

import pyotp
from flask_babel import gettext as _

from core.accounts import security
from core.accounts.models import (
    Account,
)
from core.accounts.services.common import AccountError
from core.tenancy import (
    utcnow,
)


def start_totp_enrolment(account: Account) -> str:
    """A fresh secret to show as a QR code / key; enrolment completes with :func:`confirm_totp`."""
    return pyotp.random_base32()


def totp_uri(account: Account, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account.email or "", issuer_name="Sympraxis")


def _accept_totp(account: Account, secret: str, code: str) -> bool:
    """True if ``code`` is the code of the current step or a neighbour (clock drift), and newer
    than the last code accepted for the account: a code seen once is never accepted again."""
    code = (code or "").strip()
    if not secret or not code.isdigit() or len(code) != 6:
        return False
    totp = pyotp.TOTP(secret)
    now = dt.datetime.now(dt.UTC)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if security.constant_time_equal(totp.generate_otp(step), code):
            if account.totp_last_step is not None and step <= account.totp_last_step:
                return False
            account.totp_last_step = step
            return True
    return False


def confirm_totp(account: Account, secret: str, code: str) -> bool:
    if not _accept_totp(account, secret, code):
        return False
    account.totp_secret = secret
    account.totp_enabled_at = utcnow()
    return True


def check_totp(account: Account, code: str) -> bool:
    if not account.totp_secret:
        return False
    return _accept_totp(account, account.totp_secret, code)


def disable_totp(account: Account) -> None:
    if account.is_operator:
        raise AccountError(_("Operators must keep two-step verification on."))
    account.totp_secret = None
    account.totp_enabled_at = None
    account.totp_last_step = None
