"""Registrations and requests to speak on behalf of an organisation (issue 16 §3): chosen among
the organisations the account may represent here, never typed; any other is refused."""

from __future__ import annotations

import sqlalchemy as sa

from core.accounts.models import Affiliation, Organisation, OrganisationMember
from core.db import tenant_context
from core.extensions import db
from plugins.hearings.models import Registration, SpeakerRequest
from tests.plugins.hearings.conftest import make_meeting


def _org(app, name, member, affiliations):
    """An organisation with ``member`` in it and the given affiliation per tenant."""
    with app.app_context():
        org = Organisation(name=name)
        db.session.add(org)
        db.session.flush()
        db.session.add(OrganisationMember(organisation_id=org.id, account_id=member.id, role="member"))
        for tenant, status in affiliations:
            with tenant_context(tenant.id):
                db.session.add(Affiliation(organisation_id=org.id, status=status))
                db.session.flush()
        db.session.commit()
        return org.id


def _rows(app, tenant, model):
    with app.app_context(), tenant_context(tenant.id):
        rows = [
            (r.organisation_id, r.organisation_name) for r in db.session.execute(sa.select(model)).scalars()
        ]
        db.session.remove()
    return rows


def test_the_forms_offer_only_the_organisations_one_may_represent_here(
    app, world, tenant_client, sign_in, account_factory
):
    ours = _org(app, "Green Orestiada", world.member, [(world.tenant, "approved")])
    pending = _org(app, "Pending Friends", world.member, [(world.tenant, "pending")])
    elsewhere = _org(app, "Bucharest Only", world.member, [(world.other, "approved")])
    stranger = account_factory()
    not_mine = _org(app, "Someone Else's NGO", stranger, [(world.tenant, "approved")])
    mid = make_meeting(app, world.tenant, capacity=10)
    member = sign_in(tenant_client(world.tenant), world.member)
    page = member.get(f"/hearings/meetings/{mid}").get_data(as_text=True)
    assert f'<option value="{ours}">Green Orestiada</option>' in page
    for name in ("Pending Friends", "Bucharest Only", "Someone Else"):
        assert name not in page
    assert 'name="organisation_name"' not in page  # no free text any more

    # an organisation one may not represent: refused, nothing written
    for bad in (pending, elsewhere, not_mine, "abc"):
        response = member.post(f"/hearings/meetings/{mid}/register", data={"organisation_id": str(bad)})
        assert response.status_code == 403, bad
        response = member.post(
            f"/hearings/meetings/{mid}/speakers", data={"topic": "Parks", "organisation_id": str(bad)}
        )
        assert response.status_code == 403, bad
    assert _rows(app, world.tenant, Registration) == [] and _rows(app, world.tenant, SpeakerRequest) == []

    assert (
        member.post(f"/hearings/meetings/{mid}/register", data={"organisation_id": str(ours)}).status_code
        == 302
    )
    assert (
        member.post(
            f"/hearings/meetings/{mid}/speakers", data={"topic": "Parks", "organisation_id": str(ours)}
        ).status_code
        == 302
    )
    assert _rows(app, world.tenant, Registration) == [(ours, "Green Orestiada")]
    assert _rows(app, world.tenant, SpeakerRequest) == [(ours, "Green Orestiada")]
    # the speaker list says on whose behalf
    assert "(Green Orestiada)" in member.get(f"/hearings/meetings/{mid}").get_data(as_text=True)


def test_a_person_in_no_organisation_sees_no_choice_and_speaks_as_themselves(
    app, world, tenant_client, sign_in
):
    mid = make_meeting(app, world.tenant, capacity=10)
    member = sign_in(tenant_client(world.tenant), world.member)
    page = member.get(f"/hearings/meetings/{mid}").get_data(as_text=True)
    assert 'name="organisation_id"' not in page
    assert member.post(f"/hearings/meetings/{mid}/speakers", data={"topic": "Buses"}).status_code == 302
    assert _rows(app, world.tenant, SpeakerRequest) == [(None, "")]


def test_the_api_takes_an_organisation_id_and_refuses_another(
    app, world, client_for, access_token, account_factory
):
    ours = _org(app, "Green Orestiada", world.member, [(world.tenant, "approved")])
    not_mine = _org(app, "Someone Else's NGO", account_factory(), [(world.tenant, "approved")])
    mid = make_meeting(app, world.tenant, capacity=10)
    api = client_for(world.tenant.primary_host)
    auth = {"Authorization": f"Bearer {access_token(world.member, world.tenant)}"}
    url = f"/api/v1/hearings/meetings/{mid}/registrations"
    refused = api.post(url, json={"organisation_id": not_mine}, headers=auth)
    assert refused.status_code == 403 and refused.content_type == "application/problem+json"
    assert (
        api.post(url, json={"organisation_id": str(ours)}, headers=auth).status_code == 422
    )  # an id is a number
    assert (
        api.post(url, json={"organisation_name": "Typed NGO"}, headers=auth).status_code == 422
    )  # no free text
    assert _rows(app, world.tenant, Registration) == []
    made = api.post(url, json={"organisation_id": ours}, headers=auth)
    assert made.status_code == 201
    assert (made.json["organisation_id"], made.json["organisation_name"]) == (ours, "Green Orestiada")
    spec = api.get("/api/v1/openapi.json").json
    body = spec["components"]["schemas"]["RegistrationCreate"]["properties"]
    assert "organisation_id" in body and "organisation_name" not in body


def test_the_migration_matches_free_text_to_the_persons_affiliated_organisation(app, world, account_factory):
    """hearings_on_behalf on rows written as free text: the name (case and spaces aside) of an
    organisation the same person belongs to and that is affiliated (approved) here becomes its
    id; any other text stays as written, with no organisation. Under forced RLS, as in production."""
    import uuid

    from core.accounts.models import Account
    from core.migrate import downgrade, upgrade

    ours = _org(app, "Green Orestiada", world.member, [(world.tenant, "approved")])
    _org(app, "Pending Friends", world.member, [(world.tenant, "pending")])
    stranger_org = _org(app, "Stranger NGO", account_factory(), [(world.tenant, "approved")])
    mid = make_meeting(app, world.tenant, capacity=10)
    typed = {"  green ORESTIADA ": ours, "Pending Friends": None, "Stranger NGO": None, "Our street": None}
    with app.app_context(), tenant_context(world.tenant.id):
        member = db.session.get(Account, world.member.id)
        for text in typed:
            for model, extra in (
                (Registration, {"email": member.email, "status": "confirmed", "submission_id": uuid.uuid4()}),
                (SpeakerRequest, {"topic": "Parks"}),
            ):
                db.session.add(
                    model(meeting_id=mid, account_id=member.id, name="N", organisation_name=text, **extra)
                )
        db.session.commit()
        db.session.remove()
    with app.app_context():
        db.engine.dispose()  # the downgrade's ALTER TABLE must not wait for a pooled connection
    assert downgrade(app, "hearings_0006_rendered_html") == [
        "hearings_register_numbers",
        "hearings_comment_tallies",
        "hearings_on_behalf",
    ]
    try:
        upgrade(app)  # hearings_on_behalf again, over the rows written as free text
    finally:
        with app.app_context():
            db.engine.dispose()
    for model in (Registration, SpeakerRequest):
        with app.app_context(), tenant_context(world.tenant.id):
            found = {
                name: org_id
                for org_id, name in db.session.execute(
                    sa.select(model.organisation_id, model.organisation_name)
                )
            }
            db.session.remove()
        assert found == typed, model.__name__
    assert stranger_org not in typed.values()
