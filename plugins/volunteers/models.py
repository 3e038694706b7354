"""The common pool of volunteering: tasks, their shifts, and people's sign-ups with the hours.

Every table is tenant-owned (``TenantScoped``: key ``(tenant_id, id)``, filtered to the current
municipality, forced row-level security from the migration). Accounts and organisations are
global, referenced by id. Times are stored as UTC (``UTCDateTime``) and shown in the
municipality's zone.
"""

import datetime as dt
import decimal
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import (
    TenantScoped,
    UTCDateTime,
    account_fk,
    db,
    organisation_fk,
    tenant_foreign_key,
    utcnow_aware,
)


class TaskStatus:
    """A task is prepared as a draft, published for sign-ups, or cancelled."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    ALL = (DRAFT, PUBLISHED, CANCELLED)


class SignupStatus:
    """``signed_up`` holds a place; ``attended``/``no_show`` are recorded by the coordinator."""

    SIGNED_UP = "signed_up"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    ALL = (SIGNED_UP, CANCELLED, ATTENDED, NO_SHOW)
    #: the statuses that take a place or count towards a person's week
    HOLDING = (SIGNED_UP, ATTENDED)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Task(TenantScoped, db.Model):
    """Something the municipality needs volunteers for (the description is Markdown)."""

    __tablename__ = "volunteers_tasks"

    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    status: Mapped[str] = mapped_column(sa.String(20), default=TaskStatus.DRAFT)
    created_by_id: Mapped[int | None] = account_fk()  # the task stays when its author goes
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow_aware, onupdate=utcnow_aware
    )

    __table_args__ = (sa.CheckConstraint(_in("status", TaskStatus.ALL), name="status"),)


class TaskSkill(TenantScoped, db.Model):
    """One skill a task wants ("first aid", "driving licence"): the list filters by it."""

    __tablename__ = "volunteers_task_skills"

    task_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    name: Mapped[str] = mapped_column(sa.String(50))

    __table_args__ = (
        tenant_foreign_key("task_id", "volunteers_tasks", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "task_id", "name"),
    )


class Shift(TenantScoped, db.Model):
    """A time slot of a task with a number of places."""

    __tablename__ = "volunteers_shifts"

    task_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        tenant_foreign_key("task_id", "volunteers_tasks", ondelete="CASCADE"),
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.Index("ix_volunteers_shifts_tenant_id_starts_at", "tenant_id", "starts_at"),
    )

    @property
    def hours(self) -> decimal.Decimal:
        """The shift's length in hours (what an attended sign-up gets unless told otherwise)."""
        seconds = (self.ends_at - self.starts_at).total_seconds()
        return (decimal.Decimal(seconds) / 3600).quantize(decimal.Decimal("0.01"))


class Signup(TenantScoped, db.Model):
    """A person's place on a shift, for themselves or on behalf of an organisation.

    ``account_id`` is SET NULL when the person erases their account: the hours an attended
    sign-up recorded stay in the municipality's records without them.
    """

    __tablename__ = "volunteers_signups"

    shift_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    account_id: Mapped[int | None] = account_fk()
    organisation_id: Mapped[int | None] = organisation_fk()  # on behalf of, when given
    status: Mapped[str] = mapped_column(sa.String(20), default=SignupStatus.SIGNED_UP)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    signed_up_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    hours: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(5, 2), nullable=True)
    recorded_by_id: Mapped[int | None] = account_fk()
    recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        tenant_foreign_key("shift_id", "volunteers_shifts", ondelete="CASCADE"),
        # one row per person and shift: signing up again after cancelling re-opens it
        sa.UniqueConstraint("tenant_id", "shift_id", "account_id"),
        sa.CheckConstraint(_in("status", SignupStatus.ALL), name="status"),
        sa.CheckConstraint("hours IS NULL OR (hours > 0 AND hours <= 24)", name="hours_range"),
    )
