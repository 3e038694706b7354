"""Issue 10 item 4: after a refused comment or a moderation decision, the way back stays on this host."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from core.accounts.models import Account
from core.db import tenant_context
from core.extensions import db
from plugins.hearings.comments.services import post_comment
from plugins.hearings.consultations.services import get_consultation
from tests.plugins.hearings.conftest import make_consultation, make_meeting

EVIL = ["https://evil.example/phish", "//evil.example", "/\\evil.example", "http://x.localhost@evil.example/"]


def _stays_here(response, host: str) -> None:
    assert response.status_code == 302
    target = urlsplit(response.location)
    assert target.netloc in ("", host), response.location
    assert not response.location.startswith("//") and "evil.example" not in response.location


@pytest.mark.parametrize("evil", EVIL)
def test_refused_comment_never_redirects_to_the_posted_next_or_referer(
    app, world, tenant_client, sign_in, evil
):
    """Issue 10 item 4: a refused comment redirected to a posted ``next=`` or the ``Referer``, any
    site. Since issue 16 §2 it redirects nowhere: the consultation page comes back in place, with
    the message and the comment typed."""
    c = make_consultation(app, world.tenant)
    member = sign_in(tenant_client(world.tenant), world.member)
    url = f"/hearings/consultations/{c['id']}/comments"
    for refused in (
        member.post(url, data={"body": "", "next": evil}),
        member.post(url, data={"body": ""}, headers={"Referer": evil}),
    ):
        assert refused.status_code == 422 and "Location" not in refused.headers
        assert "evil.example" not in refused.get_data(as_text=True)


@pytest.mark.parametrize("evil", EVIL)
def test_moderation_decision_never_redirects_to_the_posted_next(app, world, tenant_client, sign_in, evil):
    """Issue 10 item 4: a moderation decision redirected to the posted ``next=``, any site."""
    c = make_consultation(app, world.tenant)
    with app.app_context(), tenant_context(world.tenant.id):
        author = db.session.get(Account, world.member.id)
        cm = post_comment(get_consultation(c["id"]), author, "A comment")
        db.session.commit()
        cmid = cm.id
    mod = sign_in(tenant_client(world.tenant), world.moderator)
    response = mod.post(f"/hearings/moderation/{c['id']}/{cmid}/dismiss", data={"next": evil})
    _stays_here(response, mod.host)


@pytest.mark.parametrize("evil", EVIL)
def test_speaker_action_never_redirects_to_the_posted_next(app, world, tenant_client, sign_in, evil):
    """Issue 10 item 4: the speakers' list actions followed the posted ``next=`` too."""
    mid = make_meeting(app, world.tenant, capacity=None, kind="hearing")
    member = sign_in(tenant_client(world.tenant), world.member)
    assert member.post(f"/hearings/meetings/{mid}/register").status_code == 302
    assert member.post(f"/hearings/meetings/{mid}/speakers", data={"topic": "Budget"}).status_code == 302
    speaker = member.get(f"/api/v1/hearings/meetings/{mid}/speakers").json[0]
    staff = sign_in(tenant_client(world.tenant), world.staff)
    response = staff.post(f"/hearings/meetings/{mid}/speakers/{speaker['id']}/spoken", data={"next": evil})
    _stays_here(response, staff.host)
