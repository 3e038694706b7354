"""Notification settings per person (issue 16 §3): per kind, per municipality or all,
immediately, in the daily digest or off; the link in a notification turns its kind off."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from core.extensions import db
from core.notifications.models import NotificationPreference
from core.notifications.services import preference, send_digests
from plugins.hearings.notices import MEETING_REMINDER, OPENED
from tests.plugins.hearings.conftest import make_consultation, make_meeting


def _follow(tenant_client, sign_in, tenant, person):
    client = sign_in(tenant_client(tenant), person)
    assert client.post("/hearings/follow", data={"follow": "1"}).status_code == 302


def _open(app, tenant_client, sign_in, world, tenant, title):
    c = make_consultation(app, tenant, status="draft", closes_in=dt.timedelta(days=10), title=title)
    staff = sign_in(tenant_client(tenant), world.staff)
    assert (
        staff.post(
            f"/hearings/consultations/{c['id']}/status",
            data={"action": "open", "confirmed": "yes", "reason": "Ready to open."},
        ).status_code
        == 302
    )


def _settings(apex_client, data, municipality=None):
    query = f"?municipality={municipality}" if municipality else ""
    return apex_client.post(f"/account/notifications{query}", data=data)


def test_a_digest_person_gets_one_mail_with_every_item_by_municipality(
    app, world, tenant_client, apex_client, sign_in, mail_outbox
):
    for t in (world.tenant, world.other):
        _follow(tenant_client, sign_in, t, world.member)
    sign_in(apex_client, world.member)
    assert _settings(apex_client, {f"mode-{OPENED}": "digest"}).status_code == 302
    mail_outbox.clear()
    _open(app, tenant_client, sign_in, world, world.tenant, "Plan A")
    _open(app, tenant_client, sign_in, world, world.tenant, "Plan B")
    _open(app, tenant_client, sign_in, world, world.other, "Plan C")
    # the command the demo (jobs inline) runs from cron; celery beat runs the job in production
    result = app.test_cli_runner().invoke(args=["notifications", "digest"])
    assert result.exit_code == 0 and "1 digest(s) sent" in result.output, result.output
    with app.app_context():
        assert send_digests() == 0  # each item goes once
    digest = mail_outbox.wait_for(lambda m: world.member.email in m["To"])
    assert digest["Subject"] == "Your daily digest: 3 notifications"
    body = mail_outbox.body(digest)
    for title in ("Plan A", "Plan B", "Plan C"):
        assert f"Open for comments: {title}" in body
    # a section per municipality, each with its own items
    first, second = sorted([world.tenant, world.other], key=lambda t: t.id)
    assert body.index(first.name) < body.index(second.name)
    assert [m for m in mail_outbox.to(world.member.email) if "Open for comments" in m["Subject"]] == []
    from core.jobs import periodic_schedule

    assert periodic_schedule(app)["core.notification_digest"]["schedule"] == 24 * 3600


def test_off_in_one_municipality_leaves_the_other_immediate(
    app, world, tenant_client, apex_client, sign_in, mail_outbox
):
    for t in (world.tenant, world.other):
        _follow(tenant_client, sign_in, t, world.member)
    sign_in(apex_client, world.member)
    page = apex_client.get(f"/account/notifications?municipality={world.tenant.id}")
    assert page.status_code == 200 and "As for all municipalities" in page.get_data(as_text=True)
    assert _settings(apex_client, {f"mode-{OPENED}": "off"}, world.tenant.id).status_code == 302
    mail_outbox.clear()
    _open(app, tenant_client, sign_in, world, world.tenant, "Quiet plan")
    _open(app, tenant_client, sign_in, world, world.other, "Loud plan")
    mail = mail_outbox.wait_for(lambda m: world.member.email in m["To"])  # immediate, no digest needed
    assert mail["Subject"] == "Open for comments: Loud plan"
    with app.app_context():
        assert send_digests() == 0
    assert [m["Subject"] for m in mail_outbox.to(world.member.email)] == ["Open for comments: Loud plan"]


def test_the_link_in_a_notification_turns_its_kind_off_here_only(
    app, world, tenant_client, sign_in, mail_outbox
):
    for t in (world.tenant, world.other):
        _follow(tenant_client, sign_in, t, world.member)
    mail_outbox.clear()
    _open(app, tenant_client, sign_in, world, world.tenant, "First plan")
    mail = mail_outbox.wait_for(lambda m: world.member.email in m["To"])
    url = re.fullmatch(r"<(http://[^>]+)>", mail["List-Unsubscribe"]).group(1)
    assert url in mail_outbox.body(mail)  # the footer links it too
    token = url.rsplit("/", 1)[1]
    anon = tenant_client(world.tenant)
    page = anon.get(f"/notifications/off/{token}")
    assert page.status_code == 200 and "A consultation I follow opens" in page.get_data(as_text=True)
    with app.app_context():
        assert preference(world.member.id, OPENED, world.tenant.id) == "immediate"  # a GET changes nothing
    assert anon.get("/notifications/off/forged").status_code == 404
    assert tenant_client(world.other).get(f"/notifications/off/{token}").status_code == 404
    done = anon.post(f"/notifications/off/{token}")
    assert done.status_code == 200 and "/account/notifications" in done.get_data(as_text=True)
    with app.app_context():
        assert preference(world.member.id, OPENED, world.tenant.id) == "off"
        assert preference(world.member.id, OPENED, world.other.id) == "immediate"
    mail_outbox.clear()
    _open(app, tenant_client, sign_in, world, world.tenant, "Second plan")
    _open(app, tenant_client, sign_in, world, world.other, "Elsewhere plan")
    mail_outbox.wait_for(lambda m: world.member.email in m["To"])
    assert [m["Subject"] for m in mail_outbox.to(world.member.email)] == ["Open for comments: Elsewhere plan"]


def test_a_bad_choice_is_refused_and_nothing_saved(app, world, apex_client, sign_in):
    sign_in(apex_client, world.member)
    response = _settings(apex_client, {f"mode-{OPENED}": "weekly"})
    assert response.status_code == 422 and "Choose one of the options." in response.get_data(as_text=True)
    # "as for all" exists only for one municipality; a municipality that is not theirs is a 404
    assert _settings(apex_client, {f"mode-{OPENED}": ""}).status_code == 422
    assert apex_client.get("/account/notifications?municipality=999999").status_code == 404
    with app.app_context():
        assert (
            db.session.execute(
                sa.select(NotificationPreference).where(NotificationPreference.account_id == world.member.id)
            ).first()
            is None
        )


def test_transactional_mail_comes_whatever_the_settings(
    app, world, tenant_client, apex_client, sign_in, mail_outbox
):
    """Reminders off: the registration's confirmation (asked for) still comes, the reminder not."""
    sign_in(apex_client, world.member)
    assert _settings(apex_client, {f"mode-{MEETING_REMINDER}": "off"}).status_code == 302
    mid = make_meeting(app, world.tenant, starts_in=dt.timedelta(hours=23))
    mail_outbox.clear()
    member = sign_in(tenant_client(world.tenant), world.member)
    assert member.post(f"/hearings/meetings/{mid}/register").status_code in (302, 303)
    mail_outbox.wait_for(lambda m: world.member.email in m["To"])
    assert app.test_cli_runner().invoke(args=["hearings", "tick"]).exit_code == 0
    subjects = [m["Subject"] for m in mail_outbox.to(world.member.email)]
    assert len(subjects) == 1 and not subjects[0].startswith("Reminder")


def test_erasing_the_account_erases_its_settings_and_queued_digest(
    app, world, tenant_client, apex_client, sign_in, mail_outbox
):
    from core.accounts.models import Account
    from core.accounts.personal_data import erase_account
    from core.db import tenant_context
    from core.notifications.models import QueuedNotification

    _follow(tenant_client, sign_in, world.tenant, world.member)
    sign_in(apex_client, world.member)
    assert _settings(apex_client, {f"mode-{OPENED}": "digest"}).status_code == 302
    _open(app, tenant_client, sign_in, world, world.tenant, "Plan kept for tonight")
    with app.app_context():
        with tenant_context(world.tenant.id):
            assert (
                db.session.execute(sa.select(sa.func.count()).select_from(QueuedNotification)).scalar_one()
                == 1
            )
        erase_account(db.session.get(Account, world.member.id))
        db.session.commit()
        with tenant_context(world.tenant.id):
            assert (
                db.session.execute(sa.select(sa.func.count()).select_from(QueuedNotification)).scalar_one()
                == 0
            )
        assert (
            db.session.execute(
                sa.select(NotificationPreference).where(NotificationPreference.account_id == world.member.id)
            ).first()
            is None
        )
        assert send_digests() == 0


def test_the_settings_list_the_kinds_of_modules_on_in_my_municipalities_grouped_and_translated(
    app, world, apex_client, sign_in, account_factory, enable_plugin
):
    """Volunteering is on in one of the person's two municipalities: its kinds show for all
    municipalities and for that one, not for the other; councils, markets and the registry are
    on in neither, so none of theirs shows. Each module is a titled group, in Greek."""
    from core.notifications.services import notification_kinds

    enable_plugin(world.tenant, "volunteers")
    person = account_factory(memberships={world.tenant: "member", world.other: "member"}, locale="el")
    sign_in(apex_client, person)

    def shown(municipality=None):
        query = f"?municipality={municipality}" if municipality else ""
        page = apex_client.get(f"/account/notifications{query}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        return html, set(re.findall(r'name="mode-([a-z_.]+)"', html))

    html, everywhere = shown()
    with app.app_context():
        declared = {k.code for k in notification_kinds()}
    assert {"councils.meeting_invitation", "registry.reverify_notice", "markets.pickup_reminder"} <= declared
    assert everywhere == {c for c in declared if c.split(".")[0] in ("hearings", "volunteers")}
    headings = re.findall(r'<h2 class="h5[^"]*" id="group-\d+">([^<]+)</h2>', html)
    assert headings == sorted(["Διαβουλεύσεις και ακροάσεις", "Εθελοντισμός"], key=str.casefold)
    assert "Υπενθυμίσεις των βαρδιών εθελοντισμού μου" in html  # the kind's label, translated
    # the volunteering group holds its own kind
    volunteering = html[html.index("Εθελοντισμός</h2>") :]
    assert 'name="mode-volunteers.shift_reminder"' in volunteering.split("</section>")[0]
    _, here = shown(world.tenant.id)
    _, there = shown(world.other.id)
    assert "volunteers.shift_reminder" in here and "volunteers.shift_reminder" not in there
    assert there == {c for c in declared if c.startswith("hearings.")}
