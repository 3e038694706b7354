"""volunteers: tasks, skills, shifts and sign-ups

Revision ID: volunteers_0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import AccountId, OrganisationId, create_tenant_table, drop_tenant_table

revision = "volunteers_0001"
down_revision = None
branch_labels = ("volunteers",)  # the plugin's own branch
depends_on = "core_0001"  # the core revision that creates `tenants`, `accounts` and `organisations`


def _account_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["accounts.id"], name=op.f(f"fk_{table}_{column}_accounts"), ondelete="SET NULL"
    )


def upgrade() -> None:
    # each: (tenant_id, id) key, the tenant foreign key and forced row-level security, in one call
    create_tenant_table(
        op,
        "volunteers_tasks",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", AccountId, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'cancelled')", name=op.f("ck_volunteers_tasks_status")
        ),
        _account_fk("volunteers_tasks", "created_by_id"),
    )
    op.create_index(op.f("ix_volunteers_tasks_created_by_id"), "volunteers_tasks", ["created_by_id"])

    create_tenant_table(
        op,
        "volunteers_task_skills",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.UniqueConstraint(
            "tenant_id", "task_id", "name", name=op.f("uq_volunteers_task_skills_tenant_id_task_id_name")
        ),
        references={"task_id": ("volunteers_tasks", "CASCADE")},
    )

    create_tenant_table(
        op,
        "volunteers_shifts",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_volunteers_shifts_capacity_positive")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_volunteers_shifts_ends_after_start")),
        references={"task_id": ("volunteers_tasks", "CASCADE")},
    )
    op.create_index(
        "ix_volunteers_shifts_tenant_id_starts_at", "volunteers_shifts", ["tenant_id", "starts_at"]
    )

    create_tenant_table(
        op,
        "volunteers_signups",
        sa.Column("shift_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", AccountId, nullable=True),
        sa.Column("organisation_id", OrganisationId, nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("signed_up_at", sa.DateTime(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("hours", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("recorded_by_id", AccountId, nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint(
            "tenant_id",
            "shift_id",
            "account_id",
            name=op.f("uq_volunteers_signups_tenant_id_shift_id_account_id"),
        ),
        sa.CheckConstraint(
            "status IN ('signed_up', 'cancelled', 'attended', 'no_show')",
            name=op.f("ck_volunteers_signups_status"),
        ),
        sa.CheckConstraint(
            "hours IS NULL OR (hours > 0 AND hours <= 24)", name=op.f("ck_volunteers_signups_hours_range")
        ),
        _account_fk("volunteers_signups", "account_id"),
        _account_fk("volunteers_signups", "recorded_by_id"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_volunteers_signups_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        references={"shift_id": ("volunteers_shifts", "CASCADE")},
    )
    for column in ("account_id", "organisation_id", "recorded_by_id"):
        op.create_index(op.f(f"ix_volunteers_signups_{column}"), "volunteers_signups", [column])


def downgrade() -> None:
    for column in ("account_id", "organisation_id", "recorded_by_id"):
        op.drop_index(op.f(f"ix_volunteers_signups_{column}"), table_name="volunteers_signups")
    drop_tenant_table(op, "volunteers_signups")
    op.drop_index("ix_volunteers_shifts_tenant_id_starts_at", table_name="volunteers_shifts")
    drop_tenant_table(op, "volunteers_shifts")
    drop_tenant_table(op, "volunteers_task_skills")
    op.drop_index(op.f("ix_volunteers_tasks_created_by_id"), table_name="volunteers_tasks")
    drop_tenant_table(op, "volunteers_tasks")
