"""The volunteers plugin's logic: the pages, the API and the jobs call these and stay thin.

Services flush, never commit: the caller (a view, an API operation, a job) commits, so that a
request that fails writes nothing, and mail (``send_mail``) leaves only after that commit.
Every broken rule is a :class:`RuleViolation` with a translated message (409, or 403/404).
"""

import dataclasses
import datetime as dt
import decimal
import uuid
from typing import Any

import markdown as md
import nh3
import sqlalchemy as sa
from babel import dates as babel_dates
from flask_babel import force_locale
from markupsafe import Markup

from core.toolkit import (
    Account,
    Affiliation,
    AffiliationStatus,
    Mail,
    NotificationKind,
    Organisation,
    RuleViolation,
    TextQuery,
    active_tenant_id,
    db,
    external_url,
    get_locale,
    gettext,
    lazy_gettext,
    ngettext,
    notify,
    organisations_of,
    plugin_settings,
    send_mail,
    tenant_info,
    to_local,
    to_utc,
    utcnow_aware,
)
from plugins.volunteers.models import Shift, Signup, SignupStatus, Task, TaskSkill, TaskStatus
from plugins.volunteers.schemas import (
    EARLIEST,
    LATEST,
    MAX_CAPACITY,
    MAX_SHIFT,
    MAX_SKILLS,
    NOTE_LENGTH,
    SKILL_LENGTH,
)

PLUGIN = "volunteers"


def settings() -> dict[str, Any]:
    return plugin_settings(PLUGIN)


def render_markdown(text: str) -> Markup:
    """A task's description: Markdown, then sanitised by nh3 (no scripts, no handlers, safe links)."""
    html = md.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    return Markup(nh3.clean(html, link_rel="noopener noreferrer nofollow"))  # noqa: S704 (sanitised by nh3)


# --- skills -------------------------------------------------------------------------------------


def parse_skills(text: str) -> list[str]:
    """Skills typed in one box, separated by commas or new lines."""
    return clean_skills((text or "").replace("\n", ",").split(","))


def clean_skills(names: list[str]) -> list[str]:
    """Trimmed, without empty or repeated ones (case-insensitively), each at most 50 characters."""
    seen: dict[str, str] = {}
    for raw in names:
        name = " ".join(str(raw).split())
        if not name:
            continue
        if len(name) > SKILL_LENGTH:
            raise RuleViolation(
                gettext("A skill has at most %(n)d characters.", n=SKILL_LENGTH), status=422, field="skills"
            )
        seen.setdefault(name.casefold(), name)
    if len(seen) > MAX_SKILLS:
        raise RuleViolation(gettext("List at most %(n)d skills.", n=MAX_SKILLS), status=422, field="skills")
    return list(seen.values())


def skills_of(task_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    found: dict[uuid.UUID, list[str]] = {t: [] for t in task_ids}
    if task_ids:
        rows = db.session.execute(
            sa.select(TaskSkill.task_id, TaskSkill.name)
            .where(TaskSkill.task_id.in_(task_ids))
            .order_by(TaskSkill.name)
        )
        for task_id, name in rows:
            found[task_id].append(name)
    return found


def all_skills() -> list[str]:
    """Every skill some published task wants: the choices of the list's filter."""
    rows = db.session.execute(
        sa.select(TaskSkill.name)
        .join(Task, sa.and_(Task.tenant_id == TaskSkill.tenant_id, Task.id == TaskSkill.task_id))
        .where(Task.status == TaskStatus.PUBLISHED)
        .distinct()
    ).scalars()
    return sorted(set(rows), key=str.casefold)


# --- reading tasks and shifts -------------------------------------------------------------------


@dataclasses.dataclass
class ShiftView:
    shift: Shift
    taken: int

    @property
    def places_left(self) -> int:
        return max(self.shift.capacity - self.taken, 0)

    @property
    def full(self) -> bool:
        return self.places_left == 0

    def started(self, now: dt.datetime) -> bool:
        return self.shift.starts_at <= now


@dataclasses.dataclass
class TaskView:
    task: Task
    skills: list[str]
    shifts: list[ShiftView]

    @property
    def places_left(self) -> int:
        return sum(s.places_left for s in self.shifts)


def taken_counts(shift_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Places taken per shift: sign-ups that hold one (signed up, or attended)."""
    if not shift_ids:
        return {}
    rows = db.session.execute(
        sa.select(Signup.shift_id, sa.func.count())
        .where(Signup.shift_id.in_(shift_ids), Signup.status.in_(SignupStatus.HOLDING))
        .group_by(Signup.shift_id)
    )
    return dict(rows.all())


def _views(tasks: list[Task], *, upcoming_from: dt.datetime | None = None) -> list[TaskView]:
    ids = [t.id for t in tasks]
    skills = skills_of(ids)
    shifts: dict[uuid.UUID, list[Shift]] = {t: [] for t in ids}
    if ids:
        query = sa.select(Shift).where(Shift.task_id.in_(ids)).order_by(Shift.starts_at, Shift.id)
        if upcoming_from is not None:
            query = query.where(Shift.ends_at > upcoming_from)
        for shift in db.session.execute(query).scalars():
            shifts[shift.task_id].append(shift)
    taken = taken_counts([s.id for group in shifts.values() for s in group])
    return [
        TaskView(t, skills[t.id], [ShiftView(s, taken.get(s.id, 0)) for s in shifts[t.id]]) for t in tasks
    ]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_tasks(query: str, limit: int) -> list[tuple[Task, Any, float]]:
    """Published tasks matching ``query`` (the municipality's search): ``(task, snippet, rank)``,
    best first, through the toolkit's full-text search."""
    q = TextQuery(query)
    if not q.words:
        return []
    document = q.document(Task.title, Task.description, Task.place)
    rank = q.rank(document).label("rank")
    rows = db.session.execute(
        sa.select(Task, q.headline(Task.description), rank)
        .where(Task.status == TaskStatus.PUBLISHED, q.matches(document))
        .order_by(rank.desc(), Task.title)
        .limit(limit)
    )
    return [(task, q.snippet(headline or task.place), float(r)) for task, headline, r in rows]


def list_tasks(
    *,
    q: str | None = None,
    skill: str | None = None,
    starts_after: dt.datetime | None = None,
    open_only: bool = False,
    include_past: bool = False,
    include_unpublished: bool = False,
    now: dt.datetime | None = None,
) -> list[TaskView]:
    """The municipality's tasks, soonest shift first: published ones (all, for coordinators);
    by default those with a shift still to come or none yet. The shifts listed are the ones that
    have not ended (all of them with ``include_past``)."""
    now = now or utcnow_aware()
    query = sa.select(Task)
    if not include_unpublished:
        query = query.where(Task.status == TaskStatus.PUBLISHED)
    shift_of_task = sa.and_(Shift.tenant_id == Task.tenant_id, Shift.task_id == Task.id)
    if not include_past:
        has_any = sa.exists().where(shift_of_task)
        has_coming = sa.exists().where(shift_of_task, Shift.ends_at > now)
        query = query.where(sa.or_(has_coming, ~has_any))
    if q and q.strip():
        pattern = _like(q.strip())
        query = query.where(
            sa.or_(
                Task.title.ilike(pattern, escape="\\"),
                Task.place.ilike(pattern, escape="\\"),
                Task.description.ilike(pattern, escape="\\"),
            )
        )
    if skill and skill.strip():
        query = query.where(
            sa.exists().where(
                TaskSkill.tenant_id == Task.tenant_id,
                TaskSkill.task_id == Task.id,
                sa.func.lower(TaskSkill.name) == skill.strip().lower(),
            )
        )
    if starts_after is not None:
        query = query.where(sa.exists().where(shift_of_task, Shift.starts_at >= starts_after))
    next_start = (
        sa.select(sa.func.min(Shift.starts_at)).where(shift_of_task, Shift.ends_at > now).scalar_subquery()
    )
    query = query.order_by(next_start.asc().nulls_last(), Task.created_at.desc(), Task.id)
    views = _views(list(db.session.execute(query).scalars()), upcoming_from=None if include_past else now)
    if open_only:
        views = [v for v in views if any(not s.full and not s.started(now) for s in v.shifts)]
    return views


def get_task(task_id: uuid.UUID, *, include_unpublished: bool = False) -> Task:
    """A task of this municipality; drafts exist only for coordinators (404 for others)."""
    task = db.session.execute(sa.select(Task).where(Task.id == task_id)).scalar_one_or_none()
    if task is None or (task.status == TaskStatus.DRAFT and not include_unpublished):
        raise RuleViolation(gettext("This task does not exist."), status=404)
    return task


def task_view(task: Task) -> TaskView:
    """A task with all its shifts (past ones included)."""
    return _views([task])[0]


def get_shift(shift_id: uuid.UUID, *, include_unpublished: bool = False) -> tuple[Shift, Task]:
    row = db.session.execute(
        sa.select(Shift, Task)
        .join(Task, sa.and_(Task.tenant_id == Shift.tenant_id, Task.id == Shift.task_id))
        .where(Shift.id == shift_id)
    ).first()
    if row is None or (row[1].status == TaskStatus.DRAFT and not include_unpublished):
        raise RuleViolation(gettext("This shift does not exist."), status=404)
    return row[0], row[1]


# --- writing tasks and shifts (coordinators) ----------------------------------------------------


def save_task(
    task: Task | None,
    *,
    account: Any,
    title: str,
    description: str = "",
    place: str = "",
    skills: list[str] | None = None,
    status: str = TaskStatus.DRAFT,
    now: dt.datetime | None = None,
) -> Task:
    """Create or change a task. Cancelling a published task cancels its sign-ups to shifts still
    to come and tells those volunteers (after commit)."""
    title = " ".join((title or "").split())
    if not title:
        raise RuleViolation(gettext("Give the task a title."), field="title")
    if status not in TaskStatus.ALL:
        raise RuleViolation(gettext("Choose one of the options listed."), status=422, field="status")
    names = clean_skills(skills or [])
    was = task.status if task is not None else None
    if task is None:
        task = Task(created_by_id=account.id if account is not None else None)
        db.session.add(task)
    task.title, task.description, task.place, task.status = (
        title,
        description or "",
        (place or "").strip(),
        status,
    )
    db.session.flush()
    current = {
        s.name: s
        for s in db.session.execute(sa.select(TaskSkill).where(TaskSkill.task_id == task.id)).scalars()
    }
    for name, row in current.items():
        if name not in names:
            db.session.delete(row)
    for name in names:
        if name not in current:
            db.session.add(TaskSkill(task_id=task.id, name=name))
    if status == TaskStatus.CANCELLED and was == TaskStatus.PUBLISHED:
        _cancel_coming_signups(task, now or utcnow_aware())
    db.session.flush()
    return task


def _cancel_coming_signups(task: Task, now: dt.datetime) -> None:
    rows = db.session.execute(
        sa.select(Signup, Shift)
        .join(Shift, sa.and_(Shift.tenant_id == Signup.tenant_id, Shift.id == Signup.shift_id))
        .where(Shift.task_id == task.id, Shift.starts_at > now, Signup.status == SignupStatus.SIGNED_UP)
    ).all()
    for signup, shift in rows:
        signup.status, signup.cancelled_at = SignupStatus.CANCELLED, now
        _mail(
            signup,
            subject=lambda t=task: gettext("Cancelled: %(title)s", title=t.title),
            lines=lambda t=task, s=shift: [
                gettext(
                    "%(title)s on %(when)s has been cancelled by the municipality.",
                    title=t.title,
                    when=_when(s),
                ),
                gettext("Thank you for signing up. Other tasks: %(link)s", link=_link("/volunteers/")),
            ],
        )


def _check_shift_times(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("shift times are aware datetimes (to_utc() what a person typed)")
    if not EARLIEST <= starts_at < LATEST:
        raise RuleViolation(gettext("Give a date between 2000 and 2099."), field="starts_at")
    if not ends_at > starts_at:
        raise RuleViolation(gettext("The shift must end after it starts."), field="ends_at")
    if ends_at - starts_at > MAX_SHIFT:
        raise RuleViolation(gettext("A shift lasts at most 24 hours."), field="ends_at")


def save_shift(
    task: Task, shift: Shift | None, *, starts_at: dt.datetime, ends_at: dt.datetime, capacity: int
) -> Shift:
    """Add a shift to a task, or change one; its places never drop below those already taken."""
    _check_shift_times(starts_at, ends_at)
    if not 1 <= int(capacity) <= MAX_CAPACITY:
        raise RuleViolation(
            gettext("Give between 1 and %(n)d places.", n=MAX_CAPACITY), status=422, field="capacity"
        )
    if shift is None:
        shift = Shift(task_id=task.id)
        db.session.add(shift)
    else:
        _lock_shift(shift.id)
        taken = taken_counts([shift.id]).get(shift.id, 0)
        if capacity < taken:
            raise RuleViolation(
                ngettext(
                    "%(num)d person has already signed up: give at least that many places.",
                    "%(num)d people have already signed up: give at least that many places.",
                    taken,
                ),
                field="capacity",
                code="capacity_below_taken",
            )
    shift.starts_at, shift.ends_at, shift.capacity = starts_at, ends_at, int(capacity)
    db.session.flush()
    return shift


def delete_shift(shift: Shift) -> None:
    """Remove a shift that nobody holds a place on (cancelled sign-ups go with it)."""
    _lock_shift(shift.id)
    if taken_counts([shift.id]).get(shift.id, 0):
        raise RuleViolation(
            gettext("People have signed up for this shift: cancel the task instead, so that they are told."),
            code="shift_has_signups",
        )
    db.session.delete(shift)
    db.session.flush()


# --- sign-ups -----------------------------------------------------------------------------------


def _lock_shift(shift_id: uuid.UUID) -> Shift | None:
    """The shift, its row locked until the transaction ends: sign-ups to one shift are taken one
    at a time, so that the count of places taken cannot be read stale (PostgreSQL ``FOR UPDATE``)."""
    return db.session.execute(
        sa.select(Shift)
        .where(Shift.id == shift_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def representable_organisations(account: Any) -> list[Organisation]:
    """The organisations ``account`` acts for that are affiliated (approved) with this municipality."""
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


def _week_bounds(starts_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Monday 00:00 to the next Monday in the municipality's zone, as UTC."""
    tenant = _tenant()  # jobs and tests have no request: the zone comes from the active tenant
    local = to_local(starts_at, tenant)
    monday = local.date() - dt.timedelta(days=local.weekday())
    start = to_utc(dt.datetime.combine(monday, dt.time()), tenant)
    return start, to_utc(dt.datetime.combine(monday + dt.timedelta(days=7), dt.time()), tenant)


def sign_up(
    shift_id: uuid.UUID,
    account: Any,
    *,
    organisation_id: int | None = None,
    note: str = "",
    now: dt.datetime | None = None,
    notify: bool = True,
) -> Signup:
    """Take a place on a shift for ``account`` (on behalf of ``organisation_id`` if given).

    Never more sign-ups than places, under any concurrency: the shift's row is locked while the
    places are counted. Refused (``RuleViolation``): a task not open, a shift that has started, a
    full shift, a second sign-up to the same shift, another shift at the same time, the week's
    limit, an organisation the person does not act for (403). ``notify``: mail a confirmation
    (after commit); the demo seed does not.
    """
    now = now or utcnow_aware()
    if account is None:
        raise RuleViolation(gettext("Sign in to sign up."), status=401)
    note = (note or "").strip()
    if len(note) > NOTE_LENGTH:
        raise RuleViolation(gettext("Use at most %(n)d characters.", n=NOTE_LENGTH), status=422, field="note")
    shift = _lock_shift(shift_id)
    task = db.session.get(Task, (shift.tenant_id, shift.task_id)) if shift is not None else None
    if shift is None or task is None or task.status == TaskStatus.DRAFT:
        raise RuleViolation(gettext("This shift does not exist."), status=404)
    if task.status != TaskStatus.PUBLISHED:
        raise RuleViolation(gettext("This task is not open for sign-ups."), code="task_closed")
    if shift.starts_at <= now:
        raise RuleViolation(gettext("This shift has already started."), code="shift_started")
    if organisation_id is not None:
        if not settings()["organisations_may_sign_up"]:
            raise RuleViolation(
                gettext("This municipality takes sign-ups from people only, not on behalf of organisations."),
                field="organisation_id",
                code="organisations_not_accepted",
            )
        if organisation_id not in {o.id for o in representable_organisations(account)}:
            raise RuleViolation(
                gettext("You cannot sign up on behalf of this organisation here."),
                status=403,
                field="organisation_id",
            )
    existing = db.session.execute(
        sa.select(Signup)
        .where(Signup.shift_id == shift.id, Signup.account_id == account.id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if existing is not None and existing.status in SignupStatus.HOLDING:
        raise RuleViolation(gettext("You are already signed up for this shift."), code="already_signed_up")
    if taken_counts([shift.id]).get(shift.id, 0) >= shift.capacity:
        raise RuleViolation(gettext("This shift is full."), code="shift_full")
    overlapping = db.session.execute(
        sa.select(sa.func.count())
        .select_from(Signup)
        .join(Shift, sa.and_(Shift.tenant_id == Signup.tenant_id, Shift.id == Signup.shift_id))
        .where(
            Signup.account_id == account.id,
            Signup.status == SignupStatus.SIGNED_UP,
            Shift.id != shift.id,
            Shift.starts_at < shift.ends_at,
            Shift.ends_at > shift.starts_at,
        )
    ).scalar_one()
    if overlapping:
        raise RuleViolation(
            gettext("You are already signed up for another shift at that time."), code="overlapping_shift"
        )
    weekly = settings()["max_signups_per_week"]
    if weekly:
        week_start, week_end = _week_bounds(shift.starts_at)
        this_week = db.session.execute(
            sa.select(sa.func.count())
            .select_from(Signup)
            .join(Shift, sa.and_(Shift.tenant_id == Signup.tenant_id, Shift.id == Signup.shift_id))
            .where(
                Signup.account_id == account.id,
                Signup.status.in_(SignupStatus.HOLDING),
                Shift.starts_at >= week_start,
                Shift.starts_at < week_end,
            )
        ).scalar_one()
        if this_week >= weekly:
            raise RuleViolation(
                ngettext(
                    "You can take at most %(num)d shift a week here.",
                    "You can take at most %(num)d shifts a week here.",
                    weekly,
                ),
                code="weekly_limit",
            )
    signup = existing or Signup(shift_id=shift.id, account_id=account.id)
    signup.status, signup.organisation_id, signup.note = SignupStatus.SIGNED_UP, organisation_id, note
    signup.signed_up_at, signup.cancelled_at, signup.reminded_at = now, None, None
    signup.hours = signup.recorded_at = signup.recorded_by_id = None
    if existing is None:
        db.session.add(signup)
    db.session.flush()
    if notify:
        _mail(
            signup,
            subject=lambda: gettext("You are signed up: %(title)s", title=task.title),
            lines=lambda: [
                gettext(
                    "Thank you: you are signed up for %(title)s on %(when)s.",
                    title=task.title,
                    when=_when(shift),
                ),
                task.place,
                gettext("To see or cancel your sign-ups: %(link)s", link=_link("/volunteers/mine")),
            ],
        )
    return signup


def get_signup(signup_id: uuid.UUID) -> tuple[Signup, Shift, Task]:
    row = db.session.execute(
        sa.select(Signup, Shift, Task)
        .join(Shift, sa.and_(Shift.tenant_id == Signup.tenant_id, Shift.id == Signup.shift_id))
        .join(Task, sa.and_(Task.tenant_id == Shift.tenant_id, Task.id == Shift.task_id))
        .where(Signup.id == signup_id)
    ).first()
    if row is None:
        raise RuleViolation(gettext("This sign-up does not exist."), status=404)
    return row[0], row[1], row[2]


def cancel_signup(
    signup: Signup, account: Any, *, coordinator: bool = False, now: dt.datetime | None = None
) -> None:
    """Give the place back: the volunteer before the shift starts, a coordinator at any time."""
    now = now or utcnow_aware()
    if account is None or (not coordinator and signup.account_id != account.id):
        raise RuleViolation(gettext("This sign-up does not exist."), status=404)
    shift = _lock_shift(signup.shift_id)
    if signup.status != SignupStatus.SIGNED_UP:
        raise RuleViolation(gettext("This sign-up is no longer active."), code="not_active")
    if shift.starts_at <= now and not coordinator:
        raise RuleViolation(
            gettext("The shift has already started: ask the coordinator."), code="shift_started"
        )
    signup.status, signup.cancelled_at = SignupStatus.CANCELLED, now
    db.session.flush()


def record_attendance(
    signup: Signup,
    *,
    attended: bool,
    hours: decimal.Decimal | float | None,
    coordinator: Any,
    now: dt.datetime | None = None,
) -> Signup:
    """The coordinator's record after a shift has started: attended with the hours (the shift's
    length unless given), or did not come. It can be corrected later."""
    now = now or utcnow_aware()
    shift = db.session.get(Shift, (signup.tenant_id, signup.shift_id))
    if shift.starts_at > now:
        raise RuleViolation(
            gettext("Attendance can be recorded once the shift has started."), code="shift_not_started"
        )
    if signup.status == SignupStatus.CANCELLED:
        raise RuleViolation(gettext("This sign-up was cancelled."), code="cancelled")
    if attended:
        value = (
            shift.hours if hours is None else decimal.Decimal(str(hours)).quantize(decimal.Decimal("0.01"))
        )
        if not decimal.Decimal(0) < value <= 24:
            raise RuleViolation(
                gettext("Give the hours as a number over 0 and at most 24."), status=422, field="hours"
            )
        signup.status, signup.hours = SignupStatus.ATTENDED, value
    else:
        signup.status, signup.hours = SignupStatus.NO_SHOW, None
    signup.recorded_by_id = coordinator.id if coordinator is not None else None
    signup.recorded_at = now
    db.session.flush()
    return signup


@dataclasses.dataclass
class SignupRow:
    signup: Signup
    shift: Shift
    task: Task
    volunteer: str | None
    organisation: str | None


def _rows(query: Any) -> list[SignupRow]:
    found = db.session.execute(query).all()
    accounts = {
        a.id: a
        for a in db.session.execute(
            sa.select(Account).where(Account.id.in_({s.account_id for s, _sh, _t in found if s.account_id}))
        ).scalars()
    }
    orgs = {
        o.id: o
        for o in db.session.execute(
            sa.select(Organisation).where(
                Organisation.id.in_({s.organisation_id for s, _sh, _t in found if s.organisation_id})
            )
        ).scalars()
    }
    rows = []
    for signup, shift, task in found:
        account = accounts.get(signup.account_id)
        org = orgs.get(signup.organisation_id)
        rows.append(
            SignupRow(
                signup, shift, task, account.display_name if account else None, org.name if org else None
            )
        )
    return rows


def _signup_query() -> Any:
    return (
        sa.select(Signup, Shift, Task)
        .join(Shift, sa.and_(Shift.tenant_id == Signup.tenant_id, Shift.id == Signup.shift_id))
        .join(Task, sa.and_(Task.tenant_id == Shift.tenant_id, Task.id == Shift.task_id))
    )


def signups_of_shift(shift: Shift) -> list[SignupRow]:
    """Everyone who signed up for a shift (cancelled ones last), for the coordinator."""
    cancelled_last = sa.case((Signup.status == SignupStatus.CANCELLED, 1), else_=0)
    return _rows(
        _signup_query().where(Signup.shift_id == shift.id).order_by(cancelled_last, Signup.signed_up_at)
    )


def history(account: Any) -> dict[str, Any]:
    """A volunteer's sign-ups in this municipality, soonest first, and the hours recorded."""
    rows = _rows(_signup_query().where(Signup.account_id == account.id).order_by(Shift.starts_at.desc()))
    total = sum(
        (r.signup.hours for r in rows if r.signup.status == SignupStatus.ATTENDED and r.signup.hours),
        decimal.Decimal(0),
    )
    return {"rows": rows, "total_hours": total}


def signup_dict(row: SignupRow) -> dict[str, Any]:
    s = row.signup
    return {
        "id": s.id,
        "shift_id": s.shift_id,
        "task_id": row.task.id,
        "task_title": row.task.title,
        "starts_at": row.shift.starts_at,
        "ends_at": row.shift.ends_at,
        "volunteer": row.volunteer,
        "organisation_id": s.organisation_id,
        "organisation": row.organisation,
        "status": s.status,
        "note": s.note,
        "hours": float(s.hours) if s.hours is not None else None,
        "signed_up_at": s.signed_up_at,
    }


def signup_row(signup: Signup) -> SignupRow:
    return _rows(_signup_query().where(Signup.id == signup.id))[0]


# --- mail and reminders -------------------------------------------------------------------------


def _tenant() -> Any:
    return tenant_info(active_tenant_id())


def _link(path: str) -> str:
    return external_url(_tenant().primary_host, path)


def _when(shift: Shift) -> str:
    """The shift's time in the municipality's zone and the current (forced) language, e.g.
    "Wednesday, 2 Dec 2026, 09:00–12:00". Jobs have no request, so the zone is applied here
    (``format_datetime`` alone would rebase to the request's zone, UTC in a job)."""
    tenant = _tenant()
    locale = get_locale() or tenant.default_locale
    start, end = to_local(shift.starts_at, tenant), to_local(shift.ends_at, tenant)
    day = f"{babel_dates.format_date(start, 'EEEE', locale=locale)}, {babel_dates.format_date(start, 'medium', locale=locale)}"
    until = babel_dates.format_time(end, "short", locale=locale)
    if end.date() != start.date():
        until = f"{babel_dates.format_date(end, 'medium', locale=locale)}, {until}"
    return f"{day}, {babel_dates.format_time(start, 'short', locale=locale)}–{until}"


def mail_locale(account: Any) -> str:
    """The recipient's language if the municipality offers it, else the municipality's."""
    tenant = _tenant()
    return account.locale if account.locale in tenant.locales else tenant.default_locale


def _mail(signup: Signup, *, subject: Any, lines: Any, kind: str | None = None) -> bool:
    """Mail the sign-up's volunteer in their language, in the municipality's name (after commit)."""
    account = db.session.get(Account, signup.account_id) if signup.account_id else None
    if account is None or not account.email:
        return False
    tenant = _tenant()
    with force_locale(mail_locale(account)):
        paragraphs = [
            gettext("Hello %(name)s,", name=account.display_name),
            *(p for p in lines() if p),
            tenant.name,
        ]
        mail = Mail(to=[account.email], subject=f"{subject()} · {tenant.name}", text="\n\n".join(paragraphs))
        if kind is not None:  # a notification: the person's settings decide (now, digest, off)
            return notify(account.id, kind, mail) != "off"
        send_mail(mail)
    return True


def send_reminders(now: dt.datetime | None = None) -> int:
    """Remind every volunteer whose shift starts within the municipality's reminder window, once.

    ``reminded_at`` is set in the same transaction as the mail is queued: if it rolls back, both
    go, and the next run sends it. Rows another run is already reminding are skipped
    (``SKIP LOCKED``), so two runs at once send one reminder.
    """
    now = now or utcnow_aware()
    horizon = now + dt.timedelta(hours=settings()["reminder_hours"])
    due = db.session.execute(
        _signup_query()
        .where(
            Signup.status == SignupStatus.SIGNED_UP,
            Signup.reminded_at.is_(None),
            Signup.account_id.is_not(None),
            Task.status == TaskStatus.PUBLISHED,
            Shift.starts_at > now,
            Shift.starts_at <= horizon,
        )
        .order_by(Shift.starts_at)
        .with_for_update(of=Signup, skip_locked=True)
    ).all()
    sent = 0
    for signup, shift, task in due:
        sent += _mail(
            signup,
            subject=lambda t=task: gettext("Reminder: %(title)s", title=t.title),
            lines=lambda t=task, s=shift: [
                gettext(
                    "A reminder that you signed up for %(title)s on %(when)s.", title=t.title, when=_when(s)
                ),
                t.place,
                gettext(
                    "If you cannot come, please cancel so that someone else can take your place: %(link)s",
                    link=_link("/volunteers/mine"),
                ),
            ],
            kind="volunteers.shift_reminder",
        )
        signup.reminded_at = now
    db.session.flush()
    return sent


# --- personal data ------------------------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_personal_data(account: Any) -> dict[str, Any] | None:
    """What this municipality's volunteering holds about ``account``: sign-ups with the hours,
    and the tasks they created."""
    data = history(account)
    tasks = (
        db.session.execute(sa.select(Task).where(Task.created_by_id == account.id).order_by(Task.created_at))
        .scalars()
        .all()
    )
    if not data["rows"] and not tasks:
        return None
    return {
        "total_hours": float(data["total_hours"]),
        "sign_ups": [
            {
                "task": r.task.title,
                "place": r.task.place,
                "starts_at": _iso(r.shift.starts_at),
                "ends_at": _iso(r.shift.ends_at),
                "status": r.signup.status,
                "hours": float(r.signup.hours) if r.signup.hours is not None else None,
                "on_behalf_of": r.organisation,
                "note": r.signup.note,
                "signed_up_at": _iso(r.signup.signed_up_at),
                "cancelled_at": _iso(r.signup.cancelled_at),
                "reminded_at": _iso(r.signup.reminded_at),
            }
            for r in data["rows"]
        ],
        "tasks_created": [{"title": t.title, "created_at": _iso(t.created_at)} for t in tasks],
    }


def erase_personal_data(account: Any) -> None:
    """Forget ``account`` here: sign-ups without recorded hours go; attended ones stay, without
    the person or their note (the municipality keeps the hours given, e.g. for its reports)."""
    quiet = {"synchronize_session": False}
    mine = Signup.account_id == account.id
    db.session.execute(
        sa.delete(Signup).where(mine, Signup.status != SignupStatus.ATTENDED).execution_options(**quiet)
    )
    db.session.execute(
        sa.update(Signup).where(mine).values(account_id=None, note="").execution_options(**quiet)
    )
    db.session.execute(
        sa.update(Signup)
        .where(Signup.recorded_by_id == account.id)
        .values(recorded_by_id=None)
        .execution_options(**quiet)
    )
    db.session.execute(
        sa.update(Task)
        .where(Task.created_by_id == account.id)
        .values(created_by_id=None)
        .execution_options(**quiet)
    )
    db.session.expire_all()


#: What this plugin mails as notifications (each person chooses: immediately, daily digest, off);
#: everything else it mails answers the person's own request (transactional) and always goes.
NOTIFICATION_KINDS = (
    NotificationKind(
        "volunteers.shift_reminder",
        lazy_gettext("Reminders of my volunteering shifts"),
        lazy_gettext("Before a shift you signed up for."),
    ),
)
