"""The meeting's live quorum: a JSON of who is present against the quorum, which the page polls;
the secretary's attendance saved tick by tick answers the same JSON; votes stay refused without
quorum."""

from core.toolkit import db, tenant_context, utcnow_aware
from plugins.councils import services
from tests.plugins.councils.conftest import API, bearer, make_council


def _meeting(app, town, secretary):
    ids = make_council(
        app,
        town,
        seats={"ngo": (3, 0)},
        members=[
            ("Mira", "ngo", "secretary", secretary.id),
            ("Ivan", "ngo", "member", None),
            ("Elena", "ngo", "member", None),
        ],
    )
    with app.app_context(), tenant_context(town.id):
        meeting = services.save_meeting(
            services.get_council(ids["council"]),
            None,
            title="Session",
            starts_at=utcnow_aware(),
            items=["Budget"],
        )
        ids["meeting"] = meeting.id
        ids["item"] = services.agenda(meeting)[0].id
        db.session.commit()
        db.session.remove()
    return ids


def test_the_live_quorum_follows_the_attendance(
    app, town, account_factory, tenant_client, sign_in, access_token
):
    secretary = account_factory(memberships={town: "member"}, locale="en")
    ids = _meeting(app, town, secretary)
    live = f"/councils/meetings/{ids['meeting']}/live?lang=en"
    viewer = tenant_client(town)
    before = viewer.get(live)
    assert before.status_code == 200 and before.headers["Cache-Control"] == "no-store"
    assert before.get_json() == {
        "present": 0,
        "needed": 2,
        "reached": False,
        "present_names": [],
        "message": "No quorum: 0 present, 2 needed.",
        "tallies": {},
    }
    # no quorum: a vote is refused
    votes = f"{API}/items/{ids['item']}/votes"
    refused = viewer.post(votes, json={"choice": "for"}, headers=bearer(access_token, secretary, town))
    assert refused.status_code == 409

    client = sign_in(tenant_client(town), secretary)
    mira, ivan, _elena = ids["members"]
    one = client.post(
        f"/councils/meetings/{ids['meeting']}/attendance?lang=en",
        data={"present": [str(mira)]},
        headers={"Accept": "application/json"},
    )
    assert one.status_code == 200
    assert one.get_json()["present"] == 1 and one.get_json()["present_names"] == ["Mira"]
    assert viewer.get(live).get_json()["reached"] is False
    # the same form without the script: a redirect back to the page
    two = client.post(
        f"/councils/meetings/{ids['meeting']}/attendance?lang=en", data={"present": [str(mira), str(ivan)]}
    )
    assert two.status_code == 302
    now = viewer.get(live).get_json()
    assert now["reached"] is True and now["message"] == "Quorum reached: 2 present, 2 needed."
    assert sorted(now["present_names"]) == ["Ivan", "Mira"]
    page = viewer.get(f"/councils/meetings/{ids['meeting']}?lang=en").get_data(as_text=True)
    assert 'data-reached="1"' in page and "/assets/councils/live.js?v=" in page
    assert viewer.get(f"/councils/meetings/{ids['meeting']}/live").status_code == 200
    ok = viewer.post(votes, json={"choice": "for"}, headers=bearer(access_token, secretary, town))
    assert ok.status_code == 201
    assert viewer.get(live).get_json()["tallies"] == {str(ids["item"]): "For: 1 · Against: 0 · Abstain: 0"}


def test_only_the_secretary_records_attendance_live(app, town, account_factory, tenant_client, sign_in):
    secretary = account_factory(memberships={town: "member"})
    ids = _meeting(app, town, secretary)
    other = sign_in(tenant_client(town), account_factory(memberships={town: "member"}))
    refused = other.post(
        f"/councils/meetings/{ids['meeting']}/attendance",
        data={"present": [str(ids["members"][0])]},
        headers={"Accept": "application/json"},
    )
    assert refused.status_code == 403
    assert tenant_client(town).get(f"/councils/meetings/{ids['meeting']}/live").get_json()["present"] == 0
