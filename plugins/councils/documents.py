"""A council's founding decision and its meetings' papers: uploaded by staff or the secretary,
checked by their content (not by the name a browser sends) and by the platform's upload limit,
listed on the public pages, deleted with a trace.

Stored in the database like the hearings' attachments (``LargeBinary``, deferred): a council
has a few dozen files a year, and the files then follow the tenant's backups and row security.
"""

import io
import uuid
import zipfile

import sqlalchemy as sa
from flask import current_app

from core.toolkit import RuleViolation, db, gettext, utcnow_aware
from plugins.councils.models import Document, DocumentKind

PDF = "application/pdf"
#: by first bytes and the names they may carry: the legacy Office formats share one container
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
LEGACY = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}
#: Office Open XML: the part of the package that says what it is
OOXML = {
    ".docx": ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pptx": ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}
#: OpenDocument: the ``mimetype`` entry names the type
ODF = {
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
}
ACCEPTED = (".pdf", *LEGACY, *OOXML, *ODF)


def upload_limit() -> int:
    """The platform's one upload limit (``MAX_CONTENT_LENGTH``), which the core already checks
    from ``Content-Length``; checked again on the bytes read."""
    return int(current_app.config["MAX_CONTENT_LENGTH"])


def clean_name(filename: str | None) -> str:
    return (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]


def _extension(name: str) -> str:
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _zip_type(data: bytes, ext: str) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            if ext in OOXML:
                prefix, content_type = OOXML[ext]
                if "[Content_Types].xml" in names and any(n.startswith(prefix) for n in names):
                    return content_type
            elif ext in ODF and "mimetype" in names:
                with z.open("mimetype") as f:
                    if f.read(100).decode("ascii", "replace").strip() == ODF[ext]:
                        return ODF[ext]
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError):
        return None
    return None


def sniff(name: str, data: bytes, *, pdf_only: bool = False) -> str | None:
    """The content type the bytes prove, if the name's extension agrees; else None."""
    ext = _extension(name)
    if ext == ".pdf":
        return PDF if data.startswith(b"%PDF-") else None
    if pdf_only:
        return None
    if ext in LEGACY:
        return LEGACY[ext] if data.startswith(OLE) else None
    if (ext in OOXML or ext in ODF) and data.startswith(b"PK\x03\x04"):
        return _zip_type(data, ext)
    return None


def add_document(
    council, filename: str | None, data: bytes, *, by, meeting=None, title: str = ""
) -> Document:
    """A founding decision (PDF only) when ``meeting`` is None, else a paper of that meeting."""
    name = clean_name(filename)
    if not name or not data:
        raise RuleViolation(gettext("Choose a file."), status=422, field="file")
    limit = upload_limit()
    if len(data) > limit:
        raise RuleViolation(
            gettext("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)), status=413, field="file"
        )
    content_type = sniff(name, data, pdf_only=meeting is None)
    if content_type is None:
        message = (
            gettext("The founding decision must be a PDF file.")
            if meeting is None
            else gettext("Only PDF, Word, Excel, PowerPoint or OpenDocument files can be uploaded.")
        )
        raise RuleViolation(message, status=415, field="file")
    if meeting is not None and meeting.council_id != council.id:
        raise RuleViolation(gettext("This meeting does not exist."), status=404)
    doc = Document(
        council_id=council.id,
        meeting_id=meeting.id if meeting is not None else None,
        kind=DocumentKind.MEETING if meeting is not None else DocumentKind.FOUNDING_DECISION,
        title=" ".join((title or "").split())[:200],
        filename=name,
        content_type=content_type,
        size=len(data),
        content=data,
        uploaded_by_id=by.id if by is not None else None,
        uploaded_at=utcnow_aware(),
    )
    db.session.add(doc)
    db.session.flush()
    return doc


def documents_of(council, *, meeting=None, founding: bool = False) -> list[Document]:
    """The files of a meeting, or the council's founding decisions (withdrawn ones included,
    marked: the page shows that a file was withdrawn and when), oldest first."""
    q = sa.select(Document).where(Document.council_id == council.id).order_by(Document.uploaded_at)
    if meeting is not None:
        q = q.where(Document.meeting_id == meeting.id)
    elif founding:
        q = q.where(Document.kind == DocumentKind.FOUNDING_DECISION)
    return list(db.session.execute(q).scalars())


def get_document(document_id: uuid.UUID) -> Document:
    doc = db.session.execute(sa.select(Document).where(Document.id == document_id)).scalar_one_or_none()
    if doc is None:
        raise RuleViolation(gettext("This file does not exist."), status=404)
    return doc


def content_of(doc: Document) -> bytes:
    if doc.deleted_at is not None or doc.content is None:
        raise RuleViolation(gettext("This file was withdrawn."), status=410)
    return doc.content


def delete_document(doc: Document, *, by) -> Document:
    """Withdraw a file: the content goes, the row stays with who and when."""
    if doc.deleted_at is not None:
        raise RuleViolation(gettext("This file was withdrawn."), status=409, code="already_deleted")
    doc.content = None
    doc.deleted_at = utcnow_aware()
    doc.deleted_by_id = by.id if by is not None else None
    db.session.flush()
    return doc
