""" "My activity" (issue 16 §3): on each municipality's host, the person's own comments,
registrations (view, cancel, change accessibility needs, add to calendar), requests to speak and
follows; across municipalities on the apex dashboard, through one reviewed cross-tenant read."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from core.accounts.models import Account
from core.db import tenant_context
from core.extensions import db
from plugins.hearings.comments.services import post_comment
from plugins.hearings.models import Consultation, Registration
from tests.plugins.hearings.conftest import make_consultation, make_meeting


def _comment(app, tenant, cid, person, body):
    with app.app_context(), tenant_context(tenant.id):
        c = db.session.get(Consultation, (tenant.id, cid))
        post_comment(c, db.session.get(Account, person.id), body)
        db.session.commit()
        db.session.remove()


def _activity_of(client) -> str:
    response = client.get("/me/activity")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_my_activity_lists_what_i_did_here_and_nothing_of_others(
    app, world, tenant_client, sign_in, account_factory
):
    c = make_consultation(app, world.tenant, title="Plan for the squares")
    mid = make_meeting(app, world.tenant, capacity=10, title="Workshop on parks")
    other_mid = make_meeting(app, world.other, capacity=10, title="Elsewhere forum")
    _comment(app, world.tenant, c["id"], world.member, "More trees, please.")
    member = sign_in(tenant_client(world.tenant), world.member)
    assert member.post(f"/hearings/meetings/{mid}/register").status_code == 302
    assert (
        member.post(f"/hearings/meetings/{mid}/speakers", data={"topic": "Shade in summer"}).status_code
        == 302
    )
    assert member.post("/hearings/follow", data={"follow": "1"}).status_code == 302
    sign_in(tenant_client(world.other), world.member).post(f"/hearings/meetings/{other_mid}/register")
    neighbour = account_factory(memberships={world.tenant: "member"})
    other_meeting = make_meeting(app, world.tenant, capacity=10, title="Someone else's meeting")
    sign_in(tenant_client(world.tenant), neighbour).post(f"/hearings/meetings/{other_meeting}/register")

    page = _activity_of(member)
    assert "Plan for the squares" in page and "Workshop on parks" in page and "Shade in summer" in page
    assert "You follow the consultations of this municipality." in page
    assert "Elsewhere forum" not in page and "Someone else&#39;s meeting" not in page
    # the registration's own page (view, cancel), its calendar file, its needs
    token = re.search(r'href="/hearings/registrations/([^"#]+)"', page).group(1)
    assert f'href="/hearings/meetings/{mid}/event.ics"' in page
    assert f"/hearings/registrations/{token}#needs-" in page
    ics = member.get(f"/hearings/meetings/{mid}/event.ics")
    assert ics.status_code == 200 and "Workshop on parks" in ics.get_data(as_text=True)
    registration = member.get(f"/hearings/registrations/{token}").get_data(as_text=True)
    assert "Cancel this registration" in registration and "Change accessibility needs" in registration
    # the header of every page links it
    assert 'href="/me/activity"' in member.get("/").get_data(as_text=True)


def test_my_activity_needs_a_signed_in_person_on_a_municipality(
    app, world, tenant_client, apex_client, sign_in
):
    assert tenant_client(world.tenant).get("/me/activity").status_code in (302, 401)
    assert sign_in(apex_client, world.member).get("/me/activity").status_code == 404


def test_accessibility_needs_change_with_consent_and_clear_without_needs(app, world, tenant_client, sign_in):
    mid = make_meeting(app, world.tenant, capacity=10)
    member = sign_in(tenant_client(world.tenant), world.member)
    assert member.post(f"/hearings/meetings/{mid}/register").status_code == 302
    token = re.search(r'href="/hearings/registrations/([^"#]+)"', _activity_of(member)).group(1)
    with app.app_context(), tenant_context(world.tenant.id):
        rid = db.session.execute(sa.select(Registration.id)).scalar_one()
    prefix = f"n{rid.hex[:12]}-"
    url = f"/hearings/registrations/{token}/needs/{rid}"

    def stored():
        with app.app_context(), tenant_context(world.tenant.id):
            r = db.session.execute(sa.select(Registration)).scalar_one()
            out = (
                r.accessibility,
                r.accessibility_other,
                bool(r.accessibility_consent),
                r.accessibility_consent_at,
            )
            db.session.remove()
        return out

    # needs without the consent: refused, the page comes back with what was chosen
    refused = member.post(
        url, data={f"{prefix}accessibility": "step_free", f"{prefix}accessibility_other": "A ramp"}
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "tick the box that allows the municipality to keep them" in html
    assert 'value="A ramp"' in html and re.search(
        r'value="step_free"[^>]*checked|checked[^>]*value="step_free"', html
    )
    assert stored()[:3] == ("", "", False)
    # an unknown need: refused too
    assert (
        member.post(
            url, data={f"{prefix}accessibility": "teleport", f"{prefix}accessibility_consent": "y"}
        ).status_code
        == 422
    )
    saved = member.post(
        url, data={f"{prefix}accessibility": "step_free", f"{prefix}accessibility_consent": "y"}
    )
    assert saved.status_code == 302
    needs, other, consent, at = stored()
    assert (needs, other, consent) == ("step_free", "", True) and at is not None
    # no needs any more: the consent goes with them
    assert member.post(url, data={}).status_code == 302
    assert stored() == ("", "", False, None)
    # another registration's id with this token: not found
    import uuid

    assert member.post(f"/hearings/registrations/{token}/needs/{uuid.uuid4()}", data={}).status_code == 404


def test_the_apex_dashboard_shows_my_activity_in_every_municipality(
    app, world, tenant_client, apex_client, sign_in, account_factory
):
    a = make_meeting(app, world.tenant, capacity=10, title="Forum in A")
    b = make_meeting(app, world.other, capacity=10, title="Forum in B")
    for tenant, mid in ((world.tenant, a), (world.other, b)):
        assert (
            sign_in(tenant_client(tenant), world.member)
            .post(f"/hearings/meetings/{mid}/register")
            .status_code
            == 302
        )
    page = sign_in(apex_client, world.member).get("/dashboard").get_data(as_text=True)
    assert "My activity in every municipality" in page
    assert "Forum in A" in page and "Forum in B" in page
    links = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', page)]
    targets = {
        (parse_qs(urlsplit(h).query)["host"][0], parse_qs(urlsplit(h).query)["next"][0])
        for h in links
        if urlsplit(h).path == "/auth/go" and "next=" in h
    }
    assert (world.tenant.primary_host, "/me/activity") in targets
    assert (world.other.primary_host, "/me/activity") in targets
    # someone who did nothing sees no such section, and nothing of the member's
    nobody = sign_in(client_for_apex(apex_client), account_factory())
    other_page = nobody.get("/dashboard").get_data(as_text=True)
    assert "My activity in every municipality" not in other_page and "Forum in A" not in other_page


def client_for_apex(apex_client):
    """A fresh apex client (its own cookies) from the one given."""
    return apex_client.application.test_client()


def test_the_dashboard_counts_only_what_still_stands(app, world, tenant_client, apex_client, sign_in):
    """Withdrawn or hidden comments, cancelled registrations and withdrawn requests to speak are
    not counted; a municipality where nothing of the person's stands is not listed."""
    from plugins.hearings.comments.services import withdraw_comment
    from plugins.hearings.models import Comment, SpeakerRequest
    from plugins.hearings.moderation.services import hide_comment
    from plugins.hearings.registrations.services import cancel_registration
    from plugins.hearings.speakers.services import set_speaker_status

    c = make_consultation(app, world.tenant, title="Plan for the squares")
    for body in ("Kept comment", "Withdrawn comment", "Hidden comment"):
        _comment(app, world.tenant, c["id"], world.member, body)
    kept_m, cancelled_m = (make_meeting(app, world.tenant, capacity=10, title=t) for t in ("Kept", "Dropped"))
    elsewhere = make_meeting(app, world.other, capacity=10, title="Forum in B")
    member = sign_in(tenant_client(world.tenant), world.member)
    for mid in (kept_m, cancelled_m):
        assert member.post(f"/hearings/meetings/{mid}/register").status_code == 302
        assert (
            member.post(f"/hearings/meetings/{mid}/speakers", data={"topic": f"On {mid}"}).status_code == 302
        )
    assert (
        sign_in(tenant_client(world.other), world.member)
        .post(f"/hearings/meetings/{elsewhere}/register")
        .status_code
        == 302
    )
    with app.app_context():
        person = db.session.get(Account, world.member.id)
        with tenant_context(world.tenant.id):
            comments = {cm.body: cm for cm in db.session.execute(sa.select(Comment)).scalars()}
            withdraw_comment(comments["Withdrawn comment"], person)
            hide_comment(comments["Hidden comment"], world.staff, "Off topic.")
            reg = db.session.execute(
                sa.select(Registration).where(Registration.meeting_id == cancelled_m)
            ).scalar_one()
            cancel_registration(reg)
            sr = db.session.execute(
                sa.select(SpeakerRequest).where(SpeakerRequest.meeting_id == cancelled_m)
            ).scalar_one()
            set_speaker_status(sr, "withdrawn", person, staff=False)
            db.session.flush()
        with tenant_context(world.other.id):
            cancel_registration(db.session.execute(sa.select(Registration)).scalar_one())
            db.session.flush()
        db.session.commit()
        db.session.remove()
    page = sign_in(apex_client, world.member).get("/dashboard").get_data(as_text=True)
    assert "My activity in every municipality" in page
    assert world.tenant.name in page
    assert "1 comment," in page and "1 registration," in page and "1 request to speak" in page
    assert "Kept" in page and "Dropped" not in page
    links = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', page)]
    targets = {
        parse_qs(urlsplit(h).query)["host"][0]
        for h in links
        if urlsplit(h).path == "/auth/go" and "next=%2Fme%2Factivity" in urlsplit(h).query.replace("/", "%2F")
    }
    assert targets == {world.tenant.primary_host}
    assert "Forum in B" not in page
