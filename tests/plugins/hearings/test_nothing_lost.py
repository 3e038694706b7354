"""Issue 16 §2: a comment over the limit, or a form whose session ran out, keeps what was typed."""

from __future__ import annotations

import html
import re

import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from core.testing.pytest_plugin import HostClient
from plugins.hearings.models import Comment
from tests.plugins.hearings.conftest import make_consultation, set_hearings_settings

LONG = "Η βιβλιοθήκη να μένει ανοιχτή τα Σάββατα, γιατί οι εργαζόμενοι γονείς δεν προλαβαίνουν. " * 3


def _count(app, tenant) -> int:
    with app.app_context(), tenant_context(tenant.id):
        n = db.session.execute(sa.select(sa.func.count()).select_from(Comment)).scalar_one()
        db.session.remove()
    return n


def test_a_comment_over_the_limit_comes_back_in_its_form(app, world, tenant_client, sign_in):
    set_hearings_settings(app, world.tenant, comment_max_length=100)
    c = make_consultation(app, world.tenant)
    member = sign_in(tenant_client(world.tenant), world.member)
    page = member.get(f"/hearings/consultations/{c['id']}").get_data(as_text=True)
    assert 'maxlength="100"' in page  # the browser knows the limit, and the counter shows it
    r = member.post(f"/hearings/consultations/{c['id']}/comments", data={"body": LONG})
    assert r.status_code == 422
    text = html.unescape(r.get_data(as_text=True))
    assert f"you used {len(LONG.strip())}" in text
    general = re.search(r'<textarea id="general-body"[^>]*>(.*?)</textarea>', text, re.S)
    assert general and general.group(1) == LONG, "the comment typed is in the general comment form"
    assert _count(app, world.tenant) == 0


def test_a_reply_over_the_limit_comes_back_in_the_reply_form(app, world, tenant_client, sign_in):
    set_hearings_settings(app, world.tenant, comment_max_length=100)
    c = make_consultation(app, world.tenant)
    member = sign_in(tenant_client(world.tenant), world.member)
    assert (
        member.post(f"/hearings/consultations/{c['id']}/comments", data={"body": "First"}).status_code == 302
    )
    with app.app_context(), tenant_context(world.tenant.id):
        top = db.session.execute(sa.select(Comment.id)).scalar_one()
        db.session.remove()
    r = member.post(f"/hearings/consultations/{c['id']}/comments", data={"body": LONG, "parent_id": str(top)})
    text = html.unescape(r.get_data(as_text=True))
    reply = re.search(
        rf'<details open><summary>[^<]*</summary>.*?<textarea id="reply-{top}-body"[^>]*>(.*?)</textarea>',
        text,
        re.S,
    )
    assert reply and reply.group(1) == LONG, "the reply is back in its own (opened) form"
    assert not re.search(r'<textarea id="general-body"[^>]*>[^<]+</textarea>', text)


def test_a_reply_to_a_thread_not_on_the_first_page_comes_back_in_its_form(app, world, tenant_client, sign_in):
    """The consultation page previews a thread per article; a refused reply to any other thread
    comes back on the page of comments that shows its thread, in its form."""
    set_hearings_settings(app, world.tenant, comment_max_length=100)
    c = make_consultation(app, world.tenant)
    member = sign_in(tenant_client(world.tenant), world.member)
    for n in range(4):
        assert (
            member.post(
                f"/hearings/consultations/{c['id']}/comments", data={"body": f"Thread {n}"}
            ).status_code
            == 302
        )
    with app.app_context(), tenant_context(world.tenant.id):
        parents = list(db.session.execute(sa.select(Comment.id)).scalars())
        db.session.remove()
    for parent in parents:
        r = member.post(
            f"/hearings/consultations/{c['id']}/comments", data={"body": LONG, "parent_id": str(parent)}
        )
        assert r.status_code == 422
        text = html.unescape(r.get_data(as_text=True))
        reply = re.search(rf'<textarea id="reply-{parent}-body"[^>]*>(.*?)</textarea>', text, re.S)
        assert reply and reply.group(1) == LONG, parent
    assert _count(app, world.tenant) == 4


def test_an_expired_session_gives_the_text_back_to_send_again(make_app, world, sign_in):
    """The CSRF token of a page left open is gone (a new session): the 400 page shows the comment
    in a form that sends it again, with a fresh token, to the same place."""
    strict = make_app(WTF_CSRF_ENABLED=True)
    c = make_consultation(strict, world.tenant)
    strict.test_client_class = HostClient
    client = strict.test_client()
    client.host = f"{world.tenant.slug}.localhost"
    sign_in(client, world.member)
    url = f"/hearings/consultations/{c['id']}/comments"
    r = client.post(url, data={"body": LONG, "csrf_token": "expired", "password": "never-shown"})
    assert r.status_code == 400
    page = html.unescape(r.get_data(as_text=True))
    form = re.search(rf'<form[^>]*method="post" action="{url}">(.*?)</form>', page, re.S)
    assert form, "a form that sends it again"
    assert f">{LONG}</textarea>" in form.group(1)
    assert "never-shown" not in page  # secrets are never echoed
    assert "This page had expired, so what you sent was not saved." in page
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', form.group(1)).group(1)
    again = client.post(url, data={"body": LONG, "csrf_token": fresh})
    assert again.status_code == 302
    assert _count(strict, world.tenant) == 1
