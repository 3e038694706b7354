"""The social grocery: who sees an application, NGOs applying on a household's behalf, the
validator's decision, credits scaled by household size, and suppressed public statistics."""

import datetime as dt

import pytest

from core.toolkit import (
    Account,
    Affiliation,
    AffiliationStatus,
    Organisation,
    OrganisationMember,
    RuleViolation,
    db,
    tenant_context,
)
from plugins.markets import grocery
from plugins.markets.models import ApplicationStatus


def _ngo(app, tenant, member, name):
    with app.app_context():
        org = Organisation(name=name, kind="ngo")
        db.session.add(org)
        db.session.flush()
        db.session.add(OrganisationMember(organisation_id=org.id, account_id=member.id, role="member"))
        with tenant_context(tenant.id):
            db.session.add(
                Affiliation(
                    organisation_id=org.id, status=AffiliationStatus.APPROVED.value, requested_by_id=member.id
                )
            )
            db.session.flush()
        db.session.commit()
        org_id = org.id
        db.session.remove()
    return org_id


def test_a_validator_sees_an_application_and_a_producer_or_another_ngo_does_not(
    app, town, account_factory, tenant_client, sign_in
):
    helper = account_factory(memberships={town: "member"})
    other_ngo_member = account_factory(memberships={town: "member"})
    producer = account_factory(memberships={town: "member"})
    validator = account_factory(memberships={town: "admin"})
    org = _ngo(app, town, helper, "Solidarity Network")
    _ngo(app, town, other_ngo_member, "Other NGO")
    with app.app_context(), tenant_context(town.id):
        with pytest.raises(RuleViolation) as no_consent:
            grocery.apply(
                applicant=db.session.get(Account, helper.id),
                name="Familia Dobre",
                size=3,
                monthly_income=400,
                channel="ngo",
                organisation_id=org,
            )
        assert no_consent.value.field == "consent"
        application = grocery.apply(
            applicant=db.session.get(Account, helper.id),
            name="Familia Dobre",
            size=3,
            monthly_income=400,
            channel="ngo",
            organisation_id=org,
            consent=True,
            single_parent=True,
        )
        db.session.commit()
        app_id = application.id
        db.session.remove()
    path = f"/markets/grocery/applications/{app_id}"
    for person, status in ((validator, 200), (helper, 200), (other_ngo_member, 404), (producer, 404)):
        client = sign_in(tenant_client(town), person)
        assert client.get(path).status_code == status, person.email
        listing = client.get("/markets/grocery/applications").get_data(as_text=True)
        assert ("Familia Dobre" in listing) == (status == 200), person.email
    # the referring NGO reads, but only a validator decides
    ngo = sign_in(tenant_client(town), helper)
    page = ngo.get(path)
    token = (
        page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[-1].split('"')[0]
        if 'name="csrf_token"' in page.get_data(as_text=True)
        else ""
    )
    assert ngo.post(path, data={"status": "approved", "reason": "", "csrf_token": token}).status_code == 403


def test_a_decision_makes_the_household_eligible_with_credits_for_its_size(app, town, account_factory):
    person = account_factory(memberships={town: "member"})
    validator = account_factory(memberships={town: "admin"})
    now = dt.datetime(2026, 12, 15, 10, 0, tzinfo=dt.UTC)
    with app.app_context(), tenant_context(town.id):
        account = db.session.get(Account, person.id)
        application = grocery.apply(
            applicant=account, name="Ioana", size=4, monthly_income=500, unemployed=True, now=now
        )
        household = grocery.household_of(account)
        with pytest.raises(RuleViolation) as not_yet:
            grocery.balance(household, now) or grocery.credit_period(household, now)
        assert not_yet.value.status == 403
        with pytest.raises(RuleViolation):
            grocery.decide(application, validator, status=ApplicationStatus.REJECTED, reason="")
        grocery.decide(
            application,
            db.session.get(Account, validator.id),
            status=ApplicationStatus.APPROVED,
            reason="",
            now=now,
        )
        assert application.valid_until == dt.date(2027, 6, 30)  # six months, to the end of the month
        assert grocery.balance(household, now) == 60 + 3 * 20
        assert grocery.eligible_until(household, dt.datetime(2027, 7, 1, 12, tzinfo=dt.UTC)) is None
        with pytest.raises(RuleViolation) as again:
            grocery.decide(application, None, status=ApplicationStatus.REJECTED, reason="changed my mind")
        assert again.value.code == "decided"
        renewal = grocery.renew(household, monthly_income=520, now=now)
        assert renewal.status == ApplicationStatus.SUBMITTED
        db.session.remove()


def test_public_statistics_suppress_small_counts(app, town, account_factory, tenant_client):
    validator = account_factory(memberships={town: "admin"})
    with app.app_context(), tenant_context(town.id):
        item = grocery.save_item(None, name="Lapte", credits=1)
        grocery.record_donation(
            item,
            donor_kind="business",
            donor_name="Shop",
            quantity=500,
            received_on=dt.date(2026, 11, 3),
            staff=None,
        )
        for _ in range(6):
            grocery.record_donation(
                item,
                donor_kind="citizen",
                donor_name="",
                quantity=1,
                received_on=dt.date(2026, 11, 4),
                staff=None,
            )
        for i in range(7):
            person = account_factory(memberships={town: "member"})
            a = grocery.apply(
                applicant=db.session.get(Account, person.id), name=f"H{i}", size=1, monthly_income=100
            )
            grocery.decide(a, db.session.get(Account, validator.id), status="approved", reason="")
            month = (
                dt.datetime(2026, 11, 10, tzinfo=dt.UTC)
                if i < 5
                else dt.datetime(2026, 10, 10, tzinfo=dt.UTC)
            )
            grocery.redeem(grocery.household_of(db.session.get(Account, person.id)), item.id, 1, now=month)
        db.session.commit()
        stats = {m["period"]: m for m in grocery.statistics()["months"]}
        db.session.remove()
    assert stats["2026-11"]["households"] == 5
    assert stats["2026-10"]["households"] is None  # two households: too few to show
    assert stats["2026-11"]["donations"] == {"business": None, "citizen": 6}
    page = tenant_client(town).get("/markets/grocery/statistics?lang=en").get_data(as_text=True)
    assert "fewer than 5" in page and "<td data-households>5</td>" in page
