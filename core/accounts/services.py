"""Accounts, sessions, hand-off codes, tokens, organisations and affiliations: the logic.

Views and API call these; they never call the views. Every function that answers differently
for a known and an unknown email is a bug: sign-up, sign-in and reset answer the same.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pyotp
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from core.accounts import security
from core.accounts.models import (
    Account,
    AccountSession,
    Affiliation,
    AffiliationStatus,
    HandoffCode,
    Membership,
    Organisation,
    OrganisationMember,
    PersonalAccessToken,
    Role,
)
from core.db import cross_tenant_read, tenant_context
from core.extensions import db
from core.mail import Mail, send_mail
from core.tenancy import (
    Tenant,
    TenantDomain,
    TenantInfo,
    apex_host,
    external_url,
    normalise_host,
    utcnow,
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


# --- sign-up and verification ------------------------------------------------------------------


def sign_up(email: str, password: str, display_name: str, locale: str | None) -> Account | None:
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
            send_verification(account)
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


def send_verification(account: Account) -> None:
    token = security.sign("verify", {"a": account.id, "e": account.email})
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


# --- sign-in -----------------------------------------------------------------------------------


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


# --- server-side sessions (issue 10 item 12) --------------------------------------------------

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


# --- password reset ---------------------------------------------------------------------------


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


# --- TOTP --------------------------------------------------------------------------------------


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


# --- hand-off to tenant hosts ------------------------------------------------------------------


#: Codes never live longer than this, whatever the configuration says (DESIGN §4).
MAX_HANDOFF_CODE_TTL = 60


class HandoffRefused(Exception):
    """The target host is not one of ours, or not verified: it never receives a code."""


#: What a hand-off target may contain: a host name (letters, digits, dots, hyphens), a port.
_TARGET_RE = re.compile(r"^[A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?$")


def parse_handoff_target(raw: str) -> str | None:
    """The normalised host a hand-off target names, or None if it is anything but ``host[:port]``.

    Parsed as a URL authority, as a browser would read it: ``orestiada.localhost:@evil.example``
    is user information before the host ``evil.example``, so anything with user information, a
    path, a query or a fragment is refused outright. A port is allowed only if it is the one we
    serve on. Capitals and a trailing dot are normalised away.
    """
    raw = (raw or "").strip()
    if not _TARGET_RE.match(raw):
        return None
    try:
        parts = urlsplit("//" + raw)
        port = parts.port
    except ValueError:
        return None
    if parts.username is not None or parts.path or parts.query or parts.fragment or not parts.hostname:
        return None
    if port is not None:
        scheme = current_app.config["PREFERRED_URL_SCHEME"]
        served = current_app.config.get("PUBLIC_PORT") or (443 if scheme == "https" else 80)
        if port != int(served):
            return None
    host = parts.hostname.lower().rstrip(".")
    return host if host and ".." not in host else None


def receiving_host(raw: str) -> str | None:
    """The stored domain a hand-off target names, if it is registered, verified and of an active
    or suspended tenant; None otherwise. Redirects are built from this value, never from ``raw``."""
    host = parse_handoff_target(raw)
    if host is None:
        return None
    row = db.session.execute(
        sa.select(TenantDomain.host, Tenant.status)
        .join(Tenant, Tenant.id == TenantDomain.tenant_id)
        .where(TenantDomain.host == host, TenantDomain.verified_at.is_not(None))
        .execution_options(all_tenants=True)
    ).first()
    if row is None or row.status == "archived":
        return None
    return row.host


def host_may_receive_codes(host: str) -> bool:
    """Only registered and verified hosts of an active or suspended tenant receive codes."""
    return receiving_host(host) is not None


def issue_handoff_code(account: Account, target_host: str, nonce: str) -> str:
    """A single-use code for ``target_host``, bound to the account and the tenant's nonce."""
    stored = receiving_host(target_host)
    if not nonce or len(nonce) > 64 or stored is None:
        raise HandoffRefused(target_host)
    target_host = stored
    code = secrets.token_urlsafe(32)
    ttl = min(int(current_app.config["HANDOFF_CODE_TTL"]), MAX_HANDOFF_CODE_TTL)
    purge_expired_handoff_codes()
    db.session.add(
        HandoffCode(
            code_hash=security.hash_token(code),
            account_id=account.id,
            target_host=target_host,
            nonce=nonce,
            expires_at=utcnow() + dt.timedelta(seconds=ttl),
        )
    )
    return code


def redeem_handoff_code(code: str, host: str, nonce: str | None) -> Account | None:
    """Exchange a code on its target host; None if unknown, used, expired, or bound elsewhere.

    The code is burnt by a conditional UPDATE, so two concurrent redemptions cannot both win.
    """
    if not code or not nonce:
        return None
    now = utcnow()
    code_hash = security.hash_token(code)
    row = db.session.execute(
        sa.update(HandoffCode)
        .where(
            HandoffCode.code_hash == code_hash,
            HandoffCode.used_at.is_(None),
            HandoffCode.expires_at > now,
            HandoffCode.target_host == normalise_host(host),
        )
        .values(used_at=now)
        .returning(HandoffCode.account_id, HandoffCode.nonce)
    ).first()
    if row is None or not security.constant_time_equal(row.nonce, nonce):
        return None
    account = db.session.get(Account, row.account_id)
    if account is None or account.erased_at is not None:
        return None
    return account


def purge_expired_handoff_codes() -> int:
    result = db.session.execute(
        sa.delete(HandoffCode).where(HandoffCode.expires_at < utcnow() - dt.timedelta(hours=1))
    )
    return result.rowcount or 0


# --- memberships -------------------------------------------------------------------------------


def membership_in(account: Account | None, tenant: TenantInfo | None) -> Membership | None:
    """The account's membership in the active tenant (tenant context must be active)."""
    if account is None or tenant is None or not getattr(account, "id", None):
        return None
    return db.session.execute(
        sa.select(Membership).where(Membership.account_id == account.id)
    ).scalar_one_or_none()


def role_in(account: Any, tenant: TenantInfo | None) -> Role | None:
    from flask import g, has_request_context

    if account is None or not getattr(account, "is_authenticated", False) or tenant is None:
        return None
    if has_request_context():
        cache = g.setdefault("_roles", {})
        key = (account.id, tenant.id)
        if key not in cache:
            m = membership_in(account, tenant)
            cache[key] = m.role_level if m else None
        return cache[key]
    m = membership_in(account, tenant)
    return m.role_level if m else None


def join_tenant(account: Account, tenant_id: int, role: str = "member") -> Membership:
    """Make the account a member (idempotent; never lowers an existing role)."""
    with tenant_context(tenant_id):
        existing = db.session.execute(
            sa.select(Membership).where(Membership.account_id == account.id)
        ).scalar_one_or_none()
        if existing is not None:
            if Role.parse(role) > existing.role_level:
                existing.role = role
            return existing
        membership = Membership(account_id=account.id, role=role)
        db.session.add(membership)
        db.session.flush()
        return membership


def account_tenants(account: Account) -> list[dict[str, Any]]:
    """Every municipality where the account, or an organisation it belongs to, is active.

    A reviewed cross-tenant read (DESIGN §3): the NGO dashboard and ``/api/v1/me``.
    """
    org_ids = [m.organisation_id for m in organisations_of(account)]
    with cross_tenant_read():
        memberships = db.session.execute(
            sa.select(Membership.tenant_id, Membership.role)
            .where(Membership.account_id == account.id)
            .execution_options(all_tenants=True)
        ).all()
        affiliations = (
            db.session.execute(
                sa.select(Affiliation.tenant_id, Affiliation.organisation_id, Affiliation.status)
                .where(Affiliation.organisation_id.in_(org_ids))
                .execution_options(all_tenants=True)
            ).all()
            if org_ids
            else []
        )
    tenant_ids = {m.tenant_id for m in memberships} | {
        a.tenant_id for a in affiliations if a.status == AffiliationStatus.APPROVED
    }
    if not tenant_ids:
        return []
    tenants = db.session.execute(
        sa.select(Tenant).where(Tenant.id.in_(tenant_ids), Tenant.status != "archived").order_by(Tenant.name)
    ).scalars()
    hosts = primary_hosts(tenant_ids)
    roles = {m.tenant_id: m.role for m in memberships}
    orgs_by_tenant: dict[int, list[int]] = {}
    for a in affiliations:
        if a.status == AffiliationStatus.APPROVED:
            orgs_by_tenant.setdefault(a.tenant_id, []).append(a.organisation_id)
    return [
        {
            "tenant": t,
            "host": hosts.get(t.id),
            "role": roles.get(t.id),
            "organisation_ids": orgs_by_tenant.get(t.id, []),
        }
        for t in tenants
    ]


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


# --- organisations and affiliations -----------------------------------------------------------


def organisations_of(account: Account) -> list[OrganisationMember]:
    return list(
        db.session.execute(
            sa.select(OrganisationMember).where(OrganisationMember.account_id == account.id)
        ).scalars()
    )


def create_organisation(
    account: Account, name: str, kind: str = "ngo", website: str | None = None
) -> Organisation:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise AccountError(_("Enter the organisation's name (at most 200 characters)."))
    if kind not in ("ngo", "association", "cooperative", "social_enterprise"):
        raise AccountError(_("Choose the kind of organisation."))
    org = Organisation(name=name, kind=kind, website=(website or "").strip() or None)
    db.session.add(org)
    db.session.flush()
    db.session.add(OrganisationMember(organisation_id=org.id, account_id=account.id, role="admin"))
    db.session.flush()
    return org


def is_organisation_admin(account: Account, organisation_id: int) -> bool:
    row = db.session.get(OrganisationMember, (organisation_id, account.id))
    return row is not None and row.role == "admin"


def request_affiliation(
    account: Account, organisation_id: int, tenant_id: int, message: str | None = None
) -> Affiliation:
    """An organisation admin asks to be affiliated with a municipality (pending until decided)."""
    if not is_organisation_admin(account, organisation_id):
        raise AccountError(_("Only an administrator of the organisation can request this."))
    if message and len(message) > 1000:
        raise AccountError(_("Use at most %(n)d characters for the message.", n=1000), "message")
    with tenant_context(tenant_id):
        existing = db.session.execute(
            sa.select(Affiliation).where(Affiliation.organisation_id == organisation_id)
        ).scalar_one_or_none()
        if existing is not None:
            if existing.status == AffiliationStatus.REJECTED:
                existing.status = AffiliationStatus.PENDING
                existing.requested_at = utcnow()
                existing.requested_by_id = account.id
                existing.message = message
                existing.decided_at = None
                existing.decided_by_id = None
                _tell_tenant_admins(existing, tenant_id)
            return existing
        affiliation = Affiliation(
            organisation_id=organisation_id, requested_by_id=account.id, message=message
        )
        db.session.add(affiliation)
        db.session.flush()
        _tell_tenant_admins(affiliation, tenant_id)
        return affiliation


def _tell_tenant_admins(affiliation: Affiliation, tenant_id: int) -> None:
    """Mail the municipality's admins that an organisation asks to be affiliated (tenant active)."""
    tenant = db.session.get(Tenant, tenant_id)
    org = db.session.get(Organisation, affiliation.organisation_id)
    host = primary_hosts([tenant_id]).get(tenant_id)
    admins = db.session.execute(
        sa.select(Account)
        .join(Membership, Membership.account_id == Account.id)
        .where(Membership.role == "admin", Account.erased_at.is_(None))
    ).scalars()
    for admin in admins:
        with force_locale(admin.locale or tenant.default_locale or "en"):
            subject = _("%(org)s asks to be affiliated with %(tenant)s", org=org.name, tenant=tenant.name)
            text = _(
                "%(org)s asks to be affiliated with %(tenant)s. Approve or reject the request at %(url)s",
                org=org.name,
                tenant=tenant.name,
                url=external_url(host, "/admin/affiliations") if host else "",
            )
            _mail_account(admin, subject, text)


def decide_affiliation(decider: Account, affiliation: Affiliation, approve: bool) -> Affiliation:
    """A municipality admin approves or rejects; the organisation's admins are told by mail.

    Deciding what is already decided changes nothing and sends nothing.
    """
    status = AffiliationStatus.APPROVED if approve else AffiliationStatus.REJECTED
    if affiliation.status == status:
        return affiliation
    affiliation.status = status
    affiliation.decided_by_id = decider.id
    affiliation.decided_at = utcnow()
    from core.plugins import audit

    audit(
        "affiliation.approved" if approve else "affiliation.rejected",
        affiliation.tenant_id,
        {"organisation_id": affiliation.organisation_id},
        actor=decider,
    )
    tenant = db.session.get(Tenant, affiliation.tenant_id)
    org = db.session.get(Organisation, affiliation.organisation_id)
    admins = db.session.execute(
        sa.select(Account)
        .join(OrganisationMember, OrganisationMember.account_id == Account.id)
        .where(
            OrganisationMember.organisation_id == affiliation.organisation_id,
            OrganisationMember.role == "admin",
        )
    ).scalars()
    for admin in admins:
        with force_locale(admin.locale or "en"):
            subject = (
                _("%(org)s is now affiliated with %(tenant)s", org=org.name, tenant=tenant.name)
                if approve
                else _("%(tenant)s declined the affiliation of %(org)s", org=org.name, tenant=tenant.name)
            )
            text = _(
                "%(subject)s.\n\nYour organisations and their affiliations: %(url)s",
                subject=subject,
                url=external_url(apex_host(), "/dashboard"),
            )
            _mail_account(admin, subject, text)
    return affiliation


def admin_organisations(account: Account) -> list[Organisation]:
    """The organisations the account administers (those it may request affiliations for)."""
    return list(
        db.session.execute(
            sa.select(Organisation)
            .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
            .where(OrganisationMember.account_id == account.id, OrganisationMember.role == "admin")
            .order_by(Organisation.name)
        ).scalars()
    )


def affiliable_tenants() -> list[Tenant]:
    """Municipalities an organisation may ask to join: the active ones (names are public)."""
    return list(
        db.session.execute(sa.select(Tenant).where(Tenant.status == "active").order_by(Tenant.name)).scalars()
    )


def active_tenant_by_slug(slug: str) -> Tenant | None:
    return db.session.execute(
        sa.select(Tenant).where(Tenant.slug == slug, Tenant.status == "active")
    ).scalar_one_or_none()


def affiliation_requests_of(account: Account) -> list[dict[str, Any]]:
    """The affiliation requests of the account's organisations (a reviewed cross-tenant read)."""
    org_ids = [m.organisation_id for m in organisations_of(account)]
    if not org_ids:
        return []
    with cross_tenant_read():
        rows = db.session.execute(
            sa.select(Affiliation, Tenant.name, Organisation.name)
            .join(Tenant, Tenant.id == Affiliation.tenant_id)
            .join(Organisation, Organisation.id == Affiliation.organisation_id)
            .where(Affiliation.organisation_id.in_(org_ids))
            .order_by(Affiliation.requested_at.desc())
            .execution_options(all_tenants=True)
        ).all()
    return [{"affiliation": a, "tenant_name": t, "organisation_name": o} for a, t, o in rows]


def dashboard(account: Account) -> dict[str, Any]:
    """What the NGO dashboard on the apex shows: municipalities (with a link arriving signed in),
    organisations and affiliation requests."""
    from urllib.parse import urlencode

    tenants = account_tenants(account)
    for entry in tenants:
        entry["url"] = (
            external_url(apex_host(), "/auth/go?" + urlencode({"host": entry["host"]}))
            if entry["host"]
            else None
        )
    memberships = organisations_of(account)
    orgs = {
        o.id: o
        for o in db.session.execute(
            sa.select(Organisation).where(Organisation.id.in_([m.organisation_id for m in memberships]))
        ).scalars()
    }
    return {
        "tenants": tenants,
        "organisations": memberships,
        "orgs": orgs,
        "affiliations": affiliation_requests_of(account),
        "widgets": apex_dashboard_widgets(account),
    }


def apex_dashboard_widgets(account: Account) -> list[Any]:
    """Plugins' widgets for the apex dashboard, one plugin at a time: a failing one is skipped
    and recorded for the operator, the others still show (e.g. open consultations everywhere)."""
    from core.plugins import registry

    reg = registry()
    widgets: list[Any] = []
    for name in sorted(reg.plugins):
        try:
            for result in reg.only("sympraxis_apex_dashboard_items", {name})(account=account):
                widgets.extend(result or [])
        except Exception as exc:
            db.session.rollback()
            reg.record_error(name, "sympraxis_apex_dashboard_items", exc)
    return sorted(widgets, key=lambda w: (w.order, w.title))


def tenant_affiliations() -> list[tuple[Affiliation, Organisation]]:
    """The current municipality's affiliation requests (tenant context active)."""
    return [
        (a, o)
        for a, o in db.session.execute(
            sa.select(Affiliation, Organisation)
            .join(Organisation, Organisation.id == Affiliation.organisation_id)
            .order_by(Affiliation.status, Affiliation.requested_at.desc())
        ).all()
    ]


def find_affiliation(affiliation_id: Any) -> Affiliation | None:
    """One of the current municipality's affiliations (another tenant's is not found)."""
    return db.session.execute(
        sa.select(Affiliation).where(Affiliation.id == affiliation_id)
    ).scalar_one_or_none()


# --- personal access tokens -------------------------------------------------------------------


TOKEN_PREFIX = "spx_"


def create_access_token(
    account: Account, name: str, scope_tenant_id: int | None
) -> tuple[PersonalAccessToken, str]:
    """A new token; the secret is returned once and stored only as a hash."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise AccountError(_("Give the token a name (at most 100 characters)."))
    secret = security.new_token(TOKEN_PREFIX)
    token = PersonalAccessToken(
        account_id=account.id,
        name=name,
        token_hash=security.hash_token(secret),
        prefix=secret[:10],
        scope_tenant_id=scope_tenant_id,
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def list_access_tokens(account: Account) -> list[PersonalAccessToken]:
    """The account's live tokens, newest first."""
    return list(
        db.session.execute(
            sa.select(PersonalAccessToken)
            .where(PersonalAccessToken.account_id == account.id, PersonalAccessToken.revoked_at.is_(None))
            .order_by(PersonalAccessToken.created_at.desc(), PersonalAccessToken.id.desc())
        ).scalars()
    )


def token_scopes(account: Account) -> list[tuple[str, str]]:
    """Where a new token of the account may be valid: the apex, or one of its municipalities."""
    choices = [("apex", _("The platform (%(host)s)", host=apex_host()))]
    for entry in account_tenants(account):
        choices.append((str(entry["tenant"].id), entry["tenant"].name))
    return choices


def revoke_access_token(account: Account, token_id: int) -> bool:
    token = db.session.get(PersonalAccessToken, token_id)
    if token is None or token.account_id != account.id or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    return True


def account_for_access_token(secret: str, tenant_id: int | None) -> Account | None:
    """The account behind a bearer token, if the token is live and scoped to this host."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = db.session.execute(
        sa.select(PersonalAccessToken).where(PersonalAccessToken.token_hash == security.hash_token(secret))
    ).scalar_one_or_none()
    if token is None or token.revoked_at is not None or token.scope_tenant_id != tenant_id:
        return None
    account = db.session.get(Account, token.account_id)
    if account is None or account.erased_at is not None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        # written at most every 5 minutes; in a request, after it (a GET never commits the
        # request's session, and a write must not be committed half-way by us)
        from flask import g, has_request_context

        if has_request_context():
            g.setdefault("_token_uses", set()).add(token.id)
        else:
            token.last_used_at = now
    return account


def record_token_uses(token_ids: set[int] | list[int]) -> None:
    """Stamp ``last_used_at`` on tokens, in a transaction of its own (called after a request)."""
    if not token_ids:
        return
    db.session.execute(
        sa.update(PersonalAccessToken)
        .where(PersonalAccessToken.id.in_(list(token_ids)))
        .values(last_used_at=utcnow())
    )
    db.session.commit()


# --- mail helper --------------------------------------------------------------------------------


def _mail_account(account: Account, subject: str, text: str) -> None:
    if account.email:
        send_mail(Mail(to=[account.email], subject=subject, text=text))
