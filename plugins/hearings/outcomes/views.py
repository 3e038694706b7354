"""Pages of the outcome: the register download, the outcome page, answering a comment, publishing."""

from __future__ import annotations

from flask import make_response, request

from core.toolkit import (
    abort,
    current_account,
    db,
    flash,
    ngettext,
    redirect,
    render_template,
    require_permission,
    url_for,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.blueprint import _consultation, _is_staff, bp, confirmation_page, handled
from plugins.hearings.comments import services as comments_services
from plugins.hearings.common import HearingsError
from plugins.hearings.consultations import services as consultations_services
from plugins.hearings.models import Status
from plugins.hearings.outcomes import forms, services


@bp.get("/consultations/<uuid:cid>/register.<fmt>")
@handled
def register_download(cid, fmt):
    c = _consultation(cid)
    if fmt == "csv":
        body, mimetype = services.register_csv(c, _is_staff()), "text/csv; charset=utf-8"
    elif fmt == "json":
        body, mimetype = services.register_json(c, _is_staff()), "application/json"
    else:
        abort(404)
    response = make_response(body)
    response.mimetype = mimetype.split(";")[0]
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="register-{c.id}.{fmt}"'
    return response


@bp.get("/consultations/<uuid:cid>/outcome")
@handled
def outcome(cid):
    c = _consultation(cid)
    staff = _is_staff()
    if c.status != Status.OUTCOME_PUBLISHED and not staff:
        raise HearingsError(_("The outcome has not been published yet."), 404)
    comments = comments_services.comments_for(c)
    all_articles = {a.id: a for a in consultations_services.all_articles(c)}
    answer_form = forms.AnswerForm()
    return render_template(
        "hearings/outcome.html",
        c=c,
        comments=[cm for cm in comments if cm.visible_to_public],
        counts=services.outcome_counts(c, comments),
        articles=all_articles,
        staff=staff,
        answer_form=answer_form,
        outcome_form=forms.OutcomeForm(summary=c.outcome_summary),
        outcome_labels=dict(forms.outcomes()),
    )


@bp.post("/consultations/<uuid:cid>/comments/<uuid:cmid>/answer")
@require_permission("hearings.manage")
@handled
def comment_answer(cid, cmid):
    c = consultations_services.get_consultation(cid)
    form = forms.AnswerForm()
    services.answer_comment(
        comments_services.get_comment(c, cmid), current_account(), form.outcome.data, form.reason.data, c
    )
    db.session.commit()
    flash(_("The answer is saved."), "success")
    return redirect(url_for("hearings.outcome", cid=c.id, _anchor=f"comment-{cmid}"))


@bp.post("/consultations/<uuid:cid>/outcome")
@require_permission("hearings.manage")
@handled
def outcome_publish(cid):
    c = consultations_services.get_consultation(cid)
    summary = forms.OutcomeForm().summary.data or ""
    reason = (request.form.get("reason") or "").strip()
    unanswered = services.unanswered_count(c)
    if unanswered:
        # final, and every commenter is mailed: with comments unanswered, staff confirm and say why
        confirm = confirmation_page(
            title=_("Publish the outcome of “%(title)s”?", title=c.title),
            consequences=[
                ngettext(
                    "%(num)d comment has no answer yet.", "%(num)d comments have no answer yet.", unanswered
                ),
                _("Publishing is final: every commenter is told by mail, and the outcome report is public."),
            ],
            action_url=url_for("hearings.outcome_publish", cid=c.id),
            back_url=url_for("hearings.outcome", cid=c.id),
            confirm_label=_("Publish the outcome"),
            reason_help=_(
                "Why the outcome is published before every comment is answered; kept in the history."
            ),
            hidden={"summary": summary},
        )
        if confirm is not None:
            return confirm
    consultations_services.publish_outcome(c, current_account(), summary, reason=reason)
    db.session.commit()
    flash(_("The outcome is published."), "success")
    return redirect(url_for("hearings.outcome", cid=c.id))
