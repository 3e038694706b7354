"""Column types, foreign keys, datetimes and time zones for plugin models (re-exported by the toolkit).

Accounts and organisations are global (DESIGN §4): a tenant-owned row points at them with a plain
foreign key on their integer id, not with :func:`core.db.tenant_foreign_key`. Datetimes are
stored as UTC; people read and type them in the municipality's time zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from marshmallow import fields
from sqlalchemy.orm import mapped_column

#: The column type of ``accounts.id``: ``mapped_column(AccountId, ...)``, or use :func:`account_fk`.
AccountId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
#: The column type of ``organisations.id``; see :func:`organisation_fk`.
OrganisationId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def account_fk(
    *, ondelete: str = "SET NULL", nullable: bool | None = None, index: bool = True, **kw: Any
) -> Any:
    """A column pointing at an account (``accounts.id``), for a tenant-owned model.

    The default ``ondelete="SET NULL"`` keeps the record when the person deletes their account
    (what a register of comments or hours needs); pass ``ondelete="CASCADE"`` for rows that are
    nothing without the person (a sign-up, a follow). Nullable unless ``ondelete`` is CASCADE::

        class Signup(TenantScoped, db.Model):
            __tablename__ = "volunteers_signups"
            account_id: Mapped[int | None] = account_fk()
    """
    if nullable is None:
        nullable = ondelete.upper() != "CASCADE"
    return mapped_column(
        AccountId, sa.ForeignKey("accounts.id", ondelete=ondelete), nullable=nullable, index=index, **kw
    )


def organisation_fk(
    *, ondelete: str = "SET NULL", nullable: bool | None = None, index: bool = True, **kw: Any
) -> Any:
    """A column pointing at an organisation (``organisations.id``): the NGO on whose behalf a row
    was made (DESIGN §4). Same defaults as :func:`account_fk`::

        on_behalf_of_id: Mapped[int | None] = organisation_fk()
    """
    if nullable is None:
        nullable = ondelete.upper() != "CASCADE"
    return mapped_column(
        OrganisationId,
        sa.ForeignKey("organisations.id", ondelete=ondelete),
        nullable=nullable,
        index=index,
        **kw,
    )


class UTCDateTime(sa.types.TypeDecorator):
    """A datetime column that gives and takes *aware* UTC datetimes.

    Stored as a plain ``TIMESTAMP`` holding UTC (the platform's convention, so it sits beside the
    core's columns and migrates as ``sa.DateTime()``); a naive value is refused, so that a local
    time typed by a person cannot be stored as if it were UTC::

        starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
        shift.starts_at = to_utc(form.starts_at.data)   # the municipality's local time -> UTC
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime (use to_utc() or utcnow_aware())")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


def utcnow_aware() -> dt.datetime:
    """Now, as an aware UTC datetime (the default for a :class:`UTCDateTime` column)."""
    return dt.datetime.now(dt.UTC)


class UTCDateTimeField(fields.DateTime):
    """A marshmallow field for API datetimes: dumps OpenAPI ``date-time`` (RFC 3339, with offset).

    Naive values (the core's columns hold naive UTC) are dumped as UTC with ``+00:00``; loading
    requires an offset (a time without one is ambiguous and answers 422) and returns aware UTC::

        class ShiftSchema(Schema):
            starts_at = UTCDateTimeField(required=True)
    """

    default_error_messages = {"naive": "Give the time with a UTC offset, e.g. 2026-05-01T09:00:00+03:00."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "iso")
        super().__init__(**kwargs)

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dt.datetime:
        loaded = super()._deserialize(value, attr, data, **kwargs)
        if loaded.tzinfo is None:
            raise self.make_error("naive")
        return loaded.astimezone(dt.UTC)


def _zone(tenant: Any = None) -> ZoneInfo:
    if tenant is None:
        from core.tenancy import current_tenant

        tenant = current_tenant()
    if tenant is None:
        raise ValueError("no municipality: pass tenant= (a TenantInfo) outside a request")
    return ZoneInfo(tenant.timezone)


def to_local(value: dt.datetime, tenant: Any = None) -> dt.datetime:
    """A UTC datetime (aware, or naive as the core stores it) in the municipality's time zone.

    ``tenant`` defaults to the current request's; jobs pass ``tenant_info(tenant_id)``::

        to_local(shift.starts_at).strftime("%H:%M")   # "09:00" in Athens for 06:00 UTC
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(_zone(tenant))


def to_utc(value: dt.datetime, tenant: Any = None) -> dt.datetime:
    """An aware UTC datetime from a local one: a naive value is read as the municipality's wall
    clock (what a person typed in a form), an aware one is converted::

        to_utc(dt.datetime(2026, 5, 1, 9, 0))   # 06:00 UTC in Athens (summer time)
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=_zone(tenant))
    return value.astimezone(dt.UTC)
