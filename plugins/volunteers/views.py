"""The pages, at ``/volunteers/`` (404 in a municipality that has not enabled the plugin).

Thin: read the form, call a service, commit, render. A broken rule (``RuleViolation``) on a form
comes back as the same form, with what was typed and the message beside the field, and a 4xx; the
platform renders any other one as its error page.
"""

import datetime as dt
import decimal
import uuid

from core.toolkit import (
    Blueprint,
    RuleViolation,
    abort,
    current_account,
    db,
    flash,
    gettext,
    has_permission,
    redirect,
    render_template,
    request,
    require_permission,
    to_local,
    to_utc,
    url_for,
    utcnow_aware,
)
from plugins.volunteers import forms, services
from plugins.volunteers.models import SignupStatus, TaskStatus

ui = Blueprint("volunteers", __name__, template_folder="templates")

COORDINATE = "volunteers.coordinate"
SIGN_UP = "volunteers.signup"


def _coordinator() -> bool:
    return has_permission(COORDINATE)


def _show_error(form, exc: RuleViolation) -> int:
    """Put a rule's message beside its field (or above the form); the status to answer with."""
    db.session.rollback()
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)
    return exc.status


def _local_input(value):
    return to_local(value).replace(tzinfo=None) if value is not None else None


# --- reading ------------------------------------------------------------------------------------


@ui.get("/")
def index():
    form = forms.FilterForm(request.args)
    form.skill.choices = [("", gettext("Any skill"))] + [(s, s) for s in services.all_skills()]
    status = 200
    filters = {}
    if request.args and not form.validate():
        status = 422  # shown with what was typed; the list below is unfiltered by the bad field
    for name in ("q", "skill", "starts_after", "open_only", "include_past"):
        if not getattr(form, name).errors:
            filters[name] = getattr(form, name).data
    if filters.get("starts_after"):
        filters["starts_after"] = to_utc(_midnight(filters["starts_after"]))
    tasks = services.list_tasks(**filters, include_unpublished=_coordinator())
    return render_template(
        "volunteers/index.html", tasks=tasks, form=form, is_coordinator=_coordinator(), now=utcnow_aware()
    ), status


def _midnight(day):
    return dt.datetime.combine(day, dt.time())


@ui.get("/tasks/<uuid:task_id>")
def task(task_id: uuid.UUID):
    coordinator = _coordinator()
    found = services.get_task(task_id, include_unpublished=coordinator)
    view = services.task_view(found)
    account = current_account()
    mine = {}
    if account is not None:
        for row in services.history(account)["rows"]:
            if row.task.id == found.id and row.signup.status in SignupStatus.HOLDING:
                mine[row.shift.id] = row.signup
    return render_template(
        "volunteers/task.html",
        view=view,
        description=services.render_markdown(found.description),
        mine=mine,
        is_coordinator=coordinator,
        can_sign_up=has_permission(SIGN_UP) and account is not None,
        now=utcnow_aware(),
        TaskStatus=TaskStatus,
    )


@ui.get("/mine")
@require_permission(SIGN_UP)
def mine():
    data = services.history(current_account())
    now = utcnow_aware()
    rows = data["rows"]
    return render_template(
        "volunteers/mine.html",
        upcoming=[r for r in rows if r.shift.starts_at > now and r.signup.status == SignupStatus.SIGNED_UP][
            ::-1
        ],
        past=[r for r in rows if not (r.shift.starts_at > now and r.signup.status == SignupStatus.SIGNED_UP)],
        total_hours=data["total_hours"],
    )


# --- coordinators: tasks and shifts -------------------------------------------------------------


@ui.route("/tasks/new", methods=["GET", "POST"])
@require_permission(COORDINATE)
def task_new():
    return _task_form(None)


@ui.route("/tasks/<uuid:task_id>/edit", methods=["GET", "POST"])
@require_permission(COORDINATE)
def task_edit(task_id: uuid.UUID):
    return _task_form(services.get_task(task_id, include_unpublished=True))


def _task_form(existing):
    form = forms.TaskForm(obj=existing)
    if request.method == "GET" and existing is not None:
        form.skills.data = ", ".join(services.skills_of([existing.id])[existing.id])
    status = 200
    if form.validate_on_submit():
        try:
            saved = services.save_task(
                existing,
                account=current_account(),
                title=form.title.data,
                description=form.description.data or "",
                place=form.place.data or "",
                skills=services.parse_skills(form.skills.data or ""),
                status=form.status.data,
            )
            saved_id = saved.id
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The task is saved."), "success")
            return redirect(url_for("volunteers.task", task_id=saved_id))
    elif request.method == "POST":
        status = 422
    return render_template("volunteers/task_form.html", form=form, task=existing), status


@ui.route("/tasks/<uuid:task_id>/shifts/new", methods=["GET", "POST"])
@require_permission(COORDINATE)
def shift_new(task_id: uuid.UUID):
    return _shift_form(services.get_task(task_id, include_unpublished=True), None)


@ui.route("/shifts/<uuid:shift_id>/edit", methods=["GET", "POST"])
@require_permission(COORDINATE)
def shift_edit(shift_id: uuid.UUID):
    shift, found = services.get_shift(shift_id, include_unpublished=True)
    return _shift_form(found, shift)


def _shift_form(found, shift):
    task_id = found.id
    form = forms.ShiftForm(obj=shift)
    if request.method == "GET" and shift is not None:
        form.starts_at.data, form.ends_at.data = _local_input(shift.starts_at), _local_input(shift.ends_at)
    status = 200
    if form.validate_on_submit():
        try:
            services.save_shift(
                found,
                shift,
                starts_at=to_utc(form.starts_at.data),
                ends_at=to_utc(form.ends_at.data),
                capacity=form.capacity.data,
            )
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The shift is saved."), "success")
            return redirect(url_for("volunteers.task", task_id=task_id))
    elif request.method == "POST":
        status = 422
    return render_template("volunteers/shift_form.html", form=form, task=found, shift=shift), status


@ui.post("/shifts/<uuid:shift_id>/delete")
@require_permission(COORDINATE)
def shift_delete(shift_id: uuid.UUID):
    forms.EmptyForm().validate_on_submit() or abort(400)
    shift, found = services.get_shift(shift_id, include_unpublished=True)
    task_id = found.id
    services.delete_shift(shift)
    db.session.commit()
    flash(gettext("The shift is removed."), "success")
    return redirect(url_for("volunteers.task", task_id=task_id))


# --- signing up ---------------------------------------------------------------------------------


@ui.route("/shifts/<uuid:shift_id>/signup", methods=["GET", "POST"])
@require_permission(SIGN_UP)
def signup(shift_id: uuid.UUID):
    shift, found = services.get_shift(shift_id, include_unpublished=_coordinator())
    task_id = found.id
    account = current_account()
    form = forms.SignupForm()
    organisations = (
        services.representable_organisations(account)
        if services.settings()["organisations_may_sign_up"]
        else []
    )
    form.organisation_id.choices = [("", gettext("For myself"))] + [
        (str(o.id), gettext("On behalf of %(name)s", name=o.name)) for o in organisations
    ]
    status = 200
    if form.validate_on_submit():
        try:
            services.sign_up(
                shift.id,
                account,
                organisation_id=int(form.organisation_id.data) if form.organisation_id.data else None,
                note=form.note.data or "",
            )
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("You are signed up. We have sent you an email with the details."), "success")
            return redirect(url_for("volunteers.task", task_id=task_id))
    elif request.method == "POST":
        status = 422
    view = services.task_view(found)
    shift_view = next(s for s in view.shifts if s.shift.id == shift.id)
    return render_template(
        "volunteers/signup.html", form=form, task=found, shift=shift_view, now=utcnow_aware()
    ), status


@ui.post("/signups/<uuid:signup_id>/cancel")
@require_permission(SIGN_UP)
def cancel(signup_id: uuid.UUID):
    forms.EmptyForm().validate_on_submit() or abort(400)
    signup, _shift, found = services.get_signup(signup_id)
    coordinator = _coordinator() and signup.account_id != current_account().id
    task_id, shift_id = found.id, signup.shift_id
    services.cancel_signup(signup, current_account(), coordinator=coordinator)
    db.session.commit()
    flash(gettext("The sign-up is cancelled."), "success")
    if coordinator:
        return redirect(url_for("volunteers.attendance", shift_id=shift_id))
    if request.form.get("back") == "mine":
        return redirect(url_for("volunteers.mine"))
    return redirect(url_for("volunteers.task", task_id=task_id))


# --- coordinators: attendance -------------------------------------------------------------------

ATTENDANCE_CHOICES = ("", SignupStatus.ATTENDED, SignupStatus.NO_SHOW)


@ui.route("/shifts/<uuid:shift_id>/attendance", methods=["GET", "POST"])
@require_permission(COORDINATE)
def attendance(shift_id: uuid.UUID):
    """Who came and for how long: one row per sign-up, saved together."""
    shift, found = services.get_shift(shift_id, include_unpublished=True)
    rows = services.signups_of_shift(shift)
    form = forms.EmptyForm()
    typed, errors, status = {}, {}, 200
    if request.method == "POST":
        form.validate_on_submit() or abort(400)
        typed = {
            str(r.signup.id): (
                request.form.get(f"status-{r.signup.id}", ""),
                request.form.get(f"hours-{r.signup.id}", "").strip(),
            )
            for r in rows
        }
        for r in rows:
            key = str(r.signup.id)
            choice, hours_text = typed[key]
            if choice not in ATTENDANCE_CHOICES:
                errors[key] = gettext("Choose one of the options listed.")
                continue
            if not choice:
                continue
            hours = None
            if choice == SignupStatus.ATTENDED and hours_text:
                try:
                    hours = decimal.Decimal(hours_text.replace(",", "."))
                    if not hours.is_finite():
                        raise decimal.InvalidOperation
                except decimal.InvalidOperation:
                    errors[key] = gettext("Give the hours as a number over 0 and at most 24.")
                    continue
            try:
                services.record_attendance(
                    r.signup,
                    attended=choice == SignupStatus.ATTENDED,
                    hours=hours,
                    coordinator=current_account(),
                )
            except RuleViolation as exc:
                errors[key] = exc.message
                status = max(status, exc.status)
        if errors:
            db.session.rollback()
            status = 422 if status == 200 else status
            rows = services.signups_of_shift(shift)
        else:
            db.session.commit()
            flash(gettext("Attendance is saved."), "success")
            return redirect(url_for("volunteers.attendance", shift_id=shift_id))
    taken = services.taken_counts([shift.id]).get(shift.id, 0)
    return render_template(
        "volunteers/attendance.html",
        form=form,
        task=found,
        shift=shift,
        rows=rows,
        typed=typed,
        errors=errors,
        taken=taken,
        started=shift.starts_at <= utcnow_aware(),
        total_hours=sum(
            (r.signup.hours or 0 for r in rows if r.signup.status == SignupStatus.ATTENDED),
            decimal.Decimal(0),
        ),
    ), status
