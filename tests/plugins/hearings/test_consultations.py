"""Consultations: time zone and window edges, transitions, comments and their limits, moderation,
the register of recommendations and the outcome."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
import sqlalchemy as sa

from core.accounts.models import Account, Affiliation, Organisation, OrganisationMember
from core.db import tenant_context
from core.extensions import db
from core.tenancy import utcnow
from plugins.hearings.comments.services import can_edit, post_comment
from plugins.hearings.common import HearingsError, render_markdown
from plugins.hearings.consultations.services import advance_all_due, articles_of, save_consultation, schedule
from plugins.hearings.models import Comment, Consultation, ModerationAction, StatusChange
from tests.plugins.hearings.conftest import make_consultation


def _comment(client, cid, body, follow_redirects=False, **extra):
    return client.post(
        f"/hearings/consultations/{cid}/comments",
        data={"body": body, **extra},
        follow_redirects=follow_redirects,
    )


def _comments(app, tenant, cid):
    with app.app_context(), tenant_context(tenant.id):
        rows = list(
            db.session.execute(
                sa.select(Comment).where(Comment.consultation_id == cid).order_by(Comment.created_at)
            ).scalars()
        )
        for r in rows:
            db.session.expunge(r)
        db.session.remove()
    return rows


def test_staff_create_in_tenant_time_zone_with_preview_and_import(app, world, tenant_client, sign_in):
    staff = sign_in(tenant_client(world.tenant), world.staff)
    form = {
        "title": "Σχέδιο κοινωνικής δράσης",
        "summary": "",
        "tags": "social, social, plan",
        "opens_at": "2027-03-01T09:00",  # Athens, UTC+2 in March
        "closes_at": "2027-07-01T18:00",  # Athens, UTC+3 in summer
        "draft": "Intro\n\n## Article 1. Purpose\n\nText <script>alert(1)</script>\n\n## 2. Scope\n\nMore",
    }
    preview = staff.post("/hearings/consultations/new", data={**form, "preview": "Preview"})
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "Preview: 2 articles" in page and "<script>alert(1)</script>" not in page
    with app.app_context(), tenant_context(world.tenant.id):
        assert db.session.execute(sa.select(sa.func.count()).select_from(Consultation)).scalar_one() == 0
    saved = staff.post("/hearings/consultations/new", data={**form, "save": "Save"})
    assert saved.status_code == 302
    with app.app_context(), tenant_context(world.tenant.id):
        c = db.session.execute(sa.select(Consultation)).scalar_one()
        assert c.opens_at == dt.datetime(2027, 3, 1, 7, 0)
        assert c.closes_at == dt.datetime(2027, 7, 1, 15, 0)
        assert c.status == "draft" and c.tags == "social, plan" and c.summary == "Intro"
        arts = articles_of(c)
        assert [(a.number, a.title) for a in arts] == [("1", "Purpose"), ("2", "Scope")]
        cid = c.id
    page = staff.get(f"/hearings/consultations/{cid}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "Purpose" in page

    # import from a file: previewed, not saved
    upload = staff.post(
        "/hearings/consultations/new",
        data={**form, "draft": "", "draft_file": (io.BytesIO("# Член 1. Цел\n\nТекст".encode()), "plan.md")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 200 and "Цел" in upload.get_data(as_text=True)
    bad = staff.post(
        "/hearings/consultations/new",
        data={**form, "draft_file": (io.BytesIO(b"%PDF-1.4"), "plan.pdf")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "Import a Markdown" in bad.get_data(as_text=True)
    # closing before opening: a clear error, nothing saved
    wrong = staff.post(
        "/hearings/consultations/new", data={**form, "closes_at": "2027-02-01T09:00", "save": "1"}
    )
    assert wrong.status_code == 422 and "closing time must be after" in wrong.get_data(as_text=True)


def test_window_edges_and_transitions_by_time(app, world):
    with app.app_context(), tenant_context(world.tenant.id):
        opens, closes = dt.datetime(2027, 3, 1, 7, 0), dt.datetime(2027, 3, 15, 22, 0)
        c = save_consultation(
            None,
            account=None,
            title="T",
            summary="",
            tags="",
            opens_at=opens,
            closes_at=closes,
            draft="# 1. A\n\nx",
        )
        schedule(c, None, now=opens - dt.timedelta(days=1))
        assert c.status == "scheduled"
        account = db.session.get(Account, world.member.id)
        with pytest.raises(HearingsError) as before:
            post_comment(c, account, "too early", now=opens - dt.timedelta(microseconds=1))
        assert before.value.status == 409 and "Comments open on" in before.value.message
        # the opening instant is open (by the dates); the periodic job records the transition
        post_comment(c, account, "first", now=opens)
        assert c.status_at(opens) == "open" and c.status == "scheduled"
        assert advance_all_due(opens) == 1 and c.status == "open"
        post_comment(c, account, "last", now=closes - dt.timedelta(microseconds=1))
        with pytest.raises(HearingsError) as after:
            post_comment(c, account, "too late", now=closes)
        assert "Comments closed on" in after.value.message and c.status_at(closes) == "closed"
        assert advance_all_due(closes) == 1 and c.status == "closed"
        changes = db.session.execute(
            sa.select(StatusChange).where(StatusChange.consultation_id == c.id).order_by(StatusChange.at)
        ).scalars()
        assert [(s.from_status, s.to_status, s.by_account_id) for s in changes] == [
            ("draft", "scheduled", None),
            ("scheduled", "open", None),
            ("open", "closed", None),
        ]
        # messages name the local time: 09:00 in Athens for 07:00 UTC
        assert "9:00" in before.value.message
        db.session.rollback()


def test_staff_transitions_recorded(app, world, tenant_client, sign_in):
    c = make_consultation(app, world.tenant, status="draft", opens_in=dt.timedelta(days=2))
    staff = sign_in(tenant_client(world.tenant), world.staff)
    assert (
        staff.post(f"/hearings/consultations/{c['id']}/status", data={"action": "schedule"}).status_code
        == 302
    )
    assert (
        staff.post(
            f"/hearings/consultations/{c['id']}/status",
            data={"action": "open", "confirmed": "yes", "reason": "Ready to open."},
        ).status_code
        == 302
    )
    with app.app_context(), tenant_context(world.tenant.id):  # a day later: the minimum period has passed
        row = db.session.get(Consultation, (world.tenant.id, c["id"]))
        row.opens_at -= dt.timedelta(days=2)
        db.session.commit()
    assert (
        staff.post(
            f"/hearings/consultations/{c['id']}/status",
            data={"action": "close", "confirmed": "yes", "reason": "Enough comments."},
        ).status_code
        == 302
    )
    again = staff.post(
        f"/hearings/consultations/{c['id']}/status",
        data={"action": "close", "confirmed": "yes", "reason": "Enough comments."},
        follow_redirects=True,
    )
    assert "Only an open consultation can be closed." in again.get_data(as_text=True)
    with app.app_context(), tenant_context(world.tenant.id):
        rows = db.session.execute(sa.select(StatusChange).order_by(StatusChange.at)).scalars().all()
        assert [(r.to_status, r.by_account_id) for r in rows] == [
            ("scheduled", world.staff.id),
            ("open", world.staff.id),
            ("closed", world.staff.id),
        ]


def test_comment_reply_edit_withdraw(app, world, tenant_client, sign_in):
    c = make_consultation(app, world.tenant)
    member = sign_in(tenant_client(world.tenant), world.member)
    article = c["articles"][0]
    assert _comment(member, c["id"], "On article 1", article_id=str(article)).status_code == 302
    (top,) = _comments(app, world.tenant, c["id"])
    assert top.article_id == article and top.author_name == "Nikos Member"
    assert _comment(member, c["id"], "A reply", parent_id=str(top.id)).status_code == 302
    reply = _comments(app, world.tenant, c["id"])[1]
    assert reply.parent_id == top.id and reply.article_id == article
    # one level only
    deep = _comment(member, c["id"], "Reply to a reply", parent_id=str(reply.id), follow_redirects=True)
    assert "Replies go one level deep" in deep.get_data(as_text=True)
    # editing: within 15 minutes, by the author only
    edit = member.post(f"/hearings/consultations/{c['id']}/comments/{top.id}/edit", data={"body": "Edited"})
    assert edit.status_code == 302
    other = sign_in(tenant_client(world.tenant), world.moderator)
    assert (
        other.post(
            f"/hearings/consultations/{c['id']}/comments/{top.id}/edit", data={"body": "x"}
        ).status_code
        == 403
    )
    with app.app_context(), tenant_context(world.tenant.id):
        cm = db.session.get(Comment, (world.tenant.id, top.id))
        assert cm.body == "Edited" and cm.edited_at is not None
        account = db.session.get(Account, world.member.id)
        assert can_edit(cm, account, now=cm.created_at + dt.timedelta(minutes=15))
        assert not can_edit(cm, account, now=cm.created_at + dt.timedelta(minutes=15, seconds=1))
        cm.created_at = utcnow() - dt.timedelta(minutes=16)
        db.session.commit()
    late = member.post(
        f"/hearings/consultations/{c['id']}/comments/{top.id}/edit",
        data={"body": "Late"},
        follow_redirects=True,
    )
    assert "can be edited for 15 minutes" in late.get_data(as_text=True)
    # withdraw: the text disappears from the page, the register keeps the row
    assert member.post(f"/hearings/consultations/{c['id']}/comments/{top.id}/withdraw").status_code == 302
    reader = tenant_client(world.tenant)
    page = reader.get(f"/hearings/consultations/{c['id']}").get_data(as_text=True)
    assert "Edited" not in page and "Withdrawn by the author." in page and "1 reply<" in page
    # the reply stays, under the placeholder, on the article's page of comments
    thread = reader.get(f"/hearings/consultations/{c['id']}/articles/{article}/comments").get_data(
        as_text=True
    )
    assert "Edited" not in thread and "Withdrawn by the author." in thread and "A reply" in thread


def test_comment_length_and_rate_limits_at_the_boundary(app, world, tenant_client, sign_in, enable_plugin):
    enable_plugin(world.tenant, "hearings", {"comment_max_length": 100, "comments_per_hour": 3})
    c = make_consultation(app, world.tenant)
    member = sign_in(tenant_client(world.tenant), world.member)
    assert _comment(member, c["id"], "x" * 100).status_code == 302
    too_long = _comment(member, c["id"], "y" * 101, follow_redirects=True)
    assert "Use at most 100 characters (you used 101)." in too_long.get_data(as_text=True)
    empty = _comment(member, c["id"], "   ", follow_redirects=True)
    assert "Write your comment first." in empty.get_data(as_text=True)
    assert _comment(member, c["id"], "two").status_code == 302
    assert _comment(member, c["id"], "three").status_code == 302
    fourth = _comment(member, c["id"], "four", follow_redirects=True)
    assert "3 comments in the last hour" in fourth.get_data(as_text=True)
    assert len(_comments(app, world.tenant, c["id"])) == 3
    # an hour later, the window has moved on
    with app.app_context(), tenant_context(world.tenant.id):
        first = db.session.execute(sa.select(Comment).order_by(Comment.created_at)).scalars().first()
        first.created_at = utcnow() - dt.timedelta(hours=1, seconds=1)
        db.session.commit()
    assert _comment(member, c["id"], "four").status_code == 302
    assert len(_comments(app, world.tenant, c["id"])) == 4


def test_on_behalf_of_an_affiliated_organisation_only(app, world, tenant_client, sign_in):
    with app.app_context():
        ngo = Organisation(name="Solidarity Network")
        unaffiliated = Organisation(name="Elsewhere NGO")
        db.session.add_all([ngo, unaffiliated])
        db.session.flush()
        db.session.add_all(
            [
                OrganisationMember(organisation_id=ngo.id, account_id=world.member.id),
                OrganisationMember(organisation_id=unaffiliated.id, account_id=world.member.id),
            ]
        )
        with tenant_context(world.tenant.id):
            db.session.add(Affiliation(organisation_id=ngo.id, status="approved"))
            db.session.add(Affiliation(organisation_id=unaffiliated.id, status="pending"))
            db.session.commit()
        ngo_id, other_id = ngo.id, unaffiliated.id
    c = make_consultation(app, world.tenant)
    member = sign_in(tenant_client(world.tenant), world.member)
    page = member.get(f"/hearings/consultations/{c['id']}").get_data(as_text=True)
    assert "Solidarity Network" in page and "Elsewhere NGO" not in page
    refused = _comment(member, c["id"], "As the other NGO", organisation_id=str(other_id))
    assert refused.status_code == 403
    assert _comment(member, c["id"], "As the NGO", organisation_id=str(ngo_id)).status_code == 302
    (cm,) = _comments(app, world.tenant, c["id"])
    assert cm.organisation_id == ngo_id and cm.organisation_name == "Solidarity Network"
    page = tenant_client(world.tenant).get(f"/hearings/consultations/{c['id']}").get_data(as_text=True)
    assert "on behalf of the organisation, written by Nikos Member" in page
    # a non-member of the organisation cannot use it
    mod = sign_in(tenant_client(world.tenant), world.moderator)
    assert _comment(mod, c["id"], "Impostor", organisation_id=str(ngo_id)).status_code == 403


def test_closed_consultation_answers_with_a_clear_message(app, world, tenant_client, sign_in):
    c = make_consultation(app, world.tenant, opens_in=dt.timedelta(days=-10), closes_in=dt.timedelta(days=-1))
    member = sign_in(tenant_client(world.tenant), world.member)
    page = member.get(f"/hearings/consultations/{c['id']}").get_data(as_text=True)
    assert "Comments closed on" in page and "Publish comment" not in page
    r = _comment(member, c["id"], "late", follow_redirects=True)
    assert "Comments closed on" in r.get_data(as_text=True)
    assert _comments(app, world.tenant, c["id"]) == []


def test_report_hide_restore_recorded(app, world, tenant_client, sign_in):
    c = make_consultation(app, world.tenant)
    author = sign_in(tenant_client(world.tenant), world.member)
    _comment(author, c["id"], "Rude words here")
    (cm,) = _comments(app, world.tenant, c["id"])
    reporter = sign_in(tenant_client(world.tenant), world.staff)
    assert (
        reporter.post(
            f"/hearings/consultations/{c['id']}/comments/{cm.id}/report", data={"reason": "Insult"}
        ).status_code
        == 302
    )
    mod = sign_in(tenant_client(world.tenant), world.moderator)
    queue = mod.get("/hearings/moderation").get_data(as_text=True)
    assert "Rude words here" in queue and "Insult" in queue
    no_reason = mod.post(
        f"/hearings/moderation/{c['id']}/{cm.id}/hide", data={"reason": ""}, follow_redirects=True
    )
    assert "Give a reason" in no_reason.get_data(as_text=True)
    assert (
        mod.post(f"/hearings/moderation/{c['id']}/{cm.id}/hide", data={"reason": "Insulting"}).status_code
        == 302
    )
    anon_page = tenant_client(world.tenant).get(f"/hearings/consultations/{c['id']}").get_data(as_text=True)
    assert "Rude words here" not in anon_page
    own_page = author.get(f"/hearings/consultations/{c['id']}").get_data(as_text=True)
    assert "Rude words here" in own_page and "Reason: Insulting" in own_page
    api_own = author.get(f"/api/v1/hearings/consultations/{c['id']}/comments").json
    assert api_own[0]["status"] == "hidden" and api_own[0]["hidden_reason"] == "Insulting"
    assert tenant_client(world.tenant).get(f"/api/v1/hearings/consultations/{c['id']}/comments").json == []
    assert "No reports waiting." in mod.get("/hearings/moderation").get_data(as_text=True)
    assert mod.post(f"/hearings/moderation/{c['id']}/{cm.id}/restore").status_code == 302
    assert "Rude words here" in tenant_client(world.tenant).get(
        f"/hearings/consultations/{c['id']}"
    ).get_data(as_text=True)
    with app.app_context(), tenant_context(world.tenant.id):
        log = db.session.execute(sa.select(ModerationAction).order_by(ModerationAction.at)).scalars().all()
        assert [(a.action, a.reason, a.by_account_id) for a in log] == [
            ("hide", "Insulting", world.moderator.id),
            ("restore", "", world.moderator.id),
        ]


def test_register_csv_json_outcome_and_counts(app, world, tenant_client, sign_in):
    c = make_consultation(app, world.tenant)
    member = sign_in(tenant_client(world.tenant), world.member)
    a1, a2 = c["articles"]
    _comment(member, c["id"], "Add more kitchens, «Ελληνικά»", article_id=str(a1))
    _comment(member, c["id"], "Home help is short", article_id=str(a2))
    _comment(member, c["id"], "General remark")
    staff = sign_in(tenant_client(world.tenant), world.staff)
    staff.post(
        f"/hearings/consultations/{c['id']}/status",
        data={"action": "close", "confirmed": "yes", "reason": "Enough comments."},
    )
    rows = _comments(app, world.tenant, c["id"])
    no_reason = staff.post(
        f"/hearings/consultations/{c['id']}/comments/{rows[1].id}/answer",
        data={"outcome": "not_accepted", "reason": ""},
        follow_redirects=True,
    )
    assert "Give the reasoning" in no_reason.get_data(as_text=True)
    for cm, outcome in zip(rows, ["accepted", "not_accepted", "out_of_scope"], strict=True):
        r = staff.post(
            f"/hearings/consultations/{c['id']}/comments/{cm.id}/answer",
            data={"outcome": outcome, "reason": f"because {outcome}"},
        )
        assert r.status_code == 302
    anon = tenant_client(world.tenant)
    assert anon.get(f"/hearings/consultations/{c['id']}/outcome").status_code == 404
    assert (
        staff.post(
            f"/hearings/consultations/{c['id']}/outcome",
            data={"summary": "We listened.", "confirmed": "yes", "reason": "Answered in the report."},
        ).status_code
        == 302
    )
    outcome = anon.get(f"/hearings/consultations/{c['id']}/outcome").get_data(as_text=True)
    assert "We listened." in outcome and "because not_accepted" in outcome
    counts = anon.get(f"/api/v1/hearings/consultations/{c['id']}/outcome").json["articles"]
    assert counts == {
        "1": {"accepted": 1, "total": 1},
        "2": {"not_accepted": 1, "total": 1},
        "": {"out_of_scope": 1, "total": 1},
    }
    csv_response = anon.get(f"/hearings/consultations/{c['id']}/register.csv")
    assert csv_response.headers["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(csv_response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["article"], r["author"], r["answer"]) for r in table] == [
        ("1", "Nikos Member", "accepted"),
        ("2", "Nikos Member", "not_accepted"),
        ("", "Nikos Member", "out_of_scope"),
    ]
    assert table[0]["comment"] == "Add more kitchens, «Ελληνικά»" and table[0]["version"] == "1"
    assert table[0]["date"].endswith(("+02:00", "+03:00"))  # the municipality's zone
    data = json.loads(anon.get(f"/hearings/consultations/{c['id']}/register.json").get_data(as_text=True))
    assert len(data["comments"]) == 3 and data["comments"][1]["reasoning"] == "because not_accepted"
    # published: nothing changes any more
    late = staff.post(
        f"/hearings/consultations/{c['id']}/comments/{rows[0].id}/answer",
        data={"outcome": "partly", "reason": "x"},
        follow_redirects=True,
    )
    assert "until the outcome is published" in late.get_data(as_text=True)


def test_versions_keep_comments_and_show_a_diff(app, world, tenant_client, sign_in):
    c = make_consultation(app, world.tenant)
    member = sign_in(tenant_client(world.tenant), world.member)
    _comment(member, c["id"], "On version one", article_id=str(c["articles"][1]))
    staff = sign_in(tenant_client(world.tenant), world.staff)
    edit = staff.get(f"/hearings/consultations/{c['id']}/edit").get_data(as_text=True)
    assert "## 1. Purpose" in edit
    revised = "## 1. Purpose\n\nThe plan sets out **social action** for 2027.\n\n## 2. Measures\n\n1. Soup kitchen\n2. Home help\n3. Day centre\n\n## 3. Budget\n\nEUR 1m"
    r = staff.post(
        f"/hearings/consultations/{c['id']}/edit",
        data={
            "title": "Local social action plan",
            "summary": "Summary",
            "tags": "social",
            "draft": revised,
            "save": "1",
            "opens_at": "2020-01-01T00:00",
            "closes_at": "2040-01-01T00:00",
        },
    )
    assert r.status_code == 302
    with app.app_context(), tenant_context(world.tenant.id):
        cons = db.session.get(Consultation, (world.tenant.id, c["id"]))
        assert cons.version == 2 and len(articles_of(cons)) == 3 and len(articles_of(cons, 1)) == 2
        (cm,) = db.session.execute(sa.select(Comment)).scalars()
        assert cm.version == 1
    diff = (
        tenant_client(world.tenant)
        .get(f"/hearings/consultations/{c['id']}/diff?from=1&to=2")
        .get_data(as_text=True)
    )
    assert "<ins>+ 3. Day centre</ins>" in diff and "(added)" in diff and "(unchanged)" in diff
    assert (
        tenant_client(world.tenant).get(f"/hearings/consultations/{c['id']}/diff?from=1&to=9").status_code
        == 404
    )
    # old-version comments are still on the page, marked with their version
    page = tenant_client(world.tenant).get(f"/hearings/consultations/{c['id']}").get_data(as_text=True)
    assert "On version one" in page and "version 1" in page


def test_markdown_is_sanitised():
    html = str(
        render_markdown('**b** <img src=x onerror="alert(1)"> [l](javascript:alert(1)) <script>x</script>')
    )
    assert "<strong>b</strong>" in html
    assert "onerror" not in html and "javascript:" not in html and "<script>" not in html
