"""Issue 16 §2: publishing an outcome mails every commenter; hiding a comment mails its author
with the reason. Each mail in the recipient's language; nothing for a withdrawn comment, nothing
twice for a comment hidden again."""

from __future__ import annotations

import time

import sqlalchemy as sa

from core.accounts.models import Account
from core.db import tenant_context
from core.extensions import db
from plugins.hearings.models import Comment
from tests.plugins.hearings.conftest import make_consultation, set_hearings_settings


def _post(client, cid, body):
    assert client.post(f"/hearings/consultations/{cid}/comments", data={"body": body}).status_code == 302


def _ids(app, tenant, cid):
    with app.app_context(), tenant_context(tenant.id):
        return {
            c.body: c.id
            for c in db.session.execute(sa.select(Comment).where(Comment.consultation_id == cid)).scalars()
        }


def test_publishing_the_outcome_mails_each_commenter_once_in_their_language(
    app, tenant_factory, account_factory, tenant_client, sign_in, mail_outbox
):
    town = tenant_factory(plugins=["hearings"], locale="el", locales=["el", "en"])
    set_hearings_settings(app, town, consultation_minimum_days=1)  # closed early, as the test needs
    c = make_consultation(app, town, title="Σχέδιο για τα πάρκα")
    greek, english, withdrawn = (account_factory(memberships={town: "member"}) for _ in range(3))
    with app.app_context():
        db.session.get(Account, english.id).locale = "en"
        db.session.get(Account, greek.id).locale = "el"
        db.session.commit()
    for person, bodies in (
        (greek, ["Πρώτο σχόλιο", "Δεύτερο σχόλιο"]),
        (english, ["A remark"]),
        (withdrawn, ["Oops"]),
    ):
        client = sign_in(tenant_client(town), person)
        for body in bodies:
            _post(client, c["id"], body)
    ids = _ids(app, town, c["id"])
    gone = sign_in(tenant_client(town), withdrawn)
    assert gone.post(f"/hearings/consultations/{c['id']}/comments/{ids['Oops']}/withdraw").status_code == 302
    staff = sign_in(tenant_client(town), account_factory(memberships={town: "staff"}))
    assert (
        staff.post(
            f"/hearings/consultations/{c['id']}/status",
            data={"action": "close", "confirmed": "yes", "reason": "Enough comments."},
        ).status_code
        == 302
    )
    mail_outbox.clear()
    published = staff.post(
        f"/hearings/consultations/{c['id']}/outcome",
        data={"summary": "Ευχαριστούμε.", "confirmed": "yes", "reason": "Answered in the report."},
    )
    assert published.status_code == 302
    el = mail_outbox.wait_for(lambda m: greek.email in m["To"])
    en = mail_outbox.wait_for(lambda m: english.email in m["To"])
    assert "Σχέδιο για τα πάρκα" in el["Subject"] and el["Subject"] != en["Subject"]
    assert en["Subject"] == "Outcome published: Σχέδιο για τα πάρκα"
    assert f"/hearings/consultations/{c['id']}/outcome" in mail_outbox.body(el)
    time.sleep(1.0)
    assert len(mail_outbox.to(greek.email)) == 1  # two comments, one mail
    assert mail_outbox.to(withdrawn.email) == []


def test_hiding_a_comment_mails_its_author_the_reason_once(
    app, tenant_factory, account_factory, tenant_client, sign_in, mail_outbox
):
    town = tenant_factory(plugins=["hearings"])
    c = make_consultation(app, town, title="Parks plan")
    author = account_factory(memberships={town: "member"})
    _post(sign_in(tenant_client(town), author), c["id"], "Some rude words")
    cid = _ids(app, town, c["id"])["Some rude words"]
    moderator = sign_in(tenant_client(town), account_factory(memberships={town: "moderator"}))
    mail_outbox.clear()
    url = f"/hearings/moderation/{c['id']}/{cid}/hide"
    assert moderator.post(url, data={"reason": ""}).status_code in (302, 422)  # refused: no reason
    time.sleep(0.5)
    assert mail_outbox.to(author.email) == []
    assert moderator.post(url, data={"reason": "Insults another participant"}).status_code == 302
    mail = mail_outbox.wait_for(lambda m: author.email in m["To"])
    body = mail_outbox.body(mail)
    assert mail["Subject"] == "Your comment was hidden: Parks plan"
    assert (
        "Some rude words" in body
        and "Reason: Insults another participant" in body
        and "/legal/moderation" in body
    )
    mail_outbox.clear()
    moderator.post(url, data={"reason": "Still hidden"})
    time.sleep(1.0)
    assert mail_outbox.to(author.email) == []
