"""A volunteer's sign-ups and hours are in "download my data", and "delete my account" leaves
nothing of them: attended sign-ups stay with their hours, without the person."""

import datetime as dt
import json

import sqlalchemy as sa

from core.toolkit import Account, db, tenant_context, utcnow_aware
from plugins.volunteers import services
from plugins.volunteers.models import Signup, Task
from tests.plugins.volunteers.conftest import make_organisation, make_task

NAME = "Zoe Volunteer"


def test_download_my_data_then_delete_my_account(
    app, town, account_factory, tenant_client, apex_client, sign_in
):
    person = account_factory(name=NAME, memberships={town: "staff"})
    ids = make_task(
        app, town, title="Food bank", shifts=[(-dt.timedelta(days=3), 4), (dt.timedelta(days=3), 4)]
    )
    past, coming = ids["shifts"]
    org = make_organisation(app, town, person, name="Zoe's Club")
    with app.app_context(), tenant_context(town.id):
        account = db.session.get(Account, person.id)
        attended = services.sign_up(
            past, account, note="my phone is 555", now=utcnow_aware() - dt.timedelta(days=5)
        )
        services.record_attendance(attended, attended=True, hours=2.5, coordinator=account)
        services.sign_up(coming, account, organisation_id=org, note="see you")
        services.save_task(None, account=account, title="Written by Zoe", status="draft")
        db.session.commit()
        attended_id = attended.id
        db.session.remove()

    sign_in(apex_client, person)
    exported = json.loads(apex_client.get("/account/export").data)
    (entry,) = [m for m in exported["municipalities"] if m["slug"] == town.slug]
    mine = entry["plugins"]["volunteers"]
    assert mine["total_hours"] == 2.5
    assert sorted((s["task"], s["status"], s["hours"]) for s in mine["sign_ups"]) == [
        ("Food bank", "attended", 2.5),
        ("Food bank", "signed_up", None),
    ]
    assert {s["on_behalf_of"] for s in mine["sign_ups"]} == {None, "Zoe's Club"}
    assert [t["title"] for t in mine["tasks_created"]] == ["Written by Zoe"]

    deleted = apex_client.post("/account/delete", data={"confirm": "y", "password": person.password})
    assert deleted.status_code == 302

    with app.app_context(), tenant_context(town.id):
        rows = db.session.execute(sa.select(Signup)).scalars().all()
        assert [(r.id, r.account_id, r.note, float(r.hours)) for r in rows] == [(attended_id, None, "", 2.5)]
        assert all(r.recorded_by_id is None for r in rows)
        assert all(t.created_by_id is None for t in db.session.execute(sa.select(Task)).scalars())
        db.session.remove()
    staff = account_factory(memberships={town: "staff"})
    page = (
        sign_in(tenant_client(town), staff)
        .get(f"/volunteers/shifts/{past}/attendance?lang=en")
        .get_data(as_text=True)
    )
    assert NAME not in page and "Former volunteer" in page
    # the note went with the person (not just "555": the page's timestamps carry microseconds)
    assert "my phone is 555" not in page


def test_nothing_to_export_is_none(app, town, account_factory):
    person = account_factory(memberships={town: "member"})
    with app.app_context(), tenant_context(town.id):
        assert services.export_personal_data(db.session.get(Account, person.id)) is None
        db.session.remove()
