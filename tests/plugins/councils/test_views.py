"""The pages: the council page with its composition on a date; staff create a council with its
seat plan from the console; an NGO admin nominates with the declaration; a bad form comes back
with what was typed and a 4xx; the opinion register shows overdue answers; reports in CSV."""

import datetime as dt

import sqlalchemy as sa

from core.toolkit import db, tenant_context
from plugins.councils import services
from plugins.councils.models import Council, Nomination, Seat
from tests.plugins.councils.conftest import make_call, make_council, make_organisation


def _page(response) -> str:
    return response.get_data(as_text=True)


def test_staff_create_a_council_with_its_seat_plan(app, town, account_factory, tenant_client, sign_in):
    staff = account_factory(memberships={town: "staff"}, locale="en")
    client = sign_in(tenant_client(town), staff)
    refused = client.post(
        "/councils/new?lang=en",
        data={
            "name": "  ",
            "kind": "youth_council",
            "term_months": "12",
            "max_consecutive_terms": "2",
            "quorum_rule": "majority",
            "seats_citizen": "7",
            "remit": "Keep this remit",
        },
    )
    assert refused.status_code == 422
    assert "Keep this remit" in _page(refused) and 'aria-invalid="true"' in _page(refused)
    made = client.post(
        "/councils/new?lang=en",
        data={
            "name": "Youth Council",
            "kind": "youth_council",
            "term_months": "12",
            "max_consecutive_terms": "2",
            "quorum_rule": "majority",
            "seats_citizen": "7",
            "alternates_citizen": "2",
            "remit": "**Young** voices",
        },
    )
    assert made.status_code == 302, _page(made)
    with app.app_context(), tenant_context(town.id):
        (council,) = db.session.execute(sa.select(Council)).scalars()
        assert [
            (s.category, s.seats, s.alternates) for s in db.session.execute(sa.select(Seat)).scalars()
        ] == [("citizen", 7, 2)]
        db.session.remove()
    page = _page(tenant_client(town).get(made.headers["Location"] + "?lang=en"))
    assert "<strong>Young</strong>" in page and "Quorum: 4 members present" in page
    member = account_factory(memberships={town: "member"})
    assert sign_in(tenant_client(town), member).get("/councils/new").status_code == 403


def test_the_composition_on_a_date(app, town, tenant_client):
    ids = make_council(app, town, members=[("Ana Ivanova", "ngo", "chair", None)])
    client = tenant_client(town)
    today = _page(client.get(f"/councils/{ids['council']}?lang=en"))
    assert "Ana Ivanova" in today and "Chair" in today
    before = _page(client.get(f"/councils/{ids['council']}?lang=en&on=2001-01-01"))
    assert "Nobody sits on the council on this date." in before
    bad = client.get(f"/councils/{ids['council']}?lang=en&on=not-a-date")
    assert bad.status_code == 422 and 'value="not-a-date"' in _page(bad)


def test_an_ngo_admin_nominates_with_the_declaration(app, town, account_factory, tenant_client, sign_in):
    admin = account_factory(memberships={town: "member"}, locale="en")
    org = make_organisation(app, town, admin, name="Roma Youth Haskovo")
    ids = make_council(app, town)
    call = make_call(app, town, ids["council"], criteria="- registered in **Haskovo**")
    client = sign_in(tenant_client(town), admin)
    page = _page(client.get(f"/councils/calls/{call}?lang=en"))
    assert "<strong>Haskovo</strong>" in page and "Nominate a candidate" in page
    form = _page(client.get(f"/councils/calls/{call}/nominate?lang=en"))
    assert "On behalf of Roma Youth Haskovo" in form
    incomplete = client.post(
        f"/councils/calls/{call}/nominate?lang=en",
        data={
            "organisation_id": str(org),
            "candidate_name": "Elif Ahmed",
            "statement": "Keep me",
            "roles": "none",
        },
    )
    assert incomplete.status_code == 422 and "Keep me" in _page(incomplete)
    done = client.post(
        f"/councils/calls/{call}/nominate?lang=en",
        data={
            "organisation_id": str(org),
            "candidate_name": "Elif Ahmed",
            "roles": "Board of Roma Youth",
            "related_entities": "none",
            "municipal_funding": "A 2025 grant of 3,000 BGN",
        },
    )
    assert done.status_code == 302, _page(done)
    with app.app_context(), tenant_context(town.id):
        (nom,) = db.session.execute(sa.select(Nomination)).scalars()
        assert (nom.organisation_id, nom.nominated_by_id, nom.declared_at is not None) == (
            org,
            admin.id,
            True,
        )
        db.session.remove()
    public = _page(tenant_client(town).get(f"/councils/calls/{call}?lang=en"))
    assert "Elif Ahmed" in public and "A 2025 grant of 3,000 BGN" in public
    outsider = account_factory(memberships={town: "member"}, locale="en")
    assert sign_in(tenant_client(town), outsider).get(f"/councils/calls/{call}/nominate").status_code == 403


def test_the_register_shows_overdue_answers_and_staff_answer(
    app, town, account_factory, tenant_client, sign_in
):
    ids = make_council(app, town)
    with app.app_context(), tenant_context(town.id):
        council = services.get_council(ids["council"])
        late = services.issue_opinion(
            council,
            title="On the parks programme",
            text="Plant trees.",
            issued_on=dt.date(2026, 1, 5),
            answer_days=10,
        )
        late_id = late.id
        db.session.commit()
        db.session.remove()
    client = tenant_client(town)
    register = _page(client.get("/councils/opinions?overdue=1&lang=en"))
    assert "On the parks programme" in register and "Answer overdue since" in register
    staff = account_factory(memberships={town: "staff"}, locale="en")
    staff_client = sign_in(tenant_client(town), staff)
    blank = staff_client.post(
        f"/councils/opinions/{late_id}?lang=en", data={"answer": "partly", "reasoning": ""}
    )
    assert blank.status_code == 422
    answered = staff_client.post(
        f"/councils/opinions/{late_id}?lang=en",
        data={"answer": "partly", "reasoning": "Half the trees are funded."},
    )
    assert answered.status_code == 302
    page = _page(client.get(f"/councils/opinions/{late_id}?lang=en"))
    assert "Accepted in part" in page and "Half the trees are funded." in page
    assert "On the parks programme" not in _page(client.get("/councils/opinions?overdue=1&lang=en"))


def test_the_annual_report_in_csv_and_the_calendar(app, town, tenant_client):
    ids = make_council(app, town, seats={"ngo": (1, 0)}, members=[("Ana", "ngo", "member", None)])
    with app.app_context(), tenant_context(town.id):
        council = services.get_council(ids["council"])
        meeting = services.save_meeting(
            council, None, title="Spring session", starts_at=services.utcnow_aware(), items=["Budget"]
        )
        services.record_attendance(meeting, set(ids["members"]), by=None)
        year = services.local_today().year
        db.session.commit()
        db.session.remove()
    client = tenant_client(town)
    csv_text = _page(client.get(f"/councils/{ids['council']}/report/{year}?format=csv"))
    assert csv_text.splitlines()[1] == "Ana,member,1,1"
    ics = client.get("/councils/calendar.ics")
    assert ics.content_type.startswith("text/calendar") and "Spring session" in _page(ics)
    assert "Spring session" in _page(client.get(f"/councils/{ids['council']}/calendar.ics"))


def test_staff_end_a_term_and_give_the_seat_to_an_alternate(
    app, town, account_factory, tenant_client, sign_in
):
    ids = make_council(
        app,
        town,
        seats={"ngo": (1, 1)},
        members=[("Ana", "ngo", "member", None), ("Boyan", "ngo", "alternate", None)],
    )
    staff = sign_in(tenant_client(town), account_factory(memberships={town: "staff"}, locale="en"))
    ana, boyan = ids["members"]
    assert staff.post(f"/councils/members/{boyan}/promote").status_code == 409  # no vacant seat yet
    assert staff.post(f"/councils/members/{ana}/end", data={"reason": "resigned"}).status_code == 302
    assert staff.post(f"/councils/members/{boyan}/promote").status_code == 302
    with app.app_context(), tenant_context(town.id):
        sitting = services.composition(services.get_council(ids["council"]))
        assert [(m.name, m.position) for m in sitting] == [("Boyan", "member")]
        db.session.remove()
    page = _page(tenant_client(town).get(f"/councils/{ids['council']}?lang=en"))
    assert "Resigned" in page and "Took a seat" in page


def test_an_ngo_admin_casts_the_organisations_ballot_on_the_page(
    app, town, account_factory, tenant_client, sign_in
):
    admin = account_factory(memberships={town: "member"}, locale="en")
    org = make_organisation(app, town, admin, name="Voting NGO")
    ids = make_council(app, town)
    with app.app_context(), tenant_context(town.id):
        now = services.utcnow_aware()
        call = services.save_call(
            None,
            services.get_council(ids["council"]),
            title="Election",
            category="ngo",
            seats=1,
            method="election",
            opens_at=now - dt.timedelta(days=5),
            closes_at=now + dt.timedelta(seconds=2),
            voting_closes_at=now + dt.timedelta(days=3),
            status="published",
        )
        from core.toolkit import Account

        nom = services.nominate(
            call,
            db.session.get(Account, admin.id),
            organisation_id=org,
            candidate_name="Petar",
            declaration={"roles": "none", "related_entities": "none", "municipal_funding": "none"},
        )
        call.closes_at = now - dt.timedelta(seconds=1)  # the nominations have closed
        services.screen(nom, admit=True, reason="ok", staff=db.session.get(Account, admin.id))
        db.session.commit()
        call_id, nom_id = call.id, nom.id
        db.session.remove()
    client = sign_in(tenant_client(town), admin)
    page = _page(client.get(f"/councils/calls/{call_id}?lang=en"))
    assert "Approve up to 1 candidate" in page
    cast = client.post(
        f"/councils/calls/{call_id}/ballot", data={"organisation_id": str(org), "nomination_ids": str(nom_id)}
    )
    assert cast.status_code == 302
    assert (
        client.post(
            f"/councils/calls/{call_id}/ballot",
            data={"organisation_id": str(org), "nomination_ids": str(nom_id)},
        ).status_code
        == 409
    )


def test_an_agenda_item_links_another_plugins_item(
    app, tenant_factory, account_factory, tenant_client, sign_in
):
    """By reference or by the address of its page; a link to nothing is refused, the agenda kept."""
    from sympraxis_testplugin.models import Note  # the test plugin: a vendor's linkable objects

    town = tenant_factory(plugins=["councils", "testplugin"], locale="en")
    ids = make_council(app, town)
    with app.app_context(), tenant_context(town.id):
        note = Note(title="Draft budget 2027", body="b")
        db.session.add(note)
        db.session.commit()
        note_id = note.id
        db.session.remove()
    staff = sign_in(tenant_client(town), account_factory(memberships={town: "staff"}, locale="en"))
    form = {"title": "Session", "starts_at": "2030-05-04T18:00", "place": "Hall"}
    bad = staff.post(
        f"/councils/{ids['council']}/meetings/new?lang=en",
        data={**form, "agenda": "Budget | testplugin:note:01932c4e-0000-7000-8000-000000000000"},
    )
    assert bad.status_code == 409 and "is not the address of an item of the platform" in _page(bad)
    assert "Budget | testplugin:note:" in _page(bad)
    made = staff.post(
        f"/councils/{ids['council']}/meetings/new?lang=en",
        data={
            **form,
            "agenda": f"Budget | testplugin:note:{note_id}\nParks | https://x.example/testplugin/notes/{note_id}",
        },
    )
    assert made.status_code == 302, _page(made)
    page = _page(tenant_client(town).get(made.headers["Location"] + "?lang=en"))
    assert page.count(f'href="/testplugin/{note_id}"') == 2 and "Draft budget 2027" in page


def test_a_closed_council_shows_where_it_meets_to_its_members_only(
    app, town, account_factory, tenant_client, sign_in, access_token
):
    person = account_factory(memberships={town: "member"}, locale="en")
    ids = make_council(app, town, public_sessions=False, members=[("Ana", "ngo", "member", person.id)])
    with app.app_context(), tenant_context(town.id):
        meeting = services.save_meeting(
            services.get_council(ids["council"]),
            None,
            title="Closed session on grants",
            starts_at=services.utcnow_aware() + dt.timedelta(days=2),
            place="https://meet.example/secret-room",
        )
        meeting_id = meeting.id
        db.session.commit()
        db.session.remove()
    public = tenant_client(town)
    page = _page(public.get(f"/councils/meetings/{meeting_id}?lang=en"))
    assert "Closed session on grants" in page and "secret-room" not in page and "Closed session" in page
    assert "secret-room" not in _page(public.get("/councils/calendar.ics"))
    assert public.get(f"/api/v1/councils/meetings/{meeting_id}").json["place"] == ""
    member = sign_in(tenant_client(town), person)
    assert "secret-room" in _page(member.get(f"/councils/meetings/{meeting_id}?lang=en"))
    token = {"Authorization": f"Bearer {access_token(person, town)}"}
    assert "secret-room" in public.get(f"/api/v1/councils/meetings/{meeting_id}", headers=token).json["place"]
