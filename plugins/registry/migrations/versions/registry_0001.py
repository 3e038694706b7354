"""registry: entries, versions, figures, reporting years, reminders, consents; areas and aggregates

Revision ID: registry_0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import AccountId, OrganisationId, create_tenant_table, drop_tenant_table

revision = "registry_0001"
down_revision = None
branch_labels = ("registry",)
depends_on = "core_privacy"


def _account_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["accounts.id"], name=op.f(f"fk_{table}_{column}_accounts"), ondelete="SET NULL"
    )


def _organisation_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["organisation_id"],
        ["organisations.id"],
        name=op.f(f"fk_{table}_organisation_id_organisations"),
        ondelete="SET NULL",
    )


INDEXED = {
    "registry_entries": ("organisation_id", "created_by_id"),
    "registry_entry_versions": ("submitted_by_id", "organisation_id", "reviewed_by_id"),
    "registry_figures": ("submitted_by_id",),
    "registry_reporting_years": ("opened_by_id",),
    "registry_aggregate_consents": ("recorded_by_id",),
    "registry_pacts": ("created_by_id",),
}


def upgrade() -> None:
    create_tenant_table(
        op,
        "registry_entries",
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("organisation_id", OrganisationId, nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("legal_form", sa.String(length=40), nullable=False),
        sa.Column("service_type", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("business_number", sa.String(length=50), nullable=False),
        sa.Column("sse_number", sa.String(length=50), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("services_offered", sa.Text(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("area", sa.String(length=100), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("sectors", sa.JSON(), nullable=False),
        sa.Column("population_groups", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_phone", sa.String(length=50), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("opening_hours", sa.String(length=300), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", AccountId, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('social_enterprise', 'social_service', 'social_action')",
            name=op.f("ck_registry_entries_kind"),
        ),
        sa.CheckConstraint(
            "latitude IS NULL OR (latitude >= -90 AND latitude <= 90)",
            name=op.f("ck_registry_entries_latitude_range"),
        ),
        sa.CheckConstraint(
            "longitude IS NULL OR (longitude >= -180 AND longitude <= 180)",
            name=op.f("ck_registry_entries_longitude_range"),
        ),
        _organisation_fk("registry_entries"),
        _account_fk("registry_entries", "created_by_id"),
    )
    create_tenant_table(
        op,
        "registry_entry_versions",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("diff", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("submitted_by_id", AccountId, nullable=True),
        sa.Column("organisation_id", OrganisationId, nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("reviewed_by_id", AccountId, nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("document", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id",
            "entry_id",
            "number",
            name=op.f("uq_registry_entry_versions_tenant_id_entry_id_number"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'verified', 'rejected', 'superseded')",
            name=op.f("ck_registry_entry_versions_status"),
        ),
        _account_fk("registry_entry_versions", "submitted_by_id"),
        _account_fk("registry_entry_versions", "reviewed_by_id"),
        _organisation_fk("registry_entry_versions"),
        references={"entry_id": ("registry_entries", "CASCADE")},
    )
    create_tenant_table(
        op,
        "registry_figures",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("staff_paid", sa.Integer(), nullable=False),
        sa.Column("staff_volunteers", sa.Integer(), nullable=False),
        sa.Column("staff_vulnerable", sa.Integer(), nullable=False),
        sa.Column("staff_women", sa.Integer(), nullable=False),
        sa.Column("staff_men", sa.Integer(), nullable=False),
        sa.Column("people_served", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("public_funding_pct", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("budget", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("submitted_by_id", AccountId, nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id", "entry_id", "year", name=op.f("uq_registry_figures_tenant_id_entry_id_year")
        ),
        sa.CheckConstraint(
            "staff_paid >= 0 AND staff_volunteers >= 0 AND staff_vulnerable >= 0 AND staff_women >= 0 "
            "AND staff_men >= 0 AND people_served >= 0",
            name=op.f("ck_registry_figures_counts_positive"),
        ),
        sa.CheckConstraint(
            "public_funding_pct IS NULL OR (public_funding_pct >= 0 AND public_funding_pct <= 100)",
            name=op.f("ck_registry_figures_share_range"),
        ),
        _account_fk("registry_figures", "submitted_by_id"),
        references={"entry_id": ("registry_entries", "CASCADE")},
    )
    create_tenant_table(
        op,
        "registry_reporting_years",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("opened_by_id", AccountId, nullable=True),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("tenant_id", "year", name=op.f("uq_registry_reporting_years_tenant_id_year")),
        _account_fk("registry_reporting_years", "opened_by_id"),
    )
    create_tenant_table(
        op,
        "registry_reminders",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id",
            "entry_id",
            "year",
            "kind",
            name=op.f("uq_registry_reminders_tenant_id_entry_id_year_kind"),
        ),
        sa.CheckConstraint("kind IN ('due', 'late')", name=op.f("ck_registry_reminders_kind")),
        references={"entry_id": ("registry_entries", "CASCADE")},
    )
    create_tenant_table(
        op,
        "registry_aggregate_consents",
        sa.Column("opted_in", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_id", AccountId, nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        _account_fk("registry_aggregate_consents", "recorded_by_id"),
    )
    create_tenant_table(
        op,
        "registry_pacts",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("municipality_commitments", sa.Text(), nullable=False),
        sa.Column("partner_commitments", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("signed_document", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", AccountId, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'active', 'ended')", name=op.f("ck_registry_pacts_status")),
        _account_fk("registry_pacts", "created_by_id"),
    )
    create_tenant_table(
        op,
        "registry_pact_parties",
        sa.Column("pact_id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id",
            "pact_id",
            "entry_id",
            name=op.f("uq_registry_pact_parties_tenant_id_pact_id_entry_id"),
        ),
        references={"pact_id": ("registry_pacts", "CASCADE"), "entry_id": ("registry_entries", "CASCADE")},
    )
    for table, columns in INDEXED.items():
        for column in columns:
            op.create_index(op.f(f"ix_{table}_{column}"), table, [column])

    op.create_table(
        "registry_statistical_areas",
        sa.Column("municipality_id", sa.BigInteger(), nullable=False),
        sa.Column("lau", sa.String(length=20), nullable=False),
        sa.Column("nuts3", sa.String(length=5), nullable=False),
        sa.Column("nuts2", sa.String(length=4), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["tenants.id"],
            name=op.f("fk_registry_statistical_areas_municipality_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("municipality_id", name=op.f("pk_registry_statistical_areas")),
    )
    op.create_table(
        "registry_aggregate_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("municipalities", sa.Integer(), nullable=False),
        sa.Column("cells", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_aggregate_runs")),
    )
    op.create_table(
        "registry_aggregates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("area_name", sa.String(length=200), nullable=False),
        sa.Column("parent", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("suppressed", sa.Boolean(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=True),
        sa.Column("staff_paid", sa.Integer(), nullable=True),
        sa.Column("staff_volunteers", sa.Integer(), nullable=True),
        sa.Column("staff_vulnerable", sa.Integer(), nullable=True),
        sa.Column("people_served", sa.Integer(), nullable=True),
        sa.Column("budget", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("revenue", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["registry_aggregate_runs.id"],
            name=op.f("fk_registry_aggregates_run_id_registry_aggregate_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_aggregates")),
    )
    op.create_index(op.f("ix_registry_aggregates_run_id"), "registry_aggregates", ["run_id"])
    op.create_index(
        "ix_registry_aggregates_level_area_year", "registry_aggregates", ["level", "area", "year"]
    )


def downgrade() -> None:
    op.drop_index("ix_registry_aggregates_level_area_year", table_name="registry_aggregates")
    op.drop_index(op.f("ix_registry_aggregates_run_id"), table_name="registry_aggregates")
    op.drop_table("registry_aggregates")
    op.drop_table("registry_aggregate_runs")
    op.drop_table("registry_statistical_areas")
    for table, columns in INDEXED.items():
        for column in columns:
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
    for table in (
        "registry_pact_parties",
        "registry_pacts",
        "registry_aggregate_consents",
        "registry_reminders",
        "registry_reporting_years",
        "registry_figures",
        "registry_entry_versions",
        "registry_entries",
    ):
        drop_tenant_table(op, table)
