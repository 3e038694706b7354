"""Stripe billing (DESIGN §7): catalogue, one Customer and one subscription per municipality,
webhooks, grace period then read-only, payment restores.

Stripe being unreachable never blocks onboarding or module changes: the sync runs as a job
(``tenants.billing_sync``; a Celery task retried with backoff in production, inline in the demo
and tests) and its state ("not synced") is visible in the operator console.

Offline tests run the real ``stripe`` library against ``localstripe`` (plans, products,
customers, subscriptions, invoices). What localstripe cannot do, and so is not exercised
offline: subscriptions created with more than one item (it answers 500 "Not implemented");
adding or removing a paid plugin's item on an existing subscription (localstripe accepts
``POST /v1/subscription_items`` but never attaches the item to the subscription, so the result
cannot be checked offline; the tests check the desired item list instead);
``collection_method``/``days_until_due`` on subscriptions (unknown parameters to localstripe, so
``STRIPE_LOCALSTRIPE_COMPAT`` leaves them out); a customer without a payment method (localstripe
refuses the subscription, real Stripe accepts it for ``send_invoice``); ``Invoice.upcoming``
(absent from stripe-python 12, so no "next invoice" is shown); the customer portal.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import sqlalchemy as sa
from flask import current_app

from core.db import cross_tenant_read, tenant_context
from core.extensions import db
from core.jobs import enqueue, job
from core.plugins import registry
from core.tenancy import Tenant, TenantPlugin, TenantStatus, invalidate_tenant_cache, utcnow
from tenants import audit, catalog
from tenants.models import BillingCatalogEntry, StripeEvent, TenantBilling

log = logging.getLogger(__name__)


class _StripeOnFirstUse:
    """The stripe library, imported when billing first needs it: it holds about half of a web
    worker's start-up objects (124k of 251k, in 389 modules), and most requests bill nothing."""

    @staticmethod
    def _module() -> Any:
        import stripe as module

        globals()["stripe"] = module  # from now on this module uses the library directly
        return module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._module(), name, value)


stripe: Any = _StripeOnFirstUse()

#: Event types that move a municipality's billing state (state is re-read from Stripe).
HANDLED_EVENTS = frozenset(
    {
        "invoice.paid",
        "invoice.payment_succeeded",
        "invoice.payment_failed",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
    }
)
GOOD_STATUSES = frozenset({"active", "trialing"})
OVERDUE_STATUSES = frozenset({"past_due", "unpaid", "incomplete"})


def enabled() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def configure() -> None:
    """Point the stripe library at the configured key and API base (localstripe in tests)."""
    cfg = current_app.config
    stripe.api_key = cfg["STRIPE_SECRET_KEY"]
    stripe.api_base = cfg.get("STRIPE_API_BASE") or "https://api.stripe.com"
    stripe.max_network_retries = int(cfg.get("STRIPE_MAX_NETWORK_RETRIES", 0))


def grace_period() -> dt.timedelta:
    return dt.timedelta(days=float(current_app.config.get("BILLING_GRACE_DAYS", 14)))


# --- catalogue ------------------------------------------------------------------------------


def desired_catalog() -> dict[str, tuple[str, int]]:
    """key → (product name, monthly amount in cents) for every plan and paid plugin."""
    entries = {catalog.plan_key(p.key): (f"Sympraxis {p.label}", p.amount) for p in catalog.plans().values()}
    for name, amount in catalog.plugin_prices().items():
        if amount > 0:
            entries[catalog.plugin_key(name)] = (
                f"Sympraxis plugin: {catalog.plugin_title(name)}",
                int(amount),
            )
    return entries


def sync_catalog() -> dict[str, str]:
    """Create or update Stripe products and prices (plans); returns key → action taken."""
    configure()
    done: dict[str, str] = {}
    for key, (name, amount) in desired_catalog().items():
        entry = db.session.get(BillingCatalogEntry, key)
        if entry is None:
            entry = BillingCatalogEntry(key=key, amount=amount, currency=catalog.CURRENCY)
            db.session.add(entry)
        action = "unchanged"
        if entry.stripe_product_id is None:
            product = stripe.Product.create(name=name, metadata={"sympraxis_key": key})
            entry.stripe_product_id = product.id
            action = "created"
        if entry.stripe_price_id is None or entry.amount != amount:
            # prices are immutable in Stripe: a new amount is a new price
            price = stripe.Plan.create(
                product=entry.stripe_product_id,
                amount=amount,
                currency=catalog.CURRENCY,
                interval="month",
                metadata={"sympraxis_key": key},
            )
            entry.stripe_price_id = price.id
            entry.amount = amount
            action = action if action == "created" else "repriced"
        entry.synced_at = utcnow()
        done[key] = action
        db.session.flush()
    audit.record("billing.catalog_synced", None, {"entries": done})
    return done


def _price_id(key: str) -> str:
    entry = db.session.get(BillingCatalogEntry, key)
    if entry is None or entry.stripe_price_id is None:
        sync_catalog()
        entry = db.session.get(BillingCatalogEntry, key)
    if entry is None or entry.stripe_price_id is None:
        raise LookupError(f"no Stripe price for {key}")
    return entry.stripe_price_id


# --- per-municipality sync -----------------------------------------------------------------


def queue_sync(tenant_id: int, force: bool = False) -> None:
    """Queue the billing sync of one municipality (call after the change has committed)."""
    with tenant_context(tenant_id):
        row = db.session.execute(sa.select(TenantBilling)).scalar_one_or_none()
        if row is None:
            return
        if row.sync_state != "pending":
            row.sync_state = "pending"
            db.session.commit()
    enqueue("tenants.billing_sync", tenant_id, {"tenant_id": tenant_id})


def desired_items(tenant_id: int) -> list[str]:
    """Catalogue keys the subscription should hold: the plan, then each enabled paid plugin."""
    with tenant_context(tenant_id):
        billing = db.session.execute(sa.select(TenantBilling)).scalar_one()
        enabled_names = db.session.execute(
            sa.select(TenantPlugin.plugin).where(TenantPlugin.enabled.is_(True)).order_by(TenantPlugin.plugin)
        ).scalars()
        prices = catalog.plugin_prices()
        keys = [catalog.plan_key(billing.plan)]
        keys += [
            catalog.plugin_key(n)
            for n in enabled_names
            if prices.get(n, 0) > 0
            and n in registry().plugins
            and not catalog.included_in_plan(n, billing.plan)
        ]
    return keys


def sync_tenant(tenant_id: int) -> TenantBilling:
    """Bring Stripe in line with the municipality: customer, subscription and its items.

    Runs as a job (its own transaction): the Stripe ids are committed as soon as Stripe has
    created the objects, so a failure later never leads to a second customer or subscription.
    """
    tenant = db.session.get(Tenant, tenant_id)
    with tenant_context(tenant_id):
        billing = db.session.execute(sa.select(TenantBilling)).scalar_one()
        if not enabled():
            billing.sync_state = "off"
            db.session.flush()
            return billing
        configure()
        compat = current_app.config.get("STRIPE_LOCALSTRIPE_COMPAT", False)
        if billing.stripe_customer_id is None:
            customer = stripe.Customer.create(
                name=billing.billing_name or tenant.name,
                email=billing.billing_email,
                preferred_locales=[tenant.default_locale],
                metadata={"tenant_id": str(tenant.id), "slug": tenant.slug},
                idempotency_key=f"sympraxis-tenant-{tenant.id}-customer",
            )
            billing.stripe_customer_id = customer.id
            db.session.commit()  # keep the id even if a later step fails: never a second customer
        wanted = {_price_id(k): k for k in desired_items(tenant_id)}
        if billing.stripe_subscription_id is None:
            params: dict[str, Any] = {
                "customer": billing.stripe_customer_id,
                "items": [{"plan": price} for price in wanted],
                "metadata": {"tenant_id": str(tenant.id)},
            }
            if not compat:
                params["collection_method"] = billing.collection_method
                if billing.collection_method == "send_invoice":
                    params["days_until_due"] = billing.days_until_due or 30
            subscription = stripe.Subscription.create(**params)
            billing.stripe_subscription_id = subscription.id
            db.session.commit()
        else:
            subscription = stripe.Subscription.retrieve(billing.stripe_subscription_id)
            current = {item["plan"]["id"]: item["id"] for item in subscription["items"]["data"]}
            for price in wanted.keys() - current.keys():
                stripe.SubscriptionItem.create(subscription=subscription.id, plan=price, quantity=1)
            for price in current.keys() - wanted.keys():
                stripe.SubscriptionItem.delete(current[price])
            if wanted.keys() != current.keys():
                subscription = stripe.Subscription.retrieve(billing.stripe_subscription_id)
        apply_subscription_status(tenant, billing, subscription["status"])
        billing.sync_state = "synced"
        billing.synced_at = utcnow()
        billing.sync_error = None
        db.session.flush()
        return billing


@job("tenants.billing_sync")
def billing_sync_job(payload: dict[str, Any]) -> None:
    """The job: sync, and on failure record "not synced" (then retry under Celery)."""
    tenant_id = int(payload["tenant_id"])
    try:
        sync_tenant(tenant_id)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        log.warning("billing sync of tenant %s failed: %r", tenant_id, exc)
        with tenant_context(tenant_id):
            billing = db.session.execute(sa.select(TenantBilling)).scalar_one_or_none()
            if billing is not None:
                billing.sync_state = "failed"
                billing.sync_error = f"{type(exc).__name__}: {exc}"[:500]
                db.session.commit()
        if not current_app.config["JOBS_INLINE"]:
            raise  # Celery retries with backoff (core.jobs)


# --- state --------------------------------------------------------------------------------


def apply_subscription_status(tenant: Tenant, billing: TenantBilling, status: str) -> None:
    """Move the billing state from the subscription's status as Stripe reports it now."""
    before = billing.state
    now = utcnow()
    if status in GOOD_STATUSES:
        billing.state = "active"
        billing.past_due_since = None
        if billing.suspended_for_billing:
            billing.suspended_for_billing = False
            if tenant.status == TenantStatus.SUSPENDED.value:
                tenant.status = TenantStatus.ACTIVE.value
                tenant.status_changed_at = now
                audit.record("billing.restored", tenant.id, {"subscription_status": status})
                invalidate_tenant_cache()
    else:
        billing.state = "past_due" if status in OVERDUE_STATUSES else "canceled"
        billing.past_due_since = billing.past_due_since or now
    if before != billing.state:
        audit.record(
            "billing.state_changed", tenant.id, {"from": before, "to": billing.state, "stripe": status}
        )
    enforce_grace(tenant, billing)


def enforce_grace(tenant: Tenant, billing: TenantBilling) -> bool:
    """Read-only once the grace period has run out; True if the municipality was suspended now."""
    if billing.state == "active" or billing.past_due_since is None:
        return False
    if utcnow() - billing.past_due_since < grace_period():
        return False
    if tenant.status != TenantStatus.ACTIVE.value:
        return False
    tenant.status = TenantStatus.SUSPENDED.value
    tenant.status_changed_at = utcnow()
    billing.suspended_for_billing = True
    audit.record("billing.suspended", tenant.id, {"past_due_since": billing.past_due_since.isoformat()})
    invalidate_tenant_cache()
    return True


def refresh_from_stripe(tenant_id: int) -> TenantBilling | None:
    """Re-read the subscription from Stripe (never trust event order) and apply its status."""
    tenant = db.session.get(Tenant, tenant_id)
    with tenant_context(tenant_id):
        billing = db.session.execute(sa.select(TenantBilling)).scalar_one_or_none()
        if billing is None or billing.stripe_customer_id is None:
            return billing
        configure()
        if billing.stripe_subscription_id:
            subscription = stripe.Subscription.retrieve(billing.stripe_subscription_id)
        else:
            found = stripe.Subscription.list(customer=billing.stripe_customer_id, limit=1)
            subscription = found.data[0] if found.data else None
        status = subscription["status"] if subscription is not None else "canceled"
        apply_subscription_status(tenant, billing, status)
        db.session.flush()
        return billing


def pending_event_ids(tenant_id: int) -> list[str]:
    """The municipality's stored events still owed a re-read from Stripe."""
    return list(
        db.session.execute(
            sa.select(StripeEvent.id).where(
                StripeEvent.subject_tenant_id == tenant_id, StripeEvent.outcome == "pending"
            )
        ).scalars()
    )


def refresh_events(tenant_id: int) -> bool:
    """Re-read the municipality's state from Stripe and mark its pending events applied.

    One re-read covers every event stored before it started (the state is Stripe's now, not the
    events'). On failure (Stripe or the database down) the events stay ``pending`` with the error
    noted, for the next attempt or the sweeper; returns whether the refresh was applied.
    """
    ids = pending_event_ids(tenant_id)
    try:
        refresh_from_stripe(tenant_id)
        if ids:
            db.session.execute(
                sa.update(StripeEvent)
                .where(StripeEvent.id.in_(ids), StripeEvent.outcome == "pending")
                .values(outcome="applied", refreshed_at=utcnow(), refresh_error=None)
            )
        db.session.commit()
        return True
    except Exception as exc:  # noqa: BLE001 - any failure leaves the refresh owed, never lost
        db.session.rollback()
        log.warning("billing refresh of tenant %s failed, left pending: %r", tenant_id, exc)
        try:
            if ids:
                db.session.execute(
                    sa.update(StripeEvent)
                    .where(StripeEvent.id.in_(ids), StripeEvent.outcome == "pending")
                    .values(refresh_error=f"{type(exc).__name__}: {exc}"[:500])
                )
                db.session.commit()
        except Exception:  # noqa: BLE001 - the note is bookkeeping; the event is pending anyway
            db.session.rollback()
        return False


def queue_refresh(tenant_id: int) -> bool:
    """After the pending event has committed: refresh now (inline jobs) or hand it to a worker.

    False when it could not be done or sent (Stripe or the broker down): the event stays pending
    in ``stripe_events`` and :func:`refresh_pending` retries it, so nothing depends on this call.
    """
    if current_app.config["JOBS_INLINE"]:
        return refresh_events(tenant_id)
    try:
        enqueue("tenants.billing_refresh", tenant_id, {"tenant_id": tenant_id})
    except Exception as exc:  # noqa: BLE001 - the broker is down: the sweeper sends it later
        log.warning("billing refresh of tenant %s not queued, left to the sweeper: %r", tenant_id, exc)
        return False
    return True


def refresh_pending() -> dict[str, int]:
    """The sweeper: retry the re-read of every municipality with an event still pending."""
    tenant_ids = (
        db.session.execute(
            sa.select(StripeEvent.subject_tenant_id)
            .where(StripeEvent.outcome == "pending", StripeEvent.subject_tenant_id.is_not(None))
            .distinct()
        )
        .scalars()
        .all()
    )
    db.session.commit()
    counts = {"refreshed": 0, "failed": 0}
    for tenant_id in tenant_ids:
        counts["refreshed" if refresh_events(tenant_id) else "failed"] += 1
    return counts


@job("tenants.billing_refresh")
def billing_refresh_job(payload: dict[str, Any]) -> None:
    """A worker's refresh; a failure is raised so that Celery retries (the sweeper also will)."""
    if not refresh_events(int(payload["tenant_id"])):
        raise RuntimeError(f"billing refresh of tenant {payload['tenant_id']} failed; left pending")


@job("tenants.billing_refresh_pending")
def billing_refresh_pending_job(payload: dict[str, Any]) -> None:
    """Periodic: re-read the municipalities whose events are still pending."""
    refresh_pending()


@job("tenants.billing_enforce")
def billing_enforce_job(payload: dict[str, Any]) -> None:
    """Periodic: suspend municipalities whose grace period ran out between two events."""
    enforce_all()
    db.session.commit()


def enforce_all() -> int:
    with cross_tenant_read():
        overdue = (
            db.session.execute(
                sa.select(TenantBilling.tenant_id)
                .where(TenantBilling.state != "active", TenantBilling.past_due_since.is_not(None))
                .execution_options(all_tenants=True)
            )
            .scalars()
            .all()
        )
    count = 0
    for tenant_id in overdue:
        tenant = db.session.get(Tenant, tenant_id)
        with tenant_context(tenant_id):
            billing = db.session.execute(sa.select(TenantBilling)).scalar_one()
            count += enforce_grace(tenant, billing)
            db.session.flush()
    return count


# --- webhooks -----------------------------------------------------------------------------


def tenant_for_customer(customer_id: str | None) -> int | None:
    """Which municipality a Stripe customer is (a reviewed cross-tenant read)."""
    if not customer_id:
        return None
    with cross_tenant_read():
        return db.session.execute(
            sa.select(TenantBilling.tenant_id)
            .where(TenantBilling.stripe_customer_id == customer_id)
            .execution_options(all_tenants=True)
        ).scalar_one_or_none()


def receive_event(event: Any) -> str:
    """Store a verified event once by its id, with the refresh it is owed; returns the outcome.

    ``duplicate`` (already stored and applied: nothing done), ``ignored`` (a type we do not
    handle), ``unknown_customer``, ``applied`` (the municipality's state re-read from Stripe), or
    ``pending``: stored with its refresh owed (Stripe or the broker could not be reached), which
    :func:`refresh_pending` retries. The event and its pending refresh are one transaction, so a
    2xx is answered only once the refresh is durably queued; Stripe's retry of a pending event
    tries the refresh again instead of being dropped as a duplicate.
    """
    obj = event["data"]["object"]
    customer_id = obj.get("customer") if hasattr(obj, "get") else None
    if event["type"] == "customer.created" or obj.get("object") == "customer":
        customer_id = obj.get("id")
    tenant_id = tenant_for_customer(customer_id) if event["type"] in HANDLED_EVENTS else None
    outcome = (
        "ignored" if event["type"] not in HANDLED_EVENTS else ("pending" if tenant_id else "unknown_customer")
    )
    event_id = str(event["id"])[:255]
    try:
        with db.session.begin_nested():
            db.session.add(
                StripeEvent(
                    id=event_id,
                    type=str(event["type"])[:100],
                    created=int(event.get("created") or 0),
                    subject_tenant_id=tenant_id,
                    outcome=outcome,
                )
            )
    except sa.exc.IntegrityError:
        db.session.rollback()
        stored = db.session.get(StripeEvent, event_id)
        if stored is None or stored.outcome != "pending" or stored.subject_tenant_id is None:
            return "duplicate"
        return "applied" if queue_refresh(stored.subject_tenant_id) and _applied(event_id) else "pending"
    if outcome == "pending":
        audit.record("billing.webhook", tenant_id, {"event": event["id"], "type": event["type"]})
    db.session.commit()  # the event and the refresh it is owed, together
    if outcome == "pending":
        return "applied" if queue_refresh(tenant_id) and _applied(event_id) else "pending"
    return outcome


def _applied(event_id: str) -> bool:
    return (
        db.session.execute(sa.select(StripeEvent.outcome).where(StripeEvent.id == event_id)).scalar()
        == "applied"
    )


# --- what a municipality's admin sees -----------------------------------------------------


def invoices(tenant_id: int, limit: int = 12) -> dict[str, Any]:
    """Upcoming and past invoices from Stripe; empty when billing is off or Stripe is down."""
    with tenant_context(tenant_id):
        billing = db.session.execute(sa.select(TenantBilling)).scalar_one_or_none()
    result: dict[str, Any] = {"past": [], "upcoming": None, "error": None}
    if billing is None or not billing.stripe_customer_id or not enabled():
        return result
    configure()
    try:
        result["past"] = list(stripe.Invoice.list(customer=billing.stripe_customer_id, limit=limit).data)
        if billing.stripe_subscription_id:
            try:
                result["upcoming"] = stripe.Invoice.upcoming(customer=billing.stripe_customer_id)
            except (stripe.InvalidRequestError, AttributeError):
                result["upcoming"] = None  # none due, or a library without the legacy endpoint
    except stripe.StripeError as exc:
        result["error"] = str(exc)
    return result


def portal_url(tenant_id: int, return_url: str) -> str | None:
    """A Stripe customer-portal session, where configured (not offered by localstripe)."""
    if not current_app.config.get("STRIPE_PORTAL_ENABLED") or not enabled():
        return None
    with tenant_context(tenant_id):
        billing = db.session.execute(sa.select(TenantBilling)).scalar_one_or_none()
    if billing is None or not billing.stripe_customer_id:
        return None
    configure()
    session = stripe.billing_portal.Session.create(customer=billing.stripe_customer_id, return_url=return_url)
    return session.url
