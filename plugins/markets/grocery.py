"""The social grocery: households apply (online, in person with staff, or through an NGO on their
behalf with consent recorded), validators decide with reasons, eligible households get credits
each month (scaled by household size) and spend them on the grocery's stock.

Credits and stock are counters changed by conditional updates (``spent + n <= granted``,
``stock - n >= 0``), in that order in every transaction: no overdraft and no negative stock under
any concurrency, with CHECK constraints as the second guard.
"""

import datetime as dt
import decimal
import uuid
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from babel import dates as babel_dates
from sqlalchemy.orm import aliased

from core.toolkit import (
    RuleViolation,
    active_tenant_id,
    db,
    get_locale,
    gettext,
    organisations_of,
    plugin_settings,
    tenant_info,
    to_local,
    utcnow_aware,
)
from plugins.markets.models import (
    ApplicationStatus,
    CreditPeriod,
    Donation,
    EligibilityApplication,
    GroceryItem,
    Household,
    Redemption,
    Units,
)

CHANNELS = ("online", "in_person", "ngo")
DONOR_KINDS = ("producer", "business", "ngo", "citizen", "purchase")


def _settings() -> dict[str, Any]:
    return plugin_settings("markets")


def _today(now: dt.datetime) -> dt.date:
    return to_local(now, tenant_info(active_tenant_id())).date()


def period_of(now: dt.datetime) -> str:
    """The month in the municipality's zone, e.g. "2026-12"."""
    return _today(now).strftime("%Y-%m")


def credits_for(size: int) -> int:
    """The month's credits for a household of ``size``: the municipality's rule."""
    s = _settings()
    return s["credits_base"] + s["credits_per_member"] * max(size - 1, 0)


# --- households and applications ---------------------------------------------------------------


def apply(
    *,
    applicant: Any,
    name: str,
    size: int,
    monthly_income: Any,
    channel: str = "online",
    organisation_id: int | None = None,
    consent: bool = False,
    unemployed: bool = False,
    disability: bool = False,
    single_parent: bool = False,
    social_services_referral: bool = False,
    now: dt.datetime | None = None,
) -> EligibilityApplication:
    """A household's application. ``channel="ngo"``: ``applicant`` acts for ``organisation_id``
    on the household's behalf, and the household's consent must be recorded."""
    now = now or utcnow_aware()
    if applicant is None:
        raise RuleViolation(gettext("Sign in first."), status=401)
    if channel not in CHANNELS:
        raise RuleViolation(gettext("Choose one of the options listed."), status=422, field="channel")
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise RuleViolation(gettext("Give the name of the person applying."), status=422, field="name")
    if not 1 <= int(size) <= 20:
        raise RuleViolation(gettext("A household has between 1 and 20 members."), status=422, field="size")
    try:
        income = round(float(monthly_income), 2)
    except (TypeError, ValueError):
        income = -1
    if not 0 <= income <= 1_000_000:
        raise RuleViolation(
            gettext("Give the monthly income as a number."), status=422, field="monthly_income"
        )
    household = Household(name=name, size=int(size), channel=channel)
    if channel == "ngo":
        if organisation_id not in {m.organisation_id for m in organisations_of(applicant)}:
            raise RuleViolation(
                gettext("You cannot apply on behalf of this organisation."),
                status=403,
                field="organisation_id",
            )
        if not consent:
            raise RuleViolation(
                gettext("Record the household's consent before applying on its behalf."), field="consent"
            )
        household.referred_by_organisation_id = organisation_id
        household.referred_by_account_id = applicant.id
        household.consent_at = now
    elif channel == "in_person":
        household.referred_by_account_id = applicant.id  # staff entering it at the counter
    else:
        existing = household_of(applicant)
        if existing is not None:
            return renew(
                existing,
                monthly_income=income,
                unemployed=unemployed,
                disability=disability,
                single_parent=single_parent,
                social_services_referral=social_services_referral,
                now=now,
            )
        household.account_id = applicant.id
    db.session.add(household)
    db.session.flush()
    application = EligibilityApplication(
        household_id=household.id,
        monthly_income=income,
        unemployed=bool(unemployed),
        disability=bool(disability),
        single_parent=bool(single_parent),
        social_services_referral=bool(social_services_referral),
        status=ApplicationStatus.SUBMITTED,
        submitted_at=now,
    )
    db.session.add(application)
    db.session.flush()
    return application


def renew(household: Household, *, now: dt.datetime | None = None, **answers: Any) -> EligibilityApplication:
    """A new application for a known household (a renewal, or after a refusal)."""
    pending = db.session.execute(
        sa.select(EligibilityApplication).where(
            EligibilityApplication.household_id == household.id,
            EligibilityApplication.status.in_((ApplicationStatus.SUBMITTED, ApplicationStatus.CLARIFICATION)),
        )
    ).first()
    if pending is not None:
        raise RuleViolation(gettext("An application is already being reviewed."), code="pending")
    application = EligibilityApplication(
        household_id=household.id,
        status=ApplicationStatus.SUBMITTED,
        submitted_at=now or utcnow_aware(),
        **answers,
    )
    db.session.add(application)
    db.session.flush()
    return application


def household_of(account: Any) -> Household | None:
    if account is None:
        return None
    return (
        db.session.execute(
            sa.select(Household).where(Household.account_id == account.id).order_by(Household.created_at)
        )
        .scalars()
        .first()
    )


def visible_applications(account: Any, *, validator: bool) -> list[tuple[EligibilityApplication, Household]]:
    """Validators see every application; a member of an NGO only those it referred; nobody else
    any (beneficiaries' data is need-to-know)."""
    query = (
        sa.select(EligibilityApplication, Household)
        .join(
            Household,
            sa.and_(
                Household.tenant_id == EligibilityApplication.tenant_id,
                Household.id == EligibilityApplication.household_id,
            ),
        )
        .order_by(EligibilityApplication.submitted_at.desc())
    )
    if not validator:
        orgs = [m.organisation_id for m in organisations_of(account)] if account is not None else []
        if not orgs:
            return []
        query = query.where(Household.referred_by_organisation_id.in_(orgs))
    return list(db.session.execute(query).all())


def get_application(
    application_id: uuid.UUID, account: Any, *, validator: bool
) -> tuple[EligibilityApplication, Household]:
    for application, household in visible_applications(account, validator=validator):
        if application.id == application_id:
            return application, household
    raise RuleViolation(gettext("This application does not exist."), status=404)


def decide(
    application: EligibilityApplication,
    validator: Any,
    *,
    status: str,
    reason: str,
    now: dt.datetime | None = None,
) -> EligibilityApplication:
    """The validator's decision: approved (valid for the municipality's months), rejected, or a
    request for clarification; reasons are required but to approve."""
    now = now or utcnow_aware()
    if status not in (
        ApplicationStatus.APPROVED,
        ApplicationStatus.REJECTED,
        ApplicationStatus.CLARIFICATION,
    ):
        raise RuleViolation(gettext("Choose one of the options listed."), status=422, field="status")
    reason = (reason or "").strip()[:1000]
    if status != ApplicationStatus.APPROVED and not reason:
        raise RuleViolation(gettext("Give the reasons for the decision."), field="reason")
    if application.status in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED):
        raise RuleViolation(gettext("This application has already been decided."), code="decided")
    application.status, application.reason = status, reason
    application.decided_by_id = validator.id if validator is not None else None
    application.decided_at = now
    if status == ApplicationStatus.APPROVED:
        today = _today(now)
        months = _settings()["eligibility_months"]
        # to the end of the month ``months`` after this one
        year, month = divmod(today.month + months, 12)
        application.valid_until = dt.date(today.year + year, month + 1, 1) - dt.timedelta(days=1)
    db.session.flush()
    return application


def eligible_until(household: Household, now: dt.datetime) -> dt.date | None:
    """The end of the household's current eligibility, or None if it is not eligible today."""
    today = _today(now)
    found = db.session.execute(
        sa.select(sa.func.max(EligibilityApplication.valid_until)).where(
            EligibilityApplication.household_id == household.id,
            EligibilityApplication.status == ApplicationStatus.APPROVED,
            EligibilityApplication.valid_until >= today,
        )
    ).scalar_one_or_none()
    return found


# --- credits, stock, redemptions ---------------------------------------------------------------


def credit_period(household: Household, now: dt.datetime) -> CreditPeriod:
    """This month's credits of an eligible household, created on first use (once, even when two
    requests create it at the same moment)."""
    if eligible_until(household, now) is None:
        raise RuleViolation(gettext("This household is not eligible at the moment."), status=403)
    period = period_of(now)
    query = sa.select(CreditPeriod).where(
        CreditPeriod.household_id == household.id, CreditPeriod.period == period
    )
    found = db.session.execute(query).scalar_one_or_none()
    if found is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    CreditPeriod(
                        household_id=household.id, period=period, granted=credits_for(household.size), spent=0
                    )
                )
                db.session.flush()
        except sa.exc.IntegrityError:
            pass  # another request created it: read theirs
        found = db.session.execute(query.execution_options(populate_existing=True)).scalar_one()
    return found


MAX_CREDITS = 10000
MAX_DONATION = 100000
MAX_KILOS = decimal.Decimal(100000)


def save_item(
    item: GroceryItem | None, *, name: str, credits: Any, category: str = "", unit: str = "piece"
) -> GroceryItem:
    """Add or change a product on the grocery's shelves (its stock moves only with donations and
    redemptions)."""
    name = " ".join((name or "").split())
    if not name:
        raise RuleViolation(gettext("This field is required."), status=422, field="name")
    if len(name) > 200:
        raise RuleViolation(gettext("Use at most %(n)d characters.", n=200), status=422, field="name")
    category = " ".join((category or "").split())
    if len(category) > 50:
        raise RuleViolation(gettext("Use at most %(n)d characters.", n=50), status=422, field="category")
    if unit not in Units.ALL:
        raise RuleViolation(gettext("Choose one of the options listed."), status=422, field="unit")
    try:
        credits = int(credits)
    except (TypeError, ValueError):
        credits = -1
    if not 0 <= credits <= MAX_CREDITS:
        raise RuleViolation(
            gettext("Give a number from %(low)d to %(high)d.", low=0, high=MAX_CREDITS),
            status=422,
            field="credits",
        )
    if item is None:
        item = GroceryItem(stock=0)
        db.session.add(item)
    item.name, item.credits, item.category, item.unit = name, credits, category, unit
    db.session.flush()
    return item


def donations(limit: int = 50) -> list[tuple[Donation, GroceryItem]]:
    """The latest stock received, newest first."""
    return list(
        db.session.execute(
            sa.select(Donation, GroceryItem)
            .join(
                GroceryItem,
                sa.and_(GroceryItem.tenant_id == Donation.tenant_id, GroceryItem.id == Donation.item_id),
            )
            .order_by(Donation.received_on.desc(), Donation.id.desc())
            .limit(limit)
        ).all()
    )


def items() -> list[GroceryItem]:
    return list(
        db.session.execute(sa.select(GroceryItem).order_by(GroceryItem.category, GroceryItem.name)).scalars()
    )


def get_item(item_id: uuid.UUID) -> GroceryItem:
    item = db.session.execute(sa.select(GroceryItem).where(GroceryItem.id == item_id)).scalar_one_or_none()
    if item is None:
        raise RuleViolation(gettext("This product does not exist."), status=404)
    return item


def record_donation(
    item: GroceryItem,
    *,
    donor_kind: str,
    donor_name: str,
    quantity: int,
    kilos: Any = 0,
    received_on: dt.date,
    staff: Any,
) -> Donation:
    """Stock received (a donation, or a purchase): the item's stock grows by ``quantity``. Not
    dated after today in the municipality's zone."""
    if donor_kind not in DONOR_KINDS:
        raise RuleViolation(gettext("Choose one of the options listed."), status=422, field="donor_kind")
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        quantity = 0
    if not 1 <= quantity <= MAX_DONATION:
        raise RuleViolation(
            gettext("Give a number from %(low)d to %(high)d.", low=1, high=MAX_DONATION),
            status=422,
            field="quantity",
        )
    try:
        kilos = decimal.Decimal(str(kilos or 0)).quantize(decimal.Decimal("0.001"))
    except (decimal.InvalidOperation, ValueError):
        kilos = decimal.Decimal(-1)
    if not decimal.Decimal(0) <= kilos <= MAX_KILOS:
        raise RuleViolation(gettext("Give the weight in kilos, e.g. 12.5."), status=422, field="kilos")
    if received_on > _today(utcnow_aware()):
        raise RuleViolation(gettext("The date cannot be in the future."), field="received_on", code="future")
    donor_name = " ".join((donor_name or "").split())
    if len(donor_name) > 200:
        raise RuleViolation(gettext("Use at most %(n)d characters.", n=200), status=422, field="donor_name")
    donation = Donation(
        item_id=item.id,
        donor_kind=donor_kind,
        donor_name=donor_name,
        quantity=quantity,
        kilos=kilos,
        received_on=received_on,
        recorded_by_id=staff.id if staff is not None else None,
    )
    db.session.add(donation)
    db.session.execute(
        sa.update(GroceryItem)
        .where(GroceryItem.id == item.id)
        .values(stock=GroceryItem.stock + quantity)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    db.session.expire(item)
    return donation


def redeem(
    household: Household,
    item_id: uuid.UUID,
    quantity: int,
    *,
    recorded_by: Any = None,
    now: dt.datetime | None = None,
) -> tuple[Redemption, int]:
    """Take goods with the month's credits (the household online, or staff at a handout); the
    credits left. Refused, whole, when credits or stock do not suffice."""
    now = now or utcnow_aware()
    quantity = int(quantity)
    if not 1 <= quantity <= 100:
        raise RuleViolation(gettext("Give a quantity between 1 and 100."), status=422, field="quantity")
    item = get_item(item_id)
    cost = item.credits * quantity
    period = credit_period(household, now)
    spent = db.session.execute(
        sa.update(CreditPeriod)
        .where(CreditPeriod.id == period.id, CreditPeriod.spent + cost <= CreditPeriod.granted)
        .values(spent=CreditPeriod.spent + cost)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        raise RuleViolation(gettext("Not enough credits left this month."), code="no_credits")
    taken = db.session.execute(
        sa.update(GroceryItem)
        .where(GroceryItem.id == item.id, GroceryItem.stock - quantity >= 0)
        .values(stock=GroceryItem.stock - quantity)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise RuleViolation(gettext("Not enough %(item)s in stock.", item=item.name), code="out_of_stock")
    redemption = Redemption(
        household_id=household.id,
        item_id=item.id,
        period=period.period,
        quantity=quantity,
        credits=cost,
        recorded_by_id=recorded_by.id if recorded_by is not None else None,
        created_at=now,
    )
    db.session.add(redemption)
    db.session.flush()
    balance = db.session.execute(
        sa.select(CreditPeriod.granted - CreditPeriod.spent).where(CreditPeriod.id == period.id)
    ).scalar_one()
    db.session.expire_all()
    return redemption, int(balance)


def balance(household: Household, now: dt.datetime | None = None) -> int | None:
    now = now or utcnow_aware()
    if eligible_until(household, now) is None:
        return None
    period = credit_period(household, now)
    return period.granted - period.spent


# --- public statistics --------------------------------------------------------------------------


def statistics() -> dict[str, Any]:
    """Per month: households served, donations received per donor kind; counts under the
    municipality's threshold are suppressed (None, shown as "fewer than N")."""
    threshold = _settings()["statistics_threshold"]

    def shown(n: int) -> int | None:
        return n if n >= threshold else None

    served = db.session.execute(
        sa.select(Redemption.period, sa.func.count(sa.distinct(Redemption.household_id))).group_by(
            Redemption.period
        )
    ).all()
    donations: dict[str, dict[str, int]] = defaultdict(dict)
    for received_on, kind in db.session.execute(sa.select(Donation.received_on, Donation.donor_kind)).all():
        month = received_on.strftime("%Y-%m")
        donations[month][kind] = donations[month].get(kind, 0) + 1
    months = sorted({p for p, _n in served} | set(donations), reverse=True)
    served_by = dict(served)
    return {
        "threshold": threshold,
        "months": [
            {
                "period": m,
                "households": shown(served_by.get(m, 0)),
                "donations": {k: shown(n) for k, n in sorted(donations.get(m, {}).items())},
            }
            for m in months
        ],
    }


# --- renewal reminders --------------------------------------------------------------------------


def send_renewal_reminders(now: dt.datetime | None = None) -> int:
    """Tell each household, once per decision and in its own language, that its eligibility ends
    within the municipality's ``renewal_notice_days`` (counted in its zone: the last day
    included), unless it has already renewed (an application under review, or a later decision).
    A notification (``markets.renewal_reminder``): the person's settings say now, in the daily
    digest, or not at all, and the mail carries the link that turns it off."""
    now = now or utcnow_aware()
    today = _today(now)
    notice_days = int(_settings()["renewal_notice_days"])
    later = aliased(EligibilityApplication)
    renewed = (
        sa.select(later.id)
        .where(
            later.tenant_id == EligibilityApplication.tenant_id,
            later.household_id == EligibilityApplication.household_id,
            later.id != EligibilityApplication.id,
            sa.or_(
                later.status.in_((ApplicationStatus.SUBMITTED, ApplicationStatus.CLARIFICATION)),
                sa.and_(
                    later.status == ApplicationStatus.APPROVED,
                    later.valid_until > EligibilityApplication.valid_until,
                ),
            ),
        )
        .exists()
    )
    due = db.session.execute(
        sa.select(EligibilityApplication, Household)
        .join(
            Household,
            sa.and_(
                Household.tenant_id == EligibilityApplication.tenant_id,
                Household.id == EligibilityApplication.household_id,
            ),
        )
        .where(
            EligibilityApplication.status == ApplicationStatus.APPROVED,
            EligibilityApplication.renewal_reminded_at.is_(None),
            EligibilityApplication.valid_until >= today,
            EligibilityApplication.valid_until <= today + dt.timedelta(days=notice_days),
            Household.account_id.is_not(None),
            ~renewed,
        )
        .with_for_update(of=EligibilityApplication, skip_locked=True)
    ).all()
    from plugins.markets import services

    sent = 0
    for application, household in due:
        until = application.valid_until
        sent += services._mail_account(
            household.account_id,
            subject=lambda: gettext("Social grocery: renew your application"),
            lines=lambda u=until: [
                gettext(
                    "Your household's eligibility for the social grocery ends on %(date)s.",
                    date=babel_dates.format_date(u, "long", locale=get_locale()),
                ),
                gettext(
                    "To keep receiving support, apply again before then: %(link)s",
                    link=services._link("/markets/grocery/apply"),
                ),
            ],
            kind=services.RENEWAL_REMINDER,
        )
        application.renewal_reminded_at = now
    db.session.flush()
    return sent
