"""PDF attachments of consultations and meetings."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask import current_app

from core.toolkit import (
    db,
    utcnow,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.common import HearingsError
from plugins.hearings.law.rules import DOCUMENT_TYPES
from plugins.hearings.models import Attachment as HearingsAttachment
from plugins.hearings.models import AttachmentChange


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


#: the longest title or file name an attachment may have
MAX_NAME = 200


def edit_attachment(att: HearingsAttachment, by: Any, *, title: str, filename: str) -> list[AttachmentChange]:
    """Retitle and/or rename: each change recorded. A file name keeps its extension (the file's
    type does not change by renaming it) and loses any path."""
    if att.deleted_at is not None:
        raise HearingsError(_("This file was deleted."), 409)
    title = (title or "").strip()
    name = _clean_name(filename)
    if len(title) > MAX_NAME:
        raise HearingsError(_("Use at most %(n)d characters.", n=MAX_NAME), 422, "title")
    if not name:
        raise HearingsError(_("This field is required."), 422, "filename")
    old_ext = att.filename.rsplit(".", 1)[-1].lower() if "." in att.filename else ""
    if old_ext and not name.lower().endswith("." + old_ext):
        name = f"{name}.{old_ext}"
    if len(name) > MAX_NAME:
        raise HearingsError(_("Use at most %(n)d characters.", n=MAX_NAME), 422, "filename")
    changes = []
    for kind, field, new in (("retitled", "title", title), ("renamed", "filename", name)):
        old = getattr(att, field) or ""
        if old != new:
            changes.append(
                AttachmentChange(
                    attachment_id=att.id, kind=kind, old_value=old, new_value=new, by_account_id=_id(by)
                )
            )
            setattr(att, field, new)
    db.session.add_all(changes)
    db.session.flush()
    return changes


def delete_attachment(att: HearingsAttachment, by: Any, reason: str) -> None:
    """Delete the file's content; its row and the reason stay as the record of what was there."""
    reason = (reason or "").strip()
    if not reason:
        raise HearingsError(_("Give the reason for doing this now."), 422, "reason")
    if att.deleted_at is not None:
        return
    att.deleted_at = utcnow()
    att.content = b""
    att.size = 0
    db.session.add(
        AttachmentChange(
            attachment_id=att.id,
            kind="deleted",
            old_value=att.title or att.filename,
            new_value="",
            reason=reason,
            by_account_id=_id(by),
        )
    )
    db.session.flush()


def changes_of(attachments: list[HearingsAttachment]) -> dict:
    """Attachment id → its recorded changes, oldest first (one query for the whole list)."""
    ids = [a.id for a in attachments]
    if not ids:
        return {}
    out: dict = {}
    rows = db.session.execute(
        sa.select(AttachmentChange)
        .where(AttachmentChange.attachment_id.in_(ids))
        .order_by(AttachmentChange.at)
    ).scalars()
    for ch in rows:
        out.setdefault(ch.attachment_id, []).append(ch)
    return out


def _id(account: Any) -> int | None:
    return getattr(account, "id", None)
