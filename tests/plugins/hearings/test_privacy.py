"""Personal data of the hearings plugin by the book (issue 12 §4): its retention rules travel in
time and purge exactly what is due in one municipality; guests get and erase their registrations
through the mailed link; "download my data" and "delete my account" cover follows and consents."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

import pytest
import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from core.privacy import retention
from core.tenancy import utcnow
from plugins.hearings.models import Feedback, Follow, Meeting, Registration

NOW = dt.datetime(2031, 6, 1, 12, 0)
DAY = dt.timedelta(days=1)
CONSENT = "I agree that the municipality keeps my accessibility needs for this meeting."


def _meeting(title, ended_days_ago):
    ends = NOW - ended_days_ago * DAY
    m = Meeting(title=title, starts_at=ends - dt.timedelta(hours=2), ends_at=ends)
    db.session.add(m)
    db.session.flush()
    return m


def _reg(m, name, *, account=None, email=None, status="confirmed", needs="", created=None):
    r = Registration(
        meeting_id=m.id,
        account_id=account.id if account else None,
        name=name,
        email=email or (account.email if account else f"{name}@example.org"),
        status=status,
        submission_id=uuid.uuid4(),
        accessibility=needs,
        accessibility_consent=CONSENT if needs else "",
        accessibility_consent_at=(created or NOW - 60 * DAY) if needs else None,
        created_at=created or NOW - 60 * DAY,
    )
    db.session.add(r)
    db.session.flush()
    return r


def _seed(app, tenant, person, tag):
    with app.app_context(), tenant_context(tenant.id):
        old, recent, year = (
            _meeting(f"{tag}-old", 40),
            _meeting(f"{tag}-recent", 20),
            _meeting(f"{tag}-year", 400),
        )
        ancient, future = _meeting(f"{tag}-ancient", 800), _meeting(f"{tag}-future", -30)
        _reg(old, f"{tag}-acc-old", account=person, needs="step_free")
        _reg(recent, f"{tag}-acc-recent", account=person, needs="sign_language")
        _reg(year, f"{tag}-acc-year", account=person, needs="interpretation")
        _reg(year, f"{tag}-guest-year")
        _reg(old, f"{tag}-guest-old")
        _reg(future, f"{tag}-guest-pending-old", status="pending", created=NOW - 100 * DAY)
        _reg(future, f"{tag}-guest-pending-new", status="pending", created=NOW - 10 * DAY)
        fb_year = _reg(year, f"{tag}-fb-year")
        fb_ancient = _reg(ancient, f"{tag}-fb-ancient")
        for r, m in ((fb_year, year), (fb_ancient, ancient)):
            db.session.add(Feedback(meeting_id=m.id, registration_id=r.id, overall=4, organisation=4,
                                    usefulness=4, text=f"{r.name} text"))  # fmt: skip
        db.session.add(Follow(account_id=person.id, created_at=NOW - 800 * DAY))
        db.session.commit()


def _state(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        regs = {
            r.name if r.name != "—" else f"anonymous:{r.meeting_id}:{r.id}": (r.email, r.accessibility, r.accessibility_consent)
            for r in db.session.execute(sa.select(Registration)).scalars()
        }  # fmt: skip
        texts = sorted(t for t in db.session.execute(sa.select(Feedback.text)).scalars())
        follows = db.session.execute(sa.select(sa.func.count()).select_from(Follow)).scalar_one()
        db.session.rollback()
    return regs, texts, follows


@pytest.fixture
def towns(app, world):
    person = world.member  # a member of both towns
    _seed(app, world.tenant, person, "a")
    _seed(app, world.other, person, "b")
    return world.tenant, world.other, person


def test_hearings_rules_purge_exactly_what_is_due_in_one_municipality(app, towns):
    a, b, person = towns
    with app.app_context():
        done = retention.purge_tenant(a.id, now=NOW)
        db.session.commit()
    assert done == {
        "hearings.accessibility": 2,  # the meetings of 40 and 400 days ago (30 days)
        "hearings.registrations": 1,  # the account's registration for the meeting of 400 days (365)
        "hearings.guests": 4,  # pending since 100 days: deleted; the guests of the 400 and 800-day meetings
        "hearings.feedback": 1,  # the text on the meeting of 800 days (730)
        "hearings.follows": 1,  # made 800 days ago (730)
    }
    regs, texts, follows = _state(app, a)
    assert regs["a-acc-old"] == (person.email, "", "")  # needs gone after 30 days, the person stays
    assert regs["a-acc-recent"] == (person.email, "sign_language", regs["a-acc-recent"][2])
    assert regs["a-acc-recent"][2].startswith("I agree")
    assert "a-acc-year" not in regs and "a-guest-year" not in regs and "a-fb-year" not in regs
    assert regs["a-guest-old"][0] == "a-guest-old@example.org"  # 40 days < 90
    assert "a-guest-pending-old" not in regs and "a-guest-pending-new" in regs
    assert sum(1 for k in regs if k.startswith("anonymous:")) == 4  # rows kept for the figures
    assert all(v == ("", "", "") for k, v in regs.items() if k.startswith("anonymous:"))
    assert texts == ["", "a-fb-year text"] and follows == 0
    # the other municipality: its identical rows untouched
    regs_b, texts_b, follows_b = _state(app, b)
    assert len(regs_b) == 9 and all(not k.startswith("anonymous:") for k in regs_b)
    assert regs_b["b-acc-old"][1] == "step_free" and texts_b == ["b-fb-ancient text", "b-fb-year text"]
    assert follows_b == 1
    with app.app_context():
        assert {
            k: v for k, v in retention.purge_tenant(a.id, now=NOW).items() if k.startswith("hearings.")
        } == {}
        db.session.rollback()


def test_a_shorter_period_for_accessibility_reaches_fresher_meetings(app, towns):
    a, _b, _p = towns
    with app.app_context():
        retention.set_retention(a.id, {"hearings.accessibility": 10})
        db.session.commit()
        assert retention.purge_tenant(a.id, now=NOW)["hearings.accessibility"] == 3
        db.session.commit()
    assert _state(app, a)[0]["a-acc-recent"][1:] == ("", "")


def _link(mail_outbox, email):
    msg = mail_outbox.wait_for(lambda m: email in m["To"])
    return re.search(r"http://\S+(/privacy/my-data/\S+)", mail_outbox.body(msg)).group(1)


def test_a_guest_downloads_and_erases_their_registrations_here_only(app, world, tenant_client, mail_outbox):
    email = f"guest-{uuid.uuid4().hex[:6]}@example.org"
    for tenant in (world.tenant, world.other):
        with app.app_context(), tenant_context(tenant.id):
            past, future = _meeting("past", 5), _meeting("future", -30)
            kept = _reg(past, "Guest Person", email=email, needs="step_free")
            db.session.add(Feedback(meeting_id=past.id, registration_id=kept.id, overall=5, organisation=5,
                                    usefulness=5, text="thanks"))  # fmt: skip
            _reg(future, "Guest Person", email=email, status="pending")
            db.session.commit()
    client = tenant_client(world.tenant)
    mail_outbox.clear()
    assert client.post("/privacy/my-data", data={"email": email.upper()}).status_code == 200
    path = _link(mail_outbox, email)
    data = json.loads(client.post(path + "/download").data)
    section = data["plugins"]["hearings"]
    assert [(r["meeting"], r["status"]) for r in section["registrations"]] == [
        ("past", "confirmed"),
        ("future", "pending"),
    ]
    assert section["registrations"][0]["accessibility"] == ["step_free"]
    assert section["registrations"][0]["accessibility_consent"] == CONSENT
    assert section["feedback"][0]["text"] == "thanks"
    assert "hearings.accessibility" in {r["key"] for r in data["retention"]}
    mail_outbox.clear()
    client.post("/privacy/my-data", data={"email": email})
    path = _link(mail_outbox, email)
    assert client.post(path + "/erase", data={"confirm": "y"}).status_code == 200
    with app.app_context():
        for tenant, expected in ((world.tenant, 0), (world.other, 2)):
            with tenant_context(tenant.id):
                n = db.session.execute(
                    sa.select(sa.func.count()).select_from(Registration).where(Registration.email == email)
                ).scalar_one()
                assert n == expected, tenant.slug
        with tenant_context(world.tenant.id):
            rows = db.session.execute(sa.select(Registration).join(Meeting, Meeting.id == Registration.meeting_id)
                                      .where(Meeting.title == "past")).scalars().all()  # fmt: skip
            assert [(r.name, r.email, r.accessibility, r.accessibility_consent) for r in rows] == [
                ("—", "", "", "")
            ]
            assert (
                db.session.execute(
                    sa.select(Feedback.text).where(Feedback.registration_id == rows[0].id)
                ).scalar_one()
                == ""
            )
            assert db.session.execute(sa.select(Meeting.id).where(Meeting.title == "future")).first()
        db.session.rollback()


def test_download_my_data_has_follows_and_consents_and_erasure_clears_the_consent(
    app, world, apex_client, sign_in
):
    person = world.member
    with app.app_context(), tenant_context(world.tenant.id):
        m = _meeting("hearing", -10)
        _reg(m, "Nikos", account=person, needs="step_free")
        db.session.add(Follow(account_id=person.id))
        db.session.commit()
    sign_in(apex_client, person)
    data = json.loads(apex_client.get("/account/export").data)
    (mine,) = [x for x in data["municipalities"] if x["slug"] == world.tenant.slug]
    hearings = mine["plugins"]["hearings"]
    assert len(hearings["follows"]) == 1
    assert hearings["accessibility_consents"] == [
        {"meeting": "hearing", "text": CONSENT, "given_at": hearings["accessibility_consents"][0]["given_at"]}
    ]
    from core.accounts.models import Account
    from core.accounts.personal_data import erase_account

    with app.app_context():
        erase_account(db.session.get(Account, person.id))
        db.session.commit()
        with tenant_context(world.tenant.id):
            consents = (
                db.session.execute(
                    sa.select(Registration.accessibility_consent).where(
                        Registration.accessibility_consent != ""
                    )
                )
                .scalars()
                .all()
            )
        db.session.rollback()
    assert consents == []


# --- accessibility needs: explicit consent, staff only (GDPR Art. 9) ----------------------------


def _registrations_of(app, tenant, mid):
    with app.app_context(), tenant_context(tenant.id):
        regs = (
            db.session.execute(sa.select(Registration).where(Registration.meeting_id == mid)).scalars().all()
        )
        out = [(r.name, r.accessibility, r.accessibility_other, r.accessibility_consent, r.accessibility_consent_at)
               for r in regs]  # fmt: skip
        db.session.rollback()
    return out


def test_needs_without_the_consent_box_come_back_with_everything_typed(app, tenant_factory, tenant_client):
    from tests.plugins.hearings.conftest import make_meeting

    town = tenant_factory(plugins=["hearings"], locale="el", locales=["el", "en"], name="Δήμος Σουφλίου")
    mid = make_meeting(app, town, capacity=5)
    guest = tenant_client(town)
    form = {
        "name": "Ελένη Γεωργίου",
        "email": "eleni@example.org",
        "accessibility": ["step_free", "other"],
        "accessibility_other": "Μεγάλα γράμματα",
    }
    page = guest.get(f"/hearings/meetings/{mid}?lang=el").get_data(as_text=True)
    assert "Δήμος Σουφλίου" in page and "30" in page  # the consent text names who keeps them, how long
    r = guest.post(f"/hearings/meetings/{mid}/register?lang=el", data=form)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'value="Ελένη Γεωργίου"' in html and 'value="Μεγάλα γράμματα"' in html
    assert html.count("checked") >= 2  # the two needs still ticked
    assert 'class="error' in html and 'id="accessibility_consent-error"' in html
    assert _registrations_of(app, town, mid) == []
    # with the box ticked: stored with the text shown, in Greek, and when
    r = guest.post(f"/hearings/meetings/{mid}/register?lang=el", data={**form, "accessibility_consent": "y"})
    assert r.status_code == 302
    ((name, needs, other, consent, at),) = _registrations_of(app, town, mid)
    assert (needs, other) == ("step_free,other", "Μεγάλα γράμματα")
    assert "Δήμος Σουφλίου" in consent and "30" in consent and consent in html and at is not None


def test_the_consent_names_the_municipalitys_own_period_and_is_not_kept_without_needs(
    app, world, tenant_client, sign_in
):
    from tests.plugins.hearings.conftest import make_meeting

    with app.app_context():
        retention.set_retention(world.tenant.id, {"hearings.accessibility": 14})
        db.session.commit()
    mid = make_meeting(app, world.tenant, capacity=5)
    member = sign_in(tenant_client(world.tenant), world.member)
    assert "deleted 14 days after it" in member.get(f"/hearings/meetings/{mid}").get_data(as_text=True)
    assert (
        member.post(f"/hearings/meetings/{mid}/register", data={"accessibility_consent": "y"}).status_code
        == 302
    )
    assert _registrations_of(app, world.tenant, mid)[0][1:] == ("", "", "", None)


def test_the_api_needs_the_consent_too(app, world, tenant_client, access_token):
    from tests.plugins.hearings.conftest import make_meeting

    mid = make_meeting(app, world.tenant, capacity=5)
    auth = {"Authorization": f"Bearer {access_token(world.member, world.tenant)}"}
    client = tenant_client(world.tenant)
    url = f"/api/v1/hearings/meetings/{mid}/registrations"
    r = client.post(url, json={"accessibility": ["sign_language"]}, headers=auth)
    assert r.status_code == 409 and r.mimetype == "application/problem+json"  # the consent rule
    assert _registrations_of(app, world.tenant, mid) == []
    r = client.post(
        url, json={"accessibility": ["sign_language"], "accessibility_consent": True}, headers=auth
    )
    assert r.status_code == 201
    (row,) = _registrations_of(app, world.tenant, mid)
    assert row[1] == "sign_language" and row[3].startswith("I agree that") and row[4] is not None


@pytest.mark.parametrize(
    "role, allowed", [("staff", True), ("admin", True), ("moderator", False), ("member", False)]
)
def test_needs_are_shown_to_the_staff_who_manage_meetings_only(
    app, world, tenant_client, sign_in, access_token, role, allowed
):
    from tests.plugins.hearings.conftest import make_meeting

    mid = make_meeting(app, world.tenant, capacity=5)
    with app.app_context(), tenant_context(world.tenant.id):
        m = db.session.get(Meeting, (world.tenant.id, mid))
        _reg(m, "Needs Person", needs="sign_language")
        db.session.commit()
    person = getattr(world, role)
    page = sign_in(tenant_client(world.tenant), person).get(f"/hearings/meetings/{mid}/attendees")
    api = tenant_client(world.tenant).get(
        f"/api/v1/hearings/meetings/{mid}/registrations/list",
        headers={"Authorization": f"Bearer {access_token(person, world.tenant)}"},
    )
    if allowed:
        # the need by name (the stored code stays for programs: the API)
        assert page.status_code == 200 and "Sign language" in page.get_data(as_text=True)
        assert api.status_code == 200 and api.json[0]["accessibility"] == ["sign_language"]
    else:
        assert page.status_code == 403 and "Sign language" not in page.get_data(as_text=True)
        assert api.status_code == 403 and "sign_language" not in api.get_data(as_text=True)
    public = tenant_client(world.tenant).get(f"/hearings/meetings/{mid}").get_data(as_text=True)
    assert "Needs Person" not in public  # the meeting's own page lists no one


def test_following_again_renews_a_follow_for_the_retention_period(app, world):
    from core.accounts.models import Account
    from plugins.hearings.following.services import set_following

    with app.app_context(), tenant_context(world.tenant.id):
        account = db.session.get(Account, world.member.id)
        set_following(account, True)
        follow = db.session.execute(sa.select(Follow).where(Follow.account_id == account.id)).scalar_one()
        follow.created_at = utcnow() - 800 * DAY  # past the 730 days of the default period
        db.session.commit()
        set_following(account, True)  # again: renewed, not duplicated
        db.session.commit()
    with app.app_context():
        assert "hearings.follows" not in retention.purge_tenant(world.tenant.id)
        db.session.commit()
        with tenant_context(world.tenant.id):
            assert db.session.execute(sa.select(sa.func.count()).select_from(Follow)).scalar_one() == 1
        db.session.rollback()
