"""Migration helpers: a tenant-owned table with its keys and forced row-level security in one call."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.db import disable_tenant_rls, enable_tenant_rls

#: The column type of ``tenants.id`` (and so of every ``tenant_id``).
TenantIdType = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def create_tenant_table(
    op: Any,
    name: str,
    *columns: Any,
    references: dict[str, str | tuple[str, str]] | None = None,
    public_read: bool = False,
    **kw: Any,
) -> sa.Table:
    """Create a tenant-owned table as :class:`core.db.TenantScoped` maps it, in a migration.

    Adds ``tenant_id`` and ``id`` (UUID) as the composite primary key ``(tenant_id, id)``, the
    foreign key to ``tenants``, one foreign key carrying ``tenant_id`` per entry of
    ``references`` (column -> target table, or ``(table, ondelete)``; the target's key is
    ``(tenant_id, id)``), and then enables and forces row-level security with the platform's
    policies. Constraint names follow the metadata's naming convention, so autogenerate sees no
    difference with the model::

        def upgrade():
            create_tenant_table(
                op, "volunteers_shifts",
                sa.Column("task_id", sa.Uuid(), nullable=False),
                sa.Column("starts_at", sa.DateTime(), nullable=False),
                references={"task_id": ("volunteers_tasks", "CASCADE")},
            )

        def downgrade():
            drop_tenant_table(op, "volunteers_shifts")
    """
    constraints: list[Any] = [
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{name}_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f(f"pk_{name}")),
    ]
    for column, target in (references or {}).items():
        table, ondelete = (target, None) if isinstance(target, str) else target
        constraints.append(
            sa.ForeignKeyConstraint(
                ["tenant_id", column],
                [f"{table}.tenant_id", f"{table}.id"],
                name=op.f(f"fk_{name}_tenant_id_{column}_{table}"),
                ondelete=ondelete,
            )
        )
    created = op.create_table(
        name,
        sa.Column("tenant_id", TenantIdType, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        *columns,
        *constraints,
        **kw,
    )
    enable_tenant_rls(op, name, public_read=public_read)
    return created


def drop_tenant_table(op: Any, name: str) -> None:
    """Undo :func:`create_tenant_table` (for a migration's downgrade): policies, then the table."""
    disable_tenant_rls(op, name)
    op.drop_table(name)
