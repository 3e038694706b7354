"""Hand-off of a signed-in person from the apex to a tenant host: one-time codes and the hosts
that may receive them.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from core.accounts import security
from core.accounts.models import (
    Account,
    HandoffCode,
)
from core.extensions import db
from core.tenancy import (
    Tenant,
    TenantDomain,
    normalise_host,
    utcnow,
)

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


def signed_in_link(host: str, path: str = "/") -> str:
    """A link for a page of the apex (the dashboard) into ``path`` on a municipality's ``host``
    that arrives signed in: through ``/auth/go``, the tenant's sign-in and the hand-off."""
    from urllib.parse import urlencode

    from core.tenancy import apex_host, external_url

    return external_url(apex_host(), "/auth/go?" + urlencode({"host": host, "next": path}))


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
