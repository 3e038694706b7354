"""The roles PostgreSQL's ``cross_tenant_read`` policies admit (issue 10 item 16, DESIGN §3).

The table is written only by the migrations (as the owner, from ``READER_DB_ROLE``); the
application role may read it (every policy check does) but not change it, so no statement it
runs, injected or not, can make it a cross-tenant reader. See :func:`core.db.cross_tenant_read`.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import CROSS_TENANT_READERS_TABLE
from core.extensions import db


class CrossTenantReader(db.Model):
    __tablename__ = CROSS_TENANT_READERS_TABLE

    role_name: Mapped[str] = mapped_column(sa.Text(), primary_key=True)
