"""Issue 10, item 23 (and issue 11): "download my data" and "delete my account" reach a
municipality the person has left, where their comments, registrations and speaker requests stay."""

from __future__ import annotations

import json

import sqlalchemy as sa

from core.accounts.models import PersonalDataLocation
from core.db import cross_tenant_read, tenant_context
from core.extensions import db
from plugins.hearings.models import Comment, Registration, SpeakerRequest
from tests.plugins.hearings.conftest import make_consultation, make_meeting

NAME = "Zoe Leaver"


def _locations(app, account_id):
    with app.app_context(), cross_tenant_read():
        rows = db.session.execute(
            sa.select(PersonalDataLocation.tenant_id)
            .where(PersonalDataLocation.account_id == account_id)
            .execution_options(all_tenants=True)
        ).scalars()
        found = sorted(rows)
        db.session.remove()
    return found


def test_export_and_erasure_reach_a_municipality_the_person_left(
    app, world, account_factory, tenant_client, apex_client, sign_in
):
    """Issue 10 item 23: after a person left a municipality (removed by its administrator), their
    comment author name, the register's author and their attendee name stayed there after
    "delete my account", and "download my data" left them out: both went only where a membership
    still existed. Now an index of where the account wrote reaches every such municipality."""
    person = account_factory(name=NAME, memberships={world.tenant: "member"})
    c = make_consultation(app, world.tenant)
    mid = make_meeting(app, world.tenant)
    here = sign_in(tenant_client(world.tenant), person)
    assert (
        here.post(f"/hearings/consultations/{c['id']}/comments", data={"body": "Keep the park"}).status_code
        == 302
    )
    assert (
        here.post(
            f"/hearings/meetings/{mid}/register", data={"organisation_name": "Park friends"}
        ).status_code
        == 302
    )
    assert here.post(f"/hearings/meetings/{mid}/speakers", data={"topic": "Trees"}).status_code == 302
    assert _locations(app, person.id) == [world.tenant.id]

    # the municipality's administrator removes the person: no membership left anywhere
    admin = sign_in(tenant_client(world.tenant), world.admin)
    assert admin.post(f"/admin/members/{person.id}/remove").status_code == 302
    staff = sign_in(tenant_client(world.tenant), world.staff)
    assert NAME in staff.get(f"/hearings/meetings/{mid}/attendees").get_data(as_text=True)

    sign_in(apex_client, person)
    exported = json.loads(apex_client.get("/account/export").data)
    (entry,) = exported["municipalities"]
    assert entry["slug"] == world.tenant.slug and entry["role"] is None
    hearings = entry["plugins"]["hearings"]
    assert [x["body"] for x in hearings["comments"]] == ["Keep the park"]
    assert [r["name"] for r in hearings["registrations"]] == [NAME]

    deleted = apex_client.post("/account/delete", data={"confirm": "y", "password": person.password})
    assert deleted.status_code == 302

    # nothing of theirs is left: not in the register, not in the attendee list, not in any row
    register = tenant_client(world.tenant).get(f"/hearings/consultations/{c['id']}/register.csv")
    assert "Keep the park" in register.get_data(as_text=True) and NAME not in register.get_data(as_text=True)
    assert NAME not in tenant_client(world.tenant).get(f"/hearings/consultations/{c['id']}").get_data(
        as_text=True
    )
    assert NAME not in staff.get(f"/hearings/meetings/{mid}/attendees").get_data(as_text=True)
    assert NAME not in staff.get(f"/hearings/meetings/{mid}").get_data(as_text=True)
    with app.app_context(), tenant_context(world.tenant.id):
        for model, columns in (
            (Comment, ("author_name",)),
            (Registration, ("name", "email", "organisation_name")),
            (SpeakerRequest, ("name",)),
        ):
            for row in db.session.execute(sa.select(model)).scalars():
                assert row.account_id is None, model
                assert not {getattr(row, col) for col in columns} & {NAME, person.email, "Park friends"}, (
                    model
                )
        db.session.remove()
    assert _locations(app, person.id) == []
