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
from plugins.hearings.blueprint import _consultation, _is_moderator, bp, handled
from plugins.hearings.comments import forms, services
from plugins.hearings.common import HearingsError
from plugins.hearings.consultations.services import current_article_map
from plugins.hearings.consultations.views import _comments_page, _consultation_page


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
        status = 422 if exc.status == 422 else exc.status
        parent = _replied_to(c, kept["parent_id"])
        if parent is not None:  # a reply goes back to the page that shows its thread
            key, page, previewed = services.comment_location(
                c, parent, current_account(), _is_moderator(), current_article_map(c)
            )
            if not previewed:
                return _comments_page(c, key, page=page, kept_comment=kept, status=status)
        return _consultation_page(c, kept_comment=kept, status=status)
    db.session.commit()
    flash(_("Your comment is published."), "success")
    return redirect(url_for("hearings.comment_link", cid=c.id, cmid=cm.id))


@bp.get("/consultations/<uuid:cid>/comments/<uuid:cmid>")
@handled
def comment_link(cid, cmid):
    """A comment's address: the page of its article's threads that shows it (the consultation
    page when its preview does), at its anchor."""
    c = _consultation(cid)
    cm, account = services.get_comment(c, cmid), current_account()
    own = account is not None and cm.account_id == account.id
    if cm.hidden_at is not None and not (own or _is_moderator()):
        raise HearingsError(_("This comment does not exist."), 404)
    key, page, previewed = services.comment_location(
        c,
        cm,
        account,
        _is_moderator(),
        current_article_map(c),
    )
    anchor = f"comment-{cmid}"
    if previewed:
        return redirect(url_for("hearings.consultation", cid=c.id, _anchor=anchor))
    if key is None:
        return redirect(url_for("hearings.general_comments", cid=c.id, page=page, _anchor=anchor))
    return redirect(url_for("hearings.article_comments", cid=c.id, aid=key, page=page, _anchor=anchor))


def _replied_to(c, parent_id: str):
    """The comment a refused reply answers, if it is one that exists here."""
    try:
        return services.get_comment(c, uuid.UUID(parent_id)) if parent_id else None
    except (ValueError, HearingsError):
        return None


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
        return redirect(url_for("hearings.comment_link", cid=c.id, cmid=cm.id))
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
