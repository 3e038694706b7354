"""Guests' rights: a person without an account asks for their data, or its erasure, by e-mail.

A guest (someone who registered for a meeting with only an e-mail address) cannot sign in, so
the address is the proof: they type it on the municipality's page, and if any plugin holds
something for it there (hook ``sympraxis_export_guest_data``), a mail brings a signed link that
works once, for ``LINK_HOURS`` hours. The link opens a page from which they download the data
(JSON) or erase it (hook ``sympraxis_erase_guest_data``). The page answers the same whatever was
typed, so nobody learns from it whether an address is known.

What a link is used for is recorded (:class:`~core.privacy.models.DataRequest`: the
municipality's record of rights exercised), with the address kept as a keyed hash only; nothing
goes to the audit log, which would keep the guest's IP address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from core.accounts.services.common import AccountError, validate_email
from core.db import tenant_context
from core.extensions import db
from core.mail import Mail, send_mail
from core.plugins import registry
from core.privacy import retention
from core.privacy.models import DataRequest
from core.tenancy import TenantInfo, external_url, utcnow

#: How long a mailed link works.
LINK_HOURS = 24
#: Links mailed for one address in one municipality within a day, at most (beyond: no mail).
MAX_LINKS_PER_DAY = 3
FORMAT = "sympraxis-guest-data/1"


class GuestLinkError(LookupError):
    """The link is not valid: unknown, used already, or expired (``reason`` says which)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def email_hash(email: str) -> str:
    """A keyed hash of the address: the record keeps it, never the address itself."""
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, b"guest-data:" + email.encode(), hashlib.sha256).hexdigest()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="core.privacy.guest-link")


def held_for(email: str, tenant: TenantInfo) -> dict[str, Any]:
    """What the municipality holds about the guest: ``core`` (accessibility feedback they sent)
    and every installed plugin's answer: name -> data."""
    from core.privacy import feedback

    reg = registry()
    found: dict[str, Any] = {}
    with tenant_context(tenant.id):
        reports = feedback.export_for_guest(email)
        if reports:
            found["core"] = {"accessibility_feedback": reports}
        for name in sorted(reg.plugins):
            for result in reg.only("sympraxis_export_guest_data", {name})(email=email, tenant=tenant):
                if result:
                    found[name] = result
    return found


def request_link(email: str, tenant: TenantInfo) -> bool:
    """Mail a link to ``email`` if the municipality holds data for it (True when mailed).

    Raises :class:`~core.accounts.services.AccountError` for an address that is not one. The
    caller shows the same page either way and commits (the mail leaves after the commit).
    """
    email = validate_email(email)
    if not held_for(email, tenant):
        return False
    digest = email_hash(email)
    now = utcnow()
    with tenant_context(tenant.id):
        recent = db.session.execute(
            sa.select(sa.func.count())
            .select_from(DataRequest)
            .where(DataRequest.email_hash == digest, DataRequest.requested_at > now - dt.timedelta(days=1))
        ).scalar_one()
        if recent >= MAX_LINKS_PER_DAY:
            return False
        req = DataRequest(
            email=email, email_hash=digest, requested_at=now, expires_at=now + dt.timedelta(hours=LINK_HOURS)
        )
        db.session.add(req)
        db.session.flush()
        token = _serializer().dumps({"t": tenant.id, "r": str(req.id)})
    url = external_url(tenant.primary_host or tenant.host, f"/privacy/my-data/{token}")
    send_mail(
        Mail(
            to=[email],
            subject=_("Your personal data at %(name)s", name=tenant.name),
            text=_(
                "Someone, we hope you, asked to see or erase the personal data that %(name)s holds "
                "for this e-mail address (a registration for a meeting, for instance).\n\n"
                "Open this link to download the data or to erase it. It works once, for %(hours)d "
                "hours:\n\n%(url)s\n\nIf you did not ask for this, ignore this message: nothing "
                "changes.",
                name=tenant.name,
                hours=LINK_HOURS,
                url=url,
            ),
        )
    )
    return True


def open_link(token: str, tenant: TenantInfo, *, lock: bool = False) -> DataRequest:
    """The open request a link names, in this municipality; raises :class:`GuestLinkError`."""
    try:
        data = _serializer().loads(token) if token and len(token) <= 200 else None
        request_id = uuid.UUID(data["r"]) if data and data.get("t") == tenant.id else None
    except (BadSignature, KeyError, TypeError, ValueError):
        request_id = None
    if request_id is None:
        raise GuestLinkError("invalid")
    with tenant_context(tenant.id):
        q = sa.select(DataRequest).where(DataRequest.id == request_id)
        req = db.session.execute(q.with_for_update() if lock else q).scalar_one_or_none()
    if req is None:
        raise GuestLinkError("invalid")
    if req.used_at is not None or req.email is None:
        raise GuestLinkError("used")
    if req.expires_at <= utcnow():
        raise GuestLinkError("expired")
    return req


def _close(req: DataRequest, action: str) -> None:
    req.used_at, req.action, req.email = utcnow(), action, None


def export(token: str, tenant: TenantInfo) -> dict[str, Any]:
    """The guest's data as one JSON-ready document; the link is used up (caller commits)."""
    with tenant_context(tenant.id):
        req = open_link(token, tenant, lock=True)
        email = req.email
        document = {
            "format": FORMAT,
            "exported_at": utcnow().isoformat() + "Z",
            "municipality": tenant.name,
            "email": email,
            "plugins": held_for(email, tenant),
            "retention": [e.as_dict() for e in retention.schedule(tenant.id)],
        }
        _close(req, "export")
        db.session.flush()
    return document


def erase(token: str, tenant: TenantInfo) -> None:
    """Erase what every plugin holds for the guest here; the link is used up (caller commits)."""
    reg = registry()
    with tenant_context(tenant.id):
        req = open_link(token, tenant, lock=True)
        email = req.email
        from core.privacy import feedback

        feedback.erase_for_guest(email)
        for name in sorted(reg.plugins):
            reg.only("sympraxis_erase_guest_data", {name})(email=email, tenant=tenant)
        _close(req, "erase")
        db.session.flush()


def summary(req: DataRequest, tenant: TenantInfo) -> dict[str, int]:
    """What the link's page lists before anything is done: plugin -> number of records held."""
    counted: dict[str, int] = {}
    for name, data in held_for(req.email or "", tenant).items():
        counted[name] = (
            sum(len(v) if isinstance(v, list) else 1 for v in data.values()) if isinstance(data, dict) else 1
        )
    return counted


__all__ = ["AccountError", "GuestLinkError", "erase", "export", "open_link", "request_link", "summary"]
