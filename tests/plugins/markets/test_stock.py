"""The social grocery's stock kept by staff (products and donations, by page and API, refused
input kept in the form), and the renewal notice before eligibility ends, at the edges of the
municipality's day, once, in the household's language."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from core.toolkit import Account, db, tenant_context, utcnow_aware
from plugins.markets import grocery
from plugins.markets.models import EligibilityApplication, GroceryItem
from tests.plugins.markets.conftest import bearer

API = "/api/v1/markets"


def _csrf(page) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    return found.group(1) if found else ""


def test_staff_add_a_product_and_record_a_donation_through_the_pages(
    app, town, account_factory, tenant_client, sign_in, tenant_factory
):
    staff = account_factory(memberships={town: "staff"})
    member = account_factory(memberships={town: "member"})
    client = sign_in(tenant_client(town), staff)
    for path in (
        "/markets/grocery/manage/stock",
        "/markets/grocery/manage/items/new",
        "/markets/grocery/manage/donations/new",
    ):
        assert sign_in(tenant_client(town), member).get(path).status_code == 403, path
        assert tenant_client(town).get(path).status_code in (302, 401), path

    page = client.get("/markets/grocery/manage/items/new?lang=en")
    refused = client.post(
        "/markets/grocery/manage/items/new?lang=en",
        data={
            "csrf_token": _csrf(page),
            "name": "Ρύζι 1 kg",
            "category": "Τρόφιμα",
            "unit": "piece",
            "credits": "-3",
        },
    )
    assert refused.status_code == 422 and 'value="Ρύζι 1 kg"' in refused.get_data(as_text=True)
    saved = client.post(
        "/markets/grocery/manage/items/new",
        data={
            "csrf_token": _csrf(page),
            "name": "Ρύζι 1 kg",
            "category": "Τρόφιμα",
            "unit": "piece",
            "credits": "4",
        },
    )
    assert saved.status_code == 302
    with app.app_context(), tenant_context(town.id):
        item = db.session.execute(sa.select(GroceryItem)).scalar_one()
        item_id, stock = item.id, item.stock
        db.session.remove()
    assert stock == 0

    path = "/markets/grocery/manage/donations/new"
    page = client.get(f"{path}?lang=en&item={item_id}")
    assert f'<option selected value="{item_id}">' in page.get_data(as_text=True)
    form = {
        "csrf_token": _csrf(page),
        "item_id": str(item_id),
        "donor_kind": "business",
        "donor_name": "Σούπερ Μάρκετ Έβρου",
        "quantity": "40",
        "kilos": "40",
    }
    today_local = utcnow_aware().astimezone(ZoneInfo("Europe/Athens")).date()
    future = client.post(
        f"{path}?lang=en", data={**form, "received_on": (today_local + dt.timedelta(days=1)).isoformat()}
    )
    body = future.get_data(as_text=True)
    assert future.status_code == 409 and "cannot be in the future" in body and "Σούπερ Μάρκετ Έβρου" in body
    recorded = client.post(path, data={**form, "received_on": today_local.isoformat()})
    assert recorded.status_code == 302
    listing = client.get("/markets/grocery/manage/stock?lang=el").get_data(as_text=True)
    assert "Μια επιχείρηση: Σούπερ Μάρκετ Έβρου" in listing
    assert re.search(r"<td>40 τεμ", listing), listing
    with app.app_context(), tenant_context(town.id):
        assert db.session.get(GroceryItem, (town.id, item_id)).stock == 40
        db.session.remove()
    # another municipality's staff do not reach it
    other = tenant_factory(plugins=["markets"])
    other_staff = account_factory(memberships={other: "staff"})
    assert (
        sign_in(tenant_client(other), other_staff)
        .get(f"/markets/grocery/manage/items/{item_id}/edit")
        .status_code
        == 404
    )


def test_staff_keep_the_stock_through_the_api(app, town, account_factory, access_token, tenant_client):
    staff = account_factory(memberships={town: "staff"})
    member = account_factory(memberships={town: "member"})
    client, as_staff = tenant_client(town), bearer(access_token, staff, town)
    item = {"name": "Λάδι 1 l", "unit": "litre", "credits": 9}
    assert (
        client.post(f"{API}/grocery/items", json=item, headers=bearer(access_token, member, town)).status_code
        == 403
    )
    assert (
        client.post(f"{API}/grocery/items", json={**item, "credits": 10001}, headers=as_staff).status_code
        == 422
    )
    made = client.post(f"{API}/grocery/items", json=item, headers=as_staff)
    assert made.status_code == 201 and made.json["stock"] == 0
    changed = client.put(
        f"{API}/grocery/items/{made.json['id']}", json={**item, "credits": 8}, headers=as_staff
    )
    assert changed.status_code == 200 and changed.json["credits"] == 8
    donation = {
        "item_id": made.json["id"],
        "donor_kind": "ngo",
        "quantity": 12,
        "received_on": dt.date.today().isoformat(),
    }
    assert (
        client.post(
            f"{API}/grocery/donations", json={**donation, "quantity": 0}, headers=as_staff
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"{API}/grocery/donations", json={**donation, "donor_kind": "bank"}, headers=as_staff
        ).status_code
        == 422
    )
    later = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    future = client.post(
        f"{API}/grocery/donations", json={**donation, "received_on": later}, headers=as_staff
    )
    assert future.status_code == 409 and future.json["code"] == "future"
    done = client.post(f"{API}/grocery/donations", json={**donation, "kilos": 10.5}, headers=as_staff)
    assert done.status_code == 201 and done.json["stock"] == 12 and done.json["kilos"] == 10.5
    assert client.post(f"{API}/grocery/donations", json=donation, headers=as_staff).json["stock"] == 24


def _eligible(app, tenant, account, *, valid_until: dt.date) -> int:
    with app.app_context(), tenant_context(tenant.id):
        person = db.session.get(Account, account.id)
        application = grocery.apply(applicant=person, name="Νοικοκυριό", size=2, monthly_income=300)
        grocery.decide(application, None, status="approved", reason="")
        application.valid_until = valid_until
        db.session.commit()
        household_id = application.household_id
        db.session.remove()
    return household_id


def test_the_renewal_notice_counts_days_in_the_municipalitys_zone(app, town, account_factory, mail_outbox):
    """At 00:30 in Athens (22:30 UTC the day before) an eligibility ending 14 days later, local,
    is due; one ending a day after that is not; each notice is sent once."""
    now = dt.datetime(2026, 12, 17, 22, 30, tzinfo=dt.UTC)  # 18 December, 00:30 in Athens
    due = account_factory(memberships={town: "member"}, locale="bg")
    not_yet = account_factory(memberships={town: "member"})
    expired = account_factory(memberships={town: "member"})
    renewing = account_factory(memberships={town: "member"})
    _eligible(app, town, due, valid_until=dt.date(2027, 1, 1))  # 18 Dec + 14 days
    _eligible(app, town, not_yet, valid_until=dt.date(2027, 1, 2))
    _eligible(app, town, expired, valid_until=dt.date(2026, 12, 17))  # ended yesterday, local
    household = _eligible(app, town, renewing, valid_until=dt.date(2026, 12, 20))
    with app.app_context(), tenant_context(town.id):
        grocery.renew(db.session.get(grocery.Household, (town.id, household)), monthly_income=300)
        assert grocery.send_renewal_reminders(now=now) == 1
        assert grocery.send_renewal_reminders(now=now + dt.timedelta(hours=1)) == 0  # once
        db.session.commit()
        # a day later the next one is due
        assert grocery.send_renewal_reminders(now=now + dt.timedelta(days=1)) == 1
        db.session.commit()
        reminded = db.session.execute(
            sa.select(sa.func.count()).where(EligibilityApplication.renewal_reminded_at.is_not(None))
        ).scalar_one()
        assert reminded == 2
        db.session.remove()
    message = mail_outbox.wait_for(lambda m: due.email in m["To"])
    body = mail_outbox.body(message)
    assert "Социален магазин: подновете заявлението си" in message["Subject"]
    assert "1 януари 2027" in body and "/markets/grocery/apply" in body
    assert not mail_outbox.to(expired.email) and not mail_outbox.to(renewing.email)
    assert mail_outbox.wait_for(lambda m: not_yet.email in m["To"])


def test_the_periodic_job_sends_the_renewal_notices(app, town, account_factory, mail_outbox):
    from plugins.markets import jobs

    person = account_factory(memberships={town: "member"})
    today = utcnow_aware().astimezone(ZoneInfo("Europe/Athens")).date()
    _eligible(app, town, person, valid_until=today + dt.timedelta(days=3))
    with app.app_context(), tenant_context(town.id):
        jobs.remind({})
        db.session.commit()
        db.session.remove()
    message = mail_outbox.wait_for(lambda m: person.email in m["To"])
    assert "ανανεώστε την αίτησή σας" in message["Subject"]  # in the municipality's language


def test_the_notice_period_is_the_municipalitys_setting_bounded(
    app, town, account_factory, tenant_client, sign_in, mail_outbox
):
    """The admin sets the days of notice (1 to 60; outside, the form comes back with the value
    and the bounds in Greek); the reminders then count that many days, the last one included."""
    from core.toolkit import plugin_settings

    admin = sign_in(tenant_client(town), account_factory(memberships={town: "admin"}))
    url = "/admin/modules/markets/settings"
    form = admin.get(f"{url}?lang=el").get_data(as_text=True)
    assert "ημέρες ειδοποίησης πριν από τη λήξη" in form and 'value="14"' in form  # the default
    for bad in ("0", "61"):
        refused = admin.post(f"{url}?lang=el", data={"renewal_notice_days": bad})
        page = refused.get_data(as_text=True)
        assert refused.status_code == 422 and f'value="{bad}"' in page
        assert "Πρέπει να είναι από 1 έως 60." in page
    assert admin.post(url, data={"renewal_notice_days": "30"}).status_code == 302
    with app.app_context(), tenant_context(town.id):
        assert plugin_settings("markets")["renewal_notice_days"] == 30
        db.session.remove()

    now = dt.datetime(2026, 12, 17, 22, 30, tzinfo=dt.UTC)  # 18 December, 00:30 in Athens
    due = account_factory(memberships={town: "member"})
    not_yet = account_factory(memberships={town: "member"})
    _eligible(app, town, due, valid_until=dt.date(2027, 1, 17))  # 18 Dec + 30 days
    _eligible(app, town, not_yet, valid_until=dt.date(2027, 1, 18))
    with app.app_context(), tenant_context(town.id):
        assert grocery.send_renewal_reminders(now=now) == 1
        db.session.commit()
        db.session.remove()
    assert mail_outbox.wait_for(lambda m: due.email in m["To"])
    assert not mail_outbox.to(not_yet.email)


def test_the_renewal_notice_follows_the_households_notification_settings(
    app, town, account_factory, mail_outbox
):
    """The renewal notice is a notification: it carries the link that turns it off, and a person
    who turned it off in this municipality is not mailed (and not mailed later either)."""
    from core.notifications.services import set_preference

    today = utcnow_aware().astimezone(ZoneInfo("Europe/Athens")).date()
    wants = account_factory(memberships={town: "member"})
    declined = account_factory(memberships={town: "member"})
    with app.app_context():
        set_preference(declined.id, "markets.renewal_reminder", town.id, "off")
        db.session.commit()
    for person in (wants, declined):
        _eligible(app, town, person, valid_until=today + dt.timedelta(days=3))
    with app.app_context(), tenant_context(town.id):
        assert grocery.send_renewal_reminders() == 1
        assert grocery.send_renewal_reminders() == 0  # the declined one is done with, not retried
        db.session.commit()
        db.session.remove()
    message = mail_outbox.wait_for(lambda m: wants.email in m["To"])
    assert "/notifications/off/" in message["List-Unsubscribe"]
    assert mail_outbox.to(declined.email) == []
