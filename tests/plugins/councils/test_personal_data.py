"""A member's terms, nominations (with the declaration) and votes are in "download my data";
deleting the account keeps the public record under the published name, without the account."""

import json

import sqlalchemy as sa

from core.toolkit import Account, db, tenant_context, utcnow_aware
from plugins.councils import services
from plugins.councils.models import Member, Nomination, Vote
from tests.plugins.councils.conftest import DECLARATION, make_call, make_council, make_organisation

NAME = "Zoya Member"


def test_download_my_data_then_delete_my_account(app, town, account_factory, apex_client, sign_in):
    person = account_factory(name=NAME, memberships={town: "member"})
    org = make_organisation(app, town, person)
    ids = make_council(app, town, seats={"ngo": (1, 0)}, members=[(NAME, "ngo", "member", person.id)])
    call = make_call(app, town, ids["council"])
    with app.app_context(), tenant_context(town.id):
        account = db.session.get(Account, person.id)
        nom = services.nominate(
            services.get_call(call),
            account,
            organisation_id=org,
            candidate_name=NAME,
            candidate_account_id=person.id,
            declaration=DECLARATION,
        )
        meeting = services.save_meeting(
            services.get_council(ids["council"]), None, title="S", starts_at=utcnow_aware(), items=["Budget"]
        )
        services.record_attendance(meeting, set(ids["members"]), by=None)
        services.cast_vote(
            services.agenda(meeting)[0], services.get_member(ids["members"][0]), "against", by=account
        )
        db.session.commit()
        nom_id = nom.id
        db.session.remove()

    sign_in(apex_client, person)
    exported = json.loads(apex_client.get("/account/export").data)
    (entry,) = [m for m in exported["municipalities"] if m["slug"] == town.slug]
    mine = entry["plugins"]["councils"]
    assert [t["name"] for t in mine["terms"]] == [NAME]
    assert mine["nominations"][0]["declared_municipal_funding"] == "none"
    assert [v["choice"] for v in mine["votes"]] == ["against"]

    deleted = apex_client.post("/account/delete", data={"confirm": "y", "password": person.password})
    assert deleted.status_code == 302
    with app.app_context(), tenant_context(town.id):
        (member,) = db.session.execute(sa.select(Member)).scalars()
        assert (member.name, member.account_id) == (NAME, None)  # the composition is public record
        nomination = db.session.execute(sa.select(Nomination).where(Nomination.id == nom_id)).scalar_one()
        assert nomination.status == "withdrawn" and nomination.nominated_by_id is None
        assert nomination.candidate_account_id is None
        (vote,) = db.session.execute(sa.select(Vote)).scalars()
        assert (vote.choice, vote.entered_by_id) == ("against", None)
        db.session.remove()


def test_nothing_to_export_is_none(app, town, account_factory):
    person = account_factory(memberships={town: "member"})
    with app.app_context(), tenant_context(town.id):
        assert services.export_personal_data(db.session.get(Account, person.id)) is None
        db.session.remove()


def test_the_records_of_processing_declare_the_councils_data(town, account_factory, tenant_client, sign_in):
    admin = account_factory(memberships={town: "admin"}, locale="en")
    page = sign_in(tenant_client(town), admin).get("/admin/legal/records?lang=en").get_data(as_text=True)
    assert "<code>councils.members</code>" in page and "<code>councils.nominations</code>" in page
    assert "Members of councils and committees" in page
