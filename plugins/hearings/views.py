"""HTML pages of the hearings plugin, under ``/hearings/``. Thin: parse, call services, render."""

from __future__ import annotations

import hashlib
import uuid
from functools import wraps

from flask import Response, current_app, make_response

from core.toolkit import (
    Blueprint,
    abort,
    abort_with,
    current_account,
    db,
    flash,
    has_permission,
    limiter,
    redirect,
    redirect_back,
    render_template,
    request,
    require_permission,
    safe_redirect_target,
    url_for,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings import forms, services
from plugins.hearings.models import RegistrationStatus, SpeakerStatus, Status
from plugins.hearings.services import HearingsError, to_local, to_utc

bp = Blueprint("hearings", __name__, template_folder="templates", static_folder="static")

MAX_IMPORT_BYTES = 2 * 1024 * 1024


def handled(view):
    """Turn a rule violation into an error page (GET, 4xx) or a message and a way back (POST)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except HearingsError as exc:
            db.session.rollback()
            if request.method == "GET" or exc.status in (401, 403, 404):
                abort_with(exc.status, exc.message)
            flash(exc.message, "error")
            return redirect_back(_back(kwargs))

    return wrapper


def _back(kwargs) -> str:
    if "cid" in kwargs:
        return url_for("hearings.consultation", cid=kwargs["cid"])
    if "mid" in kwargs:
        return url_for("hearings.meeting", mid=kwargs["mid"])
    if "pid" in kwargs:
        return url_for("hearings.programme", pid=kwargs["pid"])
    if "token" in kwargs:
        return url_for("hearings.registration", token=kwargs["token"])
    return url_for("hearings.index")


def _is_staff() -> bool:
    return has_permission("hearings.manage")


def _is_moderator() -> bool:
    return has_permission("hearings.moderate")


def _consultation(cid: uuid.UUID):
    c = services.get_consultation(cid)
    if c.status == Status.DRAFT and not _is_staff():
        raise HearingsError(_("This consultation does not exist."), 404)
    return c


def _local_input(value):
    local = to_local(value)
    return local.replace(tzinfo=None) if local else None


# --- consultations -------------------------------------------------------------------------------


@bp.get("/")
def index():
    consultations = services.list_consultations(include_drafts=_is_staff())
    counts = services.comment_counts([c.id for c in consultations])
    meetings = services.list_meetings(upcoming_only=True)
    return render_template(
        "hearings/index.html",
        consultations=consultations,
        counts=counts,
        meetings=meetings,
        programmes=services.list_programmes(),
        is_staff=_is_staff(),
        is_moderator=_is_moderator(),
        following=services.is_following(current_account()),
        followable_organisations=services.followable_organisations(current_account()),
        can_follow=has_permission("hearings.participate") and current_account() is not None,
    )


def _consultation_form_submit(form, c):
    draft = form.draft.data or ""
    upload = form.draft_file.data
    if upload and getattr(upload, "filename", ""):
        raw = upload.read(MAX_IMPORT_BYTES + 1)
        if len(raw) > MAX_IMPORT_BYTES:
            raise HearingsError(_("The file is larger than 2 MB."), 413, "draft_file")
        if not upload.filename.lower().endswith((".md", ".markdown", ".txt")):
            raise HearingsError(_("Import a Markdown (.md) or text (.txt) file."), 415, "draft_file")
        try:
            draft = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise HearingsError(_("The file is not UTF-8 text."), 415, "draft_file") from None
        form.draft.data = draft
    preamble, articles = services.parse_draft(draft)
    if form.preview.data or (upload and getattr(upload, "filename", "")):
        return None, preamble, articles
    saved = services.save_consultation(
        c,
        account=current_account(),
        title=form.title.data,
        summary=form.summary.data or preamble,
        tags=form.tags.data or "",
        opens_at=to_utc(form.opens_at.data),
        closes_at=to_utc(form.closes_at.data),
        articles=articles,
    )
    return saved, preamble, articles


@bp.route("/consultations/new", methods=["GET", "POST"])
@require_permission("hearings.manage")
def consultation_new():
    return _consultation_edit(None)


@bp.route("/consultations/<uuid:cid>/edit", methods=["GET", "POST"])
@require_permission("hearings.manage")
@handled
def consultation_edit(cid):
    return _consultation_edit(services.get_consultation(cid))


def _consultation_edit(c):
    form = forms.ConsultationForm()
    if request.method == "GET" and c is not None:
        form.title.data, form.summary.data, form.tags.data = c.title, c.summary, c.tags
        form.opens_at.data, form.closes_at.data = _local_input(c.opens_at), _local_input(c.closes_at)
        form.draft.data = services.draft_text(services.articles_of(c))
    preview = None
    status = 200
    if form.validate_on_submit():
        try:
            saved, preamble, articles = _consultation_form_submit(form, c)
            if saved is None:
                preview = {"preamble": services.render_markdown(preamble), "articles": articles}
            else:
                db.session.commit()
                flash(_("The consultation is saved."), "success")
                return redirect(url_for("hearings.consultation", cid=saved.id))
        except HearingsError as exc:
            db.session.rollback()
            field = getattr(form, exc.field_name, None) if exc.field_name else None
            if field is not None:
                field.errors = [*field.errors, exc.message]
            else:
                flash(exc.message, "error")
            status = 422
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "hearings/consultation_form.html",
            form=form,
            consultation=c,
            preview=preview,
            render=services.render_markdown,
        ),
        status,
    )


@bp.get("/consultations/<uuid:cid>")
@handled
def consultation(cid):
    c = _consultation(cid)
    account = current_account()
    articles = services.articles_of(c)
    comments = services.comments_for(c)
    threads = services.comment_threads(comments, account, _is_moderator(), services.current_article_map(c))
    form = forms.CommentForm()
    orgs = services.acting_organisations(account) if account else []
    form.organisation_id.choices = [("", _("Myself"))] + [(str(o.id), o.name) for o in orgs]
    return render_template(
        "hearings/consultation.html",
        c=c,
        articles=articles,
        threads=threads,
        form=form,
        can_comment=services.is_open_for_comments(c) and has_permission("hearings.participate"),
        window_message=services.window_message(c),
        render=services.render_markdown,
        can_edit=lambda cm: services.can_edit(cm, account),
        account=account,
        is_staff=_is_staff(),
        is_moderator=_is_moderator(),
        history=services.status_history(c) if _is_staff() else [],
        total=sum(1 for cm in comments if cm.visible_to_public),
        attachments=services.attachments_of(consultation_id=c.id),
    )


@bp.post("/consultations/<uuid:cid>/status")
@require_permission("hearings.manage")
@handled
def consultation_status(cid):
    c = services.get_consultation(cid)
    action = request.form.get("action")
    account = current_account()
    if action == "schedule":
        services.schedule(c, account)
    elif action == "open":
        services.open_now(c, account)
    elif action == "close":
        services.close_now(c, account)
    else:
        raise HearingsError(_("Unknown action."), 400)
    db.session.commit()
    flash(_("The status is now: %(status)s.", status=status_label(c.effective_status)), "success")
    return redirect(url_for("hearings.consultation", cid=c.id))


@bp.post("/consultations/<uuid:cid>/comments")
@require_permission("hearings.participate")
@handled
def comment_post(cid):
    c = _consultation(cid)
    form = forms.CommentForm()
    org = form.organisation_id.data
    cm = services.post_comment(
        c,
        current_account(),
        form.body.data or "",
        article_id=_uuid_or_none(form.article_id.data),
        parent_id=_uuid_or_none(form.parent_id.data),
        organisation_id=int(org) if org and org.isdigit() else None,
    )
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


@bp.get("/consultations/<uuid:cid>/diff")
@handled
def consultation_diff(cid):
    c = _consultation(cid)
    old = request.args.get("from", type=int) or max(c.version - 1, 1)
    new = request.args.get("to", type=int) or c.version
    return render_template(
        "hearings/diff.html", c=c, old=old, new=new, diff=services.article_diff(c, old, new)
    )


@bp.get("/consultations/<uuid:cid>/outcome")
@handled
def outcome(cid):
    c = _consultation(cid)
    staff = _is_staff()
    if c.status != Status.OUTCOME_PUBLISHED and not staff:
        raise HearingsError(_("The outcome has not been published yet."), 404)
    comments = services.comments_for(c)
    all_articles = {a.id: a for a in services.all_articles(c)}
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
        render=services.render_markdown,
        outcome_labels=dict(forms.outcomes()),
    )


@bp.post("/consultations/<uuid:cid>/comments/<uuid:cmid>/answer")
@require_permission("hearings.manage")
@handled
def comment_answer(cid, cmid):
    c = services.get_consultation(cid)
    form = forms.AnswerForm()
    services.answer_comment(
        services.get_comment(c, cmid), current_account(), form.outcome.data, form.reason.data, c
    )
    db.session.commit()
    flash(_("The answer is saved."), "success")
    return redirect(url_for("hearings.outcome", cid=c.id, _anchor=f"comment-{cmid}"))


@bp.post("/consultations/<uuid:cid>/outcome")
@require_permission("hearings.manage")
@handled
def outcome_publish(cid):
    c = services.get_consultation(cid)
    services.publish_outcome(c, current_account(), forms.OutcomeForm().summary.data or "")
    db.session.commit()
    flash(_("The outcome is published."), "success")
    return redirect(url_for("hearings.outcome", cid=c.id))


@bp.post("/follow")
@require_permission("hearings.participate")
@handled
def follow():
    services.set_following(
        current_account(),
        request.form.get("follow") == "1",
        request.form.get("organisation_id") or None,
    )
    db.session.commit()
    flash(
        _("You will get an email when a consultation opens and two days before it closes.")
        if request.form.get("follow") == "1"
        else _("You no longer follow the consultations."),
        "success",
    )
    return redirect(url_for("hearings.index"))


@bp.post("/consultations/<uuid:cid>/attachments")
@require_permission("hearings.manage")
@handled
def consultation_attach(cid):
    c = services.get_consultation(cid)
    _attach(consultation_id=c.id)
    return redirect(url_for("hearings.consultation", cid=c.id))


@bp.post("/meetings/<uuid:mid>/attachments")
@require_permission("hearings.manage")
@handled
def meeting_attach(mid):
    m = services.get_meeting(mid)
    _attach(meeting_id=m.id)
    return redirect(url_for("hearings.meeting", mid=m.id))


def _attach(**owner):
    upload = request.files.get("attachment")
    if upload is None or not upload.filename:
        raise HearingsError(_("Choose a PDF file."), 422, "attachment")
    data = upload.read(services.max_attachment() + 1)
    services.add_attachment(upload.filename, data, **owner)
    db.session.commit()
    flash(_("The file is attached."), "success")


@bp.get("/files/<uuid:aid>")
@handled
def attachment(aid):
    att = services.get_attachment(aid)
    if att.consultation_id is not None:
        _consultation(att.consultation_id)  # drafts stay hidden with their files
    response = make_response(att.content)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{att.filename.encode("ascii", "replace").decode()}"'
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- moderation ----------------------------------------------------------------------------------


@bp.get("/moderation")
@require_permission("hearings.moderate")
def moderation():
    return render_template(
        "hearings/moderation.html",
        queue=services.moderation_queue(),
        log=services.moderation_log(),
        form=forms.ReasonForm(),
    )


@bp.post("/moderation/<uuid:cid>/<uuid:cmid>/<action>")
@require_permission("hearings.moderate")
@handled
def moderate(cid, cmid, action):
    c = services.get_consultation(cid)
    cm = services.get_comment(c, cmid)
    if action == "hide":
        services.hide_comment(cm, current_account(), request.form.get("reason", ""))
    elif action == "restore":
        services.restore_comment(cm, current_account())
    elif action == "dismiss":
        services.dismiss_reports(cm, current_account())
    else:
        abort(404)
    db.session.commit()
    flash(_("The decision is recorded."), "success")
    return redirect(safe_redirect_target(request.form.get("next"), url_for("hearings.moderation")))


# --- meetings and programmes ---------------------------------------------------------------------


def _meeting_form_choices(form):
    form.programme_id.choices = [("", _("None"))] + [(str(p.id), p.title) for p in services.list_programmes()]
    form.consultation_id.choices = [("", _("None"))] + [
        (str(c.id), c.title) for c in services.list_consultations(include_drafts=True)
    ]


@bp.route("/meetings/new", methods=["GET", "POST"])
@require_permission("hearings.manage")
def meeting_new():
    return _meeting_edit(None)


@bp.route("/meetings/<uuid:mid>/edit", methods=["GET", "POST"])
@require_permission("hearings.manage")
@handled
def meeting_edit(mid):
    return _meeting_edit(services.get_meeting(mid))


def _meeting_edit(m):
    form = forms.MeetingForm(obj=m)
    _meeting_form_choices(form)
    if request.method == "GET":
        if m is not None:
            for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
                getattr(form, name).data = _local_input(getattr(m, name))
            form.programme_id.data = str(m.programme_id or "")
            form.consultation_id.data = str(m.consultation_id or "")
        elif request.args.get("programme"):
            form.programme_id.data = request.args["programme"]
    status = 200
    if form.validate_on_submit():
        try:
            saved = services.save_meeting(
                m,
                kind=form.kind.data,
                title=form.title.data,
                description=form.description.data or "",
                starts_at=to_utc(form.starts_at.data),
                ends_at=to_utc(form.ends_at.data),
                place=form.place.data or "",
                online_url=form.online_url.data or "",
                capacity=form.capacity.data,
                registration_opens_at=to_utc(form.registration_opens_at.data),
                registration_closes_at=to_utc(form.registration_closes_at.data),
                agenda=form.agenda.data or "",
                speaker_minutes=form.speaker_minutes.data or 5,
                programme_id=_choice_id(form.programme_id),
                consultation_id=_choice_id(form.consultation_id),
            )
            db.session.commit()
            flash(_("The meeting is saved."), "success")
            return redirect(url_for("hearings.meeting", mid=saved.id))
        except HearingsError as exc:
            db.session.rollback()
            field = getattr(form, exc.field_name, None) if exc.field_name else None
            if field is not None:
                field.errors = [*field.errors, exc.message]
            else:
                flash(exc.message, "error")
            status = 422
    elif request.method == "POST":
        status = 422
    return render_template("hearings/meeting_form.html", form=form, meeting=m), status


def _choice_id(field):
    """The id a select field names, or None; anything else is that field's error (422)."""
    if not field.data:
        return None
    try:
        return uuid.UUID(str(field.data))
    except ValueError:
        raise HearingsError(_("Choose one of the options listed."), 422, field.name) from None


def _registration_form(meetings):
    account = current_account()
    form = forms.RegistrationForm()
    if account is not None and request.method == "GET":
        form.name.data, form.email.data = account.display_name, account.email
    form.meetings.choices = [(str(m.id), m.title) for m in meetings]
    return form


@bp.get("/meetings/<uuid:mid>")
@handled
def meeting(mid):
    m = services.get_meeting(mid)
    account = current_account()
    taken = services.seats_taken([m.id]).get(m.id, 0)
    return render_template(
        "hearings/meeting.html",
        m=m,
        taken=taken,
        mine=services.my_registration(m, account),
        form=_registration_form([m]),
        speaker_form=forms.SpeakerForm(),
        speakers=services.speakers(m),
        registration_open=services.registration_open(m),
        guests=services.settings()["guests_may_register"],
        is_staff=_is_staff(),
        account=account,
        render=services.render_markdown,
        feedback_public=services.feedback_public(m),
        programme=services.get_programme(m.programme_id) if m.programme_id else None,
        attachments=services.attachments_of(meeting_id=m.id),
    )


@bp.get("/programmes/<uuid:pid>")
@handled
def programme(pid):
    p = services.get_programme(pid)
    meetings = services.programme_meetings(p)
    return render_template(
        "hearings/programme.html",
        p=p,
        meetings=meetings,
        taken=services.seats_taken([m.id for m in meetings]),
        form=_registration_form(meetings),
        guests=services.settings()["guests_may_register"],
        account=current_account(),
        is_staff=_is_staff(),
        registration_open=services.registration_open,
        render=services.render_markdown,
    )


@bp.route("/programmes/new", methods=["GET", "POST"])
@require_permission("hearings.manage")
def programme_new():
    form = forms.ProgrammeForm()
    if form.validate_on_submit():
        p = services.save_programme(None, form.title.data, form.description.data)
        db.session.commit()
        return redirect(url_for("hearings.programme", pid=p.id))
    return render_template(
        "hearings/programme_form.html", form=form
    ), 422 if request.method == "POST" else 200


#: Each guest registration sends a mail to the address typed in: limited per client address and
#: per address written (app settings ``HEARINGS_GUEST_LIMIT_PER_ADDRESS`` / ``…_PER_EMAIL``).
GUEST_LIMIT_PER_ADDRESS = "10 per hour;30 per day"
GUEST_LIMIT_PER_EMAIL = "3 per hour;10 per day"


def _guest_limits(email: str) -> None:
    config = current_app.config
    client = request.remote_addr or ""
    limiter.hit(
        config.get("HEARINGS_GUEST_LIMIT_PER_ADDRESS", GUEST_LIMIT_PER_ADDRESS),
        "hearings.guest.client",
        client,
    )
    address = (email or "").strip().lower()
    if address:  # counted across municipalities, keyed by a digest (no addresses in the limiter's storage)
        digest = hashlib.sha256(address.encode()).hexdigest()[:32]
        limiter.hit(
            config.get("HEARINGS_GUEST_LIMIT_PER_EMAIL", GUEST_LIMIT_PER_EMAIL),
            "hearings.guest.email",
            digest,
        )


def _do_register(meeting_ids, back: str):
    account = current_account()
    if account is None and not services.settings()["guests_may_register"]:
        abort(401)
    if account is not None and not has_permission("hearings.participate"):
        abort(403)
    form = forms.RegistrationForm()
    if account is not None:
        form.name.data = form.name.data or account.display_name
        form.email.data = account.email
    who = services.Registrant(
        name=form.name.data or "",
        email=form.email.data or "",
        account=account,
        organisation_name=form.organisation_name.data or "",
        accessibility=form.accessibility.data or [],
        accessibility_other=form.accessibility_other.data or "",
    )
    if account is None:
        return _do_register_guest(meeting_ids, who, back)
    regs = services.register(meeting_ids, who)
    services.mail_registration(regs)  # written with the registration; leaves once it commits
    db.session.commit()
    if any(r.status == RegistrationStatus.PENDING for r in regs):
        flash(_("Almost done: we have sent you an email to confirm your registration."), "success")
    elif all(r.status == RegistrationStatus.CONFIRMED for r in regs):
        flash(_("You are registered. A confirmation is on its way by email."), "success")
    else:
        flash(
            _("Some sessions are full: you are on their waiting list. Details are on their way by email."),
            "success",
        )
    return redirect(url_for("hearings.registration", token=services.registration_token(regs[0])))


def _do_register_guest(meeting_ids, who, back: str):
    """The same answer whether or not the address was registered already: a mail is on its way.
    The registration's link (which confirms and cancels) goes to the mailbox only, never to the
    page, so typing someone's address neither shows nor confirms their registration."""
    _guest_limits(who.email)
    regs, already = services.register_guest(meeting_ids, who)
    services.mail_registration(regs)  # written with the registration; leaves once it commits
    services.mail_already_registered(already)
    db.session.commit()
    flash(_("Almost done: we have sent you an email to confirm your registration."), "success")
    return redirect(back)


@bp.post("/meetings/<uuid:mid>/register")
@handled
def meeting_register(mid):
    return _do_register([mid], url_for("hearings.meeting", mid=mid))


@bp.post("/programmes/<uuid:pid>/register")
@handled
def programme_register(pid):
    p = services.get_programme(pid)
    allowed = {str(m.id) for m in services.programme_meetings(p)}
    chosen = [uuid.UUID(x) for x in request.form.getlist("meetings") if x in allowed]
    return _do_register(chosen, url_for("hearings.programme", pid=pid))


@bp.get("/registrations/<token>")
@handled
def registration(token):
    regs = services.registrations_for_token(token)
    meetings = {r.meeting_id: services.get_meeting(r.meeting_id) for r in regs}
    return render_template("hearings/registration.html", regs=regs, meetings=meetings, token=token)


@bp.post("/registrations/<token>/confirm")
@handled
def registration_confirm(token):
    regs = services.confirm_guest(token)
    db.session.commit()
    services.mail_registration(regs)
    flash(_("Your registration is confirmed."), "success")
    return redirect(url_for("hearings.registration", token=token))


@bp.get("/registrations/<token>/confirm")
@handled
def registration_confirm_page(token):
    regs = services.registrations_for_token(token)
    return render_template("hearings/registration_confirm.html", regs=regs, token=token)


@bp.post("/registrations/<token>/cancel/<uuid:rid>")
@handled
def registration_cancel(token, rid):
    reg = next((r for r in services.registrations_for_token(token) if r.id == rid), None)
    if reg is None:
        abort(404)
    promoted = services.cancel_registration(reg)
    db.session.commit()
    if promoted is not None:
        services.mail_promoted(promoted)
    flash(_("Your registration is cancelled."), "success")
    return redirect(url_for("hearings.registration", token=token))


@bp.route("/registrations/<token>/feedback", methods=["GET", "POST"])
@handled
def feedback(token):
    regs = [r for r in services.registrations_for_token(token) if r.status == RegistrationStatus.CONFIRMED]
    meetings = [services.get_meeting(r.meeting_id) for r in regs]
    pending = [(r, m) for r, m in zip(regs, meetings, strict=True) if m.finished_at is not None]
    if not pending:
        raise HearingsError(_("Feedback opens when the meeting has finished."), 404)
    reg, m = pending[0]
    if request.args.get("meeting"):
        reg, m = next(((r, x) for r, x in pending if str(x.id) == request.args["meeting"]), pending[0])
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
    m = services.get_meeting(mid)
    if not (services.feedback_public(m) or _is_staff()):
        raise HearingsError(_("The feedback results are not public."), 403 if current_account() else 401)
    return render_template(
        "hearings/feedback_results.html",
        m=m,
        summary=services.feedback_summary(m),
        is_staff=_is_staff(),
        form=forms.PublishFeedbackForm(published=m.feedback_published),
    )


@bp.post("/meetings/<uuid:mid>/feedback/publish")
@require_permission("hearings.manage")
@handled
def feedback_publish(mid):
    m = services.get_meeting(mid)
    m.feedback_published = bool(forms.PublishFeedbackForm().published.data)
    db.session.commit()
    return redirect(url_for("hearings.feedback_results", mid=m.id))


@bp.get("/meetings/<uuid:mid>/attendees")
@require_permission("hearings.manage")
@handled
def attendees(mid):
    m = services.get_meeting(mid)
    return render_template("hearings/attendees.html", m=m, regs=services.registrations_of(m))


@bp.post("/meetings/<uuid:mid>/attendees/<uuid:rid>/checkin")
@require_permission("hearings.manage")
@handled
def checkin(mid, rid):
    m = services.get_meeting(mid)
    reg = next((r for r in services.registrations_of(m) if r.id == rid), None)
    if reg is None:
        abort(404)
    services.check_in(reg)
    db.session.commit()
    return redirect(url_for("hearings.attendees", mid=m.id))


@bp.post("/meetings/<uuid:mid>/speakers")
@require_permission("hearings.participate")
@handled
def speaker_request(mid):
    m = services.get_meeting(mid)
    services.request_to_speak(m, current_account(), forms.SpeakerForm().topic.data or "")
    db.session.commit()
    flash(_("You are on the speaker list."), "success")
    return redirect(url_for("hearings.meeting", mid=m.id, _anchor="speakers"))


@bp.post("/meetings/<uuid:mid>/speakers/<uuid:sid>/<action>")
@require_permission("hearings.participate")
@handled
def speaker_action(mid, sid, action):
    m = services.get_meeting(mid)
    sr = services.get_speaker(m, sid)
    if action in ("up", "down"):
        if not _is_staff():
            abort(403)
        services.move_speaker(m, sr, -1 if action == "up" else 1)
    elif action in (SpeakerStatus.SPOKEN, SpeakerStatus.WITHDRAWN):
        services.set_speaker_status(sr, action, current_account(), _is_staff())
    else:
        abort(404)
    db.session.commit()
    back = url_for("hearings.meeting", mid=m.id, _anchor="speakers")
    return redirect(safe_redirect_target(request.form.get("next"), back))


@bp.get("/meetings/<uuid:mid>/speakers")
@handled
def speaker_queue(mid):
    m = services.get_meeting(mid)
    return render_template("hearings/speakers.html", m=m, speakers=services.speakers(m), is_staff=_is_staff())


@bp.post("/meetings/<uuid:mid>/finish")
@require_permission("hearings.manage")
@handled
def meeting_finish(mid):
    m = services.get_meeting(mid)
    services.finish_meeting(m, current_account())
    db.session.commit()
    flash(_("The meeting is marked as finished; attendees are asked for feedback."), "success")
    return redirect(url_for("hearings.meeting", mid=m.id))


@bp.route("/meetings/<uuid:mid>/minutes", methods=["GET", "POST"])
@require_permission("hearings.manage")
@handled
def minutes(mid):
    m = services.get_meeting(mid)
    form = forms.MinutesForm(minutes=m.minutes)
    if form.validate_on_submit():
        services.publish_minutes(m, form.minutes.data)
        db.session.commit()
        flash(_("The minutes are published."), "success")
        return redirect(url_for("hearings.meeting", mid=m.id))
    return render_template("hearings/minutes_form.html", m=m, form=form)


@bp.get("/calendar.ics")
def calendar():
    return Response(services.ics(services.list_meetings()), mimetype="text/calendar")


@bp.get("/meetings/<uuid:mid>/event.ics")
@handled
def meeting_ics(mid):
    return Response(services.ics([services.get_meeting(mid)]), mimetype="text/calendar")


def status_label(status: str) -> str:
    return {
        "draft": _("Draft"),
        "scheduled": _("Scheduled"),
        "open": _("Open for comments"),
        "closed": _("Closed"),
        "outcome_published": _("Outcome published"),
    }.get(status, status)


def kind_label(kind: str) -> str:
    return dict(forms.kinds()).get(kind, kind)


def registration_label(status: str) -> str:
    return {
        "pending": _("Waiting for email confirmation"),
        "confirmed": _("Confirmed"),
        "waiting": _("On the waiting list"),
        "cancelled": _("Cancelled"),
    }.get(status, status)


@bp.app_template_filter("hearings_local")
def _local_filter(value, fmt="medium"):
    return services.local_text(value, fmt)


@bp.app_context_processor
def _labels():
    return {
        "hearings_status_label": status_label,
        "hearings_kind_label": kind_label,
        "hearings_registration_label": registration_label,
    }
