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
from plugins.hearings.law.rules import DOCUMENT_TYPES
from plugins.hearings.models import Attachment as HearingsAttachment


def max_attachment() -> int:
    """The largest attachment: the platform's one upload limit (``MAX_CONTENT_LENGTH``), which the
    core checks from ``Content-Length`` before a request body is read."""
    return int(current_app.config["MAX_CONTENT_LENGTH"])


#: What a scan of a recommendation received on paper may be: by its first bytes and its name.
SCAN_TYPES = (
    (b"%PDF-", (".pdf",), "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", (".png",), "image/png"),
    (b"\xff\xd8\xff", (".jpg", ".jpeg"), "image/jpeg"),
)


def _clean_name(filename: str) -> str:
    return (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]


def _check_size(data: bytes, field: str) -> None:
    limit = max_attachment()
    if len(data) > limit:
        raise HearingsError(_("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)), 413, field)


def add_attachment(
    filename: str, data: bytes, *, consultation_id=None, meeting_id=None, document_type: str = "other"
) -> HearingsAttachment:
    """A PDF within the upload limit, checked by its content (``%PDF-``), not only by its name;
    ``document_type`` one of the rule set's (a «referat de aprobare», «мотиви», ...)."""
    name = _clean_name(filename)
    _check_size(data, "attachment")
    if not name.lower().endswith(".pdf") or not data.startswith(b"%PDF-"):
        raise HearingsError(_("Only PDF files can be attached."), 415, "attachment")
    if document_type not in DOCUMENT_TYPES:
        raise HearingsError(_("Choose one of the options listed."), 422, "document_type")
    att = HearingsAttachment(
        filename=name,
        size=len(data),
        content=data,
        consultation_id=consultation_id,
        meeting_id=meeting_id,
        document_type=document_type,
    )
    db.session.add(att)
    db.session.flush()
    return att


def add_scan(filename: str, data: bytes, *, consultation_id, comment_id) -> HearingsAttachment:
    """The scan of a recommendation received on paper: a PDF, PNG or JPEG, by its content."""
    name = _clean_name(filename)
    _check_size(data, "scan")
    kind = next(
        (ct for magic, ends, ct in SCAN_TYPES if data.startswith(magic) and name.lower().endswith(ends)), None
    )
    if kind is None:
        raise HearingsError(_("A scan must be a PDF, PNG or JPEG file."), 415, "scan")
    att = HearingsAttachment(
        filename=name,
        size=len(data),
        content=data,
        consultation_id=consultation_id,
        comment_id=comment_id,
        document_type="scan",
        content_type=kind,
    )
    db.session.add(att)
    db.session.flush()
    return att


def scans_of(consultation_id) -> dict:
    """Comment id → its scans (without their content)."""
    out: dict = {}
    rows = db.session.execute(
        sa.select(HearingsAttachment)
        .where(
            HearingsAttachment.consultation_id == consultation_id, HearingsAttachment.comment_id.is_not(None)
        )
        .order_by(HearingsAttachment.created_at)
    ).scalars()
    for att in rows:
        out.setdefault(att.comment_id, []).append(att)
    return out


def attachments_of(*, consultation_id=None, meeting_id=None) -> list[HearingsAttachment]:
    q = sa.select(HearingsAttachment).order_by(HearingsAttachment.created_at)
    if consultation_id is not None:
        q = q.where(
            HearingsAttachment.consultation_id == consultation_id, HearingsAttachment.comment_id.is_(None)
        )
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
