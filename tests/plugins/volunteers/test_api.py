"""The API: tokens for writes, problem+json for every refusal (409 for a broken rule, 422 only for
what the schema refuses), datetimes with their offset, pagination as documented."""

import datetime as dt
import json

from tests.plugins.volunteers.conftest import bearer, make_organisation, make_task

API = "/api/v1/volunteers"


def test_a_coordinator_drafts_publishes_and_schedules_a_task(
    town, account_factory, access_token, tenant_client
):
    staff = account_factory(memberships={town: "staff"})
    member = account_factory(memberships={town: "member"})
    client = tenant_client(town)
    created = client.post(
        f"{API}/tasks",
        json={
            "title": "Library reading hour",
            "skills": ["reading", "Reading", "patience"],
            "place": "Library",
        },
        headers=bearer(access_token, staff, town),
    )
    assert created.status_code == 201, created.json
    task = created.json
    assert task["status"] == "draft" and task["skills"] == ["patience", "reading"]
    assert task["created_at"].endswith("+00:00")
    assert (
        client.get(f"{API}/tasks/{task['id']}", headers=bearer(access_token, member, town)).status_code == 404
    )
    shift = client.post(
        f"{API}/tasks/{task['id']}/shifts",
        json={
            "starts_at": "2030-05-04T09:00:00+03:00",
            "ends_at": "2030-05-04T11:00:00+03:00",
            "capacity": 2,
        },
        headers=bearer(access_token, staff, town),
    )
    assert shift.status_code == 201, shift.json
    assert shift.json["starts_at"] == "2030-05-04T06:00:00+00:00" and shift.json["places_left"] == 2
    published = client.patch(
        f"{API}/tasks/{task['id']}", json={"status": "published"}, headers=bearer(access_token, staff, town)
    )
    assert published.status_code == 200 and published.json["skills"] == ["patience", "reading"]
    listed = client.get(f"{API}/tasks?skill=READING")
    assert [t["title"] for t in listed.json] == ["Library reading hour"]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 1
    document = client.get("/api/v1/openapi.json").json
    header = document["paths"][f"{API}/tasks"]["get"]["responses"]["200"]["headers"]["X-Pagination"]
    assert "application/json" in header["content"]  # a JSON object in a header, as it is sent


def test_sign_ups_through_the_api(app, town, account_factory, access_token, tenant_client):
    shift = make_task(app, town, shifts=[(dt.timedelta(days=2), 1)])["shifts"][0]
    member = account_factory(name="Api Volunteer", memberships={town: "member"})
    other = account_factory(memberships={town: "member"})
    client = tenant_client(town)
    url = f"{API}/shifts/{shift}/signups"
    assert client.post(url, json={}).status_code == 401  # no token: a cookie never writes through the API
    made = client.post(url, json={"note": "I have a van"}, headers=bearer(access_token, member, town))
    assert made.status_code == 201, made.json
    assert made.json["volunteer"] == "Api Volunteer" and made.json["status"] == "signed_up"
    full = client.post(url, json={}, headers=bearer(access_token, other, town))
    assert full.status_code == 409 and full.mimetype == "application/problem+json"
    assert full.json["code"] == "shift_full" and full.json["detail"]
    invalid = client.post(url, json={"note": "x" * 501}, headers=bearer(access_token, other, town))
    assert invalid.status_code == 422 and "note" in invalid.json["errors"]["json"]
    # the coordinator's list is not for members
    assert client.get(url, headers=bearer(access_token, member, town)).status_code == 403
    mine = client.get(f"{API}/signups/mine", headers=bearer(access_token, member, town))
    assert mine.status_code == 200 and mine.json["total_hours"] == 0 and len(mine.json["signups"]) == 1
    refused = client.delete(f"{API}/signups/{made.json['id']}", headers=bearer(access_token, other, town))
    assert refused.status_code == 404  # someone else's sign-up does not exist for them
    cancelled = client.delete(f"{API}/signups/{made.json['id']}", headers=bearer(access_token, member, town))
    assert cancelled.status_code == 204
    again = client.delete(f"{API}/signups/{made.json['id']}", headers=bearer(access_token, member, town))
    assert again.status_code == 409 and again.json["code"] == "not_active"
    assert client.post(url, json={}, headers=bearer(access_token, other, town)).status_code == 201


def test_on_behalf_of_an_organisation_the_person_does_not_act_for_is_403(
    app, town, account_factory, access_token, tenant_client
):
    shift = make_task(app, town)["shifts"][0]
    member, outsider = (account_factory(memberships={town: "member"}) for _ in range(2))
    org = make_organisation(app, town, member)
    client = tenant_client(town)
    refused = client.post(
        f"{API}/shifts/{shift}/signups",
        json={"organisation_id": org},
        headers=bearer(access_token, outsider, town),
    )
    assert refused.status_code == 403 and refused.json["errors"] == {
        "organisation_id": [refused.json["detail"]]
    }
    made = client.post(
        f"{API}/shifts/{shift}/signups",
        json={"organisation_id": org},
        headers=bearer(access_token, member, town),
    )
    assert made.status_code == 201 and made.json["organisation"] == "Red Cross Orestiada"


def test_attendance_through_the_api(app, town, account_factory, access_token, tenant_client):
    from core.toolkit import Account, db, tenant_context, utcnow_aware
    from plugins.volunteers import services

    shift = make_task(app, town, shifts=[(-dt.timedelta(hours=4), 3)])["shifts"][0]
    member = account_factory(memberships={town: "member"})
    staff = account_factory(memberships={town: "staff"})
    with app.app_context(), tenant_context(town.id):
        signup = services.sign_up(
            shift, db.session.get(Account, member.id), now=utcnow_aware() - dt.timedelta(days=1)
        ).id
        db.session.commit()
        db.session.remove()
    client = tenant_client(town)
    url = f"{API}/signups/{signup}/attendance"
    assert (
        client.put(url, json={"attended": True}, headers=bearer(access_token, member, town)).status_code
        == 403
    )
    assert (
        client.put(
            url, json={"attended": True, "hours": 30}, headers=bearer(access_token, staff, town)
        ).status_code
        == 422
    )
    recorded = client.put(url, json={"attended": True}, headers=bearer(access_token, staff, town))
    assert (
        recorded.status_code == 200
        and recorded.json["hours"] == 3.0
        and recorded.json["status"] == "attended"
    )
    mine = client.get(f"{API}/signups/mine", headers=bearer(access_token, member, town)).json
    assert mine["total_hours"] == 3.0
    listed = client.get(f"{API}/shifts/{shift}/signups", headers=bearer(access_token, staff, town))
    assert [s["status"] for s in listed.json] == ["attended"]


def test_shift_rules_are_409_not_422(app, town, account_factory, access_token, tenant_client):
    ids = make_task(app, town, shifts=[(dt.timedelta(days=2), 2)])
    shift = ids["shifts"][0]
    staff = account_factory(memberships={town: "staff"})
    member = account_factory(memberships={town: "member"})
    client = tenant_client(town)
    client.post(f"{API}/shifts/{shift}/signups", json={}, headers=bearer(access_token, member, town))
    times = client.get(f"{API}/shifts/{shift}").json
    lower = client.put(
        f"{API}/shifts/{shift}",
        json={"starts_at": times["starts_at"], "ends_at": times["ends_at"], "capacity": 0},
        headers=bearer(access_token, staff, town),
    )
    assert lower.status_code == 422  # the schema: at least one place
    taken = client.put(
        f"{API}/shifts/{shift}",
        json={"starts_at": times["ends_at"], "ends_at": times["starts_at"], "capacity": 2},
        headers=bearer(access_token, staff, town),
    )
    assert taken.status_code == 409 and "ends_at" in taken.json["errors"]
    naive = client.post(
        f"{API}/tasks/{ids['task']}/shifts",
        json={"starts_at": "2030-05-04T09:00:00", "ends_at": "2030-05-04T11:00:00", "capacity": 2},
        headers=bearer(access_token, staff, town),
    )
    assert naive.status_code == 422  # a time without its offset is ambiguous
    held = client.delete(f"{API}/shifts/{shift}", headers=bearer(access_token, staff, town))
    assert held.status_code == 409 and held.json["code"] == "shift_has_signups"


def test_the_list_filters(app, town, tenant_client):
    make_task(app, town, title="Over", shifts=[(-dt.timedelta(days=2), 2)])
    make_task(app, town, title="Coming", skills=["cooking"], shifts=[(dt.timedelta(days=2), 2)])
    client = tenant_client(town)
    titles = lambda query: [t["title"] for t in client.get(f"{API}/tasks?{query}").json]  # noqa: E731
    assert titles("") == ["Coming"]
    assert sorted(titles("include_past=true")) == ["Coming", "Over"]
    assert titles("skill=Cooking&open_only=true") == ["Coming"]
    assert titles("q=over&include_past=true") == ["Over"]
    assert titles("starts_after=2999-01-01T00:00:00Z") == []
    assert client.get(f"{API}/tasks?starts_after=tomorrow").status_code == 422
