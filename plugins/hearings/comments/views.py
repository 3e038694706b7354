"""Pages of comments: posting, editing, withdrawing and reporting one."""

from __future__ import annotations

import uuid

from core.toolkit import (
    current_account,
    db,
    flash,
    redirect,
    render_template,
    require_permission,
    url_for,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.blueprint import _consultation, bp, handled
from plugins.hearings.comments import forms, services
from plugins.hearings.common import HearingsError
from plugins.hearings.consultations.views import _consultation_page


@bp.post("/consultations/<uuid:cid>/comments")
@require_permission("hearings.participate")
@handled
def comment_post(cid):
    c = _consultation(cid)
    form = forms.CommentForm()
    org = form.organisation_id.data
    try:
        cm = services.post_comment(
            c,
            current_account(),
            form.body.data or "",
            article_id=_uuid_or_none(form.article_id.data),
            parent_id=_uuid_or_none(form.parent_id.data),
            organisation_id=int(org) if org and org.isdigit() else None,
        )
    except HearingsError as exc:
        if exc.status in (401, 403, 404):
            raise
        # too long, too many, the window just closed: the page comes back with the comment typed
        db.session.rollback()
        flash(exc.message, "error")
        kept = {
            "body": form.body.data or "",
            "article_id": form.article_id.data or "",
            "parent_id": form.parent_id.data or "",
            "organisation_id": org or "",
        }
        return _consultation_page(c, kept_comment=kept, status=422 if exc.status == 422 else exc.status)
    db.session.commit()
    flash(_("Your comment is published."), "success")
    return redirect(url_for("hearings.consultation", cid=c.id, _anchor=f"comment-{cm.id}"))


def _uuid_or_none(value):
    if not value:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise HearingsError(_("This article is not part of the current draft."), 404) from None


@bp.route("/consultations/<uuid:cid>/comments/<uuid:cmid>/edit", methods=["GET", "POST"])
@require_permission("hearings.participate")
@handled
def comment_edit(cid, cmid):
    c = _consultation(cid)
    cm = services.get_comment(c, cmid)
    if cm.account_id != current_account().id:
        raise HearingsError(_("Only the author can edit a comment."), 403)
    form = forms.EditCommentForm(obj=cm)
    if form.validate_on_submit():
        services.edit_comment(c, cm, current_account(), form.body.data)
        db.session.commit()
        flash(_("Your comment is updated."), "success")
        return redirect(url_for("hearings.consultation", cid=c.id, _anchor=f"comment-{cm.id}"))
    return render_template("hearings/comment_edit.html", c=c, cm=cm, form=form)


@bp.post("/consultations/<uuid:cid>/comments/<uuid:cmid>/withdraw")
@require_permission("hearings.participate")
@handled
def comment_withdraw(cid, cmid):
    c = _consultation(cid)
    services.withdraw_comment(services.get_comment(c, cmid), current_account())
    db.session.commit()
    flash(_("Your comment is withdrawn."), "success")
    return redirect(url_for("hearings.consultation", cid=c.id))


@bp.route("/consultations/<uuid:cid>/comments/<uuid:cmid>/report", methods=["GET", "POST"])
@require_permission("hearings.participate")
@handled
def comment_report(cid, cmid):
    c = _consultation(cid)
    cm = services.get_comment(c, cmid)
    if not cm.visible_to_public:
        raise HearingsError(_("This comment does not exist."), 404)
    form = forms.ReasonForm()
    if form.validate_on_submit():
        services.report_comment(cm, current_account(), form.reason.data)
        db.session.commit()
        flash(_("Thank you: the moderators will look at it."), "success")
        return redirect(url_for("hearings.consultation", cid=c.id))
    return render_template("hearings/comment_report.html", c=c, cm=cm, form=form)
