"""The rules of the pool of volunteering, through the services: capacity, cancelling, the week's
limit, sign-ups on behalf of organisations, attendance and hours, cancelling a task."""

import datetime as dt
import decimal

import pytest
import sqlalchemy as sa

from core.toolkit import (
    Account,
    RuleViolation,
    db,
    plugin_settings,
    tenant_context,
    to_local,
    to_utc,
    utcnow_aware,
)
from plugins.volunteers import services
from plugins.volunteers.models import Signup, SignupStatus, TaskSkill
from tests.plugins.volunteers.conftest import make_organisation, make_task

DAY = dt.timedelta(days=1)


@pytest.fixture
def people(town, account_factory):
    return [account_factory(name=f"Volunteer {i}", memberships={town: "member"}) for i in range(4)]


class Here:
    """Inside the town, in one application context (rolled back at the end)."""

    def __init__(self, tenant):
        self.tenant = tenant

    def account(self, ref):
        return db.session.get(Account, ref.id)

    def signup(self, shift_id, ref, **kw):
        return services.sign_up(shift_id, self.account(ref), **kw)

    def rule(self, fn, *args, **kw) -> RuleViolation:
        with pytest.raises(RuleViolation) as caught:
            fn(*args, **kw)
        db.session.rollback()
        return caught.value


@pytest.fixture
def here(app_ctx, town):
    with tenant_context(town.id):
        yield Here(town)


def _enable(enable_plugin, town, **settings):
    enable_plugin(town, "volunteers", settings=settings)


def test_a_shift_never_takes_more_people_than_its_places(app, town, people, here):
    ids = make_task(app, town, shifts=[(2 * DAY, 2)])
    shift = ids["shifts"][0]
    first = here.signup(shift, people[0])
    here.signup(shift, people[1])
    db.session.commit()
    full = here.rule(here.signup, shift, people[2])
    assert (full.status, full.code) == (409, "shift_full")
    # a cancelled place is free again
    services.cancel_signup(db.session.get(Signup, (town.id, first.id)), here.account(people[0]))
    db.session.commit()
    assert here.signup(shift, people[2]).status == SignupStatus.SIGNED_UP
    db.session.commit()
    assert services.taken_counts([shift]) == {shift: 2}


def test_one_place_per_person_and_signing_up_again_reopens_the_same_row(app, town, people, here):
    shift = make_task(app, town)["shifts"][0]
    signup = here.signup(shift, people[0], note="I have a car")
    db.session.commit()
    again = here.rule(here.signup, shift, people[0])
    assert (again.status, again.code) == (409, "already_signed_up")
    services.cancel_signup(db.session.get(Signup, (town.id, signup.id)), here.account(people[0]))
    db.session.commit()
    reopened = here.signup(shift, people[0])
    db.session.commit()
    assert reopened.id == signup.id and reopened.note == "" and reopened.cancelled_at is None
    rows = db.session.execute(sa.select(Signup).where(Signup.shift_id == shift)).scalars().all()
    assert len(rows) == 1


def test_drafts_cancelled_tasks_and_started_shifts_take_no_sign_ups(app, town, people, here):
    draft = make_task(app, town, status="draft")["shifts"][0]
    assert here.rule(here.signup, draft, people[0]).status == 404
    cancelled = make_task(app, town, status="cancelled")["shifts"][0]
    assert here.rule(here.signup, cancelled, people[0]).code == "task_closed"
    started = make_task(app, town, shifts=[(-dt.timedelta(hours=1), 5)])["shifts"][0]
    assert here.rule(here.signup, started, people[0]).code == "shift_started"


def test_two_shifts_at_the_same_time_are_refused(app, town, people, here):
    a = make_task(app, town, title="Soup kitchen", shifts=[(2 * DAY, 5)])["shifts"][0]
    b = make_task(app, town, title="Park", shifts=[(2 * DAY + dt.timedelta(hours=1), 5)])["shifts"][0]
    c = make_task(app, town, title="Later", shifts=[(2 * DAY + dt.timedelta(hours=3), 5)])["shifts"][0]
    here.signup(a, people[0])
    db.session.commit()
    assert here.rule(here.signup, b, people[0]).code == "overlapping_shift"
    assert here.signup(c, people[0]).status == SignupStatus.SIGNED_UP  # starts as the first ends


def test_the_weekly_limit_counts_weeks_in_the_municipalitys_time_zone(app, town, people, enable_plugin):
    """Sunday 23:30 and Monday 00:30 in Athens are two weeks, though both are Sunday in UTC."""
    _enable(enable_plugin, town, max_signups_per_week=1)
    with app.app_context(), tenant_context(town.id):
        local_today = to_local(utcnow_aware(), town).date()
        sunday = local_today + dt.timedelta(days=(6 - local_today.weekday()) + 7)
        times = {
            "sunday": to_utc(dt.datetime.combine(sunday, dt.time(23, 30)), town),
            "monday": to_utc(dt.datetime.combine(sunday + DAY, dt.time(0, 30)), town),
            "tuesday": to_utc(dt.datetime.combine(sunday + 2 * DAY, dt.time(10, 0)), town),
        }
        assert times["sunday"].weekday() == times["monday"].weekday() == 6  # both Sunday in UTC
        task = services.save_task(None, account=None, title="Night patrol", status="published")
        shifts = {
            name: services.save_shift(
                task, None, starts_at=t, ends_at=t + dt.timedelta(minutes=50), capacity=3
            ).id
            for name, t in times.items()
        }
        db.session.commit()
        person = db.session.get(Account, people[0].id)
        services.sign_up(shifts["sunday"], person)
        services.sign_up(shifts["monday"], person)  # the next week, in Athens
        db.session.commit()
        with pytest.raises(RuleViolation) as caught:
            services.sign_up(shifts["tuesday"], person)
        assert caught.value.code == "weekly_limit"
        db.session.rollback()
        # cancelling gives the week's place back
        monday = db.session.execute(sa.select(Signup).where(Signup.shift_id == shifts["monday"])).scalar_one()
        services.cancel_signup(monday, person)
        services.sign_up(shifts["tuesday"], person)
        db.session.commit()
        db.session.remove()


def test_on_behalf_of_an_affiliated_organisation_only(app, town, people, here, enable_plugin):
    shift = make_task(app, town, shifts=[(2 * DAY, 5)])["shifts"][0]
    org = make_organisation(app, town, people[0])
    pending = make_organisation(app, town, people[1], approved=False, name="Not yet affiliated")
    signup = here.signup(shift, people[0], organisation_id=org)
    db.session.commit()
    assert signup.organisation_id == org
    assert [o.id for o in services.representable_organisations(here.account(people[0]))] == [org]
    refused = here.rule(here.signup, shift, people[1], organisation_id=pending)
    assert (refused.status, refused.field) == (403, "organisation_id")
    not_a_member = here.rule(here.signup, shift, people[2], organisation_id=org)
    assert not_a_member.status == 403
    _enable(enable_plugin, town, organisations_may_sign_up=False)
    with tenant_context(town.id):
        off = here.rule(here.signup, shift, people[0], organisation_id=org)
    assert (off.status, off.code) == (409, "organisations_not_accepted")


def test_cancelling_is_for_the_volunteer_before_the_start_and_the_coordinator_after(app, town, people, here):
    shift = make_task(app, town, shifts=[(dt.timedelta(hours=2), 5)])["shifts"][0]
    signup = here.signup(shift, people[0])
    db.session.commit()
    someone_else = here.rule(services.cancel_signup, signup, here.account(people[1]))
    assert someone_else.status == 404
    later = utcnow_aware() + dt.timedelta(hours=3)
    signup = db.session.get(Signup, (town.id, signup.id))
    assert (
        here.rule(services.cancel_signup, signup, here.account(people[0]), now=later).code == "shift_started"
    )
    signup = db.session.get(Signup, (town.id, signup.id))
    services.cancel_signup(signup, here.account(people[1]), coordinator=True, now=later)
    db.session.commit()
    assert signup.status == SignupStatus.CANCELLED
    assert here.rule(services.cancel_signup, signup, here.account(people[0])).code == "not_active"


def test_hours_are_recorded_after_the_start_and_add_up_in_the_history(app, town, people, here):
    coming = make_task(app, town, title="Coming", shifts=[(DAY, 5)])["shifts"][0]
    done = make_task(app, town, title="Done", shifts=[(-10 * DAY, 5), (-5 * DAY, 5), (-3 * DAY, 5)])["shifts"]
    person = here.account(people[0])
    made = {}
    for shift in [*done, coming]:
        made[shift] = services.sign_up(shift, person, now=utcnow_aware() - 20 * DAY)
    db.session.commit()
    coordinator = here.account(people[3])
    early = here.rule(
        services.record_attendance, made[coming], attended=True, hours=None, coordinator=coordinator
    )
    assert early.code == "shift_not_started"
    signups = {k: db.session.get(Signup, (town.id, v.id)) for k, v in made.items()}
    services.record_attendance(signups[done[0]], attended=True, hours=None, coordinator=coordinator)
    services.record_attendance(signups[done[1]], attended=True, hours=1.5, coordinator=coordinator)
    services.record_attendance(signups[done[2]], attended=False, hours=None, coordinator=coordinator)
    db.session.commit()
    assert signups[done[0]].hours == decimal.Decimal("3.00")  # the shift's length
    assert signups[done[2]].hours is None and signups[done[2]].status == SignupStatus.NO_SHOW
    mine = services.history(person)
    assert mine["total_hours"] == decimal.Decimal("4.50")
    assert [r.task.title for r in mine["rows"]] == ["Coming", "Done", "Done", "Done"]
    # a correction replaces the record
    services.record_attendance(signups[done[2]], attended=True, hours=2, coordinator=coordinator)
    db.session.commit()
    assert services.history(person)["total_hours"] == decimal.Decimal("6.50")
    too_many = here.rule(
        services.record_attendance,
        db.session.get(Signup, (town.id, made[done[1]].id)),
        attended=True,
        hours=25,
        coordinator=coordinator,
    )
    assert (too_many.status, too_many.field) == (422, "hours")


def test_places_never_drop_below_those_taken_and_a_held_shift_is_not_removed(app, town, people, here):
    ids = make_task(app, town, shifts=[(2 * DAY, 3)])
    task = services.get_task(ids["task"])
    shift_id = ids["shifts"][0]
    here.signup(shift_id, people[0])
    here.signup(shift_id, people[1])
    db.session.commit()
    shift, _task = services.get_shift(shift_id)
    lower = here.rule(
        services.save_shift, task, shift, starts_at=shift.starts_at, ends_at=shift.ends_at, capacity=1
    )
    assert (lower.code, lower.field) == ("capacity_below_taken", "capacity")
    shift, task = services.get_shift(shift_id)
    assert here.rule(services.delete_shift, shift).code == "shift_has_signups"
    shift, task = services.get_shift(shift_id)
    services.save_shift(task, shift, starts_at=shift.starts_at, ends_at=shift.ends_at, capacity=2)
    db.session.commit()
    assert services.get_shift(shift_id)[0].capacity == 2


def test_shift_times_are_checked(app, town, here):
    task = services.get_task(make_task(app, town, shifts=[])["task"])
    start = utcnow_aware() + DAY
    assert (
        here.rule(services.save_shift, task, None, starts_at=start, ends_at=start, capacity=1).field
        == "ends_at"
    )
    task = services.get_task(task.id)
    long = here.rule(
        services.save_shift,
        task,
        None,
        starts_at=start,
        ends_at=start + 25 * dt.timedelta(hours=1),
        capacity=1,
    )
    assert long.field == "ends_at"
    with pytest.raises(ValueError, match="aware"):
        services.save_shift(task, None, starts_at=start.replace(tzinfo=None), ends_at=start + DAY, capacity=1)


def test_cancelling_a_published_task_cancels_coming_sign_ups_and_tells_the_volunteers(
    app, town, people, here, mail_outbox
):
    ids = make_task(app, town, title="Beach clean-up", shifts=[(2 * DAY, 5), (-DAY, 5)])
    coming, past = ids["shifts"]
    here.signup(coming, people[0])
    services.sign_up(past, here.account(people[1]), now=utcnow_aware() - 3 * DAY)
    db.session.commit()
    mail_outbox.wait_for(lambda m: m["To"] == people[0].email)
    mail_outbox.clear()
    task = services.get_task(ids["task"])
    services.save_task(task, account=None, title=task.title, status="cancelled")
    db.session.commit()
    statuses = dict(db.session.execute(sa.select(Signup.shift_id, Signup.status)).all())
    assert statuses == {coming: SignupStatus.CANCELLED, past: SignupStatus.SIGNED_UP}
    told = mail_outbox.wait_for(lambda m: m["To"] == people[0].email)
    assert "Beach clean-up" in told["Subject"] and town.name in told["Subject"]
    assert mail_outbox.to(people[1].email) == []


def test_skills_are_trimmed_deduplicated_and_filter_the_list(app, town, here):
    assert services.parse_skills(" first aid, First  Aid,\nArabic , ") == ["first aid", "Arabic"]
    assert here.rule(services.parse_skills, "x" * 51).field == "skills"
    assert here.rule(services.parse_skills, ",".join(str(i) for i in range(11))).field == "skills"
    make_task(app, town, title="Driving", skills=["Driving licence"])
    make_task(app, town, title="Cooking", skills=["cooking"], description="Soup for 50")
    make_task(app, town, title="Past", skills=["cooking"], shifts=[(-2 * DAY, 2)])
    make_task(app, town, title="Draft", status="draft", skills=["cooking"])
    titles = lambda **kw: [v.task.title for v in services.list_tasks(**kw)]  # noqa: E731
    assert set(titles(skill="COOKING")) == {"Cooking"}
    assert set(titles(skill="cooking", include_past=True)) == {"Cooking", "Past"}
    assert set(titles(skill="cooking", include_unpublished=True)) == {"Cooking", "Draft"}
    assert titles(q="soup") == ["Cooking"]
    assert titles(q="%") == []  # LIKE wildcards are searched for as text
    assert "Driving licence" in services.all_skills() and "Draft" not in titles()
    task = services.get_task(services.list_tasks(q="Driving")[0].task.id)
    services.save_task(task, account=None, title="Driving", skills=["Van"], status="published")
    db.session.commit()
    assert db.session.execute(
        sa.select(TaskSkill.name).where(TaskSkill.task_id == task.id)
    ).scalars().all() == ["Van"]


def test_open_only_leaves_out_full_and_started_shifts(app, town, people, here):
    full = make_task(app, town, title="Full one", shifts=[(2 * DAY, 1)])["shifts"][0]
    make_task(app, town, title="Open one", shifts=[(2 * DAY, 1)])
    here.signup(full, people[0])
    db.session.commit()
    assert [v.task.title for v in services.list_tasks(open_only=True)] == ["Open one"]
    assert plugin_settings("volunteers")["reminder_hours"] == 24
