"""People and organisations (global), and who acts where (per tenant). DESIGN §4."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TenantScoped
from core.extensions import db
from core.tenancy import utcnow

BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class Role(enum.IntEnum):
    """Roles in a municipality, each including the powers of the ones below it."""

    MEMBER = 10
    MODERATOR = 20
    STAFF = 30
    ADMIN = 40

    @classmethod
    def parse(cls, name: str) -> Role:
        return cls[name.upper()]

    @property
    def label(self) -> str:
        return self.name.lower()


ROLE_NAMES = tuple(r.label for r in Role)


class Account(UserMixin, db.Model):
    """One person: one email, one password, everywhere on the platform."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    email_verified_at: Mapped[dt.datetime | None]
    is_operator: Mapped[bool] = mapped_column(default=False)
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled_at: Mapped[dt.datetime | None]
    #: The 30-second step of the last code accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None]
    #: Bumped by "sign out everywhere": every session carries the generation it was made in.
    session_generation: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    erased_at: Mapped[dt.datetime | None]

    def get_id(self) -> str:
        """What the session cookie names: the account, its generation and the server-side session
        (``session_key``, set when the session starts or is loaded; see :class:`AccountSession`)."""
        key = self.__dict__.get("session_key")
        return f"{self.id}:{self.session_generation}:{key}" if key else f"{self.id}:{self.session_generation}"

    @property
    def is_active(self) -> bool:  # Flask-Login: erased accounts cannot sign in
        return self.erased_at is None


class OrganisationKind(enum.StrEnum):
    NGO = "ngo"
    ASSOCIATION = "association"
    COOPERATIVE = "cooperative"
    SOCIAL_ENTERPRISE = "social_enterprise"


class Organisation(db.Model):
    """An NGO, association, cooperative or social enterprise: global, affiliated per tenant."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(32), default=OrganisationKind.NGO.value)
    website: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OrganisationMember(db.Model):
    """An account's place in an organisation: ``admin`` may request affiliations, ``member`` acts for it."""

    __tablename__ = "organisation_members"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(sa.String(16), default="member")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Membership(TenantScoped, db.Model):
    """An account's role in one municipality."""

    __tablename__ = "memberships"

    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16), default="member")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "account_id"),
        sa.CheckConstraint("role IN ('member', 'moderator', 'staff', 'admin')", name="role"),
    )

    @property
    def role_level(self) -> Role:
        return Role.parse(self.role)


class AffiliationStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Affiliation(TenantScoped, db.Model):
    """An organisation's standing in one municipality: pending, approved or rejected."""

    __tablename__ = "affiliations"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(16), default=AffiliationStatus.PENDING.value)
    message: Mapped[str | None] = mapped_column(sa.String(1000))
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id", ondelete="SET NULL"))
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None]

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "organisation_id"),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
    )


class PersonalAccessToken(db.Model):
    """A token for integrations, stored as a SHA-256 hash, scoped to one tenant or to the apex."""

    __tablename__ = "personal_access_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    #: None: valid on the apex only. Named so because it is a scope, not ownership by a tenant.
    scope_tenant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class AccountSession(db.Model):
    """One signed-in browser session on one host, checked on every request, so that signing out
    (or "sign out everywhere", or an administrator's revocation) ends it on the server: a copy of
    the cookie is worthless afterwards. The cookie carries the key; only its hash is stored."""

    __tablename__ = "account_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    host: Mapped[str] = mapped_column(sa.String(253))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: Written at most every few minutes (after the request), so reading a page costs no write.
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]
    #: Wrong answers to "confirm it's you" in this session; too many and the session ends.
    failed_confirmations: Mapped[int] = mapped_column(default=0)


class HandoffCode(db.Model):
    """A one-time sign-in code from the apex to a tenant host (DESIGN §4)."""

    __tablename__ = "handoff_codes"

    code_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    target_host: Mapped[str] = mapped_column(sa.String(253))
    nonce: Mapped[str] = mapped_column(sa.String(64))
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class PersonalDataLocation(TenantScoped, db.Model):
    """ "This account has rows of its own in this municipality": written whenever a tenant-owned
    row that references the account is stored (``core.accounts.personal_data``), membership or
    not, so that "download my data" and "delete my account" reach a municipality the person has
    left without scanning every tenant."""

    __tablename__ = "personal_data_locations"

    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True)

    __table_args__ = (sa.UniqueConstraint("tenant_id", "account_id"),)


def role_of(membership: Membership | None) -> Role | None:
    return membership.role_level if membership is not None else None


def as_dict(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}
