"""The surveys plugin's logic: the pages, the API and the demo call these and stay thin.

Services flush, never commit (the caller commits, so that mail leaves only with what it confirms).
A broken rule is a :class:`RuleViolation` with a translated message; answers that do not pass are
an :class:`AnswerErrors`, one message per question, so the form shows each beside its question.

Answers travel in two shapes. *Typed* answers are the form's fields as sent (``q-<id>``,
``q-<id>-other``, ``q-<id>-r<row>``, ``q-<id>-o<option>``): drafts keep them as they are, so a page
with an error shows every answer again exactly as typed. *Clean* answers (``{question id: value}``)
are what a response stores: an option (single), a list of options (multiple; a value that is no
option is the "other" text), an integer (ratings), ``{row: option}`` (Likert), the options in rank
order (ranking), a number, an ISO date, a text.
"""

import collections
import csv
import dataclasses
import datetime as dt
import hashlib
import io
import math
import re
import secrets
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale

from core.toolkit import (
    Account,
    Affiliation,
    AffiliationStatus,
    Mail,
    Organisation,
    RuleViolation,
    abort,
    active_tenant_id,
    db,
    external_url,
    gettext,
    organisations_of,
    plugin_settings,
    send_mail,
    signed_in_link,
    tenant_info,
    utcnow_aware,
)
from plugins.surveys.models import (
    Audience,
    Draft,
    Invitation,
    Kind,
    Participation,
    PublishedText,
    Question,
    Response,
    Survey,
    SurveyTranslation,
    UploadedFile,
)

PLUGIN = "surveys"
OTHER = "__other__"
TEXT_LIMIT = {Kind.SHORT_TEXT: 300, Kind.LONG_TEXT: 5000}
MAX_OPTIONS = 30
MAX_INVITATIONS = 500
#: public results hide any count below this (small numbers could identify a person)
SUPPRESS_BELOW = 5
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def settings() -> dict[str, Any]:
    return plugin_settings(PLUGIN)


class AnswerErrors(RuleViolation):
    """Answers that do not pass: ``errors`` maps a question's id to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(
            gettext("Some answers need your attention."), status=409, field=None, code="invalid_answers"
        )
        self.errors = errors

    def problem_extra(self) -> dict[str, Any]:
        return {"code": self.code, "errors": {k: [v] for k, v in self.errors.items()}}


# --- surveys ------------------------------------------------------------------------------------


def state(survey: Survey, now: dt.datetime | None = None) -> str:
    """``draft`` (not published), ``upcoming``, ``open`` or ``closed``: the window is
    ``[opens_at, closes_at)``."""
    now = now or utcnow_aware()
    if not survey.published:
        return "draft"
    if now < survey.opens_at:
        return "upcoming"
    if now >= survey.closes_at:
        return "closed"
    return "open"


def state_label(code: str) -> str:
    return {
        "draft": gettext("Draft"),
        "upcoming": gettext("Opens soon"),
        "open": gettext("Open"),
        "closed": gettext("Closed"),
    }[code]


def list_surveys(*, include_unpublished: bool = False) -> list[Survey]:
    """The municipality's surveys, the latest to close first (published ones only, unless staff)."""
    query = sa.select(Survey).order_by(Survey.closes_at.desc(), Survey.id)
    if not include_unpublished:
        query = query.where(Survey.published.is_(True))
    return list(db.session.execute(query).scalars())


def get_survey(survey_id: uuid.UUID | str, *, include_unpublished: bool = False) -> Survey:
    """The survey, or 404 (also for a draft, unless staff ask)."""
    try:
        survey_id = uuid.UUID(str(survey_id))
    except ValueError:
        abort(404)
    survey = db.session.get(Survey, (active_tenant_id(), survey_id))
    if survey is None or (not survey.published and not include_unpublished):
        abort(404)
    return survey


def _check_survey(title: str, opens_at: dt.datetime, closes_at: dt.datetime, audience: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise RuleViolation(gettext("Give the survey a title."), field="title", code="title_missing")
    for name, value in (("opens_at", opens_at), ("closes_at", closes_at)):
        if not EARLIEST <= value < LATEST:
            raise RuleViolation(gettext("Give a date between 2000 and 2099."), field=name, code="date_range")
    if closes_at <= opens_at:
        raise RuleViolation(
            gettext("The survey must close after it opens."), field="closes_at", code="closes_before_opening"
        )
    if audience not in Audience.ALL:
        raise RuleViolation(gettext("Choose one of the options listed."), field="audience", code="audience")
    return title


def save_survey(
    survey: Survey | None,
    *,
    account: Any,
    title: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    introduction: str = "",
    audience: str = Audience.MEMBERS,
    anonymous: bool = True,
    on_behalf: bool = False,
    published: bool = False,
    results_public: bool = False,
    organisation_ids: list[int] | None = None,
) -> Survey:
    """Create or change a survey. Once someone has answered, whether answers are anonymous can no
    longer change: people were told which before they answered."""
    title = _check_survey(title, opens_at, closes_at, audience)
    if survey is None:
        survey = Survey(created_by_id=getattr(account, "id", None))
        db.session.add(survey)
    elif survey.anonymous != anonymous and response_count(survey) > 0:
        raise RuleViolation(
            gettext("People have answered already: whether answers are anonymous cannot change now."),
            field="anonymous",
            code="anonymity_fixed",
        )
    survey.title = title
    survey.introduction = introduction or ""
    survey.opens_at, survey.closes_at = opens_at, closes_at
    survey.audience = audience
    survey.anonymous = anonymous
    survey.on_behalf = on_behalf
    survey.published = published
    survey.results_public = results_public
    survey.organisation_ids = sorted({int(o) for o in organisation_ids or []})
    db.session.flush()
    return survey


def response_count(survey: Survey) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Response).where(Response.survey_id == survey.id)
    ).scalar_one()


# --- questions ----------------------------------------------------------------------------------


def questions_of(survey: Survey) -> list[Question]:
    return list(
        db.session.execute(
            sa.select(Question)
            .where(Question.survey_id == survey.id)
            .order_by(Question.position, Question.id)
        ).scalars()
    )


def get_question(survey: Survey, question_id: uuid.UUID) -> Question:
    question = db.session.get(Question, (active_tenant_id(), question_id))
    if question is None or question.survey_id != survey.id:
        abort(404)
    return question


def clean_lines(text_or_list: Any) -> list[str]:
    """Options or rows typed one per line (or given as a list): trimmed, without blanks or repeats."""
    items = text_or_list.splitlines() if isinstance(text_or_list, str) else list(text_or_list or [])
    seen: dict[str, str] = {}
    for raw in items:
        item = " ".join(str(raw).split())
        if item:
            seen.setdefault(item.casefold(), item[:200])
    return list(seen.values())


def save_question(
    survey: Survey,
    question: Question | None,
    *,
    kind: str,
    prompt: str,
    help: str = "",
    required: bool = False,
    options: Any = (),
    rows: Any = (),
    allow_other: bool = False,
    min_value: float | None = None,
    max_value: float | None = None,
    show_if_id: uuid.UUID | None = None,
    show_if_value: str = "",
) -> Question:
    """Add a question at the end (or change one). Options are needed for choices, ranking and the
    Likert scale; a condition may only point at an earlier question."""
    if kind not in Kind.ALL:
        raise RuleViolation(gettext("Choose one of the options listed."), field="kind", code="kind")
    prompt = " ".join((prompt or "").split())
    if not prompt:
        raise RuleViolation(gettext("Write the question."), field="prompt", code="prompt_missing")
    options, rows = clean_lines(options), clean_lines(rows)
    if kind in Kind.WITH_OPTIONS and len(options) < 2:
        raise RuleViolation(
            gettext("Give at least two options, one per line."), field="options", code="options"
        )
    if len(options) > MAX_OPTIONS or len(rows) > MAX_OPTIONS:
        raise RuleViolation(
            gettext("At most %(n)d options or statements.", n=MAX_OPTIONS), field="options", code="options"
        )
    if kind == Kind.LIKERT and not rows:
        raise RuleViolation(gettext("Give the statements, one per line."), field="rows", code="rows")
    if min_value is not None and max_value is not None and min_value > max_value:
        raise RuleViolation(
            gettext("The smallest number is above the largest."), field="max_value", code="range"
        )
    existing = questions_of(survey)
    if show_if_id is not None:
        earlier = existing if question is None else [q for q in existing if q.position < question.position]
        if show_if_id not in {q.id for q in earlier if q.kind != Kind.SECTION}:
            raise RuleViolation(
                gettext("A question can only depend on an earlier question."),
                field="show_if_id",
                code="condition",
            )
    if question is None:
        question = Question(survey_id=survey.id, position=(existing[-1].position + 1) if existing else 1)
        db.session.add(question)
    question.kind, question.prompt, question.help = kind, prompt, (help or "")[:1000]
    question.required = bool(required) and kind != Kind.SECTION
    question.options = options if kind in Kind.WITH_OPTIONS else []
    question.rows = rows if kind == Kind.LIKERT else []
    question.allow_other = bool(allow_other) and kind in Kind.CHOICE
    question.min_value = min_value if kind == Kind.NUMBER else None
    question.max_value = max_value if kind == Kind.NUMBER else None
    question.show_if_id = show_if_id
    question.show_if_value = (show_if_value or "").strip()[:200] if show_if_id else ""
    db.session.flush()
    return question


def delete_question(question: Question) -> None:
    """Remove a question; questions shown on a condition of it are shown always from now on."""
    db.session.execute(
        sa.update(Question)
        .where(Question.survey_id == question.survey_id, Question.show_if_id == question.id)
        .values(show_if_id=None, show_if_value="")
        .execution_options(synchronize_session=False)
    )
    db.session.delete(question)
    db.session.flush()
    db.session.expire_all()


def move_question(question: Question, step: int) -> None:
    """Swap a question with its neighbour (``step`` -1 up, +1 down); conditions stay valid only
    if a question still comes after the one it depends on, so such a move is refused."""
    survey = db.session.get(Survey, (question.tenant_id, question.survey_id))
    items = questions_of(survey)
    index = next(i for i, q in enumerate(items) if q.id == question.id)
    other_index = index + step
    if not 0 <= other_index < len(items):
        return
    other = items[other_index]
    first, second = (question, other) if step > 0 else (other, question)
    if second.show_if_id == first.id:
        raise RuleViolation(
            gettext("A question must stay after the question it depends on."), code="condition_order"
        )
    question.position, other.position = other.position, question.position
    db.session.flush()


# --- answering ----------------------------------------------------------------------------------


def _field(q: Question, suffix: str = "") -> str:
    return f"q-{q.id}{suffix}"


def typed_from_form(questions: list[Question], form: Any) -> dict[str, Any]:
    """The answers as the form sent them (for drafts and to show them again)."""
    typed: dict[str, Any] = {}
    for q in questions:
        if q.kind == Kind.SECTION:
            continue
        if q.kind == Kind.MULTIPLE:
            typed[_field(q)] = [v for v in form.getlist(_field(q)) if v][: MAX_OPTIONS + 1]
        elif q.kind == Kind.LIKERT:
            for i in range(len(q.rows)):
                typed[_field(q, f"-r{i}")] = form.get(_field(q, f"-r{i}"), "")
        elif q.kind == Kind.RANKING:
            for i in range(len(q.options)):
                typed[_field(q, f"-o{i}")] = form.get(_field(q, f"-o{i}"), "")
        else:
            typed[_field(q)] = form.get(_field(q), "")
        if q.allow_other:
            typed[_field(q, "-other")] = form.get(_field(q, "-other"), "")
    return {k: (v[: TEXT_LIMIT[Kind.LONG_TEXT] + 1] if isinstance(v, str) else v) for k, v in typed.items()}


def typed_from_clean(questions: list[Question], answers: dict[str, Any]) -> dict[str, Any]:
    """Clean answers (the API's) in the form's shape, so that one validation serves both."""
    typed: dict[str, Any] = {}
    for q in questions:
        value = answers.get(str(q.id))
        if value is None or q.kind == Kind.SECTION:
            continue
        if q.kind == Kind.SINGLE:
            value = str(value)
            if value in q.options:
                typed[_field(q)] = value
            else:
                typed[_field(q)], typed[_field(q, "-other")] = OTHER, value
        elif q.kind == Kind.MULTIPLE:
            values = [str(v) for v in value] if isinstance(value, list) else [str(value)]
            chosen = [v for v in values if v in q.options]
            others = [v for v in values if v not in q.options]
            typed[_field(q)] = chosen + ([OTHER] if others else [])
            if others:
                typed[_field(q, "-other")] = "; ".join(others)
        elif q.kind == Kind.LIKERT:
            value = value if isinstance(value, dict) else {}
            for i, row in enumerate(q.rows):
                typed[_field(q, f"-r{i}")] = str(value.get(row, ""))
        elif q.kind == Kind.RANKING:
            order = [str(v) for v in value] if isinstance(value, list) else []
            for i, option in enumerate(q.options):
                typed[_field(q, f"-o{i}")] = str(order.index(option) + 1) if option in order else ""
        else:
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            typed[_field(q)] = str(value) if not isinstance(value, bool | dict | list) else ""
    return typed


def _matches(value: Any, expected: str) -> bool:
    if value is None:
        return False
    if isinstance(value, list):
        return expected in [str(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value) == expected


def visible_ids(questions: list[Question], answers: dict[str, Any]) -> set[uuid.UUID]:
    """The questions shown for these clean answers: one with a condition is shown when the
    question it depends on is shown and was answered with the value given."""
    shown: set[uuid.UUID] = set()
    for q in questions:
        if q.show_if_id is None or (
            q.show_if_id in shown and _matches(answers.get(str(q.show_if_id)), q.show_if_value)
        ):
            shown.add(q.id)
    return shown


def _parse_number(text: str) -> float | None:
    try:
        value = float(text.replace(",", ".").replace(" ", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _parse_one(q: Question, typed: dict[str, Any]) -> tuple[Any, str | None]:
    """One question's clean value (None when unanswered) and its error message, if any."""
    main = typed.get(_field(q), "")
    other = " ".join(str(typed.get(_field(q, "-other"), "")).split())[:300]
    if q.kind == Kind.SINGLE:
        if main == OTHER and q.allow_other:
            return (other, None) if other else (None, gettext("Write your answer after “Other”."))
        if not main:
            return None, None
        return (main, None) if main in q.options else (None, gettext("Choose one of the options listed."))
    if q.kind == Kind.MULTIPLE:
        values = main if isinstance(main, list) else [main] if main else []
        if any(v not in q.options and not (v == OTHER and q.allow_other) for v in values):
            return None, gettext("Choose among the options listed.")
        chosen = [o for o in q.options if o in values]
        if OTHER in values:
            if not other:
                return None, gettext("Write your answer after “Other”.")
            chosen.append(other)
        return (chosen or None), None
    if q.kind in (Kind.RATING5, Kind.RATING10):
        if not main:
            return None, None
        low, high = (1, 5) if q.kind == Kind.RATING5 else (0, 10)
        if not str(main).isdigit() or not low <= int(main) <= high:
            return None, gettext("Choose a rating from %(low)d to %(high)d.", low=low, high=high)
        return int(main), None
    if q.kind == Kind.LIKERT:
        picked = {}
        for i, row in enumerate(q.rows):
            value = typed.get(_field(q, f"-r{i}"), "")
            if value and value not in q.options:
                return None, gettext("Choose one of the options listed.")
            if value:
                picked[row] = value
        if picked and len(picked) < len(q.rows) and q.required:
            return None, gettext("Answer every statement.")
        return (picked or None), None
    if q.kind == Kind.RANKING:
        ranks = {}
        for i, option in enumerate(q.options):
            value = str(typed.get(_field(q, f"-o{i}"), "")).strip()
            if value:
                if not value.isdigit() or not 1 <= int(value) <= len(q.options):
                    return None, gettext(
                        "Give each option a different rank from 1 to %(n)d.", n=len(q.options)
                    )
                ranks[option] = int(value)
        if not ranks:
            return None, None
        if len(ranks) < len(q.options) or len(set(ranks.values())) != len(ranks):
            return None, gettext("Give each option a different rank from 1 to %(n)d.", n=len(q.options))
        return sorted(ranks, key=ranks.get), None
    text = str(main).strip()
    if not text:
        return None, None
    if q.kind == Kind.FILE:
        return (text, None) if text in _pending.get() else (None, gettext("Choose the file again."))
    if q.kind == Kind.NUMBER:
        value = _parse_number(text)
        if value is None:
            return None, gettext("Write a number, for example 12 or 3,5.")
        if (q.min_value is not None and value < q.min_value) or (
            q.max_value is not None and value > q.max_value
        ):
            return None, gettext("Give a number within the range asked.")
        return (int(value) if value.is_integer() and abs(value) < 2**53 else value), None
    if q.kind == Kind.DATE:
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            return None, gettext("Give a date as the calendar shows it, for example 2026-12-01.")
        if not 1900 <= value.year < 2100:
            return None, gettext("Give a date between 1900 and 2099.")
        return value.isoformat(), None
    limit = TEXT_LIMIT[q.kind]
    if len(text) > limit:
        return None, gettext("Write at most %(n)d characters.", n=limit)
    return text, None


def validate_answers(
    questions: list[Question],
    typed: dict[str, Any],
    *,
    complete: bool = True,
    who: "Respondent | None" = None,
    survey: Survey | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Clean answers of the questions shown, or :class:`AnswerErrors`. Questions hidden by their
    condition are neither checked nor kept; ``complete`` also asks for every required one. A file
    question's answer is the id of a file ``who`` uploaded to ``survey`` and has not sent yet;
    ``errors`` are those found before (an upload refused), kept beside the others."""
    answers: dict[str, Any] = {}
    errors = dict(errors or {})
    held = _held_files(survey, who, typed, questions) if survey is not None else set()
    token = _pending.set(held)
    try:
        return _validate(questions, typed, complete, answers, errors)
    finally:
        _pending.reset(token)


def _validate(questions, typed, complete, answers, errors) -> dict[str, Any]:
    shown: set[uuid.UUID] = set()
    for q in questions:
        if q.show_if_id is not None and not (
            q.show_if_id in shown and _matches(answers.get(str(q.show_if_id)), q.show_if_value)
        ):
            continue
        shown.add(q.id)
        if q.kind == Kind.SECTION:
            continue
        if str(q.id) in errors:
            continue
        value, error = _parse_one(q, typed)
        if error:
            errors[str(q.id)] = error
        elif value is None:
            if complete and q.required:
                errors[str(q.id)] = gettext("This question needs an answer.")
        else:
            answers[str(q.id)] = value
    errors = {k: v for k, v in errors.items() if any(str(q.id) == k for q in questions if q.id in shown)}
    if errors:
        raise AnswerErrors(errors)
    return answers


@dataclasses.dataclass
class Respondent:
    """Who answers: a signed-in account, an invitation's holder, or a visitor (neither)."""

    account: Any = None
    invitation: Invitation | None = None


def invitation_for(survey: Survey, invitation_id: Any) -> Invitation | None:
    if not invitation_id:
        return None
    try:
        key = uuid.UUID(str(invitation_id))
    except ValueError:
        return None
    invitation = db.session.get(Invitation, (active_tenant_id(), key))
    return invitation if invitation is not None and invitation.survey_id == survey.id else None


def _member_of_audience_organisation(survey: Survey, account: Any) -> bool:
    return any(o.id in set(survey.organisation_ids or []) for o in representable_organisations(account))


def representable_organisations(account: Any) -> list[Organisation]:
    """The organisations ``account`` may answer for here: theirs, approved by this municipality."""
    if account is None:
        return []
    mine = [m.organisation_id for m in organisations_of(account)]
    if not mine:
        return []
    approved = (
        sa.select(Affiliation.organisation_id)
        .where(Affiliation.organisation_id.in_(mine), Affiliation.status == AffiliationStatus.APPROVED.value)
        .scalar_subquery()
    )
    found = db.session.execute(sa.select(Organisation).where(Organisation.id.in_(approved))).scalars()
    return sorted(found, key=lambda o: o.name.casefold())


def check_may_answer(survey: Survey, who: Respondent, *, now: dt.datetime | None = None) -> None:
    """Refuse when the survey is not open, the person is not in its audience (403), or has
    answered already (409)."""
    current = state(survey, now)
    if current in ("upcoming", "draft"):
        raise RuleViolation(gettext("This survey is not open yet."), code="not_open")
    if current != "open":
        raise RuleViolation(gettext("This survey is closed."), code="closed")
    if survey.audience == Audience.INVITED or who.invitation is not None:
        if who.invitation is None:
            raise RuleViolation(
                gettext("This survey is answered by invitation: use the link in your e-mail."),
                status=403,
                code="invitation_needed",
            )
        if who.invitation.used_at is not None:
            raise RuleViolation(gettext("This invitation has been used already."), code="invitation_used")
        return
    if survey.audience != Audience.PUBLIC and who.account is None:
        raise RuleViolation(gettext("Sign in to answer this survey."), status=403, code="sign_in")
    if survey.audience == Audience.ORGANISATIONS and not _member_of_audience_organisation(
        survey, who.account
    ):
        raise RuleViolation(
            gettext("This survey is for the organisations the municipality invited."),
            status=403,
            code="not_in_audience",
        )
    if who.account is not None and has_answered(survey, who.account):
        raise RuleViolation(gettext("You have answered this survey already. Thank you!"), code="answered")


def has_answered(survey: Survey, account: Any) -> bool:
    return (
        db.session.execute(
            sa.select(Participation.id).where(
                Participation.survey_id == survey.id, Participation.account_id == account.id
            )
        ).first()
        is not None
    )


def get_draft(survey: Survey, who: Respondent) -> Draft | None:
    if who.invitation is not None:
        where = Draft.invitation_id == who.invitation.id
    elif who.account is not None:
        where = Draft.account_id == who.account.id
    else:
        return None
    return db.session.execute(
        sa.select(Draft).where(Draft.survey_id == survey.id, where)
    ).scalar_one_or_none()


def save_draft(survey: Survey, who: Respondent, typed: dict[str, Any]) -> Draft:
    """Keep the answers typed so far, as typed, to finish later (signed-in people and invitations)."""
    check_may_answer(survey, who)
    if who.account is None and who.invitation is None:
        raise RuleViolation(
            gettext("Sign in to save your answers and finish later."), status=403, code="sign_in"
        )
    draft = get_draft(survey, who)
    if draft is None:
        draft = Draft(
            survey_id=survey.id,
            account_id=who.account.id if who.invitation is None else None,
            invitation_id=who.invitation.id if who.invitation is not None else None,
        )
        db.session.add(draft)
    draft.answers = dict(typed)
    draft.updated_at = utcnow_aware()
    db.session.flush()
    return draft


def submit(
    survey: Survey,
    who: Respondent,
    typed: dict[str, Any],
    *,
    organisation_id: int | None = None,
    receipt: bool = False,
    now: dt.datetime | None = None,
    upload_errors: dict[str, str] | None = None,
) -> Response:
    """Record a response, once per person or invitation whatever the concurrency: the
    participation's unique key decides, and the invitation's row is locked while it is used."""
    check_may_answer(survey, who, now=now)
    questions = questions_of(survey)
    answers = validate_answers(questions, typed, complete=True, who=who, survey=survey, errors=upload_errors)
    allowed = {o.id for o in representable_organisations(who.account)} if survey.on_behalf else set()
    if organisation_id is not None and organisation_id not in allowed:
        raise RuleViolation(
            gettext("You cannot answer on behalf of this organisation."),
            status=403,
            field="organisation_id",
            code="not_representative",
        )
    if who.invitation is not None:
        locked = db.session.execute(
            sa.select(Invitation).where(Invitation.id == who.invitation.id).with_for_update()
        ).scalar_one()
        if locked.used_at is not None:
            raise RuleViolation(gettext("This invitation has been used already."), code="invitation_used")
        locked.used_at = now or utcnow_aware()
    if who.invitation is not None or who.account is not None:
        participation = Participation(
            survey_id=survey.id,
            account_id=who.account.id if who.invitation is None and who.account is not None else None,
            invitation_id=who.invitation.id if who.invitation is not None else None,
        )
        try:
            with db.session.begin_nested():
                db.session.add(participation)
        except sa.exc.IntegrityError:
            raise RuleViolation(
                gettext("You have answered this survey already. Thank you!"), code="answered"
            ) from None
    submitted_at = now or utcnow_aware()
    extra: dict[str, Any] = {}
    if survey.anonymous:
        # nothing may tie an anonymous response to the participation recorded beside it: no
        # time-ordered id (a UUIDv7 carries the millisecond) and only the day of the answer
        extra["id"] = uuid.uuid4()
        submitted_at = submitted_at.replace(hour=0, minute=0, second=0, microsecond=0)
    response = Response(
        survey_id=survey.id,
        account_id=who.account.id if who.account is not None and not survey.anonymous else None,
        organisation_id=organisation_id,
        answers=answers,
        submitted_at=submitted_at,
        **extra,
    )
    db.session.add(response)
    db.session.flush()
    _send_files(survey, who, response, answers)
    draft = get_draft(survey, who)
    if draft is not None:
        db.session.delete(draft)
    db.session.flush()
    if receipt:
        address = who.invitation.email if who.invitation is not None else getattr(who.account, "email", None)
        if address:
            _receipt(survey, address, who.account)
    return response


def _receipt(survey: Survey, address: str, account: Any) -> None:
    tenant = tenant_info(active_tenant_id())
    locale = mail_locale(account, tenant)
    with force_locale(locale):
        body = "\n\n".join(
            [
                gettext("Thank you: your answers to “%(title)s” are recorded.", title=survey.title),
                gettext(
                    "The results will be at %(url)s when the municipality publishes them.", url=_link(survey)
                ),
                tenant.name,
            ]
        )
        subject = gettext("Your answers are recorded")
        send_mail(Mail(to=[address], subject=f"{subject} · {tenant.name}", text=body))


def mail_locale(account: Any, tenant: Any) -> str:
    locale = getattr(account, "locale", None)
    return locale if locale in (tenant.locales or ()) else tenant.default_locale


def _link(survey: Survey, path: str = "") -> str:
    tenant = tenant_info(active_tenant_id())
    return external_url(tenant.primary_host, f"/surveys/{survey.id}{path}")


# --- invitations --------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_addresses(text: str) -> list[str]:
    """E-mail addresses typed one per line (or separated by commas), checked and lower-cased."""
    found: dict[str, None] = {}
    for raw in (text or "").replace(",", "\n").replace(";", "\n").splitlines():
        raw = raw.strip()
        if not raw:
            continue
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", raw) or len(raw) > 254:
            raise RuleViolation(
                gettext("“%(address)s” is not an e-mail address.", address=raw[:100]),
                field="addresses",
                code="address",
            )
        found[raw.lower()] = None
    if not found:
        raise RuleViolation(gettext("Give at least one e-mail address."), field="addresses", code="addresses")
    if len(found) > MAX_INVITATIONS:
        raise RuleViolation(
            gettext("At most %(n)d addresses at a time.", n=MAX_INVITATIONS),
            field="addresses",
            code="addresses",
        )
    return list(found)


def invite(survey: Survey, addresses: list[str]) -> int:
    """Mail each new address a single-use link (addresses invited before are skipped); the link's
    token is kept only as a hash. Returns how many were invited. Transactional (``send_mail``,
    not ``notify``): an invitation to addresses, not to accounts with settings (docs/jobs-mail)."""
    if survey.audience != Audience.INVITED:
        raise RuleViolation(
            gettext("Only a survey for invited people sends invitations."), field="addresses", code="audience"
        )
    if state(survey) == "closed":
        raise RuleViolation(gettext("This survey is closed."), code="closed")
    known = set(
        db.session.execute(sa.select(Invitation.email).where(Invitation.survey_id == survey.id)).scalars()
    )
    tenant = tenant_info(active_tenant_id())
    sent = 0
    for address in addresses:
        if address in known:
            continue
        token = secrets.token_urlsafe(24)
        db.session.add(Invitation(survey_id=survey.id, email=address, token_hash=_hash(token)))
        link = external_url(tenant.primary_host, f"/surveys/invitation/{token}")
        with force_locale(tenant.default_locale):
            body = "\n\n".join(
                [
                    gettext(
                        "%(municipality)s invites you to answer the survey “%(title)s”.",
                        municipality=tenant.name,
                        title=survey.title,
                    ),
                    gettext("Your personal link (it works once): %(link)s", link=link),
                    gettext("Anonymous: your answers are not linked to your name or address.")
                    if survey.anonymous
                    else gettext("Attributed: the municipality sees your answers with your address."),
                    tenant.name,
                ]
            )
            subject = gettext("A survey for you")
            send_mail(Mail(to=[address], subject=f"{subject} · {tenant.name}", text=body))
        sent += 1
    db.session.flush()
    return sent


def redeem(token: str) -> Invitation | None:
    """The invitation a link's token belongs to (used or not), or None."""
    if not token or len(token) > 100:
        return None
    return db.session.execute(
        sa.select(Invitation).where(Invitation.token_hash == _hash(token))
    ).scalar_one_or_none()


def invitations_of(survey: Survey) -> list[Invitation]:
    return list(
        db.session.execute(
            sa.select(Invitation)
            .where(Invitation.survey_id == survey.id)
            .order_by(Invitation.sent_at, Invitation.email)
        ).scalars()
    )


# --- translations ------------------------------------------------------------------------------


def own_locale() -> str:
    """The language surveys are written in: the municipality's default language."""
    return tenant_info(active_tenant_id()).default_locale


def translation_locales() -> list[str]:
    """The municipality's other enabled languages, into which staff may translate a survey."""
    tenant = tenant_info(active_tenant_id())
    return [loc for loc in (tenant.locales or ()) if loc != tenant.default_locale]


def get_translation(survey: Survey, locale: str) -> SurveyTranslation | None:
    return db.session.execute(
        sa.select(SurveyTranslation).where(
            SurveyTranslation.survey_id == survey.id, SurveyTranslation.locale == locale
        )
    ).scalar_one_or_none()


def translations_of(survey: Survey) -> dict[str, SurveyTranslation]:
    rows = db.session.execute(sa.select(SurveyTranslation).where(SurveyTranslation.survey_id == survey.id))
    return {t.locale: t for t in rows.scalars()}


def save_translation(
    survey: Survey, locale: str, *, title: str, introduction: str = "", texts: dict[str, Any] | None = None
) -> SurveyTranslation:
    """Keep the survey in ``locale`` (one of the municipality's other languages). Per question:
    prompt, help, and the options and statements in the originals' order (as many, at most);
    what is left blank is shown in the survey's own language."""
    if locale not in translation_locales():
        raise RuleViolation(
            gettext("Choose one of the municipality's other languages."), status=404, code="locale"
        )
    title = " ".join((title or "").split())[:200]
    if not title:
        raise RuleViolation(gettext("Give the survey a title."), field="title", code="title_missing")
    clean: dict[str, Any] = {}
    questions = questions_of(survey)
    for q in questions:
        given = (texts or {}).get(str(q.id)) or {}

        def lines(key: str, count: int, given: dict = given) -> list[str]:
            values = [" ".join(str(v or "").split())[:200] for v in list(given.get(key) or [])[:count]]
            return values + [""] * (count - len(values))

        clean[str(q.id)] = {
            "prompt": " ".join(str(given.get("prompt") or "").split())[:500],
            "help": str(given.get("help") or "").strip()[:1000],
            "options": lines("options", len(q.options)),
            "rows": lines("rows", len(q.rows)),
        }
    found = get_translation(survey, locale)
    if found is None:
        found = SurveyTranslation(survey_id=survey.id, locale=locale)
        db.session.add(found)
    found.title, found.introduction, found.texts = title, (introduction or "")[:5000], clean
    found.sources = sources_of(survey, questions)
    db.session.flush()
    return found


# A translation remembers what it was made from: a fingerprint of the survey's title and
# introduction (key "") and of each question's texts (prompt, hint, options, statements), taken
# when staff save it. Compared with the originals as they are now, they tell which parts changed
# since (no trigger: read when the translation is read); saving the translation again takes them
# anew. A translation saved before fingerprints were kept has none, and is not flagged.


def _fingerprint(*parts: Any) -> str:
    import json

    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:16]


def _survey_source(survey: Survey) -> str:
    return _fingerprint(survey.title, survey.introduction or "")


def _question_source(q: Question) -> str:
    return _fingerprint(q.prompt, q.help or "", list(q.options or []), list(q.rows or []))


def sources_of(survey: Survey, questions: list[Question]) -> dict[str, str]:
    """The fingerprints of the survey's texts as they are now (what a translation is made from)."""
    return {"": _survey_source(survey), **{str(q.id): _question_source(q) for q in questions}}


@dataclasses.dataclass
class Staleness:
    """What changed in the original since a translation was saved: the title or introduction
    (``survey``), the questions changed or added (``changed``, in order), how many were removed."""

    survey: bool = False
    changed: list[Question] = dataclasses.field(default_factory=list)
    removed: int = 0

    @property
    def stale(self) -> bool:
        return self.survey or bool(self.changed) or bool(self.removed)

    @property
    def changed_ids(self) -> set[uuid.UUID]:
        return {q.id for q in self.changed}


def staleness(survey: Survey, translation: SurveyTranslation | None, questions: list[Question]) -> Staleness:
    """How far ``translation`` is behind the survey's ``questions`` (all of them, sections too)."""
    sources = (translation.sources if translation is not None else None) or {}
    if not sources:
        return Staleness()
    ids = {str(q.id) for q in questions}
    return Staleness(
        survey=sources.get("") != _survey_source(survey),
        changed=[q for q in questions if sources.get(str(q.id)) != _question_source(q)],
        removed=len([k for k in sources if k and k not in ids]),
    )


@dataclasses.dataclass
class Shown:
    """A question as a person reads it: in their language when translated, else the original.
    ``options`` pairs each original option (the value sent and stored) with its label."""

    prompt: str
    help: str
    options: list[tuple[str, str]]
    rows: list[str]
    show_if_label: str


def localized(survey: Survey, questions: list[Question], locale: str | None) -> tuple[str, str, dict]:
    """The title, introduction and questions (``{question id: Shown}``) in ``locale`` when staff
    translated the survey into it, falling back to the survey's own text piece by piece.

    A part whose original changed since the translation was saved is shown in the original, all
    of it (a question: prompt, hint, options and statements; or the title with the introduction),
    until staff save the translation again: nobody answers a wording that is no longer the
    question asked. The other parts stay translated."""
    found = get_translation(survey, locale) if locale and locale != own_locale() else None
    texts = found.texts if found is not None else {}
    sources = (found.sources if found is not None else None) or {}
    by_id = {q.id: q for q in questions}
    shown: dict[uuid.UUID, Shown] = {}
    for q in questions:
        changed = bool(sources) and sources.get(str(q.id)) != _question_source(q)
        t = {} if changed else (texts.get(str(q.id)) or {})
        labels = [
            (t.get("options") or [])[i] if i < len(t.get("options") or []) else ""
            for i in range(len(q.options))
        ]
        rows = [(t.get("rows") or [])[i] if i < len(t.get("rows") or []) else "" for i in range(len(q.rows))]
        shown[q.id] = Shown(
            prompt=t.get("prompt") or q.prompt,
            help=t.get("help") or q.help,
            options=[(o, labels[i] or o) for i, o in enumerate(q.options)],
            rows=[rows[i] or r for i, r in enumerate(q.rows)],
            show_if_label=q.show_if_value,
        )
    for q in questions:  # a condition is read in the language of the option it names
        target = by_id.get(q.show_if_id) if q.show_if_id else None
        if target is not None:
            shown[q.id].show_if_label = dict(shown[target.id].options).get(q.show_if_value, q.show_if_value)
    if found is None or (sources and sources.get("") != _survey_source(survey)):
        return survey.title, survey.introduction, shown
    return found.title or survey.title, found.introduction or survey.introduction, shown


# --- files ---------------------------------------------------------------------------------------

#: what a file answer may be, by its first bytes (its name and the browser's word do not count)
FILE_TYPES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
#: the file ids the respondent being validated holds (pending uploads of theirs)
_pending: ContextVar[set[str]] = ContextVar("surveys_pending_files", default=set())  # noqa: B039


def max_file_bytes() -> int:
    """The municipality's limit, never above the platform's upload limit (checked before the
    request body is read)."""
    from flask import current_app

    mine = int(settings().get("max_file_mb", 5)) * 1024 * 1024
    return min(mine, int(current_app.config.get("MAX_CONTENT_LENGTH") or mine))


def sniff(data: bytes) -> str | None:
    return next((kind for magic, kind, _ext in FILE_TYPES if data.startswith(magic)), None)


def _owner(who: "Respondent") -> tuple[int | None, uuid.UUID | None]:
    if who.invitation is not None:
        return None, who.invitation.id
    return (who.account.id if who.account is not None else None), None


def store_upload(
    survey: Survey, question: Question, who: "Respondent", filename: str, data: bytes
) -> UploadedFile:
    """Keep an uploaded file as pending, the respondent's until they send their answers, or
    refuse it (:class:`RuleViolation`, 413 too large, 415 not a PDF, PNG or JPEG) by its content."""
    if question.kind != Kind.FILE or question.survey_id != survey.id:
        abort(404)
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "file"
    limit = max_file_bytes()
    if not data:
        raise RuleViolation(
            gettext("The file is empty."), status=422, field=str(question.id), code="file_empty"
        )
    if len(data) > limit:
        raise RuleViolation(
            gettext("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)),
            status=413,
            field=str(question.id),
            code="file_too_large",
        )
    kind = sniff(data)
    if kind is None:
        raise RuleViolation(
            gettext("Send a PDF, PNG or JPEG file."), status=415, field=str(question.id), code="file_type"
        )
    account_id, invitation_id = _owner(who)
    stored = UploadedFile(
        survey_id=survey.id,
        question_id=question.id,
        account_id=account_id,
        invitation_id=invitation_id,
        filename=name,
        content_type=kind,
        size=len(data),
        content=data,
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def store_uploads(
    survey: Survey, questions: list[Question], who: "Respondent", files: Any, typed: dict[str, Any]
) -> dict[str, str]:
    """The files a form sent, stored as pending; ``typed`` gets each one's id (so a page with an
    error, and a draft, keep it). Returns the refusals, by question id."""
    errors: dict[str, str] = {}
    limit = max_file_bytes()
    for q in questions:
        if q.kind != Kind.FILE:
            continue
        storage = files.get(_field(q)) if files is not None else None
        if storage is None or not storage.filename:
            continue
        data = storage.stream.read(limit + 1)
        try:
            stored = store_upload(survey, q, who, storage.filename, data)
        except RuleViolation as exc:
            errors[str(q.id)] = exc.message
        else:
            typed[_field(q)] = str(stored.id)
    return errors


def _held_files(
    survey: Survey, who: "Respondent | None", typed: dict[str, Any], questions: list[Question]
) -> set[str]:
    """Of the file ids typed, those ``who`` uploaded to ``survey`` and has not sent yet."""
    ids = []
    for q in questions:
        if q.kind == Kind.FILE:
            try:
                ids.append(uuid.UUID(str(typed.get(_field(q), ""))))
            except ValueError:
                continue
    if not ids:
        return set()
    account_id, invitation_id = _owner(who or Respondent())
    query = sa.select(UploadedFile.id).where(
        UploadedFile.id.in_(ids),
        UploadedFile.survey_id == survey.id,
        UploadedFile.response_id.is_(None),
        UploadedFile.account_id.is_(None) if account_id is None else UploadedFile.account_id == account_id,
        UploadedFile.invitation_id.is_(None)
        if invitation_id is None
        else UploadedFile.invitation_id == invitation_id,
    )
    return {str(i) for i in db.session.execute(query).scalars()}


def kept_files(survey: Survey, typed: dict[str, Any]) -> dict[str, UploadedFile]:
    """Pending files named by the typed answers (to say which file is kept on a page again)."""
    ids = []
    for value in typed.values():
        if isinstance(value, str) and len(value) == 36:
            try:
                ids.append(uuid.UUID(value))
            except ValueError:
                continue
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(UploadedFile).where(
            UploadedFile.id.in_(ids), UploadedFile.survey_id == survey.id, UploadedFile.response_id.is_(None)
        )
    ).scalars()
    return {str(f.id): f for f in rows}


def _send_files(survey: Survey, who: "Respondent", response: Response, answers: dict[str, Any]) -> None:
    """The files answered now belong to the response alone (nothing ties an anonymous answer's
    file to its sender); the respondent's other pending files of this survey go."""
    file_ids = [uuid.UUID(v) for k, v in answers.items() if isinstance(v, str) and _is_file_key(survey, k)]
    quiet = {"synchronize_session": False}
    if file_ids:
        db.session.execute(
            sa.update(UploadedFile)
            .where(UploadedFile.id.in_(file_ids), UploadedFile.survey_id == survey.id)
            .values(response_id=response.id, account_id=None, invitation_id=None)
            .execution_options(**quiet)
        )
    account_id, invitation_id = _owner(who)
    if account_id is not None or invitation_id is not None:
        db.session.execute(
            sa.delete(UploadedFile)
            .where(
                UploadedFile.survey_id == survey.id,
                UploadedFile.response_id.is_(None),
                UploadedFile.account_id == account_id
                if account_id is not None
                else UploadedFile.invitation_id == invitation_id,
            )
            .execution_options(**quiet)
        )


def _is_file_key(survey: Survey, key: str) -> bool:
    return key in {str(q.id) for q in questions_of(survey) if q.kind == Kind.FILE}


def file_download(found: Any) -> Any:
    """A file sent as an answer, as staff get it from the page and the API alike: always a
    download (never shown inline), of the type its content was found to be, never cached."""
    from urllib.parse import quote

    from flask import Response

    return Response(
        found.content,
        mimetype=found.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


def get_file(survey: Survey, file_id: Any) -> UploadedFile:
    """A file sent with a response (staff download it), or 404."""
    try:
        key = uuid.UUID(str(file_id))
    except ValueError:
        abort(404)
    found = db.session.get(UploadedFile, (active_tenant_id(), key))
    if found is None or found.survey_id != survey.id or found.response_id is None:
        abort(404)
    return found


def files_listed(survey: Survey, limit: int = 200) -> dict[uuid.UUID, list[UploadedFile]]:
    """The files sent, per question, the first ``limit`` of each (without their content)."""
    ranked = (
        sa.select(
            UploadedFile.id,
            sa.func.row_number()
            .over(partition_by=UploadedFile.question_id, order_by=(UploadedFile.created_at, UploadedFile.id))
            .label("n"),
        )
        .where(UploadedFile.survey_id == survey.id, UploadedFile.response_id.is_not(None))
        .subquery()
    )
    rows = db.session.execute(
        sa.select(UploadedFile)
        .join(ranked, ranked.c.id == UploadedFile.id)
        .where(ranked.c.n <= limit)
        .order_by(UploadedFile.question_id, ranked.c.n)
    ).scalars()
    out: dict[uuid.UUID, list[UploadedFile]] = {}
    for f in rows:
        out.setdefault(f.question_id, []).append(f)
    return out


# --- results ------------------------------------------------------------------------------------


@dataclasses.dataclass
class Bar:
    label: str
    count: int | None  # None: hidden (fewer than SUPPRESS_BELOW on public results)
    percent: float | None


@dataclasses.dataclass
class QuestionResult:
    question: Question
    answered: int
    bars: list[Bar] = dataclasses.field(default_factory=list)
    average: float | None = None
    matrix: list[tuple[str, list[Bar]]] = dataclasses.field(default_factory=list)
    texts: list[Any] = dataclasses.field(default_factory=list)
    suppressed: bool = False
    written: int = 0  # written answers in all (``texts`` lists the first TEXTS_LISTED)


def _answers_stream(survey: Survey) -> Iterator[tuple[uuid.UUID, dict[str, Any]]]:
    """Every response's id and answers, read in batches (bounded memory for large surveys)."""
    result = db.session.execute(
        sa.select(Response.id, Response.answers)
        .where(Response.survey_id == survey.id)
        .order_by(Response.submitted_at, Response.id)
        .execution_options(yield_per=500)
    )
    for response_id, answers in result:
        yield response_id, answers or {}


@dataclasses.dataclass
class TextAnswer:
    """A written answer (a text, or the "other" of a choice) and whether staff published it."""

    response_id: uuid.UUID
    text: str
    published: bool

    def __str__(self) -> str:
        return self.text


def published_texts(survey: Survey) -> set[tuple[uuid.UUID, uuid.UUID]]:
    """(response, question) pairs whose written answer staff chose to show in public."""
    return set(
        db.session.execute(
            sa.select(PublishedText.response_id, PublishedText.question_id)
            .join(
                Question,
                sa.and_(
                    Question.tenant_id == PublishedText.tenant_id, Question.id == PublishedText.question_id
                ),
            )
            .where(Question.survey_id == survey.id)
        ).all()
    )


def publish_text(survey: Survey, response_id: Any, question_id: Any, *, publish: bool) -> None:
    """Show (or hide again) one written answer in the public results: moderation by staff."""
    question = get_question(survey, uuid.UUID(str(question_id)))
    response = db.session.get(Response, (active_tenant_id(), uuid.UUID(str(response_id))))
    if (
        response is None
        or response.survey_id != survey.id
        or str(question.id) not in (response.answers or {})
    ):
        abort(404)
    existing = db.session.execute(
        sa.select(PublishedText).where(
            PublishedText.response_id == response.id, PublishedText.question_id == question.id
        )
    ).scalar_one_or_none()
    if publish and existing is None:
        db.session.add(PublishedText(response_id=response.id, question_id=question.id))
    elif not publish and existing is not None:
        db.session.delete(existing)
    db.session.flush()


def suppress_below() -> int:
    return max(SUPPRESS_BELOW, int(settings().get("min_public_count", SUPPRESS_BELOW)))


def _bars(
    labels: list[str], counts: Counter, total: int, public: bool, floor: int = SUPPRESS_BELOW
) -> list[Bar]:
    bars = []
    for label in labels:
        n = counts.get(label, 0)
        hide = public and 0 < n < floor
        bars.append(Bar(label, None if hide else n, None if hide or not total else 100.0 * n / total))
    return bars


#: written answers listed per question on the results page (the staff's CSV export has them all)
TEXTS_LISTED = 200


@dataclasses.dataclass
class _Tally:
    """What one pass over the answers gathers, whichever way it is computed."""

    total: int = 0
    counts: dict[str, Counter] = dataclasses.field(default_factory=dict)
    answered: Counter = dataclasses.field(default_factory=Counter)
    sums: Counter = dataclasses.field(default_factory=Counter)
    texts: dict[str, list[TextAnswer]] = dataclasses.field(default_factory=dict)
    written: Counter = dataclasses.field(default_factory=Counter)  # written answers per question


def _tally_python(questions: list[Question], survey: Survey, shown: set, public: bool) -> _Tally:
    """The answers read in batches and counted here: SQLite (the demo), and the reference the
    PostgreSQL aggregation is tested against."""
    tally = _Tally(counts={str(q.id): Counter() for q in questions}, texts={str(q.id): [] for q in questions})
    by_id = {str(q.id): q for q in questions}

    def write(key: str, response_id: uuid.UUID, q: Question, text: str) -> None:
        published = (response_id, q.id) in shown
        if public and not published:
            return
        tally.written[key] += 1
        if len(tally.texts[key]) < TEXTS_LISTED:
            tally.texts[key].append(TextAnswer(response_id, text, published))

    for response_id, answers in _answers_stream(survey):
        tally.total += 1
        for key, value in answers.items():
            q = by_id.get(key)
            if q is None:
                continue
            tally.answered[key] += 1
            c = tally.counts[key]
            if q.kind == Kind.SINGLE:
                if value in q.options:
                    c[value] += 1
                else:
                    c[OTHER] += 1
                    write(key, response_id, q, str(value))
            elif q.kind == Kind.MULTIPLE:
                for v in value:
                    if v in q.options:
                        c[v] += 1
                    else:
                        c[OTHER] += 1
                        write(key, response_id, q, str(v))
            elif q.kind in (Kind.RATING5, Kind.RATING10, Kind.NUMBER):
                c[str(value)] += 1
                tally.sums[key] += value
            elif q.kind == Kind.LIKERT:
                for row, option in value.items():
                    c[(row, option)] += 1
            elif q.kind == Kind.RANKING:
                for rank, option in enumerate(value):
                    c[option] += len(q.options) - rank  # Borda points: first place scores most
            elif q.kind == Kind.DATE:
                c[value] += 1
            elif q.kind != Kind.FILE:  # a file is counted as answered, no more
                write(key, response_id, q, str(value))
    return tally


#: one pass over the answers (``jsonb_each``), every answer cut into atoms and grouped: a scalar
#: (a choice, a rating, a number, a date) is ``(value, '')``, a list (multiple choice, ranking)
#: ``(element, rank)``, a Likert matrix ``(statement, option)``; ``value IS NULL`` rows count who
#: answered each question (GROUPING SETS: both in the same pass). Written answers are counted
#: there too, but not grouped by their text (each would be a group of its own).
_TALLY = """
SELECT e.key, x.label, x.detail, count(*)
FROM surveys_responses r
CROSS JOIN LATERAL jsonb_each(CAST(r.answers AS jsonb)) e
CROSS JOIN LATERAL (
  SELECT e.value #>> '{}' AS label, '' AS detail
    WHERE jsonb_typeof(e.value) IN ('string', 'number') AND NOT e.key = ANY(:written)
  UNION ALL
  SELECT element, CAST(rank AS text) FROM jsonb_array_elements_text(
      CASE WHEN jsonb_typeof(e.value) = 'array' THEN e.value ELSE '[]'::jsonb END
    ) WITH ORDINALITY AS t(element, rank)
  UNION ALL
  SELECT o.key, o.value FROM jsonb_each_text(
      CASE WHEN jsonb_typeof(e.value) = 'object' THEN e.value ELSE '{}'::jsonb END) AS o
  UNION ALL
  SELECT NULL, NULL
) x
WHERE r.tenant_id = :tenant AND r.survey_id = :survey AND e.key = ANY(:keys)
GROUP BY e.key, x.label, x.detail
"""
#: the written answers listed: texts, and choices outside the options (``:options``), the first
#: few per question in the order they came, with how many there are in all
_WRITTEN = """
SELECT key, text, listed, written, id FROM (
  SELECT r.id, e.key, t.text,
    row_number() OVER (PARTITION BY e.key ORDER BY r.submitted_at, r.id, t.n) AS listed,
    count(*) OVER (PARTITION BY e.key) AS written
  FROM surveys_responses r
  CROSS JOIN LATERAL jsonb_each(CAST(r.answers AS jsonb)) e
  CROSS JOIN LATERAL jsonb_array_elements_text(
    CASE WHEN jsonb_typeof(e.value) = 'array' THEN e.value ELSE jsonb_build_array(e.value) END
  ) WITH ORDINALITY AS t(text, n)
  WHERE r.tenant_id = :tenant AND r.survey_id = :survey AND e.key = ANY(:keys)
    AND NOT jsonb_exists(COALESCE(CAST(:options AS jsonb) -> e.key, '[]'::jsonb), t.text)
    AND (NOT :public OR EXISTS (
      SELECT 1 FROM surveys_published_texts p WHERE p.tenant_id = r.tenant_id AND p.response_id = r.id
      AND CAST(p.question_id AS text) = e.key))
) s WHERE listed <= :listed ORDER BY key, listed
"""


def _tally_sql(questions: list[Question], survey: Survey, shown: set, public: bool) -> _Tally:
    """The same counts grouped by PostgreSQL: three statements whatever the number of answers,
    two passes over them, and only the groups (and the few written answers listed) travel."""
    import json

    tally = _Tally(counts={str(q.id): Counter() for q in questions}, texts={str(q.id): [] for q in questions})
    by_id = {str(q.id): q for q in questions}
    tenant = active_tenant_id()
    tally.total = db.session.execute(
        sa.select(sa.func.count()).select_from(Response).where(Response.survey_id == survey.id)
    ).scalar_one()
    if not tally.total or not by_id:
        return tally
    written = [k for k, q in by_id.items() if q.kind in Kind.TEXT + (Kind.FILE,)]  # not grouped
    base = {"tenant": tenant, "survey": survey.id, "keys": list(by_id)}
    for key, label, detail, n in db.session.execute(sa.text(_TALLY), {**base, "written": written}):
        q = by_id[key]
        if label is None:
            tally.answered[key] = n
            continue
        c = tally.counts[key]
        if q.kind in Kind.CHOICE and label not in q.options:
            c[OTHER] += n
        elif q.kind == Kind.RANKING:
            c[label] += n * (len(q.options) - int(detail) + 1)  # Borda points, as in Python
        elif q.kind == Kind.LIKERT:
            c[(label, detail)] += n
        elif q.kind in (Kind.RATING5, Kind.RATING10, Kind.NUMBER):
            number = float(label)
            number = int(number) if number.is_integer() else number
            c[str(number)] += n
            tally.sums[key] += n * number
        else:
            c[label] += n
    listed = {
        **base,
        "keys": [k for k, q in by_id.items() if q.kind in Kind.CHOICE + Kind.TEXT],
        "options": json.dumps({k: list(q.options) for k, q in by_id.items() if q.kind in Kind.CHOICE}),
        "public": public,
        "listed": TEXTS_LISTED,
    }
    for key, text, _listed, n, response_id in db.session.execute(sa.text(_WRITTEN), listed):
        tally.written[key] = n
        tally.texts[key].append(TextAnswer(response_id, text, (response_id, by_id[key].id) in shown))
    return tally


#: written answers per page of a question's full list (the page and the API)
ANSWERS_PAGE = 50
#: which of a question's written answers a list shows (staff choose; the public: published only)
SHOW = ("all", "published", "unpublished")
#: an offset past any list of answers
FAR_OFFSET = 2**40

#: one page of one question's written answers, in the order of ``_WRITTEN`` (submission, then
#: the element of a list), with whether each is published and how many match in all: a single
#: statement per page whatever the number of answers
_WRITTEN_PAGE = """
SELECT r.id, t.text, p.id IS NOT NULL AS published, count(*) OVER () AS matching
FROM surveys_responses r
CROSS JOIN LATERAL jsonb_array_elements_text(
  CASE WHEN jsonb_typeof(CAST(r.answers AS jsonb) -> :key) = 'array' THEN CAST(r.answers AS jsonb) -> :key
  ELSE jsonb_build_array(CAST(r.answers AS jsonb) -> :key) END
) WITH ORDINALITY AS t(text, n)
LEFT JOIN surveys_published_texts p
  ON p.tenant_id = r.tenant_id AND p.response_id = r.id AND p.question_id = :question
WHERE r.tenant_id = :tenant AND r.survey_id = :survey AND jsonb_exists(CAST(r.answers AS jsonb), :key)
  AND NOT jsonb_exists(CAST(:options AS jsonb), t.text)
  AND (:show = 'all' OR (:show = 'published') = (p.id IS NOT NULL))
ORDER BY r.submitted_at, r.id, t.n
LIMIT :limit OFFSET :offset
"""


def has_written_answers(question: Question) -> bool:
    """Whether a question takes written answers: a text, or a choice's "other"."""
    return question.kind in Kind.TEXT + Kind.CHOICE


@dataclasses.dataclass
class WrittenPage:
    """One page of a question's written answers; ``first`` is the position (from 1) of the first
    in the whole list, ``total`` how many the list has (for the filter chosen)."""

    items: list[TextAnswer]
    total: int
    page: int
    pages: int
    first: int


def written_answers(
    survey: Survey,
    question: Question,
    *,
    public: bool,
    show: str = "all",
    page: int = 1,
    per_page: int = ANSWERS_PAGE,
) -> WrittenPage:
    """Every written answer to ``question`` (a text, or a choice's "other"), a page at a time, in
    the order they came: for staff all of them, or those published or not (``show``); for the
    public (``public``) only those published. A page past the end has no items (``total`` says
    how many there are). On PostgreSQL one statement reads the page (two past the end, to count);
    elsewhere (SQLite, the demo) the answers are read here in batches."""
    if show not in SHOW:
        raise ValueError(show)
    if public:
        show = "published"
    offset = (page - 1) * per_page
    sql = db.session.get_bind().dialect.name == "postgresql"
    total, items = (_written_sql if sql else _written_python)(survey, question, show, offset, per_page)
    return WrittenPage(items, total, page, max(1, -(-total // per_page)), offset + 1)


def _written_options(question: Question) -> list[str]:
    return list(question.options) if question.kind in Kind.CHOICE else []


def _written_sql(
    survey: Survey, question: Question, show: str, offset: int, limit: int
) -> tuple[int, list[TextAnswer]]:
    """A page of written answers read by PostgreSQL: one statement (two past the end, to count)."""
    import json

    params = {
        "tenant": active_tenant_id(),
        "survey": survey.id,
        "question": question.id,
        "key": str(question.id),
        "options": json.dumps(_written_options(question)),
        "show": show,
    }
    rows = (
        db.session.execute(sa.text(_WRITTEN_PAGE), {**params, "limit": limit, "offset": offset}).all()
        if offset < FAR_OFFSET
        else []  # no survey has that many answers (and the offset might not fit a bigint)
    )
    items = [TextAnswer(r.id, r.text, bool(r.published)) for r in rows]
    if rows:
        return rows[0].matching, items
    if not offset:
        return 0, items
    counted = sa.text(f"SELECT count(*) FROM ({_WRITTEN_PAGE}) s")  # noqa: S608 (a constant)
    return db.session.execute(counted, {**params, "limit": None, "offset": 0}).scalar_one(), items


def _written_python(
    survey: Survey, question: Question, show: str, offset: int, limit: int
) -> tuple[int, list[TextAnswer]]:
    """The same page read here (SQLite, the demo; and the reference the SQL is tested against):
    the answers in batches, only the page's kept."""
    shown = {r for r, q in published_texts(survey) if q == question.id}
    options, key = _written_options(question), str(question.id)
    total, items = 0, []
    for response_id, answers in _answers_stream(survey):
        if key not in answers:
            continue
        value = answers[key]
        for text in value if isinstance(value, list) else [value]:
            text = str(text)
            published = response_id in shown
            if text in options or (show != "all" and (show == "published") != published):
                continue
            if offset <= total < offset + limit:
                items.append(TextAnswer(response_id, text, published))
            total += 1
    return total, items


#: tallies computed lately in this process, by municipality, survey, view and what they depend
#: on (the number of answers, the written answers published, the questions): reading the results
#: of 20,000 answers again costs two small statements, not a pass over the answers
_TALLIES: "collections.OrderedDict[tuple, _Tally]" = collections.OrderedDict()
_TALLIES_LOCK = threading.Lock()
TALLIES_KEPT = 32


def _cached(key: tuple) -> "_Tally | None":
    with _TALLIES_LOCK:
        tally = _TALLIES.get(key)
        if tally is not None:
            _TALLIES.move_to_end(key)
        return tally


def _remember(key: tuple, tally: _Tally) -> None:
    with _TALLIES_LOCK:
        _TALLIES[key] = tally
        while len(_TALLIES) > TALLIES_KEPT:
            _TALLIES.popitem(last=False)


def results(survey: Survey, *, public: bool) -> tuple[int, list[QuestionResult]]:
    """Per question: how many answered, counts and percentages of those, averages; free text for
    staff only. On ``public`` results a count below 5 is not shown, nor a question answered by
    fewer than 5 people. On PostgreSQL the database groups the answers (a constant number of
    statements and of rows read, whatever the answers); elsewhere they are counted here."""
    questions = [q for q in questions_of(survey) if q.kind != Kind.SECTION]
    shown = published_texts(survey)
    key = (
        active_tenant_id(),
        survey.id,
        survey.answers_version,
        public,
        response_count(survey),  # answers are only ever added: a new one makes a new key
        hash(frozenset(shown)),
        hash(tuple((q.id, q.kind, tuple(q.options), tuple(q.rows)) for q in questions)),
    )
    tally = _cached(key)
    if tally is None:
        sql = db.session.get_bind().dialect.name == "postgresql"
        tally = (_tally_sql if sql else _tally_python)(questions, survey, shown, public)
        _remember(key, tally)
    out = []
    floor = suppress_below()
    for q in questions:
        key = str(q.id)
        n = tally.answered[key]
        r = QuestionResult(q, n, suppressed=public and 0 < n < floor, written=tally.written[key])
        if r.suppressed:
            out.append(r)
            continue
        c = tally.counts[key]
        if q.kind in Kind.CHOICE:
            labels = list(q.options) + ([OTHER] if q.allow_other or c.get(OTHER) else [])
            r.bars = _bars(labels, c, n, public, floor)
            r.texts = tally.texts[key]
        elif q.kind in (Kind.RATING5, Kind.RATING10):
            low, high = (1, 5) if q.kind == Kind.RATING5 else (0, 10)
            r.bars = _bars([str(i) for i in range(low, high + 1)], c, n, public, floor)
            r.average = tally.sums[key] / n if n else None
        elif q.kind == Kind.NUMBER:
            r.average = tally.sums[key] / n if n else None
        elif q.kind == Kind.LIKERT:
            for row in q.rows:
                row_counts = Counter({o: c.get((row, o), 0) for o in q.options})
                row_total = sum(row_counts.values())
                r.matrix.append((row, _bars(list(q.options), row_counts, row_total, public, floor)))
        elif q.kind == Kind.RANKING:
            points = Counter({o: c.get(o, 0) for o in q.options})
            best = max(points.values()) if points else 0
            r.bars = [
                Bar(o, p, (100.0 * p / best) if best else None) for o, p in points.most_common()
            ]  # points, scaled to the leader; never below the threshold's meaning (sums of ranks)
        elif q.kind == Kind.DATE:
            r.texts = [] if public else sorted(c)
        else:
            r.texts = tally.texts[key]
        out.append(r)
    return tally.total, out


def may_see_results(survey: Survey, staff: bool) -> bool:
    return staff or (survey.published and survey.results_public)


# --- CSV ----------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    """A CSV cell; text starting like a formula is quoted, so a spreadsheet never runs it."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_header(survey: Survey) -> list[str]:
    """The export's first line, in the reader's language (built while the request is there)."""
    header = [gettext("Response"), gettext("Submitted (UTC)")]
    if not survey.anonymous:
        header.append(gettext("Respondent"))
    header.append(gettext("On behalf of"))
    for q in questions_of(survey):
        if q.kind == Kind.LIKERT:
            header += [f"{q.prompt}: {row}" for row in q.rows]
        elif q.kind != Kind.SECTION:
            header.append(q.prompt)
    return header


def csv_rows(survey: Survey, header: list[str] | None = None) -> Iterator[str]:
    """The raw export, one line per response (staff only), streamed: constant memory."""
    questions = [q for q in questions_of(survey) if q.kind != Kind.SECTION]
    header = header if header is not None else csv_header(survey)
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush(row: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(v) for v in row])
        return buffer.getvalue()

    yield "\ufeff" + flush(header)
    keyed = [(str(q.id), q) for q in questions]
    files_at = _link(survey, "/files/")  # a file's cell is the staff's link to it
    result = db.session.execute(
        sa.select(
            Response.id, Response.submitted_at, Response.answers, Account.display_name, Organisation.name
        )
        .outerjoin(Account, Account.id == Response.account_id)
        .outerjoin(Organisation, Organisation.id == Response.organisation_id)
        .where(Response.survey_id == survey.id)
        .order_by(Response.submitted_at, Response.id)
        .execution_options(yield_per=500)
    )
    for response_id, submitted_at, answers, person, organisation in result:
        row: list[Any] = [str(response_id), submitted_at.isoformat(timespec="seconds")]
        if not survey.anonymous:
            row.append(person or "")
        row.append(organisation or "")
        answers = answers or {}
        for key, q in keyed:
            value = answers.get(key)
            if q.kind == Kind.LIKERT:
                row += [(value or {}).get(r, "") for r in q.rows]
            elif q.kind == Kind.FILE and value:
                row.append(files_at + str(value))
            else:
                row.append(value)
        yield flush(row)


# --- references, personal data, retention ----------------------------------------------------


def linkables(ids: list[str]) -> dict[str, Any]:
    """Published surveys among ``ids``, for other plugins' links (a consultation's survey)."""
    from core.toolkit import Linkable

    keys = []
    for ident in ids:
        try:
            keys.append(uuid.UUID(str(ident)))
        except ValueError:
            continue
    if not keys:
        return {}
    rows = db.session.execute(
        sa.select(Survey).where(Survey.id.in_(keys), Survey.published.is_(True))
    ).scalars()
    return {
        str(s.id): Linkable(title=s.title, url=f"/surveys/{s.id}", status=state_label(state(s))) for s in rows
    }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_personal_data(account: Any) -> dict[str, Any] | None:
    """Attributed answers with their questions, drafts, and which surveys the person answered
    (anonymous answers are not linked to them, so they cannot be exported)."""
    responses = db.session.execute(
        sa.select(Response, Survey)
        .join(Survey, sa.and_(Survey.tenant_id == Response.tenant_id, Survey.id == Response.survey_id))
        .where(Response.account_id == account.id)
        .order_by(Response.submitted_at)
    ).all()
    drafts = db.session.execute(
        sa.select(Draft, Survey)
        .join(Survey, sa.and_(Survey.tenant_id == Draft.tenant_id, Survey.id == Draft.survey_id))
        .where(Draft.account_id == account.id)
    ).all()
    answered = db.session.execute(
        sa.select(Participation, Survey)
        .join(
            Survey, sa.and_(Survey.tenant_id == Participation.tenant_id, Survey.id == Participation.survey_id)
        )
        .where(Participation.account_id == account.id)
    ).all()
    if not responses and not drafts and not answered:
        return None

    names = {
        str(file_id): name
        for file_id, name in db.session.execute(
            sa.select(UploadedFile.id, UploadedFile.filename).where(
                UploadedFile.response_id.in_([r.id for r, _s in responses] or [uuid.uuid4()])
            )
        )
    }

    def readable(survey: Survey, answers: dict[str, Any]) -> dict[str, Any]:
        prompts = {str(q.id): q.prompt for q in questions_of(survey)}
        return {
            prompts.get(k, k): (gettext("file “%(name)s”", name=names[v]) if v in names else v)
            for k, v in (answers or {}).items()
        }

    return {
        "answers": [
            {"survey": s.title, "submitted_at": _iso(r.submitted_at), "answers": readable(s, r.answers)}
            for r, s in responses
        ],
        "drafts": [
            {"survey": s.title, "saved_at": _iso(d.updated_at), "typed": d.answers} for d, s in drafts
        ],
        "surveys_answered": [{"survey": s.title, "answered_at": _iso(p.answered_at)} for p, s in answered],
    }


def erase_personal_data(account: Any) -> None:
    """Forget ``account``: drafts and the record of having answered go; attributed answers stay
    in the results without the person (the aggregates stand)."""
    quiet = {"synchronize_session": False}
    # a file may say anything about its sender: it goes with the answer it was (attributed ones;
    # an anonymous answer's file is tied to nobody), and the question counts as unanswered there
    sent = db.session.execute(
        sa.select(UploadedFile.id, Response)
        .join(
            Response,
            sa.and_(Response.tenant_id == UploadedFile.tenant_id, Response.id == UploadedFile.response_id),
        )
        .where(Response.account_id == account.id)
    ).all()
    for file_id, response in sent:
        response.answers = {k: v for k, v in (response.answers or {}).items() if v != str(file_id)}
    if sent:
        db.session.execute(
            sa.update(Survey)
            .where(Survey.id.in_({r.survey_id for _f, r in sent}))
            .values(answers_version=Survey.answers_version + 1)
            .execution_options(**quiet)
        )
    db.session.flush()
    db.session.execute(
        sa.delete(UploadedFile)
        .where(
            sa.or_(
                UploadedFile.account_id == account.id,
                UploadedFile.id.in_([f for f, _r in sent] or [uuid.uuid4()]),
            )
        )
        .execution_options(**quiet)
    )
    db.session.execute(sa.delete(Draft).where(Draft.account_id == account.id).execution_options(**quiet))
    db.session.execute(
        sa.delete(Participation).where(Participation.account_id == account.id).execution_options(**quiet)
    )
    db.session.execute(
        sa.update(Response)
        .where(Response.account_id == account.id)
        .values(account_id=None)
        .execution_options(**quiet)
    )
    db.session.execute(
        sa.update(Survey)
        .where(Survey.created_by_id == account.id)
        .values(created_by_id=None)
        .execution_options(**quiet)
    )
    db.session.expire_all()


def export_guest_data(email: str) -> dict[str, Any] | None:
    rows = db.session.execute(
        sa.select(Invitation, Survey)
        .join(Survey, sa.and_(Survey.tenant_id == Invitation.tenant_id, Survey.id == Invitation.survey_id))
        .where(Invitation.email == email)
    ).all()
    if not rows:
        return None
    return {
        "invitations": [
            {"survey": s.title, "sent_at": _iso(i.sent_at), "used_at": _iso(i.used_at)} for i, s in rows
        ]
    }


def erase_guest_data(email: str) -> None:
    """An invited address goes: the invitation keeps its use (so the link stays single-use)."""
    db.session.execute(
        sa.update(Invitation)
        .where(Invitation.email == email)
        .values(email=sa.literal("erased-") + sa.cast(Invitation.id, sa.String))
        .execution_options(synchronize_session=False)
    )
    for model in (Draft, UploadedFile):
        db.session.execute(
            sa.delete(model)
            .where(model.invitation_id.in_(sa.select(Invitation.id).where(Invitation.email.like("erased-%"))))
            .execution_options(synchronize_session=False)
        )
    db.session.expire_all()


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def purge_invitations(cutoff: dt.datetime) -> int:
    """Invited addresses and unfinished drafts of surveys that closed before ``cutoff``."""
    closed = sa.select(Survey.id).where(Survey.closes_at < _aware(cutoff))
    changed = db.session.execute(
        sa.update(Invitation)
        .where(Invitation.survey_id.in_(closed), ~Invitation.email.like("erased-%"))
        .values(email=sa.literal("erased-") + sa.cast(Invitation.id, sa.String))
        .execution_options(synchronize_session=False)
    ).rowcount
    changed += db.session.execute(
        sa.delete(Draft).where(Draft.survey_id.in_(closed)).execution_options(synchronize_session=False)
    ).rowcount
    changed += db.session.execute(
        sa.delete(UploadedFile)
        .where(UploadedFile.survey_id.in_(closed), UploadedFile.response_id.is_(None))
        .execution_options(synchronize_session=False)
    ).rowcount
    return changed


def purge_attributed(cutoff: dt.datetime) -> int:
    """Attributed answers of surveys that closed before ``cutoff`` lose the person (answers stay)."""
    closed = sa.select(Survey.id).where(Survey.closes_at < _aware(cutoff))
    return db.session.execute(
        sa.update(Response)
        .where(Response.survey_id.in_(closed), Response.account_id.is_not(None))
        .values(account_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount


# --- templates --------------------------------------------------------------------------------


def create_from_starter(
    key: str, locale: str, *, account: Any, opens_at: dt.datetime, closes_at: dt.datetime, **fields: Any
) -> Survey:
    """A draft survey from a shipped template, in ``locale`` (the municipality's language), with
    its translations into the municipality's other languages from the template's own."""
    from plugins.surveys.starters import STARTERS, text

    starter = STARTERS.get(key)
    if starter is None:
        raise RuleViolation(gettext("Choose one of the options listed."), field="starter", code="starter")
    survey = save_survey(
        None,
        account=account,
        title=text(starter["title"], locale),
        introduction=text(starter["introduction"], locale),
        opens_at=opens_at,
        closes_at=closes_at,
        **fields,
    )
    made: list[Question] = []
    for spec in starter["questions"]:
        options = text(spec["options"], locale) if "options" in spec else []
        condition = spec.get("show_if")
        show_if_id = show_if_value = None
        if condition is not None:
            target = made[condition[0]]
            show_if_id, show_if_value = target.id, target.options[condition[1]]
        made.append(
            save_question(
                survey,
                None,
                kind=spec["kind"],
                prompt=text(spec["prompt"], locale),
                required=spec.get("required", False),
                options=options,
                rows=text(spec["rows"], locale) if "rows" in spec else [],
                allow_other=spec.get("allow_other", False),
                min_value=spec.get("min_value"),
                max_value=spec.get("max_value"),
                show_if_id=show_if_id,
                show_if_value=show_if_value or "",
            )
        )
    # the templates are shipped in every language: the survey comes translated into the
    # municipality's other ones (staff adapt the translations with the survey)
    for other in translation_locales():
        if other == locale:
            continue
        texts = {}
        for spec, q in zip(starter["questions"], made, strict=True):
            texts[str(q.id)] = {
                "prompt": text(spec["prompt"], other),
                "options": text(spec["options"], other) if "options" in spec else [],
                "rows": text(spec["rows"], other) if "rows" in spec else [],
            }
        save_translation(
            survey,
            other,
            title=text(starter["title"], other),
            introduction=text(starter["introduction"], other),
            texts=texts,
        )
    return survey


def affiliated_organisations() -> list[Organisation]:
    """The organisations approved in this municipality: the choices of an organisations' survey."""
    ids = list(
        db.session.execute(
            sa.select(Affiliation.organisation_id).where(
                Affiliation.status == AffiliationStatus.APPROVED.value
            )
        ).scalars()
    )
    if not ids:
        return []
    return list(
        db.session.execute(
            sa.select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)
        ).scalars()
    )


def open_surveys_for(account: Any, limit: int = 50) -> list[dict[str, Any]]:
    """Open surveys addressed to one of ``account``'s organisations, in every municipality where
    that organisation is affiliated (approved): those for chosen organisations that include it,
    and those its members may answer on its behalf. Read-only, across tenants, inside
    ``cross_tenant_read()``; returns plain dicts."""
    from core.toolkit import OrganisationMember, cross_tenant_read

    if account is None:
        return []
    now = utcnow_aware()
    with cross_tenant_read():
        affiliated = db.session.execute(
            sa.select(Affiliation.tenant_id, Organisation.id, Organisation.name)
            .join(Organisation, Organisation.id == Affiliation.organisation_id)
            .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
            .where(
                OrganisationMember.account_id == account.id,
                Affiliation.status == AffiliationStatus.APPROVED.value,
            )
            .execution_options(all_tenants=True)
        ).all()
        orgs: dict[int, dict[int, str]] = {}
        for tenant_id, org_id, name in affiliated:
            orgs.setdefault(tenant_id, {})[org_id] = name
        if not orgs:
            return []
        rows = db.session.execute(
            sa.select(Survey)
            .where(
                Survey.tenant_id.in_(list(orgs)),
                Survey.published.is_(True),
                Survey.opens_at <= now,
                Survey.closes_at > now,
                sa.or_(Survey.audience == Audience.ORGANISATIONS, Survey.on_behalf.is_(True)),
            )
            .order_by(Survey.closes_at)
            .limit(limit)
            .execution_options(all_tenants=True)
        ).scalars()
        out = []
        for s in rows:
            mine = orgs[s.tenant_id]
            addressed = (
                [n for o, n in mine.items() if o in set(s.organisation_ids or [])]
                if s.audience == Audience.ORGANISATIONS
                else list(mine.values())
            )
            info = tenant_info(s.tenant_id)
            if not addressed or info is None or info.status != "active":
                continue
            out.append(
                {
                    "municipality": info.name,
                    "title": s.title,
                    "closes_at": s.closes_at,
                    "organisations": sorted(addressed),
                    "url": signed_in_link(info.primary_host, f"/surveys/{s.id}"),  # arrives signed in,
                }
            )
    return out


CROSSABLE = (Kind.SINGLE, Kind.RATING5, Kind.RATING10)


def _levels(q: Question) -> list[str]:
    if q.kind == Kind.RATING5:
        return [str(i) for i in range(1, 6)]
    if q.kind == Kind.RATING10:
        return [str(i) for i in range(0, 11)]
    return list(q.options) + ([OTHER] if q.allow_other else [])


def _level(q: Question, value: Any) -> str:
    if q.kind == Kind.SINGLE and value not in q.options:
        return OTHER
    return str(value)


@dataclasses.dataclass
class CrossTab:
    rows: Question
    columns: Question
    row_labels: list[str]
    column_labels: list[str]
    cells: list[list[int | None]]  # None: hidden (fewer than the smallest count shown)
    total: int


def crosstab(survey: Survey, rows_id: Any, columns_id: Any, *, public: bool) -> CrossTab | None:
    """Counts of the answers to two questions together (single choice or ratings), from the
    responses that answered both; on public results a cell below the threshold is hidden."""
    questions = {str(q.id): q for q in questions_of(survey) if q.kind in CROSSABLE}
    a, b = questions.get(str(rows_id)), questions.get(str(columns_id))
    if a is None or b is None or a.id == b.id:
        return None
    counts: Counter = Counter()
    total = 0
    if db.session.get_bind().dialect.name == "postgresql":  # grouped by the database: one statement
        pairs = db.session.execute(
            sa.text(
                "SELECT CAST(r.answers AS jsonb) ->> :a, CAST(r.answers AS jsonb) ->> :b, count(*) "
                "FROM surveys_responses r WHERE r.tenant_id = :tenant AND r.survey_id = :survey "
                "AND jsonb_exists(CAST(r.answers AS jsonb), :a) AND jsonb_exists(CAST(r.answers AS jsonb), :b) "
                "GROUP BY 1, 2"
            ),
            {"a": str(a.id), "b": str(b.id), "tenant": active_tenant_id(), "survey": survey.id},
        ).all()
    else:
        pairs = []
        for _response_id, answers in _answers_stream(survey):
            va, vb = answers.get(str(a.id)), answers.get(str(b.id))
            if va is not None and vb is not None:
                pairs.append((va, vb, 1))
    for va, vb, n in pairs:
        counts[_level(a, va), _level(b, vb)] += n
        total += n
    floor = suppress_below()
    rows, columns = _levels(a), _levels(b)
    cells = [[None if public and 0 < counts[r, c] < floor else counts[r, c] for c in columns] for r in rows]
    return CrossTab(a, b, rows, columns, cells, total)
