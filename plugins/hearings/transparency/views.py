"""Pages of the annual report on decisional transparency (Romania): the report of a year
(printable, CSV, JSON) and, for staff, what the data cannot say."""

from __future__ import annotations

from flask import make_response

from core.toolkit import (
    abort,
    db,
    flash,
    redirect,
    render_template,
    require_permission,
    url_for,
)
from core.toolkit import gettext as _
from plugins.hearings.blueprint import _is_staff, bp, handled
from plugins.hearings.common import HearingsError
from plugins.hearings.transparency import forms, services


def _page(year: int, notes_form=None, action_form=None, status: int = 200):
    data = services.annual_report(year)
    staff = _is_staff()
    row = services.notes(year)
    if staff and notes_form is None:
        notes_form = forms.NotesForm(formdata=None, obj=row)
    if staff and action_form is None:
        action_form = forms.LegalActionForm(formdata=None)
    first = services.FIRST_YEAR
    years = list(range(services.current_year(), max(first, services.current_year() - 5) - 1, -1))
    return render_template(
        "hearings/transparency.html",
        report=data,
        year=year,
        years=years,
        staff=staff,
        notes_form=notes_form,
        action_form=action_form,
    ), status


@bp.get("/transparency")
@handled
def transparency_index():
    services.require_procedure()
    return redirect(url_for("hearings.transparency_report", year=services.current_year()))


@bp.get("/transparency/<int:year>")
@handled
def transparency_report(year):
    return _page(year)


@bp.get("/transparency/<int:year>.<fmt>")
@handled
def transparency_download(year, fmt):
    if fmt == "csv":
        body, mimetype = services.report_csv(year), "text/csv; charset=utf-8"
    elif fmt == "json":
        body, mimetype = services.report_json(year), "application/json"
    else:
        abort(404)
    response = make_response(body)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="transparency-{year}.{fmt}"'
    return response


def _field_error(form, exc: HearingsError) -> None:
    target = getattr(form, exc.field_name, None) if exc.field_name else None
    if target is not None:
        target.errors = [*target.errors, exc.message]
    else:
        flash(exc.message, "error")


@bp.post("/transparency/<int:year>/notes")
@require_permission("hearings.manage")
@handled
def transparency_notes(year):
    form = forms.NotesForm()
    if not form.validate():
        return _page(year, notes_form=form, status=422)
    try:
        services.save_notes(
            year,
            self_assessment=form.self_assessment.data or "",
            closed_meetings=form.closed_meetings.data,
            closed_meetings_reasons=form.closed_meetings_reasons.data or "",
        )
    except HearingsError as exc:
        if exc.status == 404:
            raise
        db.session.rollback()
        _field_error(form, exc)
        return _page(year, notes_form=form, status=exc.status)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("hearings.transparency_report", year=year))


@bp.post("/transparency/<int:year>/legal-actions")
@require_permission("hearings.manage")
@handled
def transparency_legal_action(year):
    services.require_procedure()
    form = forms.LegalActionForm()
    if not form.validate():
        return _page(year, action_form=form, status=422)
    try:
        action = services.add_legal_action(
            filed_on=form.filed_on.data,
            claimant=form.claimant.data,
            subject=form.subject.data,
            court=form.court.data or "",
            outcome=form.outcome.data or "",
        )
    except HearingsError as exc:
        if exc.status == 404:
            raise
        db.session.rollback()
        _field_error(form, exc)
        return _page(year, action_form=form, status=exc.status)
    filed_year = action.filed_on.year
    db.session.commit()
    flash(_("The court action is added."), "success")
    return redirect(url_for("hearings.transparency_report", year=filed_year))
