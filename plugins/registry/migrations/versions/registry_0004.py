"""registry: the observatory's indexes lead with the run (an area's cells, the areas within a parent);
the index on the run alone goes (with stale statistics the planner preferred it, filtering a whole run)

Revision ID: registry_0004
Revises: registry_0003
Create Date: 2026-12-01
"""

from alembic import op

revision = "registry_0004"
down_revision = "registry_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_registry_aggregates_level_area_year", table_name="registry_aggregates")
    op.drop_index("ix_registry_aggregates_run_id", table_name="registry_aggregates")
    op.create_index(
        "ix_registry_aggregates_run_level_area", "registry_aggregates", ["run_id", "level", "area", "year"]
    )
    op.create_index(
        "ix_registry_aggregates_run_level_parent",
        "registry_aggregates",
        ["run_id", "level", "parent", "year"],
    )


def downgrade() -> None:
    op.drop_index("ix_registry_aggregates_run_level_parent", table_name="registry_aggregates")
    op.drop_index("ix_registry_aggregates_run_level_area", table_name="registry_aggregates")
    op.create_index(
        "ix_registry_aggregates_level_area_year", "registry_aggregates", ["level", "area", "year"]
    )
    op.create_index("ix_registry_aggregates_run_id", "registry_aggregates", ["run_id"])
