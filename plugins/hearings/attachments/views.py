"""Uploading attachments to a consultation or meeting and downloading them."""

from __future__ import annotations

from flask import make_response

from core.toolkit import (
    current_account,
    db,
    flash,
    redirect,
    render_template,
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
    if att.deleted_at is not None:
        raise HearingsError(_("This file was deleted."), 410)
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


def _owner_url(att) -> str:
    if att.meeting_id is not None:
        return url_for("hearings.meeting", mid=att.meeting_id)
    return url_for("hearings.consultation", cid=att.consultation_id)


def _edit_page(att, values=None, errors=None, status=200):
    values = values or {"title": att.title, "filename": att.filename, "reason": ""}
    changes = services.changes_of([att]).get(att.id, [])
    page = render_template(
        "hearings/attachment_edit.html",
        att=att,
        values=values,
        errors=errors or {},
        changes=changes,
        back_url=_owner_url(att),
    )
    return page, status


@bp.route("/files/<uuid:aid>/edit", methods=["GET", "POST"])
@require_permission("hearings.manage")
@handled
def attachment_edit(aid):
    """Staff give a file a title or another name; each change is recorded."""
    att = services.get_attachment(aid)
    if request.method == "GET":
        return _edit_page(att)
    values = {
        "title": request.form.get("title", ""),
        "filename": request.form.get("filename", ""),
        "reason": "",
    }
    try:
        changes = services.edit_attachment(
            att, current_account(), title=values["title"], filename=values["filename"]
        )
    except HearingsError as exc:
        if exc.status in (401, 403, 404):
            raise
        db.session.rollback()
        return _edit_page(
            services.get_attachment(aid), values, {exc.field_name or "title": exc.message}, exc.status
        )
    db.session.commit()
    flash(_("The changes are saved.") if changes else _("Nothing was changed."), "success")
    return redirect(_owner_url(att))


@bp.post("/files/<uuid:aid>/delete")
@require_permission("hearings.manage")
@handled
def attachment_delete(aid):
    """Staff delete a file, with a reason: the content goes, the record stays."""
    att = services.get_attachment(aid)
    reason = request.form.get("reason", "")
    try:
        services.delete_attachment(att, current_account(), reason)
    except HearingsError as exc:
        if exc.status in (401, 403, 404):
            raise
        db.session.rollback()
        values = {"title": att.title, "filename": att.filename, "reason": reason}
        return _edit_page(services.get_attachment(aid), values, {"reason": exc.message}, exc.status)
    db.session.commit()
    flash(_("The file is deleted."), "success")
    return redirect(_owner_url(att))
