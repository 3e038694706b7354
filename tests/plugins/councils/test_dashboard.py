"""The NGO dashboard on the apex: seats held, meetings to come and open calls, across the
municipalities where the organisation is affiliated and the plugin is on, and nowhere else."""

import datetime as dt

from core.toolkit import Account, Affiliation, db, tenant_context, utcnow_aware
from plugins.councils import services
from plugins.councils.dashboard import for_account
from tests.plugins.councils.conftest import make_call, make_council, make_organisation


def test_the_ngo_sees_its_seats_meetings_and_open_calls(
    app, town, tenant_factory, account_factory, apex_client, sign_in
):
    admin = account_factory(name="Nadia Ngo", memberships={town: "member"}, locale="en")
    org = make_organisation(app, town, admin, name="Green Haskovo")
    ids = make_council(app, town, name="Public Council")
    with app.app_context(), tenant_context(town.id):
        council = services.get_council(ids["council"])
        services.add_member(
            council,
            name="Nadia Ngo",
            category="ngo",
            term_start=services.local_today() - dt.timedelta(days=3),
            organisation_id=org,
        )
        services.save_meeting(
            council, None, title="Next session", starts_at=utcnow_aware() + dt.timedelta(days=4)
        )
        db.session.commit()
        db.session.remove()
    make_call(app, town, ids["council"], title="Open call here")
    elsewhere = tenant_factory(plugins=["councils"])  # not affiliated there
    make_call(
        app, elsewhere, make_council(app, elsewhere, name="Elsewhere")["council"], title="Call elsewhere"
    )
    pending = tenant_factory(plugins=["councils"])
    with app.app_context():
        with tenant_context(pending.id):
            db.session.add(Affiliation(organisation_id=org, status="pending", requested_by_id=admin.id))
            db.session.flush()
        db.session.commit()
        db.session.remove()
    make_call(app, pending, make_council(app, pending, name="Pending")["council"], title="Call while pending")

    with app.app_context():
        found = for_account(db.session.get(Account, admin.id))
        db.session.remove()
    assert [(s["council"], s["organisation"]) for s in found["seats"]] == [
        ("Public Council", "Green Haskovo")
    ]
    assert [m["title"] for m in found["meetings"]] == ["Next session"]
    assert [c["title"] for c in found["calls"]] == ["Open call here"]
    page = sign_in(apex_client, admin).get("/dashboard").get_data(as_text=True)
    assert "Open call here" in page and "Next session" in page and "Call elsewhere" not in page
