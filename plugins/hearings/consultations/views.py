"""Pages of consultations: the index, creating and editing, the consultation page, status changes
and the diff between versions.
"""

from __future__ import annotations

from core.toolkit import (
    anonymous_page,
    current_account,
    db,
    flash,
    has_permission,
    redirect,
    render_template,
    request,
    require_permission,
    url_for,
    utcnow,
)
from core.toolkit import (
    gettext as _,
)
from plugins.hearings.attachments import services as attachments_services
from plugins.hearings.blueprint import (
    _consultation,
    _is_moderator,
    _is_staff,
    _local_input,
    bp,
    confirmation_page,
    handled,
    status_label,
)
from plugins.hearings.comments import forms as comments_forms
from plugins.hearings.comments import services as comments_services
from plugins.hearings.common import HearingsError, acting_organisations, render_markdown, to_utc
from plugins.hearings.consultations import forms, services
from plugins.hearings.following import services as following_services
from plugins.hearings.law import services as law
from plugins.hearings.law.rules import REGISTER_FORMS, document_label
from plugins.hearings.meetings import services as meetings_services
from plugins.hearings.programmes import services as programmes_services

MAX_IMPORT_BYTES = 2 * 1024 * 1024
#: beyond any real consultation; keeps the offset inside PostgreSQL's integers
MAX_PAGE = 100_000


@bp.get("/")
@anonymous_page
def index():
    status = request.args.get("status") or None
    page = request.args.get("page", 1, type=int)
    consultations, page, pages = services.filtered_page(
        services.list_consultations(include_drafts=_is_staff()), status, page
    )
    counts = comments_services.comment_counts([c.id for c in consultations])
    meetings = meetings_services.list_meetings(upcoming_only=True)
    return render_template(
        "hearings/index.html",
        consultations=consultations,
        counts=counts,
        status=status if status in services.LIST_STATUSES else None,
        statuses=[s for s in services.LIST_STATUSES if s != "draft" or _is_staff()],
        page=page,
        pages=pages,
        meetings=meetings,
        programmes=programmes_services.list_programmes(),
        is_staff=_is_staff(),
        is_moderator=_is_moderator(),
        following=following_services.is_following(current_account()),
        followable_organisations=following_services.followable_organisations(current_account()),
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
        intended_adoption_on=form.intended_adoption_on.data,
        reason=form.reason.data or "",
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
        form.intended_adoption_on.data = c.intended_adoption_on
        form.draft.data = services.draft_text(services.articles_of(c))
    preview = None
    status = 200
    if form.validate_on_submit():
        try:
            saved, preamble, articles = _consultation_form_submit(form, c)
            if saved is None:
                preview = {"preamble": render_markdown(preamble), "articles": articles}
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
            render=render_markdown,
            rules=law.rule_set(),
        ),
        status,
    )


@bp.get("/consultations/<uuid:cid>")
@anonymous_page
@handled
def consultation(cid):
    return _consultation_page(_consultation(cid))


def _consultation_page(c, status_form=None, status: int = 200, kept_comment=None):
    """The consultation page; ``kept_comment`` is a refused comment, given back in its form."""
    account = current_account()
    every_version = services.all_articles(c)  # one read: the page's articles and the map of versions
    articles = [a for a in every_version if a.version == c.version]
    pages = comments_services.article_comment_pages(
        c,
        account,
        _is_moderator(),
        services.article_map_of(c, every_version),
        per_page=comments_services.PREVIEW_THREADS,
        replies_per_thread=comments_services.PREVIEW_REPLIES,
    )
    rules = law.rule_set()
    form = _comment_form(account)
    return render_template(
        "hearings/consultation.html",
        c=c,
        articles=articles,
        pages=pages,
        per_page=comments_services.THREADS_PER_PAGE,
        preview=comments_services.PREVIEW_THREADS,
        form=form,
        can_comment=services.is_open_for_comments(c) and has_permission("hearings.participate"),
        window_message=services.window_message(c),
        can_edit=lambda cm: comments_services.can_edit(cm, account),
        account=account,
        is_staff=_is_staff(),
        is_moderator=_is_moderator(),
        history=law.history(c),
        total=sum(p.comment_count for p in pages.values()),
        attachments=attachments_services.attachments_of(consultation_id=c.id),
        rules=rules,
        exceptions=law.exceptions_of(c),
        missing_documents=law.missing_documents(rules, c),
        status_form=status_form or (forms.StatusForm(formdata=None) if _is_staff() else None),
        kept_comment=kept_comment or {},
        comment_limit=comments_services.comment_max_length(),
        adoption_notice=law.adoption_deadline_notice(c) if _is_staff() else None,
        document_label=document_label,
        register_title=str(REGISTER_FORMS[rules.register_form]),
        date_value_text=law.date_value_text,
    ), status


def _comment_form(account):
    """The comment form for a signed-in reader; none for the anonymous ones: a form makes a CSRF
    token in the session, and their page is the same for all of them (core.page_cache)."""
    if account is None:
        return None
    form = comments_forms.CommentForm()
    orgs = acting_organisations(account)
    form.organisation_id.choices = [("", _("Myself"))] + [(str(o.id), o.name) for o in orgs]
    return form


@bp.get("/consultations/<uuid:cid>/articles/<uuid:aid>/comments")
@anonymous_page
@handled
def article_comments(cid, aid):
    """A page of one article's comments: the consultation page's "more" link without JavaScript."""
    return _comments_page(_consultation(cid), aid)


@bp.get("/consultations/<uuid:cid>/general-comments")
@anonymous_page
@handled
def general_comments(cid):
    """A page of the comments on the whole draft."""
    return _comments_page(_consultation(cid), None)


def _comments_page(c, aid, page: int | None = None, kept_comment=None, status: int = 200):
    """A page of an article's threads; ``kept_comment``: a refused reply, back in its form."""
    account = current_account()
    article = services.current_article(c, aid) if aid is not None else None
    page = min(max(page or request.args.get("page", 1, type=int), 1), MAX_PAGE)
    found = comments_services.article_comment_pages(
        c, account, _is_moderator(), services.current_article_map(c), key=aid, page=page
    )[aid]
    if page > found.pages:
        raise HearingsError(_("There is no such page."), 404)
    form = _comment_form(account)
    return render_template(
        "hearings/article_comments.html",
        c=c,
        article=article,
        found=found,
        form=form,
        can_comment=services.is_open_for_comments(c) and has_permission("hearings.participate"),
        can_edit=lambda cm: comments_services.can_edit(cm, account),
        account=account,
        is_moderator=_is_moderator(),
        kept_comment=kept_comment or {},
        comment_limit=comments_services.comment_max_length(),
    ), status


@bp.post("/consultations/<uuid:cid>/status")
@require_permission("hearings.manage")
@handled
def consultation_status(cid):
    c = services.get_consultation(cid)
    action = request.form.get("action")
    account = current_account()
    form = forms.StatusForm()
    reason = (form.reason.data or "").strip()
    if action in ("open", "close"):
        confirm = _confirm_status_change(c, action)
        if confirm is not None:
            return confirm
    try:
        if action == "schedule":
            services.schedule(c, account, reason=reason)
        elif action == "open":
            services.open_now(c, account, reason=reason)
        elif action == "close":
            services.close_now(c, account, reason=reason)
        else:
            raise HearingsError(_("Unknown action."), 400)
    except HearingsError as exc:
        if exc.status in (401, 403, 404):
            raise
        db.session.rollback()
        c = services.get_consultation(cid)
        form.reason.errors = [exc.message]
        return _consultation_page(c, status_form=form, status=exc.status)
    db.session.commit()
    flash(_("The status is now: %(status)s.", status=status_label(c.effective_status)), "success")
    return redirect(url_for("hearings.consultation", cid=c.id))


def _confirm_status_change(c, action: str):
    """Opening or closing now cannot be undone: a page says what follows (the law's conditions
    too) and asks for a reason, recorded with the change and shown in the consultation's
    history. ``None``: confirmed, or the law forbids it anyway (the services then say why)."""
    breaches = law.status_change_breaches(c, action, utcnow())
    if any(not b.allowed for b in breaches):
        return None
    if action == "open":
        title = _("Open “%(title)s” now?", title=c.title)
        consequences = [
            _("Commenting starts at once and the opening date becomes today."),
            _("Everyone who follows the municipality's consultations is told by mail."),
        ]
        label = _("Open now")
    else:
        title = _("Close “%(title)s” now?", title=c.title)
        consequences = [
            _("Commenting ends at once, before the planned closing time."),
            _("The closing date becomes today; it is shown in the consultation's history."),
        ]
        label = _("Close now")
    consequences += [_("The law allows this only with a reason: %(rule)s", rule=b.message) for b in breaches]
    return confirmation_page(
        title=title,
        consequences=consequences,
        action_url=url_for("hearings.consultation_status", cid=c.id),
        back_url=url_for("hearings.consultation", cid=c.id),
        confirm_label=label,
        reason_help=_("Published with the consultation's history."),
        hidden={"action": action},
    )


@bp.get("/consultations/<uuid:cid>/diff")
@handled
def consultation_diff(cid):
    c = _consultation(cid)
    old = request.args.get("from", type=int) or max(c.version - 1, 1)
    new = request.args.get("to", type=int) or c.version
    return render_template(
        "hearings/diff.html", c=c, old=old, new=new, diff=services.article_diff(c, old, new)
    )
