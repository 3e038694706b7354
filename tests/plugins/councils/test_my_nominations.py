"""An NGO admin's "My nominations": the nominations of every organisation they administer, with
the call, the status, the screening's reason and whether the candidate now sits; linked from the
NGO dashboard card; the same in the API; nobody else's."""

from core.toolkit import Account, db, tenant_context
from plugins.councils import services
from tests.plugins.councils.conftest import (
    API,
    DECLARATION,
    bearer,
    make_call,
    make_council,
    make_organisation,
)


def test_an_ngo_admin_follows_their_nominations(
    app, town, account_factory, tenant_client, apex_client, sign_in, access_token
):
    admin = account_factory(name="Nadia Ngo", memberships={town: "member"}, locale="en")
    org = make_organisation(app, town, admin, name="Green Haskovo")
    other_admin = account_factory(memberships={town: "member"}, locale="en")
    other_org = make_organisation(app, town, other_admin, name="Blue Haskovo")
    council = make_council(app, town, name="Public Council")["council"]
    open_call = make_call(app, town, council, title="Open call")
    with app.app_context(), tenant_context(town.id):
        call = services.get_call(open_call)
        services.nominate(
            call,
            db.session.get(Account, admin.id),
            organisation_id=org,
            candidate_name="Mila",
            declaration=DECLARATION,
        )
        services.nominate(
            call, db.session.get(Account, other_admin.id), organisation_id=other_org, candidate_name="Bob"
        )
        db.session.commit()
        db.session.remove()
    client = sign_in(tenant_client(town), admin)
    page = client.get("/councils/my-nominations?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert (
        "Mila" in html
        and "Green Haskovo" in html
        and "Open call" in html
        and "<strong>Submitted</strong>" in html
    )
    assert "Bob" not in html  # another organisation's
    assert "/councils/my-nominations" in client.get("/councils/?lang=en").get_data(as_text=True)
    assert "/councils/my-nominations" not in tenant_client(town).get("/councils/").get_data(as_text=True)
    assert tenant_client(town).get("/councils/my-nominations").status_code == 401
    other = (
        sign_in(tenant_client(town), other_admin)
        .get("/councils/my-nominations?lang=en")
        .get_data(as_text=True)
    )
    assert "Bob" in other and "Declaration not made yet" in other and "Mila" not in other

    api = (
        tenant_client(town).get(f"{API}/my-nominations", headers=bearer(access_token, admin, town)).get_json()
    )
    assert [(r["nomination"]["candidate_name"], r["call_title"], r["seated"]) for r in api] == [
        ("Mila", "Open call", False)
    ]
    dashboard = sign_in(apex_client, admin).get("/dashboard?lang=en").get_data(as_text=True)
    # through the hand-off, so the NGO admin arrives signed in
    assert "/auth/go?" in dashboard and "next=%2Fcouncils%2Fmy-nominations" in dashboard
    assert "Your organisations&#39; nominations" in dashboard
