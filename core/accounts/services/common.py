"""What every accounts service shares: the rule error, email, password and name checks, the
lookup by email, mail to an account, the primary hosts of municipalities.

Every function that answers differently for a known and an unknown email is a bug: sign-up,
sign-in and reset answer the same.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from core.accounts import security
from core.accounts.models import (
    Account,
)
from core.extensions import db
from core.mail import Mail, send_mail
from core.tenancy import (
    TenantDomain,
)

MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 120


class AccountError(ValueError):
    """Bad input for an account operation; the message is translated for the user.

    ``field`` names the form field the message belongs to (``email``, ``password``, ...), if any.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def validate_email(email: str) -> str:
    email = normalise_email(email)
    if not email or len(email) > MAX_EMAIL_LENGTH or "@" not in email[1:-1] or " " in email:
        raise AccountError(
            _("Enter a valid email address of at most %(n)d characters.", n=MAX_EMAIL_LENGTH), "email"
        )
    return email


def validate_password(password: str) -> str:
    if len(password or "") < security.MIN_PASSWORD_LENGTH:
        raise AccountError(
            _("Use at least %(n)d characters for your password.", n=security.MIN_PASSWORD_LENGTH),
            "password",
        )
    if len(password) > security.MAX_PASSWORD_LENGTH:
        raise AccountError(
            _("Use at most %(n)d characters for your password.", n=security.MAX_PASSWORD_LENGTH),
            "password",
        )
    return password


def validate_display_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise AccountError(_("Enter your name."), "display_name")
    if len(name) > MAX_NAME_LENGTH:
        raise AccountError(
            _("Use at most %(n)d characters for your name.", n=MAX_NAME_LENGTH), "display_name"
        )
    return name


def find_account(email: str) -> Account | None:
    return db.session.execute(
        sa.select(Account).where(Account.email == normalise_email(email))
    ).scalar_one_or_none()


def primary_hosts(tenant_ids: set[int] | list[int]) -> dict[int, str]:
    """Each tenant's primary verified host (a reviewed read: host names are public)."""
    rows = db.session.execute(
        sa.select(TenantDomain.tenant_id, TenantDomain.host, TenantDomain.is_primary, TenantDomain.kind)
        .where(TenantDomain.tenant_id.in_(list(tenant_ids)), TenantDomain.verified_at.is_not(None))
        .execution_options(all_tenants=True)
    ).all()
    best: dict[int, tuple[Any, str]] = {}
    for r in rows:
        rank = (r.is_primary, r.kind == "custom", r.host)
        if r.tenant_id not in best or rank > best[r.tenant_id][0]:
            best[r.tenant_id] = (rank, r.host)
    return {tid: host for tid, (_rank, host) in best.items()}


def _mail_account(account: Account, subject: str, text: str) -> None:
    if account.email:
        send_mail(Mail(to=[account.email], subject=subject, text=text))
