"""Who may do what (the role matrix, HTML and API), isolation between municipalities, the API
with personal access tokens, and personal data."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.accounts.models import Account
from core.db import tenant_context
from core.extensions import db
from core.testing.isolation import (
    assert_list_isolated,
    assert_models_tenant_scoped,
    assert_route_isolated,
    assert_table_rls_isolated,
    assert_tenant_tables_have_rls,
)
from plugins.hearings.dashboard import open_consultations_for
from plugins.hearings.models import ALL_MODELS, Comment, Registration
from plugins.hearings.personal_data import ANONYMISED, erase_personal_data, export_personal_data
from plugins.hearings.programmes.services import save_programme
from tests.plugins.hearings.conftest import make_consultation, make_meeting

ROLES = ["anonymous", "outsider", "member", "moderator", "staff", "admin"]


def _client(world, role, tenant_client, sign_in):
    client = tenant_client(world.tenant)
    return client if role == "anonymous" else sign_in(client, getattr(world, role))


def _expect(min_role: str | None, role: str, ok: int) -> int:
    """The status a role gets on a route that needs ``min_role``."""
    order = ["member", "moderator", "staff", "admin"]
    if min_role is None:
        return ok
    if role == "anonymous":
        return 401
    if role == "outsider":
        return 403
    return ok if order.index(role) >= order.index(min_role) else 403


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_html(app, world, role, tenant_client, sign_in):
    c = make_consultation(app, world.tenant)
    draft = make_consultation(app, world.tenant, status="draft", title="Secret draft")
    mid = make_meeting(app, world.tenant)
    client = _client(world, role, tenant_client, sign_in)
    gets = {
        "/hearings/": (None, 200),
        f"/hearings/consultations/{c['id']}": (None, 200),
        f"/hearings/consultations/{c['id']}/register.csv": (None, 200),
        f"/hearings/meetings/{mid}": (None, 200),
        "/hearings/calendar.ics": (None, 200),
        "/hearings/moderation": ("moderator", 200),
        "/hearings/consultations/new": ("staff", 200),
        f"/hearings/consultations/{c['id']}/edit": ("staff", 200),
        "/hearings/meetings/new": ("staff", 200),
        f"/hearings/meetings/{mid}/attendees": ("staff", 200),
        f"/hearings/meetings/{mid}/minutes": ("staff", 200),
        "/hearings/programmes/new": ("staff", 200),
    }
    for path, (min_role, ok) in gets.items():
        assert client.get(path).status_code == _expect(min_role, role, ok), (role, path)
    # an outcome not yet published, like a draft, does not exist (404) below staff
    outcome = client.get(f"/hearings/consultations/{c['id']}/outcome").status_code
    assert outcome == (200 if role in ("staff", "admin") else 404), role
    # a draft is invisible (404) below staff, and absent from the list
    draft_status = client.get(f"/hearings/consultations/{draft['id']}").status_code
    assert draft_status == (200 if role in ("staff", "admin") else 404), role
    listed = "Secret draft" in client.get("/hearings/").get_data(as_text=True)
    assert listed == (role in ("staff", "admin"))
    posts = {
        f"/hearings/consultations/{c['id']}/comments": ("member", {"body": "hello"}, 302),
        f"/hearings/consultations/{c['id']}/status": (
            "staff",
            {"action": "close", "confirmed": "yes", "reason": "Done."},
            302,
        ),
        f"/hearings/meetings/{mid}/speakers": ("member", {"topic": "t"}, 302),
        f"/hearings/meetings/{mid}/finish": ("staff", {}, 302),
    }
    for path, (min_role, data, ok) in posts.items():
        assert client.post(path, data=data).status_code == _expect(min_role, role, ok), (role, path)
    with app.app_context(), tenant_context(world.tenant.id):
        cm = db.session.execute(sa.select(Comment)).scalars().first()
        cm_id = cm.id if cm else None
    if cm_id is not None:
        hide = client.post(f"/hearings/moderation/{c['id']}/{cm_id}/hide", data={"reason": "x"})
        assert hide.status_code == _expect("moderator", role, 302), role


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_api(app, world, role, tenant_client, access_token):
    c = make_consultation(app, world.tenant)
    draft = make_consultation(app, world.tenant, status="draft", title="Secret draft")
    mid = make_meeting(app, world.tenant, capacity=5)
    client = tenant_client(world.tenant)
    headers = (
        {}
        if role == "anonymous"
        else {"Authorization": f"Bearer {access_token(getattr(world, role), world.tenant)}"}
    )
    for path in (
        "/api/v1/hearings/consultations",
        f"/api/v1/hearings/consultations/{c['id']}",
        f"/api/v1/hearings/consultations/{c['id']}/comments",
        f"/api/v1/hearings/consultations/{c['id']}/register",
        "/api/v1/hearings/meetings",
        f"/api/v1/hearings/meetings/{mid}",
        f"/api/v1/hearings/meetings/{mid}/speakers",
        "/api/v1/hearings/programmes",
    ):
        assert client.get(path, headers=headers).status_code == 200, (role, path)
    for path, min_role in (
        (f"/api/v1/hearings/meetings/{mid}/registrations/list", "staff"),
        (f"/api/v1/hearings/meetings/{mid}/feedback", "staff"),
        ("/api/v1/hearings/moderation", "moderator"),
    ):
        assert client.get(path, headers=headers).status_code == _expect(min_role, role, 200), (role, path)
    draft_status = client.get(f"/api/v1/hearings/consultations/{draft['id']}", headers=headers).status_code
    assert draft_status == (200 if role in ("staff", "admin") else 404)
    titles = [x["title"] for x in client.get("/api/v1/hearings/consultations", headers=headers).json]
    assert ("Secret draft" in titles) == (role in ("staff", "admin"))
    post = client.post(
        f"/api/v1/hearings/consultations/{c['id']}/comments", json={"body": "Via the API"}, headers=headers
    )
    assert post.status_code == _expect("member", role, 201), (role, post.get_data(as_text=True))
    reg = client.post(
        f"/api/v1/hearings/meetings/{mid}/registrations",
        json={"accessibility": ["step_free"], "accessibility_consent": True},
        headers=headers,
    )
    assert reg.status_code == _expect("member", role, 201), (role, reg.get_data(as_text=True))
    if post.status_code != 201:
        assert post.mimetype == "application/problem+json"


def test_api_token_writes_and_problems(app, world, tenant_client, sign_in, access_token, enable_plugin):
    enable_plugin(world.tenant, "hearings", {"comment_max_length": 100})
    c = make_consultation(app, world.tenant)
    mid = make_meeting(app, world.tenant, capacity=1)
    token = access_token(world.member, world.tenant)
    api = tenant_client(world.tenant)
    auth = {"Authorization": f"Bearer {token}"}
    article = str(c["articles"][0])
    r = api.post(
        f"/api/v1/hearings/consultations/{c['id']}/comments",
        json={"body": "On art. 1", "article_id": article},
        headers=auth,
    )
    assert r.status_code == 201 and r.json["article_id"] == article and r.json["author"] == "Nikos Member"
    long = api.post(
        f"/api/v1/hearings/consultations/{c['id']}/comments", json={"body": "x" * 101}, headers=auth
    )
    # the municipality's own limit (100 here), which the document cannot state: a rule, so a 409
    assert long.status_code == 409 and long.mimetype == "application/problem+json"
    assert "at most 100 characters" in long.json["detail"]
    missing = api.post(f"/api/v1/hearings/consultations/{c['id']}/comments", json={}, headers=auth)
    assert missing.status_code == 422 and "body" in str(missing.json.get("errors"))
    # a cookie session alone cannot write through the API
    cookie = sign_in(tenant_client(world.tenant), world.member)
    assert (
        cookie.post(f"/api/v1/hearings/consultations/{c['id']}/comments", json={"body": "x"}).status_code
        == 401
    )
    # a token of another municipality does not work here
    other_token = access_token(world.member, world.other)
    wrong = api.post(
        f"/api/v1/hearings/consultations/{c['id']}/comments",
        json={"body": "x"},
        headers={"Authorization": f"Bearer {other_token}"},
    )
    assert wrong.status_code == 401
    first = api.post(f"/api/v1/hearings/meetings/{mid}/registrations", json={}, headers=auth)
    assert first.status_code == 201 and first.json["status"] == "confirmed"
    twice = api.post(f"/api/v1/hearings/meetings/{mid}/registrations", json={}, headers=auth)
    assert twice.status_code == 409 and "already registered" in twice.json["detail"]
    bad = api.post(
        f"/api/v1/hearings/meetings/{mid}/registrations", json={"accessibility": ["teleport"]}, headers=auth
    )
    assert bad.status_code == 422
    # documented in the OpenAPI document
    spec = api.get("/api/v1/openapi.json").json
    assert "/api/v1/hearings/consultations/{cid}/comments" in spec["paths"]
    assert "post" in spec["paths"]["/api/v1/hearings/meetings/{mid}/registrations"]


def test_models_and_tables_are_tenant_scoped(app, sympraxis_database):
    tables = assert_models_tenant_scoped(app, "hearings")
    assert set(tables) == {m.__tablename__ for m in ALL_MODELS}
    assert_tenant_tables_have_rls(sympraxis_database["owner"])


def test_rows_isolated_by_rls(app, world, tenant_client, sign_in, sympraxis_database):
    """Raw SQL as the application role cannot reach the other municipality's rows, table by table."""
    for tenant in (world.tenant, world.other):
        c = make_consultation(app, tenant)
        mid = make_meeting(app, tenant)
        member = sign_in(tenant_client(tenant), world.member)
        member.post(
            f"/hearings/consultations/{c['id']}/comments",
            data={"body": "hi", "article_id": str(c["articles"][0])},
        )
        member.post(f"/hearings/meetings/{mid}/register")
    for table in (
        "hearings_consultations",
        "hearings_articles",
        "hearings_comments",
        "hearings_comment_tallies",
        "hearings_meetings",
        "hearings_registrations",
    ):
        assert_table_rls_isolated(
            sympraxis_database["app"], sympraxis_database["admin"], table, world.tenant.id, world.other.id
        )


def test_routes_isolated_between_municipalities(app, world, tenant_client, sign_in):
    c = make_consultation(app, world.other, title="Bucharest plan")
    mid = make_meeting(app, world.other, title="Bucharest workshop")
    with app.app_context(), tenant_context(world.other.id):
        p = save_programme(None, "Bucharest programme", "")
        db.session.commit()
        pid = p.id
    own = sign_in(tenant_client(world.other), world.staff)
    here = sign_in(tenant_client(world.tenant), world.staff)
    for path, secret in (
        (f"/hearings/consultations/{c['id']}", "Bucharest plan"),
        (f"/hearings/consultations/{c['id']}/register.csv", None),
        (f"/hearings/consultations/{c['id']}/edit", "Bucharest plan"),
        (f"/hearings/consultations/{c['id']}/outcome", "Bucharest plan"),
        (f"/hearings/meetings/{mid}", "Bucharest workshop"),
        (f"/hearings/meetings/{mid}/attendees", "Bucharest workshop"),
        (f"/hearings/programmes/{pid}", "Bucharest programme"),
        (f"/api/v1/hearings/consultations/{c['id']}", "Bucharest plan"),
        (f"/api/v1/hearings/consultations/{c['id']}/comments", None),
        (f"/api/v1/hearings/meetings/{mid}", "Bucharest workshop"),
        (f"/api/v1/hearings/meetings/{mid}/speakers", None),
    ):
        assert_route_isolated(own, here, path, secret=secret)
    assert_list_isolated(
        here, "/hearings/", present=[], absent=["Bucharest plan", "Bucharest workshop", "Bucharest programme"]
    )
    assert_list_isolated(here, "/api/v1/hearings/consultations", present=[], absent=["Bucharest plan"])
    assert_list_isolated(here, "/api/v1/hearings/meetings", present=[], absent=["Bucharest workshop"])
    # writes aimed across are refused too
    assert here.post(f"/hearings/consultations/{c['id']}/comments", data={"body": "x"}).status_code == 404
    assert here.post(f"/hearings/meetings/{mid}/register").status_code == 404


def test_plugin_off_answers_404(app, tenant_factory, tenant_client):
    off = tenant_factory(plugins=[])
    assert tenant_client(off).get("/hearings/").status_code == 404
    assert tenant_client(off).get("/api/v1/hearings/consultations").status_code == 404


def test_personal_data_export_and_erasure(app, world, tenant_client, sign_in):
    c = make_consultation(app, world.tenant)
    mid = make_meeting(app, world.tenant)
    member = sign_in(tenant_client(world.tenant), world.member)
    member.post(
        f"/hearings/consultations/{c['id']}/comments",
        data={"body": "My view", "article_id": str(c["articles"][0])},
    )
    with app.app_context():  # registering on behalf of an organisation the member belongs to
        from core.accounts.models import Affiliation, Organisation, OrganisationMember

        club = Organisation(name="Club")
        db.session.add(club)
        db.session.flush()
        db.session.add(OrganisationMember(organisation_id=club.id, account_id=world.member.id))
        with tenant_context(world.tenant.id):
            db.session.add(Affiliation(organisation_id=club.id, status="approved"))
            db.session.flush()
        db.session.commit()
        club_id = club.id
    member.post(f"/hearings/meetings/{mid}/register", data={"organisation_id": str(club_id)})
    member.post(f"/hearings/meetings/{mid}/speakers", data={"topic": "Budget"})
    with app.app_context(), tenant_context(world.tenant.id):
        account = db.session.get(Account, world.member.id)
        data = export_personal_data(account)
        assert [x["body"] for x in data["comments"]] == ["My view"]
        assert data["registrations"][0]["organisation"] == "Club"
        assert data["speaker_requests"] == [{"topic": "Budget", "status": "requested"}]
        erase_personal_data(account)
        db.session.commit()
        (cm,) = db.session.execute(sa.select(Comment)).scalars()
        assert cm.account_id is None and cm.author_name == ANONYMISED and cm.body == "My view"
        (reg,) = db.session.execute(sa.select(Registration)).scalars()
        assert reg.email == "" and reg.name == ANONYMISED and reg.organisation_name == ""
        assert export_personal_data(account) == {
            "comments": [],
            "registrations": [],
            "feedback": [],
            "speaker_requests": [],
            "follows": [],
            "accessibility_consents": [],
        }
    # the register keeps the comment, without the person
    register = (
        tenant_client(world.tenant)
        .get(f"/hearings/consultations/{c['id']}/register.csv")
        .get_data(as_text=True)
    )
    assert "My view" in register and "Nikos Member" not in register


def _query(item):
    from urllib.parse import parse_qs, urlsplit

    url = urlsplit(item["url"])
    assert (url.netloc, url.path) == ("localhost", "/auth/go"), item["url"]
    return parse_qs(url.query)


def test_ngo_dashboard_reads_across_affiliated_municipalities_only(
    app, world, tenant_factory, apex_client, sign_in
):
    from core.accounts.models import Affiliation, Organisation, OrganisationMember
    from core.plugins import registry

    third = tenant_factory(plugins=["hearings"])
    make_consultation(app, world.tenant, title="Open in A")
    make_consultation(app, world.tenant, title="Draft in A", status="draft")
    make_consultation(app, world.other, title="Open in B")
    make_consultation(app, third, title="Open in C, pending affiliation")
    with app.app_context():
        ngo = Organisation(name="Solidarity Network")
        db.session.add(ngo)
        db.session.flush()
        db.session.add(OrganisationMember(organisation_id=ngo.id, account_id=world.member.id))
        for tenant, status in ((world.tenant, "approved"), (world.other, "approved"), (third, "pending")):
            with tenant_context(tenant.id):
                db.session.add(Affiliation(organisation_id=ngo.id, status=status))
                db.session.flush()
        db.session.commit()
        account = db.session.get(Account, world.member.id)
        items = open_consultations_for(account)
        assert sorted(i["title"] for i in items) == ["Open in A", "Open in B"]
        assert all(i["organisations"] == ["Solidarity Network"] for i in items)
        # each link goes through the hand-off into its own municipality (issue 16 §3)
        assert {(q["host"][0], q["next"][0].split("/hearings/")[0]) for q in map(_query, items)} == {
            (f"{world.tenant.slug}.localhost", ""),
            (f"{world.other.slug}.localhost", ""),
        }
        widgets = [w for ws in registry().pm.hook.sympraxis_apex_dashboard_items(account=account) for w in ws]
        assert "Open in B" in str(widgets[0].html)
        assert open_consultations_for(db.session.get(Account, world.outsider.id)) == []
        db.session.remove()
    # and the NGO's dashboard page on the apex shows them
    page = sign_in(apex_client, world.member).get("/dashboard").get_data(as_text=True)
    assert "Open in A" in page and "Open in B" in page
    assert "Open in C, pending affiliation" not in page and "Draft in A" not in page
