"""The complete register (issue 12 §2): recommendations received on paper, by e-mail or at the
registry are numbered with the online comments and appear in every export; Romania's public
debate requests and annual report; speaker withdrawals recorded; minutes not before the start."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from core.tenancy import utcnow
from plugins.hearings.comments.services import post_comment
from plugins.hearings.common import to_local
from plugins.hearings.models import (
    Attachment,
    Comment,
    Consultation,
    DebateRequest,
    Meeting,
    SpeakerRequest,
)
from tests.plugins.hearings.conftest import make_consultation, make_meeting

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def ro(app, tenant_factory, account_factory):
    """A Romanian municipality (pages in English unless asked), its staff and a member."""

    def make(locale: str = "en"):
        tenant = tenant_factory(
            plugins=["hearings"], country="RO", locale=locale, timezone="Europe/Bucharest"
        )
        staff = account_factory(name="Stella Staff", memberships={tenant: "staff"})
        member = account_factory(name="Mihai Member", memberships={tenant: "member"})
        return tenant, staff, member

    return make


def _today(app, tenant) -> dt.date:
    with app.app_context(), tenant_context(tenant.id):
        return to_local(utcnow()).date()


def _online(app, tenant, cid, account, body):
    with app.app_context(), tenant_context(tenant.id):
        c = db.session.get(Consultation, (tenant.id, cid))
        from core.accounts.models import Account

        post_comment(c, db.session.get(Account, account.id), body)
        db.session.commit()
        db.session.remove()


def _paper(client, cid, **values):
    data = {
        "channel": "paper",
        "received_on": "",
        "sender_name": "Ion Ionescu",
        "organisation_name": "",
        "sender_contact": "Str. Lungă 7, București",
        "article_id": "",
        "body": "Propun ca termenul să fie prelungit.",
        "submit": "Enter",
        **values,
    }
    return client.post(
        f"/hearings/consultations/{cid}/recommendations/new", data=data, content_type="multipart/form-data"
    )


def test_paper_recommendations_are_numbered_with_online_comments_and_in_every_export(
    app, ro, tenant_client, sign_in, access_token
):
    tenant, staff, member = ro()
    c = make_consultation(app, tenant, opens_in=dt.timedelta(days=-3), closes_in=dt.timedelta(days=10))
    staff_client = sign_in(tenant_client(tenant), staff)
    today = _today(app, tenant).isoformat()
    _online(app, tenant, c["id"], member, "Online first.")
    entered = _paper(
        staff_client,
        c["id"],
        received_on=today,
        article_id=str(c["articles"][0]),
        scan=(io.BytesIO(PNG), "letter.png"),
    )
    assert entered.status_code == 302, entered.get_data(as_text=True)[-1500:]
    _online(app, tenant, c["id"], member, "Online third.")
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.execute(sa.select(Comment).order_by(Comment.register_number)).scalars().all()
        assert [(r.register_number, r.channel) for r in rows] == [(1, "online"), (2, "paper"), (3, "online")]
        paper = rows[1]
        assert (paper.author_name, paper.received_on.isoformat(), paper.account_id) == (
            "Ion Ionescu",
            today,
            None,
        )
        assert paper.entered_by_id == staff.id
        scan = db.session.execute(sa.select(Attachment).where(Attachment.comment_id == paper.id)).scalar_one()
        scan_id, paper_id = scan.id, paper.id
        db.session.remove()

    public = tenant_client(tenant)
    # the printable register in Romania's legal form
    page = public.get(f"/hearings/consultations/{c['id']}/report").get_data(as_text=True)
    assert "Register of proposals, suggestions and opinions" in page
    assert "Propun ca termenul să fie prelungit." in page and "By post or on paper" in page
    assert "Str. Lungă 7" not in page  # the sender's contact is never published
    # CSV in the legal form (English page: comma), JSON with codes and labels
    legal_csv = public.get(f"/hearings/consultations/{c['id']}/report.csv").get_data(as_text=True)
    table = list(csv.reader(io.StringIO(legal_csv.lstrip("\ufeff"))))
    assert table[0][:3] == ["No.", "Date received", "Sender"]
    assert (
        [r[0] for r in table[1:]] == ["1", "2", "3"] and table[2][2] == "Ion Ionescu" and table[2][1] == today
    )
    assert "Str. Lungă 7" not in legal_csv
    legal_json = json.loads(
        public.get(f"/hearings/consultations/{c['id']}/report.json").get_data(as_text=True)
    )
    assert legal_json["form"] == "ro_register"
    second = legal_json["rows"][1]
    assert second["channel"] == {"code": "paper", "label": "By post or on paper"} and second["number"] == 2
    assert legal_json["totals"]["by_channel"] == {"online": 2, "paper": 1}
    # the register downloads and the API that were there before
    old_csv = list(
        csv.DictReader(
            io.StringIO(
                public.get(f"/hearings/consultations/{c['id']}/register.csv")
                .get_data(as_text=True)
                .lstrip("\ufeff")
            )
        )
    )
    assert [(r["number"], r["channel"], r["author"]) for r in old_csv][1] == ("2", "paper", "Ion Ionescu")
    old_json = json.loads(
        public.get(f"/hearings/consultations/{c['id']}/register.json").get_data(as_text=True)
    )
    assert old_json["comments"][1]["received_on"] == today
    api_register = public.get(f"/api/v1/hearings/consultations/{c['id']}/register").get_json()
    assert any(r["channel"] == "paper" for r in api_register["comments"])
    api_report = public.get(f"/api/v1/hearings/consultations/{c['id']}/report").get_json()
    assert api_report["rows"][1]["sender"] == "Ion Ionescu"
    # the outcome page lists it with the others, to be answered
    outcome = staff_client.get(f"/hearings/consultations/{c['id']}/outcome").get_data(as_text=True)
    assert f"comment-{paper_id}" in outcome
    # the scan is the sender's letter: staff only, with its own type
    assert public.get(f"/hearings/files/{scan_id}").status_code == 404
    got = staff_client.get(f"/hearings/files/{scan_id}")
    assert got.status_code == 200 and got.headers["Content-Type"] == "image/png"


def test_csv_uses_semicolons_and_localised_headers_in_romanian(app, ro, tenant_client, sign_in):
    tenant, staff, member = ro(locale="ro")
    c = make_consultation(app, tenant)
    _online(app, tenant, c["id"], member, '=HYPERLINK("x")')
    body = tenant_client(tenant).get(f"/hearings/consultations/{c['id']}/report.csv").get_data(as_text=True)
    header = body.lstrip("\ufeff").splitlines()[0]
    assert header.startswith('"Nr. crt.";"Data primirii";"Expeditor"'), header
    assert "'=HYPERLINK" in body  # still safe to open in a spreadsheet
    page = tenant_client(tenant).get(f"/hearings/consultations/{c['id']}/report").get_data(as_text=True)
    assert "Registrul propunerilor, sugestiilor și opiniilor" in page


def test_bulgarian_spravka_and_greek_report_forms(app, tenant_factory, tenant_client):
    bg = tenant_factory(plugins=["hearings"], country="BG", locale="bg", timezone="Europe/Sofia")
    gr = tenant_factory(plugins=["hearings"], country="GR", locale="el")
    for tenant, title in ((bg, "Справка за постъпилите предложения"), (gr, "Έκθεση επί της διαβούλευσης")):
        c = make_consultation(app, tenant)
        page = tenant_client(tenant).get(f"/hearings/consultations/{c['id']}/report").get_data(as_text=True)
        assert title in page
        data = tenant_client(tenant).get(f"/hearings/consultations/{c['id']}/report.json").get_json()
        assert data["form"] == ("bg_spravka" if tenant is bg else "gr_report")


def test_bad_recommendations_are_refused_and_the_form_keeps_what_was_typed(app, ro, tenant_client, sign_in):
    tenant, staff, _member = ro()
    c = make_consultation(app, tenant, opens_in=dt.timedelta(days=-3), closes_in=dt.timedelta(days=10))
    client = sign_in(tenant_client(tenant), staff)
    today = _today(app, tenant)
    late = _paper(
        client, c["id"], received_on=(today + dt.timedelta(days=1)).isoformat(), sender_name="Ana Late"
    )
    assert late.status_code == 422 and "cannot be in the future" in late.get_data(as_text=True)
    assert 'value="Ana Late"' in late.get_data(as_text=True)
    early = _paper(client, c["id"], received_on=(today - dt.timedelta(days=5)).isoformat())
    assert early.status_code == 422 and "opened after that day" in early.get_data(as_text=True)
    fake = _paper(client, c["id"], received_on=today.isoformat(), scan=(io.BytesIO(b"not an image"), "x.png"))
    assert fake.status_code == 422 and "PDF, PNG or JPEG" in fake.get_data(as_text=True)
    assert "Propun ca termenul" in fake.get_data(as_text=True)
    with app.app_context(), tenant_context(tenant.id):
        assert db.session.execute(sa.select(sa.func.count()).select_from(Comment)).scalar_one() == 0
        assert db.session.execute(sa.select(sa.func.count()).select_from(Attachment)).scalar_one() == 0
    # members cannot enter recommendations
    tenant2, _s, member = ro()
    c2 = make_consultation(app, tenant2)
    assert (
        _paper(sign_in(tenant_client(tenant2), member), c2["id"], received_on=today.isoformat()).status_code
        == 403
    )


def test_staff_withdrawing_a_speaker_records_who_and_why(app, world, tenant_client, sign_in):
    mid = make_meeting(app, world.tenant)
    member = sign_in(tenant_client(world.tenant), world.member)
    member.post(f"/hearings/meetings/{mid}/speakers", data={"topic": "Buses"})
    with app.app_context(), tenant_context(world.tenant.id):
        sid = db.session.execute(sa.select(SpeakerRequest.id)).scalar_one()
    staff = sign_in(tenant_client(world.tenant), world.staff)
    refused = staff.post(
        f"/hearings/meetings/{mid}/speakers/{sid}/withdrawn", data={"reason": ""}, follow_redirects=True
    )
    assert "Say why you take Nikos Member off the speaker list" in refused.get_data(as_text=True)
    staff.post(f"/hearings/meetings/{mid}/speakers/{sid}/withdrawn", data={"reason": "Left the room."})
    with app.app_context(), tenant_context(world.tenant.id):
        sr = db.session.get(SpeakerRequest, (world.tenant.id, sid))
        assert (sr.status, sr.withdrawn_by_id, sr.withdrawn_reason) == (
            "withdrawn",
            world.staff.id,
            "Left the room.",
        )
        assert sr.withdrawn_at is not None
    queue = staff.get(f"/hearings/meetings/{mid}/speakers").get_data(as_text=True)
    assert "withdrawn by Stavros Staff" in queue and "Left the room." in queue


def test_minutes_not_before_the_meeting_starts_and_the_template(app, world, tenant_client, sign_in):
    mid = make_meeting(app, world.tenant, starts_in=dt.timedelta(hours=2))
    member = sign_in(tenant_client(world.tenant), world.member)
    member.post(f"/hearings/meetings/{mid}/speakers", data={"topic": "Bus lanes"})
    staff = sign_in(tenant_client(world.tenant), world.staff)
    form = staff.get(f"/hearings/meetings/{mid}/minutes").get_data(as_text=True)
    assert "Summary of the positions expressed" in form and "Nikos Member" in form and "Bus lanes" in form
    early = staff.post(f"/hearings/meetings/{mid}/minutes", data={"minutes": "Too early"})
    assert early.status_code == 409 and "once the meeting has started" in early.get_data(as_text=True)
    assert "Too early" in early.get_data(as_text=True)
    with app.app_context(), tenant_context(world.tenant.id):
        m = db.session.get(Meeting, (world.tenant.id, mid))
        assert m.minutes_published_at is None
        m.starts_at, m.ends_at = utcnow() - dt.timedelta(hours=1), utcnow()
        db.session.commit()
    assert staff.post(f"/hearings/meetings/{mid}/minutes", data={"minutes": "Held."}).status_code == 302


def test_public_debate_requests_romania_only_with_the_ten_day_rule(app, ro, tenant_client, sign_in, world):
    # not a procedure of Greek law
    c_gr = make_consultation(app, world.tenant)
    assert tenant_client(world.tenant).get(f"/hearings/consultations/{c_gr['id']}/debates").status_code == 404
    tenant, staff, _member = ro()
    c = make_consultation(app, tenant)
    client = sign_in(tenant_client(tenant), staff)
    today = _today(app, tenant).isoformat()
    base = {
        "requester_kind": "association",
        "requester_name": "Asociația Civica",
        "requester_registration": "RAF 12/2015",
        "contact": "a@b.ro",
        "received_on": today,
        "text": "Cerem dezbatere.",
    }
    assert (
        client.post(
            f"/hearings/consultations/{c['id']}/debates", data={**base, "requester_name": ""}
        ).status_code
        == 422
    )
    assert client.post(f"/hearings/consultations/{c['id']}/debates", data=base).status_code == 302
    with app.app_context(), tenant_context(tenant.id):
        did = db.session.execute(sa.select(DebateRequest.id)).scalar_one()
    prefix = f"d{did.hex[:8]}"
    decide = f"/hearings/consultations/{c['id']}/debates/{did}/decision"
    refused = client.post(decide, data={f"{prefix}-decision": "refuse", f"{prefix}-decision_reason": ""})
    assert refused.status_code == 422 and "entitled to the debate" in refused.get_data(as_text=True)
    far = make_meeting(app, tenant, starts_in=dt.timedelta(days=12))
    too_late = client.post(decide, data={f"{prefix}-decision": "accept", f"{prefix}-meeting_id": str(far)})
    assert too_late.status_code == 422 and "at most 10 calendar days" in too_late.get_data(as_text=True)
    near = make_meeting(app, tenant, starts_in=dt.timedelta(days=7))
    assert (
        client.post(
            decide, data={f"{prefix}-decision": "accept", f"{prefix}-meeting_id": str(near)}
        ).status_code
        == 302
    )
    with app.app_context(), tenant_context(tenant.id):
        dr = db.session.get(DebateRequest, (tenant.id, did))
        assert (dr.status, dr.meeting_id, dr.decided_by_id) == ("accepted", near, staff.id)
        assert db.session.get(Meeting, (tenant.id, near)).consultation_id == c["id"]
    page = tenant_client(tenant).get(f"/hearings/consultations/{c['id']}/debates").get_data(as_text=True)
    assert "Asociația Civica" in page and "a@b.ro" not in page  # the contact is for staff


def test_annual_report_counts_from_the_data(app, ro, tenant_client, sign_in):
    tenant, staff, member = ro()
    c = make_consultation(app, tenant, opens_in=dt.timedelta(days=-3), closes_in=dt.timedelta(days=10))
    client = sign_in(tenant_client(tenant), staff)
    today = _today(app, tenant)
    _online(app, tenant, c["id"], member, "Online.")
    assert _paper(client, c["id"], received_on=today.isoformat()).status_code == 302
    with app.app_context(), tenant_context(tenant.id):
        first = db.session.execute(sa.select(Comment).where(Comment.register_number == 1)).scalar_one()
        first.outcome, first.outcome_reason = "accepted", ""
        db.session.commit()
    held = make_meeting(app, tenant, starts_in=dt.timedelta(hours=-3), consultation_id=c["id"])
    with app.app_context(), tenant_context(tenant.id):
        import uuid

        from plugins.hearings.models import Registration

        db.session.add(
            Registration(
                meeting_id=held,
                name="A",
                email="a@example.org",
                status="confirmed",
                submission_id=uuid.uuid4(),
            )
        )
        db.session.add(
            Registration(
                meeting_id=held,
                name="B",
                email="b@example.org",
                status="cancelled",
                submission_id=uuid.uuid4(),
            )
        )
        db.session.commit()
    year = today.year
    action = client.post(
        f"/hearings/transparency/{year}/legal-actions",
        data={
            "filed_on": today.isoformat(),
            "claimant": "Asociația X",
            "subject": "Ședință neanunțată",
            "court": "Tribunalul București",
            "outcome": "",
        },
    )
    assert action.status_code == 302
    notes = client.post(
        f"/hearings/transparency/{year}/notes",
        data={"self_assessment": "Bun.", "closed_meetings": 1, "closed_meetings_reasons": ""},
    )
    assert notes.status_code == 422 and "not public" in notes.get_data(as_text=True)
    data = tenant_client(tenant).get(f"/hearings/transparency/{year}.json").get_json()
    values = {i["code"]: i["value"] for i in data["indicators"]}
    assert values["recommendations_received"] == 2
    assert (values["recommendations_online"], values["recommendations_outside"]) == (1, 1)
    assert values["recommendations_taken_up"] == 1
    assert (values["meetings_held"], values["public_debates"], values["participants"]) == (1, 1, 1)
    assert values["legal_actions"] == 1 and data["legal_actions"][0]["claimant"] == "Asociația X"
    assert values["consultations"] == 1
    assert (
        tenant_client(tenant)
        .get(f"/hearings/transparency/{year - 1}.json")
        .get_json()["indicators"][1]["value"]
        == 0
    )
    page = tenant_client(tenant).get(f"/hearings/transparency/{year}").get_data(as_text=True)
    assert "Annual report on decisional transparency" in page
    csv_body = tenant_client(tenant).get(f"/hearings/transparency/{year}.csv").get_data(as_text=True)
    assert "a) Recommendations received" in csv_body
    assert tenant_client(tenant).get(f"/hearings/transparency/{year + 1}").status_code == 404
    assert tenant_client(tenant).get("/api/v1/hearings/transparency/2020").status_code == 200
