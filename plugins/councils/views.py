"""The pages, at ``/councils/`` (404 in a municipality that has not enabled the plugin).

Thin: read the form, call a service, commit, render. A broken rule on a form comes back as the
same form with what was typed and the message, and a 4xx.
"""

import csv
import functools
import io
import json
import uuid

import icalendar
from flask import jsonify, send_file

from core.toolkit import (
    Blueprint,
    Organisation,
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
    resolve_references,
    to_local,
    to_utc,
    url_for,
    utcnow_aware,
)
from plugins.councils import access, documents, forms, labels, services
from plugins.councils.access import MANAGE, NOMINATE
from plugins.councils.models import Category, NominationStatus, Position

ui = Blueprint("councils", __name__, template_folder="templates")

#: the council page lists the latest meetings and opinions; the register and the API page the rest
LATEST = 20
PAGE = 50


def _show_error(form, exc: RuleViolation) -> int:
    db.session.rollback()
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)
    return exc.status


def _render(template, status=200, **context):
    return render_template(template, labels=labels, **context), status


def _org_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(
        db.session.execute(
            db.select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
        ).all()
    )


# --- public pages -------------------------------------------------------------------------------


@ui.get("/")
def index():
    councils = services.list_councils()
    calls = [c for c in services.list_calls() if services.call_phase(c) in ("open", "upcoming", "voting")]
    by_id = {c.id: c for c in councils}
    return _render(
        "councils/index.html",
        councils=councils,
        calls=calls,
        by_id=by_id,
        overdue=services.list_opinions(overdue_only=True),
        is_manager=access.manager(),
        admins_organisation=current_account() is not None
        and bool(services.organisations_of_admin(current_account())),
    )


@ui.get("/<uuid:council_id>")
def council(council_id: uuid.UUID):
    return _council_page(services.get_council(council_id))


def _council_page(found, status=200, doc_form=None):
    form = forms.CompositionForm(request.args)
    on = None
    if request.args and not form.validate():
        status = 422
    elif form.on.data:
        on = form.on.data
    members = services.composition(found, on)
    return _render(
        "councils/council.html",
        status,
        council=found,
        form=form,
        remit=services.render_markdown(found.remit),
        seats=services.seat_plan(found),
        members=members,
        history=services.member_history(found),
        orgs=_org_names([m.organisation_id for m in services.member_history(found)]),
        calls=services.list_calls(found, include_drafts=access.manager()),
        meetings=services.meetings_of(found, limit=LATEST),
        meeting_count=services.count_meetings(found),
        opinions=services.list_opinions(found, limit=LATEST),
        opinion_count=services.count_opinions(found),
        quorum=services.quorum_needed(found),
        is_manager=access.manager(),
        empty=forms.EmptyForm(),
        this_year=services.local_today().year,
        runs_meetings=access.runs_meetings(found.id),
        is_overdue=functools.partial(services.is_overdue, today=services.local_today()),
        phase=services.call_phase,
        founding_documents=documents.documents_of(found, founding=True),
        doc_form=doc_form or forms.DocumentForm(),
    )


@ui.get("/my-nominations")
def my_nominations():
    """An NGO admin's nominations, for every organisation they administer, with their status."""
    account = current_account()
    if account is None:
        abort(401)
    return _render("councils/my_nominations.html", rows=services.my_nominations(account))


@ui.get("/calls/<uuid:call_id>")
def call(call_id: uuid.UUID):
    return _call_page(services.get_call(call_id, include_drafts=access.manager()))


def _objection_form(account, *, blank: bool = False):
    """The objection form, bound to the request's form (or ``blank`` on a page shown after
    another form's error)."""
    form = forms.ObjectionForm(formdata=None) if blank else forms.ObjectionForm()
    form.organisation_id.choices = [("", gettext("Myself"))] + [
        (str(o.id), o.name) for o in (services.organisations_i_admin(account) if account else [])
    ]
    return form


def _call_page(
    found, status=200, ballot_error=None, ballot_ranks=None, objection_form=None, answer_forms=None
):
    council = services.get_council(found.council_id)
    ranked = found.method == "election" and found.voting_method == "ranked"
    objections = services.objections(found)
    noms = services.nominations(found)
    phase = services.call_phase(found)
    cast = services.ballots(found) if phase not in ("open", "voting", "upcoming", "draft") else []
    account = current_account()
    voter_orgs = services.organisations_i_admin(account) if phase == "voting" else []
    return _render(
        "councils/call.html",
        status,
        ranked=ranked,
        rounds=services.ranked_count(found, cast)[1] if ranked and cast else [],
        ballot_error=ballot_error,
        ballot_ranks=ballot_ranks or {},
        objections=objections,
        signed_in=account is not None,
        objection_form=objection_form or _objection_form(account, blank=True),
        answer_forms=answer_forms or {},
        answer_form=forms.ObjectionAnswerForm(formdata=None),
        call=found,
        council=council,
        phase=phase,
        criteria=services.render_markdown(found.criteria),
        nominations=noms,
        orgs=_org_names(
            [n.organisation_id for n in noms]
            + [b.organisation_id for b in cast]
            + [o.organisation_id for o in objections]
        ),
        ballots=cast,
        standings=services.count(found, cast) if cast or found.method == "appointment" else [],
        objection_deadline=services.objection_deadline(found) if found.decided_at else None,
        can_nominate=phase == "open" and has_permission(NOMINATE) and account is not None,
        can_vote=phase == "voting" and bool(voter_orgs),
        voter_orgs=voter_orgs,
        is_manager=access.manager(),
        screen_form=forms.ScreenForm(),
        decide_form=forms.DecideForm(),
        empty=forms.EmptyForm(),
        NominationStatus=NominationStatus,
        now=utcnow_aware(),
    )


@ui.route("/calls/<uuid:call_id>/nominate", methods=["GET", "POST"])
@require_permission(NOMINATE)
def nominate(call_id: uuid.UUID):
    found = services.get_call(call_id)
    account = current_account()
    form = forms.NominationForm()
    choices = [
        (str(o.id), gettext("On behalf of %(name)s", name=o.name))
        for o in services.organisations_i_admin(account)
    ]
    if found.self_nomination:
        choices.append(("", gettext("Myself")))
    form.organisation_id.choices = choices
    status = 200
    if not choices:
        form.form_errors.append(
            gettext("Only an admin of an organisation affiliated with the municipality can act for it.")
        )
        status = 403
    elif form.validate_on_submit():
        try:
            services.nominate(
                found,
                account,
                organisation_id=int(form.organisation_id.data) if form.organisation_id.data else None,
                candidate_name=form.candidate_name.data or "",
                statement=form.statement.data or "",
                declaration={
                    "roles": form.roles.data,
                    "related_entities": form.related_entities.data,
                    "municipal_funding": form.municipal_funding.data,
                },
            )
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(
                gettext(
                    "The nomination is submitted. The municipality will screen it after the call closes."
                ),
                "success",
            )
            return redirect(url_for("councils.call", call_id=call_id))
    elif request.method == "POST":
        status = 422
    return _render("councils/nominate.html", status, form=form, call=found)


@ui.post("/nominations/<uuid:nomination_id>/screen")
@require_permission(MANAGE)
def screen(nomination_id: uuid.UUID):
    nomination = services.get_nomination(nomination_id)
    form = forms.ScreenForm()
    if not form.validate_on_submit():
        flash(gettext("Give the reason for the decision: it is published."), "error")
        return redirect(url_for("councils.call", call_id=nomination.call_id)), 303
    services.screen(
        nomination, admit=form.decision.data == "admit", reason=form.reason.data, staff=current_account()
    )
    call_id = nomination.call_id
    db.session.commit()
    flash(gettext("The screening is recorded."), "success")
    return redirect(url_for("councils.call", call_id=call_id))


@ui.post("/calls/<uuid:call_id>/ballot")
@require_permission(NOMINATE)
def ballot(call_id: uuid.UUID):
    """An organisation's approval ballot, cast by one of its admins."""
    found = services.get_call(call_id)
    forms.EmptyForm().validate_on_submit() or abort(400)
    try:
        organisation_id = int(request.form.get("organisation_id", ""))
    except ValueError:
        abort(400)
    ranks = {
        key[5:]: value for key, value in request.form.items() if key.startswith("rank-") and value.strip()
    }
    try:
        if found.voting_method == "ranked":
            chosen = _ranked_choice(ranks)
        else:
            chosen = [uuid.UUID(v) for v in request.form.getlist("nomination_ids") if _is_uuid(v)]
        services.cast_ballot(found, current_account(), organisation_id=organisation_id, nomination_ids=chosen)
    except RuleViolation as exc:
        db.session.rollback()
        if exc.status in (401, 403, 404):
            raise
        return _call_page(found, exc.status, ballot_error=exc.message, ballot_ranks=ranks)
    db.session.commit()
    flash(gettext("The ballot is cast."), "success")
    return redirect(url_for("councils.call", call_id=call_id))


@ui.post("/calls/<uuid:call_id>/decide")
@require_permission(MANAGE)
def decide(call_id: uuid.UUID):
    found = services.get_call(call_id, include_drafts=True)
    form = forms.DecideForm()
    form.validate_on_submit() or abort(400)
    selected = [uuid.UUID(v) for v in request.form.getlist("selected") if _is_uuid(v)]
    services.decide(found, reasoning=form.reasoning.data, staff=current_account(), selected=selected)
    db.session.commit()
    flash(gettext("The result is published."), "success")
    return redirect(url_for("councils.call", call_id=call_id))


@ui.post("/calls/<uuid:call_id>/objections")
def objection(call_id: uuid.UUID):
    """An objection to the result, while the objection period runs (signed in)."""
    found = services.get_call(call_id)
    account = current_account()
    if account is None:
        abort(401)
    form = _objection_form(account)
    if not form.validate_on_submit():
        return _call_page(found, 422, objection_form=form)
    try:
        services.lodge_objection(
            found,
            account,
            reasons=form.reasons.data,
            organisation_id=int(form.organisation_id.data) if form.organisation_id.data else None,
        )
    except RuleViolation as exc:
        return _call_page(found, _show_error(form, exc), objection_form=form)
    db.session.commit()
    flash(gettext("The objection is lodged: the municipality's answer will be published here."), "success")
    return redirect(url_for("councils.call", call_id=call_id) + "#objections-h")


@ui.post("/objections/<uuid:objection_id>/answer")
@require_permission(MANAGE)
def objection_answer(objection_id: uuid.UUID):
    row = services.get_objection(objection_id)
    found = services.get_call(row.call_id, include_drafts=True)
    form = forms.ObjectionAnswerForm()
    if not form.validate_on_submit():
        return _call_page(found, 422, answer_forms={row.id: form})
    try:
        services.answer_objection(
            row, outcome=form.outcome.data, reason=form.answer.data, staff=current_account()
        )
    except RuleViolation as exc:
        return _call_page(found, _show_error(form, exc), answer_forms={row.id: form})
    db.session.commit()
    flash(gettext("The answer is published."), "success")
    return redirect(url_for("councils.call", call_id=found.id) + "#objections-h")


def _ranked_choice(ranks: dict[str, str]) -> list[uuid.UUID]:
    """``rank-<nomination>`` = 1, 2, ... → the nominations in order of preference: each number
    once, and no gaps (a 3 without a 2 is a slip, not a preference)."""
    if not all(_is_uuid(k) and v.isdigit() for k, v in ranks.items()):
        raise RuleViolation(gettext("Rank at least one candidate, each with a different number."), status=422)
    numbers = sorted(int(v) for v in ranks.values())
    if not numbers or numbers != list(range(1, len(numbers) + 1)):
        raise RuleViolation(
            gettext("Number your preferences 1, 2, 3 and so on, each number once, without gaps."), status=422
        )
    return [uuid.UUID(k) for k, _v in sorted(ranks.items(), key=lambda kv: int(kv[1]))]


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@ui.post("/calls/<uuid:call_id>/seat")
@require_permission(MANAGE)
def seat(call_id: uuid.UUID):
    forms.EmptyForm().validate_on_submit() or abort(400)
    found = services.get_call(call_id, include_drafts=True)
    council_id = found.council_id
    seated = services.seat_selected(found)
    db.session.commit()
    flash(gettext("%(n)d members are seated.", n=len(seated)), "success")
    return redirect(url_for("councils.council", council_id=council_id))


@ui.get("/meetings/<uuid:meeting_id>")
def meeting(meeting_id: uuid.UUID):
    return _meeting_page(services.get_meeting(meeting_id))


def _meeting_page(found, status=200, doc_form=None):
    council = services.get_council(found.council_id)
    items = services.agenda(found)
    votes = services.votes_of([i.id for i in items])
    members = services.meeting_members(found)
    account = current_account()
    me = next((m for m in members if account is not None and m.account_id == account.id), None)
    refs = {i.id: services.item_reference(i) for i in items}
    return _render(
        "councils/meeting.html",
        status,
        refs=refs,
        sees_place=access.sees_place(council),
        resolved=resolve_references([r for r in refs.values() if r]),
        meeting=found,
        council=council,
        items=items,
        votes=votes,
        conflicts={i.id: {c.member_id for c in services.conflicts(i)} for i in items},
        members=members,
        names={m.id: m.name for m in members},
        present=services.present_ids(found),
        quorum=services.quorum(found),
        minutes=services.render_markdown(found.minutes) if found.minutes_published_at else None,
        runs=access.runs_meetings(council.id),
        me=me,
        empty=forms.EmptyForm(),
        minutes_form=forms.MinutesForm(minutes=found.minutes),
        documents=documents.documents_of(council, meeting=found),
        doc_form=doc_form or forms.DocumentForm(),
    )


def _upload(form, council, meeting=None):
    """Read the upload (no more than the limit) and store it; a refused file comes back as the
    page with the message under the field."""
    upload = form.file.data
    data = upload.read(documents.upload_limit() + 1) if upload else b""
    try:
        documents.add_document(
            council,
            upload.filename if upload else "",
            data,
            by=current_account(),
            meeting=meeting,
            title=form.title.data or "",
        )
    except RuleViolation as exc:
        return _show_error(form, exc)
    db.session.commit()
    flash(gettext("The file is uploaded."), "success")
    return None


@ui.post("/<uuid:council_id>/founding-decision")
@require_permission(MANAGE)
def founding_upload(council_id: uuid.UUID):
    found = services.get_council(council_id)
    form = forms.DocumentForm()
    form.validate_on_submit() or abort(400)
    status = _upload(form, found)
    if status:
        return _council_page(found, status, doc_form=form)
    return redirect(url_for("councils.council", council_id=council_id))


@ui.post("/meetings/<uuid:meeting_id>/documents")
def meeting_upload(meeting_id: uuid.UUID):
    found = services.get_meeting(meeting_id)
    access.require_secretary(found.council_id)
    form = forms.DocumentForm()
    form.validate_on_submit() or abort(400)
    status = _upload(form, services.get_council(found.council_id), found)
    if status:
        return _meeting_page(found, status, doc_form=form)
    return redirect(url_for("councils.meeting", meeting_id=meeting_id))


@ui.get("/documents/<uuid:document_id>")
def document(document_id: uuid.UUID):
    """The file as uploaded, with its sniffed type; always a download (``nosniff``)."""
    found = documents.get_document(document_id)
    response = send_file(
        io.BytesIO(documents.content_of(found)),
        mimetype=found.content_type,
        as_attachment=True,
        download_name=found.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@ui.post("/documents/<uuid:document_id>/delete")
def document_delete(document_id: uuid.UUID):
    found = documents.get_document(document_id)
    forms.EmptyForm().validate_on_submit() or abort(400)
    access.require_document_editor(found)
    documents.delete_document(found, by=current_account())
    db.session.commit()
    flash(gettext("The file is withdrawn."), "success")
    if found.meeting_id:
        return redirect(url_for("councils.meeting", meeting_id=found.meeting_id))
    return redirect(url_for("councils.council", council_id=found.council_id))


@ui.post("/meetings/<uuid:meeting_id>/attendance")
def attendance(meeting_id: uuid.UUID):
    found = services.get_meeting(meeting_id)
    access.require_secretary(found.council_id)
    forms.EmptyForm().validate_on_submit() or abort(400)
    present = {uuid.UUID(v) for v in request.form.getlist("present") if _is_uuid(v)}
    services.record_attendance(found, present, by=current_account())
    db.session.commit()
    if _wants_json():  # the page's script saves each tick as it happens
        return _live(found)
    flash(gettext("Attendance is saved."), "success")
    return redirect(url_for("councils.meeting", meeting_id=meeting_id))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _live(found):
    response = jsonify(services.live_state(found))
    response.headers["Cache-Control"] = "no-store"
    return response


@ui.get("/meetings/<uuid:meeting_id>/live")
def meeting_live(meeting_id: uuid.UUID):
    """Present members against the quorum, polled by the meeting page (``live.js``)."""
    return _live(services.get_meeting(meeting_id))


@ui.post("/items/<uuid:item_id>/votes")
def vote(item_id: uuid.UUID):
    """The secretary enters the roll call (``choice-<member>`` per member), or a present member
    casts their own (``choice``)."""
    item, found = services.get_item(item_id)
    forms.EmptyForm().validate_on_submit() or abort(400)
    account = current_account()
    if account is None:
        abort(401)
    if request.form.get("choice"):
        me = services.my_member(found.council_id, account, services.local_today(found.starts_at))
        if me is None:
            abort(403)
        services.cast_vote(item, me, request.form["choice"], by=account)
    else:
        access.require_secretary(found.council_id)
        for member in services.meeting_members(found):
            choice = request.form.get(f"choice-{member.id}")
            if choice:
                services.cast_vote(item, member, choice, by=account)
    db.session.commit()
    flash(gettext("The vote is recorded."), "success")
    return redirect(url_for("councils.meeting", meeting_id=found.id) + f"#item-{item_id}")


@ui.post("/items/<uuid:item_id>/conflict")
def conflict(item_id: uuid.UUID):
    item, found = services.get_item(item_id)
    forms.EmptyForm().validate_on_submit() or abort(400)
    me = services.my_member(found.council_id, current_account(), services.local_today(found.starts_at))
    if me is None:
        abort(403)
    services.declare_conflict(item, me, reason=request.form.get("reason", "")[:2000])
    db.session.commit()
    flash(gettext("Your conflict of interest is recorded: you will not vote on this item."), "success")
    return redirect(url_for("councils.meeting", meeting_id=found.id))


@ui.post("/meetings/<uuid:meeting_id>/minutes")
def minutes(meeting_id: uuid.UUID):
    found = services.get_meeting(meeting_id)
    access.require_secretary(found.council_id)
    form = forms.MinutesForm()
    form.validate_on_submit() or abort(400)
    services.publish_minutes(found, form.minutes.data)
    db.session.commit()
    flash(gettext("The minutes are published."), "success")
    return redirect(url_for("councils.meeting", meeting_id=meeting_id))


@ui.post("/meetings/<uuid:meeting_id>/invitations")
def invitations(meeting_id: uuid.UUID):
    found = services.get_meeting(meeting_id)
    access.require_secretary(found.council_id)
    forms.EmptyForm().validate_on_submit() or abort(400)
    sent = services.send_invitations(found)
    db.session.commit()
    flash(gettext("%(n)d invitations are sent.", n=sent), "success")
    return redirect(url_for("councils.meeting", meeting_id=meeting_id))


@ui.get("/meetings/<uuid:meeting_id>/meeting.ics")
def meeting_ics(meeting_id: uuid.UUID):
    found = services.get_meeting(meeting_id)
    council = services.get_council(found.council_id)
    body = services.invitation_ics(found, council, with_place=access.sees_place(council))
    return body, 200, {"Content-Type": "text/calendar; charset=utf-8"}


def _calendar(councils) -> tuple:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Sympraxis//councils//EN")
    cal.add("version", "2.0")
    for c in councils:
        for m in services.meetings_of(c, limit=500):
            event = icalendar.Event()
            event.add("uid", f"{m.id}@councils.sympraxis")
            event.add("summary", f"{c.name}: {m.title}")
            event.add("dtstart", m.starts_at)
            event.add("dtstamp", m.starts_at)
            if m.place and c.public_sessions:
                event.add("location", m.place)
            cal.add_component(event)
    return cal.to_ical(), 200, {"Content-Type": "text/calendar; charset=utf-8"}


@ui.get("/calendar.ics")
def calendar():
    """Every council's meetings (the latest 500 of each), for a calendar application."""
    return _calendar(services.list_councils())


@ui.get("/<uuid:council_id>/calendar.ics")
def council_calendar(council_id: uuid.UUID):
    """One council's meetings."""
    return _calendar([services.get_council(council_id)])


@ui.get("/opinions")
def opinions():
    """The register of every council's opinions, 50 a page, latest first."""
    overdue_only = request.args.get("overdue") == "1"
    council_id = request.args.get("council")
    council = services.get_council(uuid.UUID(council_id)) if council_id and _is_uuid(council_id) else None
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    today = services.local_today()
    total = services.count_opinions(council, overdue_only=overdue_only, today=today)
    found = services.list_opinions(
        council, overdue_only=overdue_only, today=today, limit=PAGE, offset=(page - 1) * PAGE
    )
    councils = {c.id: c for c in services.list_councils()}
    return _render(
        "councils/opinions.html",
        opinions=found,
        councils=councils,
        council=council,
        overdue_only=overdue_only,
        page=page,
        pages=max(1, -(-total // PAGE)),
        total=total,
        is_overdue=functools.partial(services.is_overdue, today=today),
    )


@ui.route("/opinions/<uuid:opinion_id>", methods=["GET", "POST"])
def opinion(opinion_id: uuid.UUID):
    found = services.get_opinion(opinion_id)
    form = forms.AnswerForm()
    status = 200
    if request.method == "POST":
        if not access.manager():
            abort(403)
        if form.validate_on_submit():
            try:
                services.answer_opinion(
                    found, answer=form.answer.data, reasoning=form.reasoning.data, by=current_account()
                )
                db.session.commit()
            except RuleViolation as exc:
                status = _show_error(form, exc)
            else:
                flash(gettext("The answer is published."), "success")
                return redirect(url_for("councils.opinion", opinion_id=opinion_id))
        else:
            status = 422
    return _opinion_page(found, status, form=form)


def _opinion_page(found, status=200, form=None, dissent_form=None):
    form = form or forms.AnswerForm(formdata=None)
    return _render(
        "councils/opinion.html",
        status,
        opinion=found,
        council=services.get_council(found.council_id),
        text=services.render_markdown(found.text),
        dissent=services.render_markdown(found.dissent),
        overdue=services.is_overdue(found),
        form=form,
        is_manager=access.manager(),
        dissents=services.dissents(found),
        can_dissent=services.dissenter(found, current_account()) is not None,
        dissent_form=dissent_form or forms.DissentForm(formdata=None),
    )


@ui.post("/opinions/<uuid:opinion_id>/dissents")
def dissent(opinion_id: uuid.UUID):
    """A member who voted against adds their own dissenting opinion."""
    found = services.get_opinion(opinion_id)
    if current_account() is None:
        abort(401)
    form = forms.DissentForm()
    if not form.validate_on_submit():
        return _opinion_page(found, 422, dissent_form=form)
    try:
        services.add_dissent(found, current_account(), form.text.data)
    except RuleViolation as exc:
        if exc.status in (401, 403):
            raise
        return _opinion_page(found, _show_error(form, exc), dissent_form=form)
    db.session.commit()
    flash(gettext("Your dissenting opinion is published."), "success")
    return redirect(url_for("councils.opinion", opinion_id=opinion_id) + "#dissents-h")


@ui.get("/<uuid:council_id>/report/<int:year>")
def report(council_id: uuid.UUID, year: int):
    """The annual activity report: printable page, ``?format=csv`` or ``?format=json``."""
    if not 2000 <= year <= 2099:
        abort(404)
    found = services.get_council(council_id)
    data = services.annual_report(found, year)
    fmt = request.args.get("format")
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False), 200, {"Content-Type": "application/json"}
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["member", "position", "meetings_present", "meetings_held"])
        for row in data["attendance"]:
            writer.writerow([row["member"], row["position"], row["present"], data["meetings"]])
        return (
            out.getvalue(),
            200,
            {
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="council-{year}.csv"',
            },
        )
    return _render("councils/report.html", council=found, data=data)


# --- the staff console --------------------------------------------------------------------------


@ui.route("/new", methods=["GET", "POST"])
@require_permission(MANAGE)
def council_new():
    return _council_form(None)


@ui.route("/<uuid:council_id>/edit", methods=["GET", "POST"])
@require_permission(MANAGE)
def council_edit(council_id: uuid.UUID):
    return _council_form(services.get_council(council_id))


def _council_form(existing):
    form = forms.CouncilForm(obj=existing)
    if request.method == "GET" and existing is not None:
        for seat_row in services.seat_plan(existing):
            getattr(form, f"seats_{seat_row.category}").data = seat_row.seats
            getattr(form, f"alternates_{seat_row.category}").data = seat_row.alternates
    status = 200
    if form.validate_on_submit():
        seats = {
            c: (getattr(form, f"seats_{c}").data or 0, getattr(form, f"alternates_{c}").data or 0)
            for c in Category.ALL
            if getattr(form, f"seats_{c}").data or getattr(form, f"alternates_{c}").data
        }
        try:
            saved = services.save_council(
                existing,
                name=form.name.data,
                kind=form.kind.data,
                remit=form.remit.data or "",
                founding_decision=form.founding_decision.data or "",
                term_months=form.term_months.data,
                max_consecutive_terms=form.max_consecutive_terms.data,
                quorum_rule=form.quorum_rule.data,
                quorum_number=form.quorum_number.data,
                public_sessions=form.public_sessions.data,
                seats=seats,
            )
            saved_id = saved.id
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The council is saved."), "success")
            return redirect(url_for("councils.council", council_id=saved_id))
    elif request.method == "POST":
        status = 422
    return _render(
        "councils/council_form.html", status, form=form, council=existing, categories=labels.CATEGORIES
    )


@ui.route("/<uuid:council_id>/members/new", methods=["GET", "POST"])
@require_permission(MANAGE)
def member_new(council_id: uuid.UUID):
    found = services.get_council(council_id)
    form = forms.MemberForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.add_member(
                found,
                name=form.name.data,
                category=form.category.data,
                position=form.position.data,
                term_start=form.term_start.data,
                term_end=form.term_end.data,
            )
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The member is seated."), "success")
            return redirect(url_for("councils.council", council_id=council_id))
    elif request.method == "POST":
        status = 422
    return _render("councils/member_form.html", status, form=form, council=found)


@ui.post("/members/<uuid:member_id>/end")
@require_permission(MANAGE)
def member_end(member_id: uuid.UUID):
    """End a term today: resigned, replaced or over."""
    forms.EmptyForm().validate_on_submit() or abort(400)
    member = services.get_member(member_id)
    council_id = member.council_id
    services.end_member(member, on=services.local_today(), reason=request.form.get("reason", ""))
    db.session.commit()
    flash(gettext("The term is ended."), "success")
    return redirect(url_for("councils.council", council_id=council_id))


@ui.post("/members/<uuid:member_id>/promote")
@require_permission(MANAGE)
def member_promote(member_id: uuid.UUID):
    """An alternate takes a vacant seat from today."""
    forms.EmptyForm().validate_on_submit() or abort(400)
    member = services.get_member(member_id)
    council_id = member.council_id
    services.promote_alternate(member, on=services.local_today())
    db.session.commit()
    flash(gettext("The alternate now holds a seat."), "success")
    return redirect(url_for("councils.council", council_id=council_id))


@ui.route("/<uuid:council_id>/calls/new", methods=["GET", "POST"])
@require_permission(MANAGE)
def call_new(council_id: uuid.UUID):
    found = services.get_council(council_id)
    form = forms.CallForm()
    status = 200
    if form.validate_on_submit():
        try:
            saved = services.save_call(
                None,
                found,
                title=form.title.data,
                category=form.category.data,
                seats=form.seats.data,
                criteria=form.criteria.data or "",
                documents=form.documents.data or "",
                opens_at=to_utc(form.opens_at.data),
                closes_at=to_utc(form.closes_at.data),
                method=form.method.data,
                voting_closes_at=to_utc(form.voting_closes_at.data) if form.voting_closes_at.data else None,
                voting_method=form.voting_method.data,
                self_nomination=form.self_nomination.data,
                objection_days=form.objection_days.data,
                status="published" if form.publish.data else "draft",
            )
            saved_id = saved.id
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The call is saved."), "success")
            return redirect(url_for("councils.call", call_id=saved_id))
    elif request.method == "POST":
        status = 422
    return _render("councils/call_form.html", status, form=form, council=found)


@ui.route("/<uuid:council_id>/meetings/new", methods=["GET", "POST"])
def meeting_new(council_id: uuid.UUID):
    found = services.get_council(council_id)
    access.require_secretary(found.id)
    form = forms.MeetingForm()
    status = 200
    if form.validate_on_submit():
        try:
            saved = services.save_meeting(
                found,
                None,
                title=form.title.data,
                starts_at=to_utc(form.starts_at.data),
                place=form.place.data or "",
                items=(form.agenda.data or "").splitlines(),
            )
            saved_id = saved.id
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The meeting is scheduled."), "success")
            return redirect(url_for("councils.meeting", meeting_id=saved_id))
    elif request.method == "POST":
        status = 422
    return _render("councils/meeting_form.html", status, form=form, council=found)


@ui.route("/<uuid:council_id>/opinions/new", methods=["GET", "POST"])
def opinion_new(council_id: uuid.UUID):
    found = services.get_council(council_id)
    access.require_secretary(found.id)
    form = forms.OpinionForm()
    items = [(m, i) for m in services.meetings_of(found, limit=10) for i in services.agenda(m)]
    form.item_id.choices = [("", gettext("None"))] + [
        (str(i.id), f"{to_local(m.starts_at).date().isoformat()} · {i.title}") for m, i in items
    ]
    status = 200
    if form.validate_on_submit():
        try:
            saved = services.issue_opinion(
                found,
                title=form.title.data,
                text=form.text.data,
                dissent=form.dissent.data or "",
                addressed_to=form.addressed_to.data,
                item_id=uuid.UUID(form.item_id.data) if form.item_id.data else None,
            )
            saved_id = saved.id
            db.session.commit()
        except RuleViolation as exc:
            status = _show_error(form, exc)
        else:
            flash(gettext("The opinion is issued and published."), "success")
            return redirect(url_for("councils.opinion", opinion_id=saved_id))
    elif request.method == "POST":
        status = 422
    return _render("councils/opinion_form.html", status, form=form, council=found)


__all__ = ["ui", "Position"]
