"""Uploading attachments to a consultation or meeting and downloading them."""

from __future__ import annotations

from flask import make_response

from core.toolkit import (
    db,
    flash,
    redirect,
    request,
    require_permission,
    url_for,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.attachments import services
from plugins.hearings.blueprint import _consultation, _is_staff, bp, handled
from plugins.hearings.common import HearingsError
from plugins.hearings.consultations import services as consultations_services
from plugins.hearings.meetings import services as meetings_services


@bp.post("/consultations/<uuid:cid>/attachments")
@require_permission("hearings.manage")
@handled
def consultation_attach(cid):
    c = consultations_services.get_consultation(cid)
    _attach(consultation_id=c.id)
    return redirect(url_for("hearings.consultation", cid=c.id))


@bp.post("/meetings/<uuid:mid>/attachments")
@require_permission("hearings.manage")
@handled
def meeting_attach(mid):
    m = meetings_services.get_meeting(mid)
    _attach(meeting_id=m.id)
    return redirect(url_for("hearings.meeting", mid=m.id))


def _attach(**owner):
    upload = request.files.get("attachment")
    if upload is None or not upload.filename:
        raise HearingsError(_("Choose a PDF file."), 422, "attachment")
    data = upload.read(services.max_attachment() + 1)
    services.add_attachment(
        upload.filename, data, document_type=request.form.get("document_type") or "other", **owner
    )
    db.session.commit()
    flash(_("The file is attached."), "success")


@bp.get("/files/<uuid:aid>")
@handled
def attachment(aid):
    att = services.get_attachment(aid)
    if att.comment_id is not None and not _is_staff():  # a letter's scan: the sender's personal data
        raise HearingsError(_("This file does not exist."), 404)
    if att.consultation_id is not None:
        _consultation(att.consultation_id)  # drafts stay hidden with their files
    response = make_response(att.content)
    response.headers["Content-Type"] = att.content_type or "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{att.filename.encode("ascii", "replace").decode()}"'
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
