"""Programmes: series of meetings with one registration form."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from core.toolkit import (
    db,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.common import HearingsError
from plugins.hearings.models import (
    Meeting,
    Programme,
)


def get_programme(programme_id: uuid.UUID) -> Programme:
    p = db.session.execute(sa.select(Programme).where(Programme.id == programme_id)).scalar_one_or_none()
    if p is None:
        raise HearingsError(_("This programme does not exist."), 404)
    return p


def programme_meetings(p: Programme) -> list[Meeting]:
    return list(
        db.session.execute(
            sa.select(Meeting).where(Meeting.programme_id == p.id).order_by(Meeting.starts_at)
        ).scalars()
    )


def list_programmes() -> list[Programme]:
    return list(db.session.execute(sa.select(Programme).order_by(Programme.created_at.desc())).scalars())


def save_programme(p: Programme | None, title: str, description: str) -> Programme:
    if not (title or "").strip():
        raise HearingsError(_("Give the programme a title."), field_name="title")
    if p is None:
        p = Programme()
        db.session.add(p)
    p.title, p.description = title.strip()[:300], description or ""
    db.session.flush()
    return p
