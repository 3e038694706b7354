import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import TenantScoped, db, tenant_foreign_key, utcnow


class Note(TenantScoped, db.Model):
    """A note: the test plugin's tenant-owned model."""

    __tablename__ = "testplugin_notes"

    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class NoteTag(TenantScoped, db.Model):
    """A tag on a note: proves that a foreign key between tenant-owned tables carries tenant_id,
    so a row cannot point at another tenant's row (the database refuses it, RLS or not)."""

    __tablename__ = "testplugin_note_tags"

    note_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    label: Mapped[str] = mapped_column(sa.String(50))

    __table_args__ = (tenant_foreign_key("note_id", "testplugin_notes", ondelete="CASCADE"),)
