"""The plugin's tenant-owned models: ``TenantScoped`` gives the ``(tenant_id, id)`` key, the
automatic tenant filter and the stamp on insert; tables are prefixed with the plugin's name."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import TenantScoped, UTCDateTime, account_fk, db, utcnow_aware


class Item(TenantScoped, db.Model):
    """An entry that staff add and everyone in the municipality reads."""

    __tablename__ = "volunteers_items"

    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = account_fk()  # the record stays when the person goes
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)
