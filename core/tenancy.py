"""Municipalities (tenants), their hosts, and resolving a request's host to one of them.

The tenant records live in the core because the kernel cannot enforce its walls without knowing
what a tenant is; onboarding, plans, billing and the operator console live in ``tenants/``.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, has_request_context
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import TenantScoped, primary_reads
from core.extensions import db

LOCALES = ("el", "bg", "ro", "en")

#: Labels a municipality may never take: they name parts of the platform itself.
RESERVED_SLUGS = frozenset(
    {
        "www", "api", "operator", "admin", "static", "app", "apex", "mail", "smtp", "ftp",
        "auth", "login", "signin", "signup", "help", "support", "status", "billing", "assets",
        "cdn", "dev", "test", "staging", "internal", "sympraxis", "localhost", "healthz", "readyz",
    }
)  # fmt: skip
_SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class TenantStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ARCHIVED = "archived"
    #: Its data deleted at the end of its contract (tenants.deletion): a tombstone that keeps the
    #: audit trail's references and the deletion certificate's subject; it serves nothing.
    DELETED = "deleted"


class DomainKind(enum.StrEnum):
    PLATFORM = "platform"
    CUSTOM = "custom"


class SlugError(ValueError):
    """A slug that breaks DNS label rules or is reserved; ``code`` keys the translated message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def validate_slug(slug: str) -> str:
    """Return the slug if it is a valid DNS label of ours, else raise :class:`SlugError`."""
    if not isinstance(slug, str) or not slug:
        raise SlugError("empty", "A slug is required.")
    if len(slug) > 63:
        raise SlugError("too_long", "A slug has at most 63 characters.")
    if not _SLUG_RE.match(slug):
        raise SlugError(
            "invalid",
            "A slug uses lower-case letters a-z, digits and hyphens, and neither starts nor ends "
            "with a hyphen.",
        )
    if "--" in slug[2:4]:
        raise SlugError("invalid", "A slug may not have hyphens in the third and fourth places.")
    if slug in RESERVED_SLUGS:
        raise SlugError("reserved", "This slug is reserved by the platform.")
    return slug


class Tenant(db.Model):
    """A municipality. Global (it is the tenant itself), so it has no ``tenant_id``."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(63), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    country: Mapped[str] = mapped_column(sa.String(2))
    default_locale: Mapped[str] = mapped_column(sa.String(5))
    locales: Mapped[list[str]] = mapped_column(sa.JSON)
    timezone: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16), default=TenantStatus.ACTIVE.value)
    branding: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    status_changed_at: Mapped[dt.datetime | None]

    domains: Mapped[list[TenantDomain]] = relationship(back_populates="tenant", lazy="raise", viewonly=True)

    __table_args__ = (
        sa.CheckConstraint("status IN ('active', 'suspended', 'archived', 'deleted')", name="status"),
    )


class TenantDomain(TenantScoped, db.Model):
    """A host that serves one tenant: its platform subdomain or a verified custom domain.

    An unverified custom domain is only a *claim*: it serves nothing, expires at
    ``claim_expires_at``, and never blocks another municipality, so several may claim one host
    while at most one holds it verified (a unique index on verified hosts only).
    """

    __tablename__ = "tenant_domains"

    host: Mapped[str] = mapped_column(sa.String(253))
    kind: Mapped[str] = mapped_column(sa.String(16))
    is_primary: Mapped[bool] = mapped_column(default=False)
    verification_token: Mapped[str | None] = mapped_column(sa.String(64))
    verified_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: when an unverified claim lapses (None once verified)
    claim_expires_at: Mapped[dt.datetime | None]

    tenant: Mapped[Tenant] = relationship(back_populates="domains", lazy="raise", viewonly=True)

    __table_args__ = (
        sa.CheckConstraint("kind IN ('platform', 'custom')", name="kind"),
        sa.UniqueConstraint("tenant_id", "host"),
        sa.Index(
            "uq_tenant_domains_verified_host",
            "host",
            unique=True,
            postgresql_where=sa.text("verified_at IS NOT NULL"),
            sqlite_where=sa.text("verified_at IS NOT NULL"),
        ),
    )


class TenantPlugin(TenantScoped, db.Model):
    """A plugin switched on (or off, keeping its settings) for one tenant."""

    __tablename__ = "tenant_plugins"

    plugin: Mapped[str] = mapped_column(sa.String(64))
    allowed: Mapped[bool] = mapped_column(default=True)
    enabled: Mapped[bool] = mapped_column(default=False)
    settings: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.UniqueConstraint("tenant_id", "plugin"),)


# --- resolution -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TenantInfo:
    """What a request needs to know about its tenant: an immutable snapshot, safe to cache."""

    id: int
    slug: str
    name: str
    country: str
    default_locale: str
    locales: tuple[str, ...]
    timezone: str
    status: str
    branding: dict[str, Any] = field(hash=False, compare=False)
    primary_host: str = ""
    host: str = ""

    @property
    def is_active(self) -> bool:
        return self.status == TenantStatus.ACTIVE

    @property
    def is_suspended(self) -> bool:
        return self.status == TenantStatus.SUSPENDED

    @property
    def is_archived(self) -> bool:
        """Hidden from the public: archived, or deleted (a deleted one has no host left anyway)."""
        return self.status in (TenantStatus.ARCHIVED, TenantStatus.DELETED)


def normalise_host(host: str) -> str:
    """Lower-case, strip the port and a trailing dot: ``Orestiada.LOCALHOST:5000`` → ``orestiada.localhost``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0].rstrip(".") if ":" in host else host.rstrip(".")


_MISS = object()
#: The Redis key holding the host cache's version, under ``CACHE_KEY_PREFIX``.
HOST_CACHE_VERSION_KEY = "host-cache-version"


class HostVersion:
    """A version number shared by every app server through Redis, bumped on any tenant change.

    Reading it is one ``GET`` with a short timeout. When Redis fails the version is unknown
    (``None``) for ``retry_after`` seconds, without trying again, so an outage costs requests no
    more than one timeout each few seconds; the cache then falls back to its short TTL. A bump
    (rare: a tenant or domain changed) waits longer and is logged when it fails, since the other
    servers then keep the old answer until their TTL.
    """

    def __init__(
        self, url: str, key: str, timeout: float = 0.1, retry_after: float = 2.0, write_timeout: float = 1.0
    ):
        import redis

        self.key = key
        self.retry_after = retry_after
        self._client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, retry_on_timeout=False
        )
        self._writer = redis.Redis.from_url(
            url, socket_timeout=write_timeout, socket_connect_timeout=write_timeout, retry_on_timeout=False
        )
        self._down_until = 0.0

    def _call(self, fn: Any) -> Any:
        import redis

        if self._down_until > time.monotonic():
            return None
        try:
            return fn()
        except (redis.RedisError, OSError):
            self._down_until = time.monotonic() + self.retry_after
            logging.getLogger(__name__).warning(
                "host cache: Redis unreachable; entries live only the fallback TTL for %ss", self.retry_after
            )
            return None

    def current(self) -> bytes | None:
        """The shared version (``b"0"`` before the first change), or None while Redis is down."""
        if self._down_until > time.monotonic():
            return None
        value = self._call(lambda: self._client.get(self.key))
        if value is None and self._down_until > time.monotonic():
            return None  # the GET just failed
        return value or b"0"

    def bump(self) -> None:
        import redis

        try:
            self._writer.incr(self.key)
        except (redis.RedisError, OSError):
            logging.getLogger(__name__).error(
                "host cache: could not publish a change through Redis; other servers see it "
                "within their TENANT_CACHE_TTL"
            )


class HostCache:
    """Host → :class:`TenantInfo` (or None for an unknown host), with a time-to-live.

    In-process, so a lookup costs a dict read. Changes made in this process invalidate at once
    (:func:`invalidate_tenant_cache`). Other processes and app servers: with ``version`` (a
    :class:`HostVersion` in Redis, ``TENANT_CACHE_REDIS_URL``) every lookup compares the shared
    version with the one its entry was read under, so a change made through one server is seen
    by every other on its next request; while Redis is unreachable, entries live only
    ``fallback_ttl`` seconds. Without Redis they live ``ttl`` seconds. Negative answers are cached
    too, so a flood of unknown hosts cannot reach the database faster than once per host per TTL;
    the cache is bounded in size.
    """

    def __init__(
        self,
        ttl: float,
        max_entries: int = 100_000,
        version: HostVersion | None = None,
        fallback_ttl: float = 1.0,
    ):
        self.ttl = ttl
        self.max_entries = max_entries
        self.version = version
        self.fallback_ttl = fallback_ttl
        self._entries: dict[str, tuple[float, TenantInfo | None, bytes | None]] = {}
        self._lock = threading.Lock()

    def lookup(self, host: str) -> tuple[Any, bytes | None]:
        """The cached answer for ``host`` (or ``_MISS``), and the shared version it was checked
        against: a miss is loaded and stored under that version (:meth:`put`), never a later one,
        so a row read before a change cannot be kept as if it were read after it."""
        seen = self.version.current() if self.version is not None else None
        entry = self._entries.get(host)
        if entry is None:
            return _MISS, seen
        expires, info, version = entry
        now = time.monotonic()
        if expires < now:
            return _MISS, seen
        if self.version is not None:
            if seen is None:  # Redis unreachable: trust an entry only for the short fallback TTL
                if expires - self.ttl + self.fallback_ttl < now:
                    return _MISS, seen
            elif version != seen:
                return _MISS, seen
        return info, seen

    def get(self, host: str) -> Any:
        return self.lookup(host)[0]

    def put(self, host: str, info: TenantInfo | None, version: bytes | None = None) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[host] = (time.monotonic() + self.ttl, info, version)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def publish(self) -> None:
        """Clear this process's entries and tell every other process (a new shared version)."""
        self.clear()
        if self.version is not None:
            self.version.bump()


def _cache() -> HostCache:
    return current_app.extensions["sympraxis_host_cache"]


def make_host_cache(config: Any) -> HostCache:
    """The host cache an application's configuration asks for (shared version when Redis is set)."""
    url = config.get("TENANT_CACHE_REDIS_URL")
    version = None
    if url:
        version = HostVersion(
            url,
            f"{config.get('CACHE_KEY_PREFIX') or 'sympraxis'}:{HOST_CACHE_VERSION_KEY}",
            timeout=float(config.get("TENANT_CACHE_REDIS_TIMEOUT", 0.1)),
        )
    return HostCache(
        ttl=float(config["TENANT_CACHE_TTL"]),
        version=version,
        fallback_ttl=float(config.get("TENANT_CACHE_FALLBACK_TTL", 1.0)),
    )


def invalidate_tenant_cache() -> None:
    """Forget every cached host lookup, in this process and (through Redis) on every app server.

    Call it after any tenant or domain change. It also publishes again when the current
    transaction commits: another server that reloaded before the commit read the old row.
    """
    cache = _cache()
    cache.publish()
    if cache.version is not None:
        sa.event.listen(db.session(), "after_commit", lambda _session: cache.publish(), once=True)


def invalidate_tenant_cache_on_commit() -> None:
    """Forget cached host lookups again when the current transaction commits.

    Clearing only before the commit leaves a window in which another request of this process
    reads the old row and caches it for a whole TTL; clearing after the commit closes it.
    """
    cache = _cache()
    sa.event.listen(db.session(), "after_commit", lambda _session: cache.publish(), once=True)


def load_tenant_info(host: str) -> TenantInfo | None:
    """Read the tenant serving ``host`` from the database (no cache).

    A custom domain serves only once verified; platform subdomains are verified at creation.
    This is a reviewed cross-tenant read: the host is all we know yet. From the primary, never a
    read replica: the answer is cached until the next change is published.
    """
    with primary_reads():
        return _load_tenant_info(host)


def _load_tenant_info(host: str) -> TenantInfo | None:
    row = db.session.execute(
        sa.select(Tenant, TenantDomain.host)
        .join(TenantDomain, TenantDomain.tenant_id == Tenant.id)
        .where(TenantDomain.host == host, TenantDomain.verified_at.is_not(None))
        .execution_options(all_tenants=True)
    ).first()
    if row is None:
        return None
    tenant = row[0]
    primary = db.session.execute(
        sa.select(TenantDomain.host)
        .where(TenantDomain.tenant_id == tenant.id, TenantDomain.verified_at.is_not(None))
        .order_by(TenantDomain.is_primary.desc(), TenantDomain.kind.desc(), TenantDomain.host)
        .limit(1)
        .execution_options(all_tenants=True)
    ).scalar_one()
    return tenant_info_from_row(tenant, primary_host=primary, host=host)


def tenant_info_from_row(tenant: Tenant, primary_host: str = "", host: str = "") -> TenantInfo:
    return TenantInfo(
        id=tenant.id,
        slug=tenant.slug,
        name=tenant.name,
        country=tenant.country,
        default_locale=tenant.default_locale,
        locales=tuple(tenant.locales or (tenant.default_locale,)),
        timezone=tenant.timezone,
        status=tenant.status,
        branding=dict(tenant.branding or {}),
        primary_host=primary_host,
        host=host,
    )


def resolve_host(host: str) -> TenantInfo | None:
    """The tenant serving ``host`` (already normalised), through the cache."""
    cache = _cache()
    info, version = cache.lookup(host)
    if info is _MISS:
        info = load_tenant_info(host)
        cache.put(host, info, version)
    return info


def apex_host() -> str:
    return current_app.config["PLATFORM_APEX"]


def is_apex(host: str) -> bool:
    return host == apex_host()


def platform_subdomain(slug: str) -> str:
    return f"{slug}.{apex_host()}"


def current_tenant() -> TenantInfo | None:
    """The tenant of the current request, or None on the apex or outside a request."""
    if has_request_context():
        return g.get("tenant")
    return None


def external_url(host: str, path: str = "/") -> str:
    """An absolute URL on one of our hosts, built from configuration, never from the request."""
    scheme = current_app.config["PREFERRED_URL_SCHEME"]
    port = current_app.config.get("PUBLIC_PORT")
    default_port = 443 if scheme == "https" else 80
    netloc = host if not port or int(port) == default_port else f"{host}:{port}"
    return f"{scheme}://{netloc}{path}"
