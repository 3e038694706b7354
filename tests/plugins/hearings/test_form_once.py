"""Issue 16 §2: a form posted twice (a double click, the browser's resend) creates one comment."""

from __future__ import annotations

import re
import threading

import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from plugins.hearings.models import Comment
from tests.plugins.hearings.conftest import make_consultation

ONCE = re.compile(r'name="_once" value="([^"]+)"')


def _comments(app, tenant) -> list[str]:
    with app.app_context(), tenant_context(tenant.id):
        bodies = list(db.session.execute(sa.select(Comment.body).order_by(Comment.id)).scalars())
        db.session.remove()
    return bodies


def _form_token(client, cid) -> str:
    page = client.get(f"/hearings/consultations/{cid}").get_data(as_text=True)
    tokens = ONCE.findall(page)
    assert tokens, "the comment form carries its one-submission token"
    assert len(set(tokens)) == len(tokens), "each form on the page has a token of its own"
    return tokens[0]


def test_the_same_form_sent_twice_makes_one_comment(app, world, tenant_client, sign_in):
    c = make_consultation(app, world.tenant)
    member = sign_in(tenant_client(world.tenant), world.member)
    token = _form_token(member, c["id"])
    data = {"body": "Please keep the library open on Saturdays.", "_once": token}
    first = member.post(f"/hearings/consultations/{c['id']}/comments", data=data)
    again = member.post(f"/hearings/consultations/{c['id']}/comments", data=data)
    assert first.status_code == 302
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert _comments(app, world.tenant) == [data["body"]]
    shown = member.get(again.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "already been sent" in shown  # the person is told, not left wondering
    # a new rendering of the form is a new submission
    member.post(
        f"/hearings/consultations/{c['id']}/comments",
        data={"body": "A second thought.", "_once": _form_token(member, c["id"])},
    )
    assert len(_comments(app, world.tenant)) == 2


def test_a_refused_submission_may_be_sent_again(app, world, tenant_client, sign_in):
    """A 4xx frees the token: the person fixes nothing and resends, and it is not swallowed."""
    c = make_consultation(app, world.tenant)
    member = sign_in(tenant_client(world.tenant), world.member)
    token = _form_token(member, c["id"])
    refused = member.post(f"/hearings/consultations/{c['id']}/comments", data={"body": "", "_once": token})
    assert 400 <= refused.status_code < 500
    sent = member.post(
        f"/hearings/consultations/{c['id']}/comments", data={"body": "Now written.", "_once": token}
    )
    assert sent.status_code == 302 and _comments(app, world.tenant) == ["Now written."]


def test_parallel_double_submission_runs_once(app, world, tenant_client, sign_in):
    """Ten posts of one rendered form at the same instant (PostgreSQL): one comment."""
    c = make_consultation(app, world.tenant)
    clients = [sign_in(tenant_client(world.tenant), world.member) for _ in range(10)]
    token = _form_token(clients[0], c["id"])
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def post(client):
        barrier.wait()
        r = client.post(
            f"/hearings/consultations/{c['id']}/comments", data={"body": "Once only", "_once": token}
        )
        statuses.append(r.status_code)

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert _comments(app, world.tenant) == ["Once only"]
    assert sorted(statuses) == [302] + [303] * 9


def test_a_token_is_the_municipalitys_own(app, world, tenant_client, sign_in):
    """The same token value in another municipality is another form: scoped, never shared."""
    here = make_consultation(app, world.tenant)
    there = make_consultation(app, world.other)
    a = sign_in(tenant_client(world.tenant), world.member)
    b = sign_in(tenant_client(world.other), world.member)
    token = _form_token(a, here["id"])
    assert (
        a.post(
            f"/hearings/consultations/{here['id']}/comments", data={"body": "A", "_once": token}
        ).status_code
        == 302
    )
    assert (
        b.post(
            f"/hearings/consultations/{there['id']}/comments", data={"body": "B", "_once": token}
        ).status_code
        == 302
    )
    assert _comments(app, world.tenant) == ["A"] and _comments(app, world.other) == ["B"]
