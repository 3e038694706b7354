"""Members' own dissenting opinions: a member who voted against a formal opinion in the roll call
of its agenda item adds their dissent, once; it is shown beside the opinion under their name;
members who voted for it, or opinions without a roll call, take none. The same in the API."""

from core.toolkit import db, tenant_context, utcnow_aware
from plugins.councils import services
from tests.plugins.councils.conftest import API, bearer, make_council


def _opinion(app, town, people, choices, *, with_item=True):
    ids = make_council(
        app,
        town,
        seats={"ngo": (len(people), 0)},
        members=[(p.display_name, "ngo", "member", p.id) for p in people],
    )
    with app.app_context(), tenant_context(town.id):
        council = services.get_council(ids["council"])
        meeting = services.save_meeting(
            council, None, title="Session", starts_at=utcnow_aware(), items=["Budget"]
        )
        services.record_attendance(meeting, set(ids["members"]), by=None)
        item = services.agenda(meeting)[0]
        for member_id, choice in zip(ids["members"], choices, strict=True):
            services.cast_vote(item, services.get_member(member_id), choice, by=None)
        opinion = services.issue_opinion(
            council, title="On the budget", text="We support it.", item_id=item.id if with_item else None
        )
        db.session.commit()
        opinion_id = opinion.id
        db.session.remove()
    return opinion_id


def test_a_member_who_voted_against_adds_their_dissent(app, town, account_factory, tenant_client, sign_in):
    ana, boris = (
        account_factory(name=n, memberships={town: "member"}, locale="en")
        for n in ("Ana Pro", "Boris Contra")
    )
    opinion = _opinion(app, town, [ana, boris], ["for", "against"])
    page = f"/councils/opinions/{opinion}?lang=en"
    post = f"/councils/opinions/{opinion}/dissents?lang=en"
    for_voter = sign_in(tenant_client(town), ana)
    assert "Your dissenting opinion" not in for_voter.get(page).get_data(as_text=True)
    assert for_voter.post(post, data={"text": "I agree really"}).status_code == 403
    against = sign_in(tenant_client(town), boris)
    assert "Your dissenting opinion" in against.get(page).get_data(as_text=True)
    empty = against.post(post, data={"text": "   "})
    assert empty.status_code == 422 and 'aria-invalid="true"' in empty.get_data(as_text=True)
    assert against.post(post, data={"text": "The budget cuts the social services."}).status_code == 302
    public = tenant_client(town).get(page).get_data(as_text=True)
    assert "Boris Contra" in public and "The budget cuts the social services." in public
    assert "Dissenting opinions" in public
    assert against.post(post, data={"text": "Again"}).status_code == 403  # once
    assert "Your dissenting opinion" not in against.get(page).get_data(as_text=True)
    assert tenant_client(town).post(post, data={"text": "Anonymous"}).status_code == 401


def test_dissents_through_the_api(app, town, account_factory, tenant_client, access_token):
    people = [account_factory(name=f"Member {i}", memberships={town: "member"}) for i in range(3)]
    opinion = _opinion(app, town, people, ["for", "against", "against"])
    client = tenant_client(town)
    url = f"{API}/opinions/{opinion}/dissents"
    made = client.post(url, json={"text": "No"}, headers=bearer(access_token, people[1], town))
    assert made.status_code == 201 and made.get_json()["member"] == "Member 1"
    assert (
        client.post(url, json={"text": "Yes"}, headers=bearer(access_token, people[0], town)).status_code
        == 403
    )
    assert (
        client.post(url, json={"text": ""}, headers=bearer(access_token, people[2], town)).status_code == 422
    )
    client.post(url, json={"text": "Also no"}, headers=bearer(access_token, people[2], town))
    assert [(d["member"], d["text"]) for d in client.get(url).get_json()] == [
        ("Member 1", "No"),
        ("Member 2", "Also no"),
    ]


def test_an_opinion_without_a_roll_call_takes_no_member_dissent(
    app, town, account_factory, access_token, tenant_client
):
    people = [account_factory(memberships={town: "member"}) for _ in range(2)]
    opinion = _opinion(app, town, people, ["for", "against"], with_item=False)
    refused = tenant_client(town).post(
        f"{API}/opinions/{opinion}/dissents",
        json={"text": "No"},
        headers=bearer(access_token, people[1], town),
    )
    assert refused.status_code == 403


def test_a_dissent_is_in_the_members_data_export(app, town, account_factory):
    people = [account_factory(memberships={town: "member"}) for _ in range(2)]
    opinion = _opinion(app, town, people, ["for", "against"])
    with app.app_context(), tenant_context(town.id):
        from core.toolkit import Account

        account = db.session.get(Account, people[1].id)
        services.add_dissent(services.get_opinion(opinion), account, "My reasons")
        assert services.export_personal_data(account)["dissents"] == [
            {"opinion_id": str(opinion), "text": "My reasons"}
        ]
        db.session.rollback()
        db.session.remove()
