"""Sign-up and email verification (the same answer for a known and an unknown email)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from core.accounts import security
from core.accounts.models import (
    Account,
)
from core.accounts.services.common import (
    AccountError,
    _mail_account,
    find_account,
    validate_display_name,
    validate_email,
    validate_password,
)
from core.extensions import db
from core.tenancy import (
    apex_host,
    external_url,
    utcnow,
)


def sign_up(
    email: str, password: str, display_name: str, locale: str | None, return_to: str | None = None
) -> Account | None:
    """Create an unverified account and mail a verification link.

    If the email is taken, mail its owner instead (with a sign-in and reset hint) and return None:
    the caller shows the same page either way.
    """
    display_name = validate_display_name(display_name)
    email = validate_email(email)
    validate_password(password)
    # hash first, whether or not the email is taken, so both answers take the same time
    password_hash = security.hash_password(password)
    existing = find_account(email)
    if existing is None:
        account = Account(email=email, display_name=display_name, password_hash=password_hash, locale=locale)
        try:
            with db.session.begin_nested():  # a concurrent sign-up with the same email loses here
                db.session.add(account)
        except sa.exc.IntegrityError:
            existing = find_account(email)
        else:
            send_verification(account, return_to)
            return account
    if existing is not None and existing.erased_at is None:
        _mail_account(
            existing,
            _("Someone tried to sign up with your email"),
            _(
                "Someone (perhaps you) tried to create a Sympraxis account with this email "
                "address, which already has one. You can sign in at %(url)s, or reset your "
                "password there if you have forgotten it.",
                url=external_url(apex_host(), "/auth/signin"),
            ),
        )
    return None


def create_account(
    email: str,
    password: str,
    display_name: str,
    *,
    verified: bool = True,
    is_operator: bool = False,
    locale: str | None = None,
) -> Account:
    """Create an account directly (CLI, seed, invitations accepted). Raises on a taken email."""
    email = validate_email(email)
    validate_password(password)
    if find_account(email) is not None:
        raise AccountError(_("An account with this email already exists."))
    account = Account(
        email=email,
        display_name=validate_display_name(display_name),
        password_hash=security.hash_password(password),
        email_verified_at=utcnow() if verified else None,
        is_operator=is_operator,
        locale=locale,
    )
    db.session.add(account)
    db.session.flush()
    return account


def send_verification(account: Account, return_to: str | None = None) -> None:
    """The confirmation link; ``return_to`` (an apex path, see :func:`return_path`) travels in
    it, so confirming leads back to the page the person signed up from."""
    payload = {"a": account.id, "e": account.email}
    if return_to:
        payload["n"] = return_to
    token = security.sign("verify", payload)
    url = external_url(apex_host(), f"/auth/verify/{token}")
    _mail_account(
        account,
        _("Confirm your email address"),
        _(
            "Welcome to Sympraxis, %(name)s. Confirm your email address by opening this link "
            "within 24 hours:\n\n%(url)s",
            name=account.display_name,
            url=url,
        ),
    )


def return_path(raw: str | None) -> str | None:
    """Where a person signing up goes back to, as a path on the apex: a same-host path as it is,
    or a page of a municipality (a registered host only) through ``/auth/go``, which signs the
    person in there. Anything else: None (never an open redirect)."""
    from urllib.parse import urlencode, urlsplit

    from core.accounts.services.handoff import receiving_host
    from core.redirects import safe_redirect_target

    if not raw:
        return None
    same_host = safe_redirect_target(raw, None)
    if same_host is not None and not raw.startswith(("http:", "https:")):
        return same_host
    parts = urlsplit(raw)
    host = receiving_host(parts.netloc) if parts.scheme in ("http", "https") else None
    if host is None:
        return None
    path = safe_redirect_target(parts.path + (f"?{parts.query}" if parts.query else ""), "/") or "/"
    return "/auth/go?" + urlencode({"host": host, "next": path})


def verification_return(token: str) -> str | None:
    """The ``return_to`` a confirmation link carries (None: none, or the token is not valid)."""
    data = security.unsign("verify", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    return (data or {}).get("n")


def verify_email(token: str) -> Account | None:
    data = security.unsign("verify", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    if not data:
        return None
    account = db.session.get(Account, data["a"])
    if account is None or account.email != data["e"] or account.erased_at:
        return None
    if account.email_verified_at is None:
        account.email_verified_at = utcnow()
    return account
