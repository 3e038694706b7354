import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import (
    Reference,
    ReferenceType,
    TenantScoped,
    UTCDateTime,
    account_fk,
    db,
    tenant_foreign_key,
    utcnow,
    utcnow_aware,
)


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


class NoteLink(TenantScoped, db.Model):
    """A note's link to an object of another plugin (or of this one): the toolkit's column types
    at work, and a table created by ``create_tenant_table`` in its migration."""

    __tablename__ = "testplugin_links"

    note_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    target: Mapped[Reference] = mapped_column(ReferenceType())
    #: The target's title when the link was made: shown as plain text when the target is off.
    target_title: Mapped[str] = mapped_column(sa.String(200), default="")
    author_id: Mapped[int | None] = account_fk()
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow_aware)

    __table_args__ = (tenant_foreign_key("note_id", "testplugin_notes", ondelete="CASCADE"),)
