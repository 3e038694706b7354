"""Issue 10 (hardening): the per-account comment limit under concurrency, and guest registration
(rate-limited per address and per e-mail, one answer whether or not the e-mail is registered)."""

from __future__ import annotations

import re
import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from plugins.hearings.models import Comment, Registration
from tests.plugins.hearings.conftest import make_consultation, make_meeting


def _count(app, tenant, model, *where) -> int:
    with app.app_context(), tenant_context(tenant.id):
        n = db.session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()
        db.session.remove()
    return n


def test_forty_parallel_comments_against_a_limit_of_twenty(app, world, tenant_client, sign_in, enable_plugin):
    """Issue 10 item 7: the per-account comment limit counted, then inserted, so 22 of 40 parallel
    posts got through a limit of 20; the count and the insert are now serialised per account."""
    enable_plugin(world.tenant, "hearings", {"comments_per_hour": 20})
    c = make_consultation(app, world.tenant)
    clients = [sign_in(tenant_client(world.tenant), world.member) for _ in range(40)]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def post(client, n):
        barrier.wait()
        response = client.post(f"/hearings/consultations/{c['id']}/comments", data={"body": f"Comment {n}"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=post, args=(client, n)) for n, client in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    # each answered: the comment, or (429) the page again with the comment kept and the message to wait
    assert sorted(statuses) == [302] * 20 + [429] * 20
    assert _count(app, world.tenant, Comment, Comment.consultation_id == c["id"]) == 20


def _guest_form(email: str, name: str = "Guest Person") -> dict[str, str]:
    return {"name": name, "email": email}


def test_guest_registration_answers_the_same_whether_or_not_the_email_is_registered(
    app, world, tenant_client, mail_outbox
):
    """Issue 10 item 14: a guest registration with an address already registered answered "You
    are already registered", and a new one answered with the registration's own link (which
    confirms it): whoever types an address learned whether it was registered and could confirm
    for someone else. Now both answer alike and only the mailbox gets the link."""
    mid = make_meeting(app, world.tenant, capacity=5, title="Forum on parks")
    email = f"someone-{uuid.uuid4().hex[:8]}@example.org"
    answers = []
    for _ in range(2):
        client = tenant_client(world.tenant)  # a fresh visitor each time: no cookie in common
        response = client.post(f"/hearings/meetings/{mid}/register", data=_guest_form(email))
        page = client.get(response.location)
        # each rendered form has a one-submission token of its own: not part of what is compared
        text = re.sub(r'name="_once" value="[^"]+"', "", page.get_data(as_text=True))
        answers.append((response.status_code, response.location, page.status_code, text))
    assert answers[0] == answers[1]
    status, location, _page_status, page = answers[0]
    assert status == 302 and "/hearings/registrations/" not in location
    assert "we have sent you an email to confirm your registration" in page
    assert "already registered" not in page
    assert _count(app, world.tenant, Registration, Registration.meeting_id == mid) == 1
    # the mailbox hears both: the confirmation link, then that nothing changed
    first = mail_outbox.wait_for(lambda m: email in m["To"] and "confirm" in m["Subject"].lower())
    again = mail_outbox.wait_for(lambda m: email in m["To"] and "already registered" in m["Subject"])
    assert "/hearings/registrations/" in mail_outbox.body(first)
    assert "nothing has changed" in mail_outbox.body(
        again
    ) and "/hearings/registrations/" in mail_outbox.body(again)


@pytest.fixture
def guest_limits(app):
    """Rate limits on for the session's application, with small guest limits; reset after."""
    from core.extensions import limiter

    saved = {
        k: app.config.get(k)
        for k in ("RATELIMIT_ENABLED", "HEARINGS_GUEST_LIMIT_PER_ADDRESS", "HEARINGS_GUEST_LIMIT_PER_EMAIL")
    }
    app.config.update(
        RATELIMIT_ENABLED=True,
        HEARINGS_GUEST_LIMIT_PER_ADDRESS="4 per hour",
        HEARINGS_GUEST_LIMIT_PER_EMAIL="2 per hour",
    )
    with app.app_context():
        limiter.reset()
    yield
    app.config.update(saved)
    with app.app_context():
        limiter.reset()


def test_guest_registrations_are_limited_per_client_and_per_email(
    app, world, tenant_client, mail_outbox, guest_limits
):
    """Issue 10 item 14: guest registration sent a mail to any address with no limit; now it is
    limited per client address and per address written (the latter across client addresses)."""
    mid = make_meeting(app, world.tenant, capacity=50)
    client = tenant_client(world.tenant)
    target = f"target-{uuid.uuid4().hex[:8]}@example.org"

    def post(email, addr="203.0.113.50"):
        return client.post(
            f"/hearings/meetings/{mid}/register", data=_guest_form(email), environ_base={"REMOTE_ADDR": addr}
        )

    assert [post(target).status_code for _ in range(3)] == [302, 302, 429]  # per e-mail: 2
    assert post(f"b-{uuid.uuid4().hex[:6]}@example.org").status_code == 302  # 4th from this client
    refused = post(f"c-{uuid.uuid4().hex[:6]}@example.org")  # 5th from this client
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "Too many attempts" in refused.get_data(as_text=True)
    # another client: its own allowance, but the target's address stays limited
    assert post(target, addr="198.51.100.60").status_code == 429
    assert post(f"d-{uuid.uuid4().hex[:6]}@example.org", addr="198.51.100.60").status_code == 302
    time.sleep(0.5)
    assert len(mail_outbox.to(target)) == 2
