import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import TenantScoped, db, utcnow


class Note(TenantScoped, db.Model):
    """A note: the test plugin's tenant-owned model."""

    __tablename__ = "testplugin_notes"

    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
