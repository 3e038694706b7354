"""Objections to a call's result, on the platform: lodged during the objection period by a
signed-in person (for themselves or their organisation) with reasons, answered by staff with
reasons, both published; the members are seated only after the period and once every objection
is answered."""

import datetime as dt

import pytest

from core.toolkit import Account, RuleViolation, db, tenant_context, utcnow_aware
from plugins.councils import services
from plugins.councils.models import Objection
from tests.plugins.councils.conftest import (
    API,
    DECLARATION,
    bearer,
    make_call,
    make_council,
    make_organisation,
)


@pytest.fixture
def decided(app, town, account_factory):
    """An appointment decided a minute ago, with three days for objections."""
    admin = account_factory(memberships={town: "member"}, locale="en")
    org = make_organisation(app, town, admin, name="Green Haskovo")
    staff = account_factory(memberships={town: "staff"}, locale="en")
    council = make_council(app, town)["council"]
    call_id = make_call(app, town, council, opens=-10, closes=-1, seats=1, objection_days=3)
    with app.app_context(), tenant_context(town.id):
        call = services.get_call(call_id)
        now = utcnow_aware()
        nom = services.nominate(
            call,
            db.session.get(Account, admin.id),
            organisation_id=org,
            candidate_name="Mila Petrova",
            declaration=DECLARATION,
            now=now - dt.timedelta(days=5),
        )
        services.screen(nom, admit=True, reason="ok", staff=db.session.get(Account, staff.id), now=now)
        db.session.commit()
        nomination_id = nom.id
        db.session.remove()
    return {"call": call_id, "admin": admin, "org": org, "staff": staff, "nomination": nomination_id}


def _decide(app, town, d, when=None):
    with app.app_context(), tenant_context(town.id):
        services.decide(
            services.get_call(d["call"]),
            reasoning="The best candidate",
            staff=db.session.get(Account, d["staff"].id),
            selected=[d["nomination"]],
            now=when,
        )
        db.session.commit()
        db.session.remove()


def test_objections_are_lodged_answered_and_published(
    app, town, decided, account_factory, tenant_client, sign_in
):
    resident = account_factory(name="Ivan Secretname", memberships={town: "member"}, locale="en")
    with app.app_context(), tenant_context(town.id):
        with pytest.raises(RuleViolation) as early:  # no result yet, no objection
            services.lodge_objection(
                services.get_call(decided["call"]), db.session.get(Account, resident.id), reasons="Too early"
            )
        assert early.value.code == "objections_closed"
        db.session.remove()
    _decide(app, town, decided)
    url = f"/councils/calls/{decided['call']}/objections?lang=en"
    client = sign_in(tenant_client(town), resident)
    empty = client.post(url, data={"organisation_id": "", "reasons": "  "})
    assert empty.status_code == 422 and 'aria-invalid="true"' in empty.get_data(as_text=True)
    # an organisation the resident does not administer is not among the choices
    foreign = client.post(url, data={"organisation_id": str(decided["org"]), "reasons": "Not mine"})
    assert foreign.status_code == 422 and "Not mine" in foreign.get_data(as_text=True)
    assert (
        client.post(
            url, data={"organisation_id": "", "reasons": "The criteria were not applied."}
        ).status_code
        == 302
    )
    ngo = sign_in(tenant_client(town), decided["admin"])
    made = ngo.post(
        url, data={"organisation_id": str(decided["org"]), "reasons": "Our statement was ignored."}
    )
    assert made.status_code == 302
    page = tenant_client(town).get(f"/councils/calls/{decided['call']}?lang=en").get_data(as_text=True)
    assert "The criteria were not applied." in page and "A resident" in page
    assert "Our statement was ignored." in page and "Green Haskovo" in page
    assert "Secretname" not in page
    assert "Awaiting the municipality&#39;s answer." in page or "Awaiting the municipality's answer." in page

    with app.app_context(), tenant_context(town.id):
        first, second = (o.id for o in services.objections(services.get_call(decided["call"])))
        db.session.remove()
    staff = sign_in(tenant_client(town), decided["staff"])
    assert (
        resident
        and client.post(
            f"/councils/objections/{first}/answer", data={"outcome": "dismissed", "answer": "x"}
        ).status_code
        == 403
    )
    blank = staff.post(
        f"/councils/objections/{first}/answer?lang=en", data={"outcome": "dismissed", "answer": ""}
    )
    assert blank.status_code == 422
    answered = staff.post(
        f"/councils/objections/{first}/answer?lang=en",
        data={"outcome": "dismissed", "answer": "The criteria were applied as published."},
    )
    assert answered.status_code == 302
    page = tenant_client(town).get(f"/councils/calls/{decided['call']}?lang=en").get_data(as_text=True)
    assert "Dismissed</strong>: The criteria were applied as published." in page

    # seating waits for the period to end and for every answer
    later = utcnow_aware() + dt.timedelta(days=4)
    with app.app_context(), tenant_context(town.id):
        call = services.get_call(decided["call"])
        with pytest.raises(RuleViolation) as open_:
            services.seat_selected(call)
        assert open_.value.code == "objections_open"
        with pytest.raises(RuleViolation) as pending:
            services.seat_selected(call, now=later)
        assert pending.value.code == "objections_unanswered"
        with pytest.raises(RuleViolation) as closed:
            services.lodge_objection(call, db.session.get(Account, resident.id), reasons="Late", now=later)
        assert closed.value.code == "objections_closed"
        services.answer_objection(
            services.get_objection(second), outcome="upheld", reason="Re-examined", staff=None
        )
        seated = services.seat_selected(call, now=later)
        assert [m.name for m in seated] == ["Mila Petrova"]
        db.session.rollback()
        db.session.remove()


def test_objections_through_the_api(app, town, decided, account_factory, access_token, tenant_client):
    _decide(app, town, decided)
    client = tenant_client(town)
    url = f"{API}/calls/{decided['call']}/objections"
    assert client.post(url, json={"reasons": "Anonymous"}).status_code == 401
    resident = account_factory(memberships={town: "member"})
    other_org = client.post(
        url,
        json={"reasons": "For an NGO I do not run", "organisation_id": decided["org"]},
        headers=bearer(access_token, resident, town),
    )
    assert other_org.status_code == 403
    made = client.post(
        url,
        json={"reasons": "On behalf of our NGO", "organisation_id": decided["org"]},
        headers=bearer(access_token, decided["admin"], town),
    )
    assert made.status_code == 201 and made.get_json()["organisation"] == "Green Haskovo"
    oid = made.get_json()["id"]
    answer = f"{API}/objections/{oid}/answer"
    assert (
        client.put(
            answer, json={"outcome": "upheld", "answer": "ok"}, headers=bearer(access_token, resident, town)
        ).status_code
        == 403
    )
    staff = bearer(access_token, decided["staff"], town)
    assert client.put(answer, json={"outcome": "maybe", "answer": "ok"}, headers=staff).status_code == 422
    done = client.put(answer, json={"outcome": "upheld", "answer": "Re-examined"}, headers=staff)
    assert done.status_code == 200 and done.get_json()["outcome"] == "upheld"
    again = client.put(answer, json={"outcome": "dismissed", "answer": "No"}, headers=staff)
    assert again.status_code == 409 and again.get_json()["code"] == "already_answered"
    listed = client.get(url).get_json()
    assert [(o["reasons"], o["answer"]) for o in listed] == [("On behalf of our NGO", "Re-examined")]


def test_an_objection_is_in_the_export_and_loses_the_account_on_erasure(app, town, decided):
    _decide(app, town, decided)
    with app.app_context(), tenant_context(town.id):
        admin = db.session.get(Account, decided["admin"].id)
        services.lodge_objection(services.get_call(decided["call"]), admin, reasons="Mine")
        db.session.flush()
        assert [o["reasons"] for o in services.export_personal_data(admin)["objections"]] == ["Mine"]
        services.erase_personal_data(admin)
        (row,) = db.session.execute(db.select(Objection)).scalars()
        assert row.account_id is None and row.reasons == "Mine"
        db.session.rollback()
        db.session.remove()
