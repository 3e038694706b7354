"""The pages: bad input comes back with what was typed, a message in the reader's language and a
4xx, never a 500; who may do what; the description is sanitised; the history adds the hours."""

import datetime as dt

import pytest
import sqlalchemy as sa

from core.toolkit import db, tenant_context
from plugins.volunteers.models import Shift, Signup, SignupStatus, Task
from tests.plugins.volunteers.conftest import make_organisation, make_task

DAY = dt.timedelta(days=1)


@pytest.fixture
def staff(town, account_factory):
    return account_factory(name="Stella Staff", memberships={town: "staff"}, locale="en")


@pytest.fixture
def member(town, account_factory):
    return account_factory(name="Mina Member", memberships={town: "member"}, locale="en")


def _page(response) -> str:
    return response.get_data(as_text=True)


def test_a_coordinator_publishes_a_task_and_adds_a_shift(app, town, staff, tenant_client, sign_in):
    client = sign_in(tenant_client(town), staff)
    created = client.post(
        "/volunteers/tasks/new?lang=en",
        data={
            "title": "Soup kitchen",
            "description": "Cook **soup**",
            "place": "Market hall",
            "skills": "cooking, Cooking, hygiene certificate",
            "status": "published",
        },
    )
    assert created.status_code == 302, _page(created)
    task_url = created.headers["Location"]
    added = client.post(
        task_url.replace("/volunteers/tasks/", "/volunteers/tasks/", 1) + "/shifts/new",
        data={"starts_at": "2030-05-04T09:00", "ends_at": "2030-05-04T13:30", "capacity": "4"},
    )
    assert added.status_code == 302, _page(added)
    with app.app_context(), tenant_context(town.id):
        (shift,) = db.session.execute(sa.select(Shift)).scalars()
        # typed as Athens wall-clock time (summer, UTC+3), stored as UTC
        assert (shift.starts_at.hour, shift.ends_at.hour, shift.ends_at.minute) == (6, 10, 30)
        db.session.remove()
    page = _page(tenant_client(town).get(task_url + "?lang=en"))
    assert "<strong>soup</strong>" in page and "Market hall" in page and "hygiene certificate" in page
    assert "9:00" in page and "1:30" in page and "4 places left" in page  # Athens time, not UTC (6:00)


def test_a_task_without_a_title_comes_back_with_everything_typed(town, staff, tenant_client, sign_in):
    client = sign_in(tenant_client(town), staff)
    refused = client.post(
        "/volunteers/tasks/new?lang=el",
        data={
            "title": "   ",
            "description": "Keep this text",
            "place": "Πλατεία",
            "skills": "a, b",
            "status": "published",
        },
    )
    assert refused.status_code == 422
    page = _page(refused)
    assert "Keep this text" in page and 'value="Πλατεία"' in page and 'value="a, b"' in page
    assert 'aria-invalid="true"' in page
    assert 'value="published" selected' in page or 'selected value="published"' in page


def test_bad_shift_times_come_back_typed_and_never_500(app, town, staff, tenant_client, sign_in):
    task = make_task(app, town, shifts=[])["task"]
    client = sign_in(tenant_client(town), staff)
    url = f"/volunteers/tasks/{task}/shifts/new?lang=en"
    backwards = client.post(
        url, data={"starts_at": "2030-05-04T13:00", "ends_at": "2030-05-04T09:00", "capacity": "3"}
    )
    assert backwards.status_code == 409
    page = _page(backwards)
    assert "The shift must end after it starts." in page and 'value="2030-05-04T13:00"' in page
    garbage = client.post(url, data={"starts_at": "next tuesday", "ends_at": "", "capacity": "many"})
    assert garbage.status_code == 422
    assert 'value="next tuesday"' in _page(garbage) and 'value="many"' in _page(garbage)
    too_many = client.post(
        url, data={"starts_at": "2030-05-04T09:00", "ends_at": "2030-05-04T10:00", "capacity": "100000"}
    )
    assert too_many.status_code == 422
    with app.app_context(), tenant_context(town.id):
        assert db.session.execute(sa.select(sa.func.count()).select_from(Shift)).scalar_one() == 0
        db.session.remove()


def test_a_full_shift_says_so_and_keeps_the_note(app, town, member, account_factory, tenant_client, sign_in):
    shift = make_task(app, town, shifts=[(2 * DAY, 1)])["shifts"][0]
    first = sign_in(tenant_client(town), account_factory(memberships={town: "member"}))
    assert (
        first.post(f"/volunteers/shifts/{shift}/signup", data={"organisation_id": "", "note": ""}).status_code
        == 302
    )
    client = sign_in(tenant_client(town), member)
    full = client.post(
        f"/volunteers/shifts/{shift}/signup?lang=el", data={"organisation_id": "", "note": "Έχω αυτοκίνητο"}
    )
    assert full.status_code == 409
    page = _page(full)
    assert "Η βάρδια αυτή είναι πλήρης." in page and "Έχω αυτοκίνητο" in page


def test_signing_up_on_behalf_of_an_organisation_and_cancelling(
    app, town, member, tenant_client, sign_in, mail_outbox
):
    ids = make_task(app, town, title="Park clean-up", shifts=[(2 * DAY, 5)])
    shift = ids["shifts"][0]
    org = make_organisation(app, town, member, name="Friends of the Park")
    client = sign_in(tenant_client(town), member)
    form = _page(client.get(f"/volunteers/shifts/{shift}/signup?lang=en"))
    assert "On behalf of Friends of the Park" in form
    done = client.post(
        f"/volunteers/shifts/{shift}/signup?lang=en",
        data={"organisation_id": str(org), "note": "Bringing gloves"},
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/volunteers/tasks/{ids['task']}")
    mail = mail_outbox.wait_for(lambda m: m["To"] == member.email)
    assert mail["Subject"].startswith("You are signed up: Park clean-up")
    mine = _page(client.get("/volunteers/mine?lang=en"))
    assert "Park clean-up" in mine and "On behalf of Friends of the Park" in mine
    with app.app_context(), tenant_context(town.id):
        signup = db.session.execute(sa.select(Signup)).scalar_one()
        assert (signup.organisation_id, signup.note) == (org, "Bringing gloves")
        signup_id = signup.id
        db.session.remove()
    # an organisation that is not among the choices offered: the form again
    stranger = client.post(
        f"/volunteers/shifts/{shift}/signup?lang=en", data={"organisation_id": "999999", "note": "x"}
    )
    assert stranger.status_code == 422  # not one of the choices offered
    cancelled = client.post(f"/volunteers/signups/{signup_id}/cancel", data={"back": "mine"})
    assert cancelled.status_code == 302 and cancelled.headers["Location"].endswith("/volunteers/mine")
    with app.app_context(), tenant_context(town.id):
        assert db.session.get(Signup, (town.id, signup_id)).status == SignupStatus.CANCELLED
        db.session.remove()


def test_who_may_do_what(app, town, member, staff, account_factory, tenant_client, sign_in):
    ids = make_task(app, town, status="draft", title="Secret draft")
    shift = ids["shifts"][0]
    anonymous = tenant_client(town)
    assert anonymous.get(f"/volunteers/tasks/{ids['task']}").status_code == 404  # drafts: coordinators only
    assert anonymous.get(f"/volunteers/shifts/{shift}/signup").status_code == 401
    assert anonymous.get("/volunteers/mine").status_code == 401
    client = sign_in(tenant_client(town), member)
    for path in (
        "/volunteers/tasks/new",
        f"/volunteers/shifts/{shift}/attendance",
        f"/volunteers/shifts/{shift}/edit",
    ):
        assert client.get(path).status_code == 403, path
    assert "Secret draft" not in _page(client.get("/volunteers/"))
    coordinator = sign_in(tenant_client(town), staff)
    assert "Secret draft" in _page(coordinator.get("/volunteers/"))
    assert coordinator.get(f"/volunteers/shifts/{shift}/attendance").status_code == 200


def test_an_admin_grants_coordination_to_a_member(app, town, member, account_factory, tenant_client, sign_in):
    """``volunteers.coordinate`` is grantable: a member who holds the grant coordinates."""
    admin = account_factory(memberships={town: "admin"})
    shift = make_task(app, town)["shifts"][0]
    client = sign_in(tenant_client(town), member)
    assert client.get(f"/volunteers/shifts/{shift}/attendance").status_code == 403
    admin_client = sign_in(tenant_client(town), admin)
    page = _page(admin_client.get("/admin/permissions?lang=en"))
    assert "volunteers.coordinate" in page
    granted = admin_client.post(
        "/admin/permissions", data={"account_id": str(member.id), "permission": "volunteers.coordinate"}
    )
    assert granted.status_code == 302
    assert client.get(f"/volunteers/shifts/{shift}/attendance").status_code == 200
    assert client.get("/volunteers/tasks/new").status_code == 200


def test_attendance_with_bad_hours_saves_nothing_and_keeps_what_was_typed(
    app, town, staff, account_factory, tenant_client, sign_in
):
    from core.toolkit import Account
    from plugins.volunteers import services

    ids = make_task(app, town, shifts=[(-dt.timedelta(hours=5), 5)])
    shift = ids["shifts"][0]
    people = [account_factory(name=f"Helper {i}", memberships={town: "member"}) for i in range(2)]
    with app.app_context(), tenant_context(town.id):
        made = [
            services.sign_up(shift, db.session.get(Account, p.id), now=services.utcnow_aware() - DAY).id
            for p in people
        ]
        db.session.commit()
        db.session.remove()
    client = sign_in(tenant_client(town), staff)
    page = _page(client.get(f"/volunteers/shifts/{shift}/attendance?lang=en"))
    assert "Helper 0" in page and "Helper 1" in page
    bad = client.post(
        f"/volunteers/shifts/{shift}/attendance?lang=en",
        data={
            f"status-{made[0]}": "attended",
            f"hours-{made[0]}": "2,5",
            f"status-{made[1]}": "attended",
            f"hours-{made[1]}": "lots",
        },
    )
    assert bad.status_code == 422
    page = _page(bad)
    assert 'value="lots"' in page and 'value="2,5"' in page and "Nothing was saved" in page
    assert "Give the hours as a number over 0 and at most 24." in page
    with app.app_context(), tenant_context(town.id):
        assert {s.status for s in db.session.execute(sa.select(Signup)).scalars()} == {SignupStatus.SIGNED_UP}
        db.session.remove()
    zero = client.post(
        f"/volunteers/shifts/{shift}/attendance",
        data={f"status-{made[0]}": "attended", f"hours-{made[0]}": "0"},
    )
    assert zero.status_code == 422
    weird = client.post(f"/volunteers/shifts/{shift}/attendance", data={f"status-{made[0]}": "maybe"})
    assert weird.status_code == 422
    saved = client.post(
        f"/volunteers/shifts/{shift}/attendance",
        data={f"status-{made[0]}": "attended", f"hours-{made[0]}": "2,5", f"status-{made[1]}": "no_show"},
    )
    assert saved.status_code == 302
    with app.app_context(), tenant_context(town.id):
        rows = {s.id: s for s in db.session.execute(sa.select(Signup)).scalars()}
        assert (rows[made[0]].status, float(rows[made[0]].hours)) == ("attended", 2.5)
        assert rows[made[1]].status == "no_show" and rows[made[1]].hours is None
        db.session.remove()
    helper = sign_in(tenant_client(town), people[0])
    mine = _page(helper.get("/volunteers/mine?lang=en"))
    assert "Hours given here: 2.5" in mine and "Attended" in mine
    assert "Ώρες εθελοντισμού εδώ: 2,5" in _page(helper.get("/volunteers/mine?lang=el"))


def test_the_description_is_sanitised(app, town, tenant_client):
    ids = make_task(
        app,
        town,
        description='Hi <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror="alert(3)">',
    )
    page = _page(tenant_client(town).get(f"/volunteers/tasks/{ids['task']}"))
    assert "<script>alert(1)" not in page and "javascript:" not in page and "onerror" not in page


def test_bad_filters_come_back_typed_with_a_4xx(app, town, tenant_client):
    make_task(app, town, title="Library reading hour", skills=["reading"])
    client = tenant_client(town)
    bad = client.get("/volunteers/?q=library&starts_after=31-31-2031&lang=en")
    assert bad.status_code == 422
    page = _page(bad)
    assert 'value="library"' in page and 'value="31-31-2031"' in page and "Library reading hour" in page
    good = _page(client.get("/volunteers/?skill=reading&starts_after=2020-01-01&open_only=y"))
    assert "Library reading hour" in good
    assert "Library reading hour" not in _page(client.get("/volunteers/?skill=cooking"))
    assert client.get("/volunteers/?q=" + "x" * 500).status_code == 422


def test_the_dashboard_and_search_show_tasks(app, town, tenant_client):
    make_task(app, town, title="Tree planting")
    client = tenant_client(town)
    assert "Tree planting" in _page(client.get("/?lang=en"))
    found = _page(client.get("/search?q=tree&lang=en"))
    assert "Tree planting" in found


def test_removing_a_shift(app, town, staff, member, tenant_client, sign_in):
    ids = make_task(app, town, shifts=[(2 * DAY, 3), (3 * DAY, 3)])
    empty, held = ids["shifts"]
    sign_in(tenant_client(town), member).post(
        f"/volunteers/shifts/{held}/signup", data={"organisation_id": "", "note": ""}
    )
    client = sign_in(tenant_client(town), staff)
    assert client.post(f"/volunteers/shifts/{empty}/delete").status_code == 302
    refused = client.post(f"/volunteers/shifts/{held}/delete?lang=en")
    assert refused.status_code == 409 and "cancel the task instead" in _page(refused)
    with app.app_context(), tenant_context(town.id):
        assert [s.id for s in db.session.execute(sa.select(Shift)).scalars()] == [held]
        assert db.session.execute(sa.select(Task)).scalar_one().title == "Food bank"
        db.session.remove()


def test_the_admins_settings_form_comes_from_the_schema(app, town, account_factory, tenant_client, sign_in):
    from core.toolkit import plugin_settings

    admin = sign_in(tenant_client(town), account_factory(memberships={town: "admin"}))
    form = _page(admin.get("/admin/modules/volunteers/settings?lang=el"))
    assert "Υπενθύμιση, ώρες πριν από τη βάρδια" in form and "Οι φορείς μπορούν να δηλώνουν εθελοντές" in form
    refused = admin.post(
        "/admin/modules/volunteers/settings", data={"reminder_hours": "0", "max_signups_per_week": "2"}
    )
    assert refused.status_code == 422
    saved = admin.post(
        "/admin/modules/volunteers/settings",
        data={"reminder_hours": "48", "max_signups_per_week": "2", "organisations_may_sign_up": ""},
    )
    assert saved.status_code == 302
    with app.app_context(), tenant_context(town.id):
        assert plugin_settings("volunteers") == {
            "reminder_hours": 48,
            "max_signups_per_week": 2,
            "organisations_may_sign_up": False,
        }
        db.session.remove()
