import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import TenantScoped, db, utcnow


class Notice(TenantScoped, db.Model):
    """A notice on the municipality's board. TenantScoped adds the (tenant_id, id) key."""

    __tablename__ = "noticeboard_notices"  # tables are prefixed with the plugin's name

    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    posted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)  # naive UTC
