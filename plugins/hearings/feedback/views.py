"""Pages of feedback: the attendee's form (by registration link), the results, publishing them."""

from __future__ import annotations

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
from plugins.hearings.blueprint import _is_staff, bp, handled
from plugins.hearings.common import HearingsError
from plugins.hearings.feedback import forms, services
from plugins.hearings.meetings import services as meetings_services
from plugins.hearings.models import RegistrationStatus
from plugins.hearings.registrations import services as registrations_services


@bp.route("/registrations/<token>/feedback", methods=["GET", "POST"])
@handled
def feedback(token):
    regs = [
        r
        for r in registrations_services.registrations_for_token(token)
        if r.status == RegistrationStatus.CONFIRMED
    ]
    meetings = [meetings_services.get_meeting(r.meeting_id) for r in regs]
    pending = [(r, m) for r, m in zip(regs, meetings, strict=True) if m.finished_at is not None]
    if not pending:
        raise HearingsError(_("Feedback opens when the meeting has finished."), 404)
    reg, m = pending[0]
    if request.args.get("meeting"):
        reg, m = next(((r, x) for r, x in pending if str(x.id) == request.args["meeting"]), pending[0])
    linked = services.feedback_survey(m)
    if linked is not None:  # staff chose a survey (the satisfaction template) for this meeting
        return redirect(linked.url)
    form = forms.FeedbackForm()
    if form.validate_on_submit():
        services.submit_feedback(
            reg,
            int(form.overall.data),
            int(form.organisation.data),
            int(form.usefulness.data),
            form.text.data or "",
        )
        db.session.commit()
        flash(_("Thank you for your feedback."), "success")
        return redirect(url_for("hearings.meeting", mid=m.id))
    return render_template("hearings/feedback.html", form=form, m=m), 422 if request.method == "POST" else 200


@bp.get("/meetings/<uuid:mid>/feedback")
@handled
def feedback_results(mid):
    m = meetings_services.get_meeting(mid)
    if not (services.feedback_public(m) or _is_staff()):
        raise HearingsError(_("The feedback results are not public."), 403 if current_account() else 401)
    return _results_page(m)


def _results_page(m, survey_form=None, status=200):
    if survey_form is None:
        survey_form = forms.FeedbackSurveyForm(survey=str(m.feedback_survey.id) if m.feedback_survey else "")
    return render_template(
        "hearings/feedback_results.html",
        m=m,
        summary=services.feedback_summary(m),
        is_staff=_is_staff(),
        form=forms.PublishFeedbackForm(published=m.feedback_published),
        survey_form=survey_form,
        linked=services.feedback_survey(m),
    ), status


@bp.post("/meetings/<uuid:mid>/feedback/survey")
@require_permission("hearings.manage")
@handled
def feedback_survey(mid):
    """Staff link a survey that takes the meeting's feedback (or unlink it)."""
    m = meetings_services.get_meeting(mid)
    form = forms.FeedbackSurveyForm()
    if not form.validate_on_submit():
        return _results_page(m, form, 422)
    try:
        services.link_feedback_survey(m, form.survey.data or "")
    except HearingsError as exc:
        db.session.rollback()
        form.survey.errors = [*form.survey.errors, exc.message]
        return _results_page(meetings_services.get_meeting(mid), form, exc.status)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("hearings.feedback_results", mid=mid))


@bp.post("/meetings/<uuid:mid>/feedback/publish")
@require_permission("hearings.manage")
@handled
def feedback_publish(mid):
    m = meetings_services.get_meeting(mid)
    m.feedback_published = bool(forms.PublishFeedbackForm().published.data)
    db.session.commit()
    return redirect(url_for("hearings.feedback_results", mid=m.id))
