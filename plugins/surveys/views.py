"""The pages, at ``/surveys/`` (404 in a municipality that has not enabled the plugin).

Thin: read the form, call a service, commit, render. A broken rule on a form comes back as the
same form with what was typed and the message beside the field; the answering form keeps every
answer typed (and saves it as a draft for people who can come back to it).
"""

import datetime as dt
import uuid

from flask import Response as HttpResponse
from flask import session, stream_with_context

from core.toolkit import (
    Blueprint,
    RuleViolation,
    abort,
    active_tenant_id,
    current_account,
    db,
    flash,
    get_locale,
    gettext,
    has_permission,
    limiter,
    redirect,
    render_template,
    request,
    require_permission,
    tenant_context,
    to_local,
    to_utc,
    url_for,
    utcnow_aware,
)
from plugins.surveys import forms, services, starters
from plugins.surveys.models import Audience, Kind

ui = Blueprint("surveys", __name__, template_folder="templates")

MANAGE = "surveys.manage"
INVITATIONS_KEY = "surveys_invitations"
VISITOR_ANSWERS = "5 per hour"


def _manager() -> bool:
    return has_permission(MANAGE)


def _show_error(form, exc: RuleViolation) -> int:
    db.session.rollback()
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)
    return exc.status


def _local_input(value):
    return to_local(value).replace(tzinfo=None) if value is not None else None


def _respondent(survey) -> services.Respondent:
    held = session.get(INVITATIONS_KEY, {}).get(str(survey.id))
    return services.Respondent(current_account(), services.invitation_for(survey, held))


# --- reading ------------------------------------------------------------------------------------


@ui.get("/")
def index():
    manager = _manager()
    now = utcnow_aware()
    items = [(s, services.state(s, now)) for s in services.list_surveys(include_unpublished=manager)]
    return render_template("surveys/index.html", items=items, is_manager=manager, label=services.state_label)


@ui.get("/<uuid:survey_id>")
def survey(survey_id: uuid.UUID):
    manager = _manager()
    found = services.get_survey(survey_id, include_unpublished=manager)
    who = _respondent(found)
    refusal = None
    try:
        services.check_may_answer(found, who)
    except RuleViolation as exc:
        refusal = exc
    questions = services.questions_of(found) if manager else []
    title, introduction, _shown = services.localized(found, [], str(get_locale()))
    translated = services.translations_of(found) if manager else {}
    return render_template(
        "surveys/survey.html",
        survey=found,
        title=title,
        introduction=introduction,
        locales=services.translation_locales() if manager else [],
        translated=translated,
        stale={loc: services.staleness(found, t, questions) for loc, t in translated.items()},
        state=services.state(found),
        label=services.state_label,
        refusal=refusal,
        draft=services.get_draft(found, who),
        questions=questions,
        by_id={q.id: q for q in questions},
        is_manager=manager,
        kinds=forms.KIND_LABELS,
        audiences=forms.AUDIENCE_LABELS,
        responses=services.response_count(found) if manager else None,
        results_visible=services.may_see_results(found, manager),
        form=forms.EmptyForm(),
    )


# --- staff: surveys and questions ---------------------------------------------------------------


def _default_window():
    start = to_local(utcnow_aware()).replace(minute=0, second=0, microsecond=0, tzinfo=None) + dt.timedelta(
        hours=1
    )
    return start, start + dt.timedelta(days=14)


@ui.route("/new", methods=["GET", "POST"])
@require_permission(MANAGE)
def new():
    starter = forms.StarterForm()
    starter.starter.choices = starters.choices()
    if request.method == "POST" and "create" in request.form:
        if starter.validate_on_submit():
            opens, closes = _default_window()
            made = services.create_from_starter(
                starter.starter.data,
                str(get_locale()),
                account=current_account(),
                opens_at=to_utc(opens),
                closes_at=to_utc(closes),
            )
            made_id = made.id
            db.session.commit()
            flash(gettext("The survey is created as a draft: adapt it, then publish it."), "success")
            return redirect(url_for("surveys.survey", survey_id=made_id))
        return render_template("surveys/new.html", starter=starter, form=_survey_form(None)), 422
    return _survey_page(None, starter=starter)


def _survey_form(existing):
    form = forms.SurveyForm(obj=existing)
    form.organisation_ids.choices = [(o.id, o.name) for o in services.affiliated_organisations()]
    if request.method == "GET":
        if existing is not None:
            form.opens_at.data, form.closes_at.data = (
                _local_input(existing.opens_at),
                _local_input(existing.closes_at),
            )
        else:
            form.opens_at.data, form.closes_at.data = _default_window()
    return form


def _survey_page(existing, starter=None):
    form = _survey_form(existing)
    status = 200
    if (starter is None or "submit" in request.form) and form.validate_on_submit():
        try:
            saved = services.save_survey(
                existing,
                account=current_account(),
                title=form.title.data,
                introduction=form.introduction.data or "",
                opens_at=to_utc(form.opens_at.data),
                closes_at=to_utc(form.closes_at.data),
                audience=form.audience.data,
                anonymous=form.anonymous.data,
                on_behalf=form.on_behalf.data,
                published=form.published.data,
                results_public=form.results_public.data,
                organisation_ids=form.organisation_ids.data or [],
            )
            saved_id = saved.id
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The survey is saved."), "success")
            return redirect(url_for("surveys.survey", survey_id=saved_id))
    elif request.method == "POST":
        status = 422
    if existing is None:
        return render_template("surveys/new.html", starter=starter, form=form), status
    return render_template("surveys/edit.html", form=form, survey=existing), status


@ui.route("/<uuid:survey_id>/edit", methods=["GET", "POST"])
@require_permission(MANAGE)
def edit(survey_id: uuid.UUID):
    return _survey_page(services.get_survey(survey_id, include_unpublished=True))


def _question_form(found, question):
    form = forms.QuestionForm(obj=question)
    if request.method == "GET" and question is not None:
        form.options.data = "\n".join(question.options)
        form.rows.data = "\n".join(question.rows)
        form.show_if_id.data = str(question.show_if_id) if question.show_if_id else ""
    earlier = [
        q
        for q in services.questions_of(found)
        if q.kind != Kind.SECTION and (question is None or q.position < question.position)
    ]
    form.show_if_id.choices = [("", gettext("Always show this question"))] + [
        (str(q.id), gettext("“%(question)s”…", question=q.prompt[:80])) for q in earlier
    ]
    return form


@ui.route("/<uuid:survey_id>/questions/new", methods=["GET", "POST"])
@require_permission(MANAGE)
def question_new(survey_id: uuid.UUID):
    return _question_page(services.get_survey(survey_id, include_unpublished=True), None)


@ui.route("/<uuid:survey_id>/questions/<uuid:question_id>/edit", methods=["GET", "POST"])
@require_permission(MANAGE)
def question_edit(survey_id: uuid.UUID, question_id: uuid.UUID):
    found = services.get_survey(survey_id, include_unpublished=True)
    return _question_page(found, services.get_question(found, question_id))


def _question_page(found, question):
    form = _question_form(found, question)
    status = 200
    survey_id = found.id
    if form.validate_on_submit():
        try:
            services.save_question(
                found,
                question,
                kind=form.kind.data,
                prompt=form.prompt.data,
                help=form.help.data or "",
                required=form.required.data,
                options=form.options.data or "",
                rows=form.rows.data or "",
                allow_other=form.allow_other.data,
                min_value=form.min_value.data,
                max_value=form.max_value.data,
                show_if_id=uuid.UUID(form.show_if_id.data) if form.show_if_id.data else None,
                show_if_value=form.show_if_value.data or "",
            )
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The question is saved."), "success")
            return redirect(url_for("surveys.survey", survey_id=survey_id) + "#questions")
    elif request.method == "POST":
        status = 422
    return render_template("surveys/question_form.html", form=form, survey=found, question=question), status


@ui.post("/<uuid:survey_id>/questions/<uuid:question_id>/delete")
@require_permission(MANAGE)
def question_delete(survey_id: uuid.UUID, question_id: uuid.UUID):
    forms.EmptyForm().validate_on_submit() or abort(400)
    found = services.get_survey(survey_id, include_unpublished=True)
    services.delete_question(services.get_question(found, question_id))
    db.session.commit()
    flash(gettext("The question is removed."), "success")
    return redirect(url_for("surveys.survey", survey_id=survey_id) + "#questions")


@ui.post("/<uuid:survey_id>/questions/<uuid:question_id>/move")
@require_permission(MANAGE)
def question_move(survey_id: uuid.UUID, question_id: uuid.UUID):
    forms.EmptyForm().validate_on_submit() or abort(400)
    found = services.get_survey(survey_id, include_unpublished=True)
    services.move_question(
        services.get_question(found, question_id), -1 if request.form.get("step") == "up" else 1
    )
    db.session.commit()
    return redirect(url_for("surveys.survey", survey_id=survey_id) + "#questions")


@ui.route("/<uuid:survey_id>/translations/<locale>", methods=["GET", "POST"])
@require_permission(MANAGE)
def translation(survey_id: uuid.UUID, locale: str):
    """Staff enter the whole survey in another of the municipality's languages."""
    found = services.get_survey(survey_id, include_unpublished=True)
    if locale not in services.translation_locales():
        abort(404)
    questions = services.questions_of(found)
    form = forms.EmptyForm()
    existing = services.get_translation(found, locale)
    behind = services.staleness(found, existing, questions)
    values = {
        "title": existing.title if existing else "",
        "introduction": existing.introduction if existing else "",
        "texts": existing.texts if existing else {},
    }
    status, error = 200, None
    if request.method == "POST":
        form.validate_on_submit() or abort(400)
        values = _translation_from_form(questions, request.form)
        try:
            services.save_translation(found, locale, **values)
            db.session.commit()
        except RuleViolation as exc:
            db.session.rollback()
            status, error = exc.status, exc.message
        else:
            flash(gettext("The translation is saved."), "success")
            return redirect(url_for("surveys.survey", survey_id=survey_id))
    return render_template(
        "surveys/translation.html",
        survey=found,
        questions=questions,
        locale=locale,
        values=values,
        error=error,
        form=form,
        behind=behind,
        Kind=Kind,
    ), status


def _translation_from_form(questions, data) -> dict:
    texts = {}
    for q in questions:
        key = str(q.id)
        texts[key] = {
            "prompt": data.get(f"p-{key}", ""),
            "help": data.get(f"h-{key}", ""),
            "options": [data.get(f"o-{key}-{i}", "") for i in range(len(q.options))],
            "rows": [data.get(f"r-{key}-{i}", "") for i in range(len(q.rows))],
        }
    return {"title": data.get("title", ""), "introduction": data.get("introduction", ""), "texts": texts}


# --- answering ----------------------------------------------------------------------------------


@ui.route("/<uuid:survey_id>/answer", methods=["GET", "POST"])
def answer(survey_id: uuid.UUID):
    found = services.get_survey(survey_id)
    who = _respondent(found)
    try:
        services.check_may_answer(found, who)
    except RuleViolation as exc:
        if exc.code == "sign_in" and request.method == "GET":
            return redirect(url_for("accounts.signin", next=request.full_path))
        raise
    questions = services.questions_of(found)
    form = forms.EmptyForm()
    organisations = services.representable_organisations(who.account) if found.on_behalf else []
    draft = services.get_draft(found, who)
    typed = dict(draft.answers) if draft is not None else {}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        form.validate_on_submit() or abort(400)
        typed = services.typed_from_form(questions, request.form)
        organisation = request.form.get("organisation_id", "")
        try:
            refused = services.store_uploads(found, questions, who, request.files, typed)
            if request.form.get("action") == "save":
                services.save_draft(found, who, typed)
                db.session.commit()
                flash(
                    gettext("Your answers are saved. Come back to finish them before the survey closes."),
                    "success",
                )
                return redirect(url_for("surveys.answer", survey_id=survey_id))
            services.submit(
                found,
                who,
                typed,
                organisation_id=int(organisation) if organisation.isdigit() else None,
                receipt=request.form.get("receipt") == "y",
                upload_errors=refused,
            )
            if who.account is None and who.invitation is None:
                # anyone may answer a public survey signed out, and nothing tells two visitors
                # apart: one address records a few answers an hour at most (a household, an office)
                try:
                    limiter.hit(
                        VISITOR_ANSWERS, "surveys.visitor_answer", f"{request.remote_addr}:{survey_id}"
                    )
                except Exception:
                    db.session.rollback()
                    raise
            db.session.commit()
        except services.AnswerErrors as exc:
            db.session.rollback()
            errors, status = exc.errors, 422
            # the files accepted are kept (pending) so that the page need not ask for them again
            refused = services.store_uploads(found, questions, who, _rewound(request.files), typed)
            errors = {**refused, **errors}
            if who.account is not None or who.invitation is not None:
                services.save_draft(found, who, typed)  # nothing typed is lost, even if the tab closes
            db.session.commit()
        except RuleViolation as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            status = exc.status
        else:
            flash(gettext("Thank you: your answers are recorded."), "success")
            return redirect(url_for("surveys.survey", survey_id=survey_id))
    title, _introduction, shown = services.localized(found, questions, str(get_locale()))
    return render_template(
        "surveys/answer.html",
        survey=found,
        title=title,
        loc=shown,
        questions=questions,
        by_id={q.id: q for q in questions},
        typed=typed,
        errors=errors,
        form=form,
        organisations=organisations,
        can_save=who.account is not None or who.invitation is not None,
        can_receipt=(who.account is not None and who.account.email) or who.invitation is not None,
        kept=services.kept_files(found, typed),
        max_mb=services.max_file_bytes() // (1024 * 1024),
        Kind=Kind,
        OTHER=services.OTHER,
    ), status


def _rewound(files):
    """The request's files read again from their start (after a rolled-back first attempt)."""
    for storage in files.values():
        storage.stream.seek(0)
    return files


@ui.get("/invitation/<token>")
def invitation(token: str):
    """A mailed link: remember the invitation in this browser and open the survey's form."""
    found = services.redeem(token)
    if found is None:
        abort(404)
    held = dict(session.get(INVITATIONS_KEY, {}))
    held[str(found.survey_id)] = str(found.id)
    session[INVITATIONS_KEY] = held
    if found.used_at is not None:
        raise RuleViolation(gettext("This invitation has been used already."), code="invitation_used")
    return redirect(url_for("surveys.answer", survey_id=found.survey_id))


# --- results ------------------------------------------------------------------------------------


@ui.get("/<uuid:survey_id>/results")
def results(survey_id: uuid.UUID):
    manager = _manager()
    found = services.get_survey(survey_id, include_unpublished=manager)
    if not services.may_see_results(found, manager):
        abort(404)
    public = not manager or request.args.get("view") == "public"
    total, items = services.results(found, public=public)
    crossable = [r.question for r in items if r.question.kind in services.CROSSABLE]
    table = None
    if request.args.get("rows") and request.args.get("columns"):
        table = services.crosstab(found, request.args["rows"], request.args["columns"], public=public)
    return render_template(
        "surveys/results.html",
        survey=found,
        total=total,
        items=items,
        files=services.files_listed(found) if manager and not public else {},
        crossable=crossable,
        table=table,
        chosen=(request.args.get("rows", ""), request.args.get("columns", "")),
        public=public,
        is_manager=manager,
        floor=services.suppress_below(),
        form=forms.EmptyForm(),
        Kind=Kind,
        OTHER=services.OTHER,
    )


@ui.post("/<uuid:survey_id>/results/texts")
@require_permission(MANAGE)
def publish_text(survey_id: uuid.UUID):
    """Staff show one written answer in the public results, or hide it again."""
    forms.EmptyForm().validate_on_submit() or abort(400)
    found = services.get_survey(survey_id, include_unpublished=True)
    question_id = request.form.get("question_id", "")
    try:
        services.publish_text(
            found,
            request.form.get("response_id", ""),
            question_id,
            publish=request.form.get("publish") == "y",
        )
    except ValueError:
        abort(404)
    db.session.commit()
    return redirect(url_for("surveys.results", survey_id=survey_id) + f"#r-{question_id}")


def _page_number() -> int:
    """The ``?page=`` asked for: a whole number from 1 (else a 400 page in the person's language)."""
    given = request.args.get("page", "1").strip()
    if not given.isdigit() or not 0 < int(given) <= MAX_PAGE:
        abort(400)
    return int(given)


#: no list has this many pages (a larger number is refused before any query)
MAX_PAGE = 1_000_000


@ui.route("/<uuid:survey_id>/results/questions/<uuid:question_id>/answers", methods=["GET", "POST"])
def written_answers(survey_id: uuid.UUID, question_id: uuid.UUID):
    """Every written answer to one question, 50 a page in the order they came: staff see each
    with its control to publish or hide it (and choose all, published or not); the public, when
    the results are public, only those published. A page past the end shows the last one."""
    manager = _manager()
    found = services.get_survey(survey_id, include_unpublished=manager)
    if not services.may_see_results(found, manager):
        abort(404)
    question = services.get_question(found, question_id)
    if not services.has_written_answers(question):
        abort(404)
    public = not manager or request.args.get("view") == "public"
    show = "published" if public else request.args.get("show", "all")
    if show not in services.SHOW:
        abort(400)
    page = _page_number()
    if request.method == "POST":
        if not manager:
            abort(403)
        forms.EmptyForm().validate_on_submit() or abort(400)
        response_id = request.form.get("response_id", "")
        try:
            services.publish_text(found, response_id, question.id, publish=request.form.get("publish") == "y")
        except ValueError:
            abort(404)
        db.session.commit()
        return redirect(
            url_for(
                "surveys.written_answers",
                survey_id=survey_id,
                question_id=question_id,
                page=page if page > 1 else None,
                show=show if show != "all" else None,
            )
            + "#answers"
        )
    listed = services.written_answers(found, question, public=public, show=show, page=page)
    if page > listed.pages:
        return redirect(url_for_page(listed.pages))
    return render_template(
        "surveys/written_answers.html",
        survey=found,
        question=question,
        listed=listed,
        show=show,
        public=public,
        is_manager=manager,
        form=forms.EmptyForm(),
    )


def url_for_page(page: int) -> str:
    """The current list at another page (its filter and view kept)."""
    args = {k: v for k, v in request.args.items() if k != "page"}
    if page > 1:
        args["page"] = page
    return url_for(request.endpoint, **(request.view_args or {}), **args)


@ui.get("/<uuid:survey_id>/files/<uuid:file_id>")
@require_permission(MANAGE)
def download(survey_id: uuid.UUID, file_id: uuid.UUID):
    """A file sent as an answer, for staff only: always a download (never shown inline), of the
    type its content was found to be."""
    found = services.get_file(services.get_survey(survey_id, include_unpublished=True), file_id)
    return services.file_download(found)


@ui.get("/<uuid:survey_id>/results.csv")
@require_permission(MANAGE)
def export(survey_id: uuid.UUID):
    found = services.get_survey(survey_id, include_unpublished=True)

    tenant_id = active_tenant_id()
    header = services.csv_header(found)

    def lines():
        # streamed after the view has returned, when the request has left the municipality and
        # closed its session: enter it again, read afresh, and close what was opened
        try:
            with tenant_context(tenant_id):
                yield from services.csv_rows(services.get_survey(survey_id, include_unpublished=True), header)
        finally:
            db.session.remove()

    return HttpResponse(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="survey-{found.id}.csv"'},
    )


@ui.route("/<uuid:survey_id>/invitations", methods=["GET", "POST"])
@require_permission(MANAGE)
def invitations(survey_id: uuid.UUID):
    found = services.get_survey(survey_id, include_unpublished=True)
    form = forms.InvitationForm()
    status = 200
    if found.audience != Audience.INVITED:
        form.form_errors.append(gettext("Only a survey for invited people sends invitations."))
    if form.validate_on_submit():
        try:
            sent = services.invite(found, services.parse_addresses(form.addresses.data))
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("Invitations sent: %(num)d.", num=sent), "success")
            return redirect(url_for("surveys.invitations", survey_id=survey_id))
    elif request.method == "POST":
        status = 422
    return render_template(
        "surveys/invitations.html", survey=found, form=form, invitations=services.invitations_of(found)
    ), status
