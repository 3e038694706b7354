"""The API: a staff token sets up a council and a call; an NGO admin's token nominates and, in an
election, votes; a member's token casts a roll-call vote; refusals are problem+json with 403/409."""

import datetime as dt

from core.toolkit import db, tenant_context, utcnow_aware
from plugins.councils import services
from tests.plugins.councils.conftest import (
    API,
    DECLARATION,
    bearer,
    make_call,
    make_council,
    make_organisation,
)


def test_staff_set_up_a_council_and_an_ngo_nominates_through_the_api(
    app, town, account_factory, access_token, tenant_client
):
    staff = account_factory(memberships={town: "staff"})
    admin = account_factory(memberships={town: "member"})
    stranger = account_factory(memberships={town: "member"})
    org = make_organisation(app, town, admin)
    client = tenant_client(town)
    created = client.post(
        f"{API}/councils",
        json={
            "name": "Public Council to the Mayor",
            "kind": "public_council",
            "seats": [{"category": "ngo", "seats": 5, "alternates": 2}, {"category": "expert", "seats": 2}],
        },
        headers=bearer(access_token, stranger, town),
    )
    assert created.status_code == 403
    created = client.post(
        f"{API}/councils",
        json={
            "name": "Public Council to the Mayor",
            "kind": "public_council",
            "seats": [{"category": "ngo", "seats": 5, "alternates": 2}, {"category": "expert", "seats": 2}],
        },
        headers=bearer(access_token, staff, town),
    )
    assert created.status_code == 201, created.json
    council = created.json
    assert council["quorum_needed"] == 4 and {s["category"] for s in council["seats"]} == {"ngo", "expert"}
    now = utcnow_aware()
    call = client.post(
        f"{API}/councils/{council['id']}/calls",
        json={
            "title": "NGO seats",
            "category": "ngo",
            "seats": 2,
            "opens_at": (now - dt.timedelta(hours=1)).isoformat(),
            "closes_at": (now + dt.timedelta(days=7)).isoformat(),
            "status": "published",
        },
        headers=bearer(access_token, staff, town),
    )
    assert call.status_code == 201 and call.json["phase"] == "open", call.json
    nominations = f"{API}/calls/{call.json['id']}/nominations"
    refused = client.post(
        nominations,
        json={"organisation_id": org, "candidate_name": "X"},
        headers=bearer(access_token, stranger, town),
    )
    assert refused.status_code == 403 and refused.content_type == "application/problem+json"
    made = client.post(
        nominations,
        json={"organisation_id": org, "candidate_name": "Mila Georgieva", **DECLARATION},
        headers=bearer(access_token, admin, town),
    )
    assert made.status_code == 201, made.json
    assert made.json["declared"] is True and made.json["organisation"] == "Green Haskovo"
    again = client.post(
        nominations,
        json={"organisation_id": org, "candidate_name": "Other"},
        headers=bearer(access_token, admin, town),
    )
    assert again.status_code == 409 and again.json["code"] == "already_nominated"
    listed = client.get(nominations).json  # public: the candidates and their declarations
    assert [(n["candidate_name"], n["declared_roles"]) for n in listed] == [("Mila Georgieva", "none")]


def test_a_present_member_votes_from_their_own_device(
    app, town, account_factory, access_token, tenant_client
):
    people = [account_factory(memberships={town: "member"}) for _ in range(3)]
    ids = make_council(
        app,
        town,
        seats={"ngo": (3, 0)},
        members=[(f"Member {i}", "ngo", "member", p.id) for i, p in enumerate(people)],
    )
    with app.app_context(), tenant_context(town.id):
        council = services.get_council(ids["council"])
        meeting = services.save_meeting(
            council, None, title="Session", starts_at=utcnow_aware(), items=["Budget"]
        )
        services.record_attendance(meeting, set(ids["members"][:2]), by=None)
        item = services.agenda(meeting)[0].id
        meeting_id = meeting.id
        db.session.commit()
        db.session.remove()
    client = tenant_client(town)
    votes = f"{API}/items/{item}/votes"
    cast = client.post(votes, json={"choice": "for"}, headers=bearer(access_token, people[0], town))
    assert cast.status_code == 201, cast.json
    twice = client.post(votes, json={"choice": "against"}, headers=bearer(access_token, people[0], town))
    assert twice.status_code == 409 and twice.json["code"] == "already_voted"
    absent = client.post(votes, json={"choice": "for"}, headers=bearer(access_token, people[2], town))
    assert absent.status_code == 409 and absent.json["code"] == "not_present"
    # a member cannot enter someone else's vote
    other = client.post(
        votes,
        json={"choice": "for", "member_id": str(ids["members"][1])},
        headers=bearer(access_token, people[0], town),
    )
    assert other.status_code == 403
    meeting_doc = client.get(f"{API}/meetings/{meeting_id}").json
    assert meeting_doc["present"] == 2 and meeting_doc["quorum_needed"] == 2
    assert meeting_doc["items"][0]["votes"] == {"for": 1, "against": 0, "abstain": 0}


def test_the_result_shows_ballots_only_after_the_vote(app, town, tenant_client):
    ids = make_council(app, town)
    call = make_call(app, town, ids["council"])
    result = tenant_client(town).get(f"{API}/calls/{call}/result")
    assert result.status_code == 200 and result.json["ballots"] == [] and result.json["phase"] == "open"
