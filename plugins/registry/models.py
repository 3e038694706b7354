"""The registry's tables.

Tenant-owned (``TenantScoped``, forced RLS): entries with the columns the public sees (the last
verified version), every version submitted with its diff and review, yearly figures, reporting
years and the reminders sent for them, and the municipality's consent to publish its figures to
aggregates (a log: every change is kept).

Global (no ``tenant_id``): the statistical codes the operator records for each municipality, and
the aggregates the periodic job computes from the consenting municipalities' figures, which the
observatory on the apex reads without crossing any tenant wall per request.
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


class VersionStatus:
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # a newer submission replaced it before review
    ALL = (PENDING, VERIFIED, REJECTED, SUPERSEDED)


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


KIND_VALUES = ("social_enterprise", "social_service", "social_action")


class Entry(TenantScoped, db.Model):
    """A social enterprise, service or action. Its columns are what the public sees: the last
    verified version (for an entry never verified, its first submission, shown to nobody)."""

    __tablename__ = "registry_entries"

    kind: Mapped[str] = mapped_column(sa.String(30))
    organisation_id: Mapped[int | None] = organisation_fk()
    name: Mapped[str] = mapped_column(sa.String(200))
    legal_form: Mapped[str] = mapped_column(sa.String(40), default="")
    service_type: Mapped[str] = mapped_column(sa.String(40), default="")
    provider: Mapped[str] = mapped_column(sa.String(20), default="")
    business_number: Mapped[str] = mapped_column(sa.String(50), default="")
    sse_number: Mapped[str] = mapped_column(sa.String(50), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    services_offered: Mapped[str] = mapped_column(sa.Text, default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    area: Mapped[str] = mapped_column(sa.String(100), default="")
    latitude: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    sectors: Mapped[list] = mapped_column(sa.JSON, default=list)
    population_groups: Mapped[list] = mapped_column(sa.JSON, default=list)
    languages: Mapped[list] = mapped_column(sa.JSON, default=list)
    contact_name: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(50), default="")
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    opening_hours: Mapped[str] = mapped_column(sa.String(300), default="")
    starts_on: Mapped[dt.date | None] = mapped_column(sa.Date, nullable=True)
    ends_on: Mapped[dt.date | None] = mapped_column(sa.Date, nullable=True)
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_by_id: Mapped[int | None] = account_fk()
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow_aware, onupdate=utcnow_aware
    )

    __table_args__ = (
        sa.CheckConstraint(_in("kind", KIND_VALUES), name="kind"),
        sa.CheckConstraint("latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="latitude_range"),
        sa.CheckConstraint(
            "longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="longitude_range"
        ),
    )

    @property
    def published(self) -> bool:
        return self.verified_at is not None


class EntryVersion(TenantScoped, db.Model):
    """One submission of an entry's data (all of it, in ``data``), with what changed (``diff``)
    against the version verified before it, and its review: who, when, against which document."""

    __tablename__ = "registry_entry_versions"

    entry_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    number: Mapped[int] = mapped_column(sa.Integer)
    data: Mapped[dict] = mapped_column(sa.JSON)
    diff: Mapped[list] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(20), default=VersionStatus.PENDING)
    submitted_by_id: Mapped[int | None] = account_fk()
    organisation_id: Mapped[int | None] = organisation_fk()
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)
    reviewed_by_id: Mapped[int | None] = account_fk()
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    document: Mapped[str] = mapped_column(sa.String(300), default="")
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    __table_args__ = (
        tenant_foreign_key("entry_id", "registry_entries", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "entry_id", "number"),
        sa.CheckConstraint(_in("status", VersionStatus.ALL), name="status"),
    )


class Figures(TenantScoped, db.Model):
    """An entry's figures for one year (one row per entry and year)."""

    __tablename__ = "registry_figures"

    entry_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    year: Mapped[int] = mapped_column(sa.Integer)
    staff_paid: Mapped[int] = mapped_column(sa.Integer, default=0)
    staff_volunteers: Mapped[int] = mapped_column(sa.Integer, default=0)
    staff_vulnerable: Mapped[int] = mapped_column(sa.Integer, default=0)
    staff_women: Mapped[int] = mapped_column(sa.Integer, default=0)
    staff_men: Mapped[int] = mapped_column(sa.Integer, default=0)
    people_served: Mapped[int] = mapped_column(sa.Integer, default=0)
    revenue: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(14, 2), nullable=True)
    public_funding_pct: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(5, 2), nullable=True)
    budget: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(14, 2), nullable=True)
    submitted_by_id: Mapped[int | None] = account_fk()
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        tenant_foreign_key("entry_id", "registry_entries", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "entry_id", "year"),
        sa.CheckConstraint(
            "staff_paid >= 0 AND staff_volunteers >= 0 AND staff_vulnerable >= 0 AND staff_women >= 0 "
            "AND staff_men >= 0 AND people_served >= 0",
            name="counts_positive",
        ),
        sa.CheckConstraint(
            "public_funding_pct IS NULL OR (public_funding_pct >= 0 AND public_funding_pct <= 100)",
            name="share_range",
        ),
    )


class ReportingYear(TenantScoped, db.Model):
    """The annual update campaign: the municipality opens a year with a due date."""

    __tablename__ = "registry_reporting_years"

    year: Mapped[int] = mapped_column(sa.Integer)
    due_on: Mapped[dt.date] = mapped_column(sa.Date)
    opened_by_id: Mapped[int | None] = account_fk()
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (sa.UniqueConstraint("tenant_id", "year"),)


class Reminder(TenantScoped, db.Model):
    """A reminder sent for an entry's figures of a reporting year (``due`` before, ``late`` after
    the due date): at most one of each, so that a job run twice sends nothing twice."""

    __tablename__ = "registry_reminders"

    entry_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    year: Mapped[int] = mapped_column(sa.Integer)
    kind: Mapped[str] = mapped_column(sa.String(10))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        tenant_foreign_key("entry_id", "registry_entries", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "entry_id", "year", "kind"),
        sa.CheckConstraint("kind IN ('due', 'late')", name="kind"),
    )


class AggregateConsent(TenantScoped, db.Model):
    """The municipality's decision to publish its figures to the aggregates, or to stop: every
    change is a row (who, when); the latest one holds."""

    __tablename__ = "registry_aggregate_consents"

    opted_in: Mapped[bool] = mapped_column(sa.Boolean)
    recorded_by_id: Mapped[int | None] = account_fk()
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)


# --- global: the operator's codes and the computed aggregates ----------------------------------


class StatisticalArea(db.Model):
    """A municipality's statistical codes, recorded by the operator (``sympraxis registry area``)."""

    __tablename__ = "registry_statistical_areas"

    municipality_id: Mapped[int] = mapped_column(
        sa.BigInteger, sa.ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    lau: Mapped[str] = mapped_column(sa.String(20), default="")
    nuts3: Mapped[str] = mapped_column(sa.String(5))
    nuts2: Mapped[str] = mapped_column(sa.String(4))
    country: Mapped[str] = mapped_column(sa.String(2))
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow_aware, onupdate=utcnow_aware
    )


class AggregateRun(db.Model):
    """One run of the aggregate job; the observatory shows the cells of the latest run."""

    __tablename__ = "registry_aggregate_runs"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    finished_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)
    municipalities: Mapped[int] = mapped_column(sa.Integer, default=0)
    cells: Mapped[int] = mapped_column(sa.Integer, default=0)


class AggregateCell(db.Model):
    """One cell: a level and area (municipality slug, NUTS 3, NUTS 2, country), a year and a
    breakdown (``total``, or one ``sector`` / population ``group``). A suppressed cell keeps no
    figures: they are not stored, so no page or export can leak them."""

    __tablename__ = "registry_aggregates"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey("registry_aggregate_runs.id", ondelete="CASCADE")
    )
    level: Mapped[str] = mapped_column(sa.String(12))
    area: Mapped[str] = mapped_column(sa.String(40))
    area_name: Mapped[str] = mapped_column(sa.String(200), default="")
    parent: Mapped[str] = mapped_column(sa.String(40), default="")
    year: Mapped[int] = mapped_column(sa.Integer)
    dimension: Mapped[str] = mapped_column(sa.String(10))
    code: Mapped[str] = mapped_column(sa.String(40), default="")
    suppressed: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    entries: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    staff_paid: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    staff_volunteers: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    staff_vulnerable: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    people_served: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    budget: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(16, 2), nullable=True)
    revenue: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(16, 2), nullable=True)

    __table_args__ = (
        # the observatory's reads: an area's cells, and the areas within a parent, of the latest run
        # (no index on run_id alone: right after a run's COPY the statistics still say the new run
        # is rare, and the planner took that index and filtered the whole run, 1 s a page)
        sa.Index("ix_registry_aggregates_run_level_area", "run_id", "level", "area", "year"),
        sa.Index("ix_registry_aggregates_run_level_parent", "run_id", "level", "parent", "year"),
    )


class PactStatus:
    DRAFT = "draft"
    ACTIVE = "active"
    ENDED = "ended"
    ALL = (DRAFT, ACTIVE, ENDED)


class Pact(TenantScoped, db.Model):
    """A cooperation pact («Σύμφωνο Συνεργασίας»): an agreement between the municipality and one
    or more organisations, with what each side commits to, its term, the signed document, its
    status and the date of its yearly review."""

    __tablename__ = "registry_pacts"

    title: Mapped[str] = mapped_column(sa.String(200))
    scope: Mapped[str] = mapped_column(sa.Text, default="")
    municipality_commitments: Mapped[str] = mapped_column(sa.Text, default="")
    partner_commitments: Mapped[str] = mapped_column(sa.Text, default="")
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date | None] = mapped_column(sa.Date, nullable=True)
    signed_document: Mapped[str] = mapped_column(sa.String(300), default="")
    status: Mapped[str] = mapped_column(sa.String(10), default=PactStatus.DRAFT)
    next_review_on: Mapped[dt.date | None] = mapped_column(sa.Date, nullable=True)
    created_by_id: Mapped[int | None] = account_fk()
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (sa.CheckConstraint(_in("status", PactStatus.ALL), name="status"),)


class PactParty(TenantScoped, db.Model):
    """An entry that is a party to a pact (the pact is listed on its page)."""

    __tablename__ = "registry_pact_parties"

    pact_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    entry_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)

    __table_args__ = (
        tenant_foreign_key("pact_id", "registry_pacts", ondelete="CASCADE"),
        tenant_foreign_key("entry_id", "registry_entries", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "pact_id", "entry_id"),
    )


class ReverifyNotice(TenantScoped, db.Model):
    """The mail telling an organisation's admins that their entry's verification has expired:
    at most one per verification (``verified_at`` of the entry when it was sent), so a daily
    job sends it once and again only after the next verification expires in turn."""

    __tablename__ = "registry_reverify_notices"

    entry_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    verified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        tenant_foreign_key("entry_id", "registry_entries", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "entry_id", "verified_at"),
    )


class PactDocument(TenantScoped, db.Model):
    """A signed copy of a pact (PDF, PNG or JPEG, sniffed, size-checked): every upload is kept;
    the latest is the pact's signed document."""

    __tablename__ = "registry_pact_documents"

    pact_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int] = mapped_column(sa.Integer)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    uploaded_by_id: Mapped[int | None] = account_fk()
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (tenant_foreign_key("pact_id", "registry_pacts", ondelete="CASCADE"),)


class PactRevision(TenantScoped, db.Model):
    """One saved state of a pact (its fields and parties, in ``data``) with what changed against
    the one before: the pact's history."""

    __tablename__ = "registry_pact_revisions"

    pact_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    number: Mapped[int] = mapped_column(sa.Integer)
    data: Mapped[dict] = mapped_column(sa.JSON)
    diff: Mapped[list] = mapped_column(sa.JSON, default=list)
    changed_by_id: Mapped[int | None] = account_fk()
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        tenant_foreign_key("pact_id", "registry_pacts", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "pact_id", "number"),
    )


PACT_OUTCOMES = ("continue", "amend", "end")


class PactReview(TenantScoped, db.Model):
    """The yearly review of a pact: when it was held, what was decided, the notes."""

    __tablename__ = "registry_pact_reviews"

    pact_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    reviewed_on: Mapped[dt.date] = mapped_column(sa.Date)
    outcome: Mapped[str] = mapped_column(sa.String(10))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    reviewed_by_id: Mapped[int | None] = account_fk()
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (
        tenant_foreign_key("pact_id", "registry_pacts", ondelete="CASCADE"),
        sa.CheckConstraint(_in("outcome", PACT_OUTCOMES), name="outcome"),
    )
