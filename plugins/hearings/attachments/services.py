"""PDF attachments of consultations and meetings."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import current_app

from core.toolkit import (
    db,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.common import HearingsError
from plugins.hearings.models import Attachment as HearingsAttachment


def max_attachment() -> int:
    """The largest attachment: the platform's one upload limit (``MAX_CONTENT_LENGTH``), which the
    core checks from ``Content-Length`` before a request body is read."""
    return int(current_app.config["MAX_CONTENT_LENGTH"])


def add_attachment(
    filename: str, data: bytes, *, consultation_id=None, meeting_id=None
) -> HearingsAttachment:
    """A PDF within the upload limit, checked by its content (``%PDF-``), not only by its name."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]
    limit = max_attachment()
    if len(data) > limit:
        raise HearingsError(
            _("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)), 413, "attachment"
        )
    if not name.lower().endswith(".pdf") or not data.startswith(b"%PDF-"):
        raise HearingsError(_("Only PDF files can be attached."), 415, "attachment")
    att = HearingsAttachment(
        filename=name, size=len(data), content=data, consultation_id=consultation_id, meeting_id=meeting_id
    )
    db.session.add(att)
    db.session.flush()
    return att


def attachments_of(*, consultation_id=None, meeting_id=None) -> list[HearingsAttachment]:
    q = sa.select(HearingsAttachment).order_by(HearingsAttachment.created_at)
    if consultation_id is not None:
        q = q.where(HearingsAttachment.consultation_id == consultation_id)
    else:
        q = q.where(HearingsAttachment.meeting_id == meeting_id)
    return list(db.session.execute(q).scalars())


def get_attachment(attachment_id: uuid.UUID) -> HearingsAttachment:
    att = db.session.execute(
        sa.select(HearingsAttachment).where(HearingsAttachment.id == attachment_id)
    ).scalar_one_or_none()
    if att is None:
        raise HearingsError(_("This file does not exist."), 404)
    return att
