"""Stripe billing with the real ``stripe`` library against localstripe on a loopback port.

Not exercised offline (localstripe lacks it, see tenants/billing.py): subscriptions with more
than one item (so a paid plugin's item being added or removed), ``collection_method=send_invoice``
with ``days_until_due`` on subscriptions, and the customer portal. What a paid plugin adds is
checked on the desired item list the sync sends.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
import stripe

from core.db import tenant_context
from core.extensions import db
from core.tenancy import Tenant
from tenants import billing, services
from tenants.models import AuditEvent, BillingCatalogEntry, StripeEvent, TenantBilling
from tests.tenants.conftest import count_rows

WEBHOOK_SECRET = "whsec_test_" + uuid.uuid4().hex


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_url():
    """localstripe (a fake, stateful Stripe) started on a free loopback port for the session."""
    port = _free_port()
    exe = os.path.join(os.path.dirname(sys.executable), "localstripe")
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--from-scratch"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("localstripe did not start")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(5)


@pytest.fixture
def stripe_on(app, localstripe_url):
    """Billing configured against localstripe for this test (grace period 14 days)."""
    keys = {
        "STRIPE_SECRET_KEY": "sk_test_local",
        "STRIPE_API_BASE": localstripe_url,
        "STRIPE_LOCALSTRIPE_COMPAT": True,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "BILLING_GRACE_DAYS": 14,
    }
    saved = {k: app.config.get(k) for k in keys}
    app.config.update(keys)
    stripe.api_key, stripe.api_base = keys["STRIPE_SECRET_KEY"], localstripe_url
    yield app
    app.config.update(saved)


def _onboard(app, collection_method="charge_automatically", plugins=()):
    slug = f"bill-{uuid.uuid4().hex[:8]}"
    with app.test_request_context("/"):
        tenant = services.onboard(
            services.Onboarding(
                slug=slug,
                name=f"Billing {slug}",
                country="RO",
                default_locale="ro",
                locales=["ro", "en"],
                timezone="Europe/Bucharest",
                plan="starter",
                admin_email=f"admin@{slug}.example",
                billing_email=f"finance@{slug}.example",
                collection_method=collection_method,
                days_until_due=30 if collection_method == "send_invoice" else None,
                allowed_plugins=list(plugins),
                enabled_plugins=list(plugins),
            )
        )
        db.session.commit()
        return tenant.id


def _billing(app, tenant_id) -> TenantBilling:
    with app.app_context(), tenant_context(tenant_id):
        row = db.session.execute(sa.select(TenantBilling)).scalar_one()
        db.session.expunge(row)
        return row


def _status(app, tenant_id) -> str:
    with app.app_context():
        return db.session.get(Tenant, tenant_id).status


def _sync(app, tenant_id):
    with app.test_request_context("/"):
        billing.queue_sync(tenant_id)  # JOBS_INLINE: runs now
    return _billing(app, tenant_id)


def _add_card(customer_id, number="4242424242424242"):
    token = stripe.Token.create(card={"number": number, "exp_month": 12, "exp_year": 2035, "cvc": "123"})
    source = stripe.Customer.create_source(customer_id, source=token.id)
    stripe.Customer.modify(customer_id, default_source=source.id)


def _signed(payload: dict, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[bytes, str]:
    """A webhook body and its Stripe-Signature header, made with Stripe's scheme."""
    body = json.dumps(payload).encode()
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={ts},v1={mac}"


def _event(type_: str, customer: str | None, event_id: str | None = None, created: int | None = None) -> dict:
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": type_,
        "created": created or int(time.time()),
        "api_version": "2024-06-20",
        "data": {"object": {"object": "invoice", "id": f"in_{uuid.uuid4().hex[:12]}", "customer": customer}},
    }


def _post(client, payload, **kw):
    body, header = _signed(payload, **kw)
    return client.post(
        "/billing/stripe/webhook",
        data=body,
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )


# --- catalogue and sync ------------------------------------------------------------------------


def test_sync_catalog_command(stripe_on):
    runner = stripe_on.test_cli_runner()
    result = runner.invoke(args=["billing", "sync-catalog"])
    assert result.exit_code == 0, result.output
    assert "plan:starter" in result.output
    with stripe_on.app_context():
        entry = db.session.get(BillingCatalogEntry, "plan:starter")
        plan = stripe.Plan.retrieve(entry.stripe_price_id)
        assert plan.amount == 9900 and plan.currency == "eur" and plan.interval == "month"
    again = runner.invoke(args=["billing", "sync-catalog"])
    assert "plan:starter" in again.output and "created" not in again.output
    stripe_on.config["BILLING_PLUGIN_PRICES"] = {"hearings": 5900}
    try:
        repriced = runner.invoke(args=["billing", "sync-catalog"])
        assert "plugin:hearings" in repriced.output and "repriced" in repriced.output
    finally:
        stripe_on.config.pop("BILLING_PLUGIN_PRICES")


def test_paid_plugins_are_subscription_items(stripe_on):
    stripe_on.config["BILLING_PLUGIN_PRICES"] = {"testplugin": 1500}
    try:
        tenant_id = _onboard(stripe_on, plugins=["testplugin"])
        with stripe_on.app_context():
            assert billing.desired_items(tenant_id) == ["plan:starter", "plugin:testplugin"]
    finally:
        stripe_on.config.pop("BILLING_PLUGIN_PRICES")
    with stripe_on.app_context():
        assert billing.desired_items(tenant_id) == ["plan:starter"]  # free again: no item


def test_modules_switched_on_the_command_line_are_billed_and_audited(stripe_on):
    """``sympraxis plugins enable|disable`` syncs the municipality's subscription as the console does
    (localstripe holds one item per subscription, so the sync itself is what is observed; the items
    a paid module adds are ``desired_items``, tested above), and is audited as the command line."""
    runner = stripe_on.test_cli_runner()
    tenant_id = _onboard(stripe_on, plugins=["testplugin"])
    _add_card(_sync(stripe_on, tenant_id).stripe_customer_id)
    synced = _sync(stripe_on, tenant_id)
    assert synced.sync_state == "synced", synced.sync_error
    with stripe_on.app_context():
        slug = db.session.get(Tenant, tenant_id).slug
    for action in ("disable", "enable"):
        result = runner.invoke(args=["plugins", action, slug, "testplugin"])
        assert result.exit_code == 0, result.output
        row = _billing(stripe_on, tenant_id)
        assert row.sync_state == "synced" and row.synced_at > synced.synced_at, action
        synced = row
    with stripe_on.app_context():
        events = db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.details)
            .where(AuditEvent.subject_tenant_id == tenant_id, AuditEvent.action.like("module.%"))
            .order_by(AuditEvent.id)
        ).all()
    assert [(e.action, e.actor_id, e.details) for e in events] == [
        ("module.disabled", None, {"plugin": "testplugin", "via": "command line"}),
        ("module.enabled", None, {"plugin": "testplugin", "via": "command line"}),
    ]


def test_customer_and_subscription(stripe_on, operator_client):
    tenant_id = _onboard(stripe_on)
    row = _sync(stripe_on, tenant_id)
    # a card customer without a card: Stripe refuses the subscription; onboarding stood, "not synced" shows
    assert row.stripe_customer_id and row.sync_state == "failed" and row.stripe_subscription_id is None
    page = operator_client.get(f"/operator/tenants/{tenant_id}").get_data(as_text=True)
    assert "not synced" in page
    customer = stripe.Customer.retrieve(row.stripe_customer_id)
    assert customer.metadata["tenant_id"] == str(tenant_id)
    _add_card(row.stripe_customer_id)
    assert operator_client.post(f"/operator/tenants/{tenant_id}/billing/sync").status_code == 302
    row = _billing(stripe_on, tenant_id)
    assert row.sync_state == "synced" and row.state == "active" and row.stripe_subscription_id
    subscription = stripe.Subscription.retrieve(row.stripe_subscription_id)
    assert [i["plan"]["amount"] for i in subscription["items"]["data"]] == [9900]
    assert "paid" in {i.status for i in stripe.Invoice.list(customer=row.stripe_customer_id).data}


def test_stripe_unreachable_never_blocks_onboarding(stripe_on, client_for, operator_token, onboarding_form):
    stripe_on.config["STRIPE_API_BASE"] = f"http://127.0.0.1:{_free_port()}"  # nothing listens
    payload = onboarding_form()
    payload["days_until_due"] = 30
    r = client_for("localhost").post(
        "/api/v1/operator/tenants", json=payload, headers={"Authorization": f"Bearer {operator_token}"}
    )
    assert r.status_code == 201, r.get_data(as_text=True)
    # the sync is a job that leaves after the onboarding commits (issue 10 item 19): the answer
    # says it is queued; the job then fails against the unreachable Stripe and says so
    assert r.json["billing_sync"] == "pending"
    assert _billing(stripe_on, r.json["id"]).sync_state == "failed"


# --- webhooks -----------------------------------------------------------------------------------


@pytest.fixture
def paying_tenant(stripe_on):
    tenant_id = _onboard(stripe_on)
    row = _sync(stripe_on, tenant_id)
    _add_card(row.stripe_customer_id)
    row = _sync(stripe_on, tenant_id)
    assert row.state == "active"
    return tenant_id, row.stripe_customer_id


def test_valid_event_is_stored_and_applied(stripe_on, client_for, paying_tenant):
    tenant_id, customer = paying_tenant
    event = _event("invoice.paid", customer)
    r = _post(client_for("localhost"), event)
    assert r.status_code == 200 and r.json["outcome"] == "applied"
    assert count_rows(stripe_on, StripeEvent, id=event["id"], subject_tenant_id=tenant_id) == 1


def test_bad_signature_is_refused_and_nothing_stored(stripe_on, client_for, paying_tenant):
    _tid, customer = paying_tenant
    event = _event("invoice.paid", customer)
    r = _post(client_for("localhost"), event, secret="whsec_wrong")
    assert r.status_code == 400 and r.mimetype == "application/problem+json"
    body, header = _signed(event)
    r = client_for("localhost").post(
        "/billing/stripe/webhook", data=body + b" ", headers={"Stripe-Signature": header}
    )
    assert r.status_code == 400  # the raw body is what is signed
    r = client_for("localhost").post("/billing/stripe/webhook", data=body)
    assert r.status_code == 400
    assert count_rows(stripe_on, StripeEvent, id=event["id"]) == 0


def test_stale_timestamp_is_refused(stripe_on, client_for, paying_tenant):
    _tid, customer = paying_tenant
    event = _event("invoice.paid", customer)
    r = _post(client_for("localhost"), event, timestamp=int(time.time()) - 3600)
    assert r.status_code == 400
    assert count_rows(stripe_on, StripeEvent, id=event["id"]) == 0


def test_replayed_event_is_applied_once(stripe_on, client_for, paying_tenant):
    tenant_id, customer = paying_tenant
    event = _event("invoice.payment_failed", customer)
    first = _post(client_for("localhost"), event)
    second = _post(client_for("localhost"), event)  # same id, freshly signed: a replay
    assert first.json["outcome"] == "applied" and second.json["outcome"] == "duplicate"
    assert count_rows(stripe_on, StripeEvent, id=event["id"]) == 1
    with stripe_on.app_context():
        applied = db.session.execute(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "billing.webhook", AuditEvent.subject_tenant_id == tenant_id)
        ).scalar_one()
    assert applied == 1


def test_out_of_order_events_end_in_stripes_state(stripe_on, client_for, paying_tenant):
    tenant_id, customer = paying_tenant
    now = int(time.time())
    older_failure = _event("invoice.payment_failed", customer, created=now - 600)
    newer_payment = _event("invoice.paid", customer, created=now - 60)
    _post(client_for("localhost"), newer_payment)
    _post(client_for("localhost"), older_failure)  # arrives last, but Stripe says the subscription is active
    assert _billing(stripe_on, tenant_id).state == "active"
    assert _status(stripe_on, tenant_id) == "active"


def test_unknown_type_is_acknowledged_and_ignored(stripe_on, client_for, paying_tenant):
    tenant_id, customer = paying_tenant
    event = _event("charge.dispute.funds_reinstated", customer)
    r = _post(client_for("localhost"), event)
    assert r.status_code == 200 and r.json["outcome"] == "ignored"
    assert count_rows(stripe_on, StripeEvent, id=event["id"], outcome="ignored") == 1
    assert _billing(stripe_on, tenant_id).state == "active"


def test_grace_period_then_read_only_and_payment_restores(stripe_on, client_for, tenant_client):
    stripe_on.config["BILLING_GRACE_DAYS"] = 0
    tenant_id = _onboard(stripe_on)
    row = _sync(stripe_on, tenant_id)
    _add_card(row.stripe_customer_id, number="4000000000000341")  # attaches, then every charge fails
    row = _sync(stripe_on, tenant_id)
    assert row.state == "past_due"  # the first invoice failed: Stripe says "incomplete"
    assert _status(stripe_on, tenant_id) == "suspended" and row.suspended_for_billing
    with stripe_on.app_context():
        slug = db.session.get(Tenant, tenant_id).slug
    client = client_for(f"{slug}.localhost")
    assert client.get("/").status_code == 200  # readable
    assert client.post("/auth/signout").status_code == 403  # not writable
    # the municipality pays: a working card, the open invoice paid, Stripe tells us
    _add_card(row.stripe_customer_id)
    for invoice in stripe.Invoice.list(customer=row.stripe_customer_id).data:
        if invoice.status == "open":
            stripe.Invoice.pay(invoice.id)
    r = _post(client_for("localhost"), _event("invoice.paid", row.stripe_customer_id))
    assert r.json["outcome"] == "applied"
    assert _billing(stripe_on, tenant_id).state == "active"
    assert _status(stripe_on, tenant_id) == "active"


def test_grace_period_not_over_keeps_it_writable(stripe_on):
    tenant_id = _onboard(stripe_on)
    row = _sync(stripe_on, tenant_id)
    _add_card(row.stripe_customer_id, number="4000000000000341")
    row = _sync(stripe_on, tenant_id)
    assert row.state == "past_due" and row.past_due_since is not None
    assert _status(stripe_on, tenant_id) == "active"
    with stripe_on.app_context():
        assert billing.enforce_all() == 0


def test_webhook_is_apex_only_and_off_without_secret(stripe_on, client_for, tenant_factory):
    t = tenant_factory()
    body, header = _signed(_event("invoice.paid", "cus_x"))
    assert (
        client_for(f"{t.slug}.localhost")
        .post("/billing/stripe/webhook", data=body, headers={"Stripe-Signature": header})
        .status_code
        == 404
    )
    stripe_on.config["STRIPE_WEBHOOK_SECRET"] = None
    assert (
        client_for("localhost")
        .post("/billing/stripe/webhook", data=body, headers={"Stripe-Signature": header})
        .status_code
        == 404
    )


# --- a real Celery worker -------------------------------------------------------------------------


def test_billing_job_runs_in_a_celery_worker(stripe_on, make_app, sympraxis_config, localstripe_url):
    """The sync job goes through Redis to a real worker process, which writes the result."""
    from core.jobs import celery_app

    tenant_id = _onboard(stripe_on)
    row = _sync(stripe_on, tenant_id)  # inline: the customer exists, the subscription waits for a card
    _add_card(row.stripe_customer_id)
    queue = f"sympraxis-test-{uuid.uuid4().hex[:8]}"
    broker = "redis://127.0.0.1:6379/0"
    overrides = {
        "JOBS_INLINE": False,
        "CELERY_BROKER_URL": broker,
        "STRIPE_SECRET_KEY": "sk_test_local",
        "STRIPE_API_BASE": localstripe_url,
        "STRIPE_LOCALSTRIPE_COMPAT": True,
    }
    sender = make_app(**overrides)
    celery_app(sender).conf.task_default_queue = queue
    env = dict(os.environ)
    env.update(
        {
            "SYMPRAXIS_SQLALCHEMY_DATABASE_URI": sympraxis_config["SQLALCHEMY_DATABASE_URI"],
            "SYMPRAXIS_SYMPRAXIS_PLUGIN_GROUPS": json.dumps(sympraxis_config["SYMPRAXIS_PLUGIN_GROUPS"]),
            "SYMPRAXIS_PLATFORM_APEX": "localhost",
            "SYMPRAXIS_JOBS_INLINE": "false",
            "SYMPRAXIS_CELERY_BROKER_URL": broker,
            "SYMPRAXIS_STRIPE_SECRET_KEY": "sk_test_local",
            "SYMPRAXIS_STRIPE_API_BASE": localstripe_url,
            "SYMPRAXIS_STRIPE_LOCALSTRIPE_COMPAT": "true",
            "SYMPRAXIS_TEST_QUEUE": queue,
            "SYMPRAXIS_SECRET_KEY": sympraxis_config["SECRET_KEY"],
        }
    )
    exe = os.path.join(os.path.dirname(sys.executable), "celery")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    worker = subprocess.Popen(
        [
            exe,
            "-A",
            "tests.tenants.celery_worker",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--loglevel=warning",
        ],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        with sender.test_request_context("/"):
            billing.queue_sync(tenant_id)  # marks "pending" and sends the task
        assert _billing(stripe_on, tenant_id).sync_state == "pending"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _billing(stripe_on, tenant_id).sync_state == "pending":
            assert worker.poll() is None, worker.stdout.read().decode()
            time.sleep(0.3)
        row = _billing(stripe_on, tenant_id)
        assert row.sync_state == "synced" and row.state == "active" and row.stripe_subscription_id
    finally:
        worker.terminate()
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()


def test_admin_billing_page_shows_plan_items_and_invoices(
    stripe_on, paying_tenant, client_for, sign_in, account_factory
):
    tenant_id, customer = paying_tenant
    with stripe_on.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        slug = tenant.slug
        db.session.expunge(tenant)
    admin = account_factory(memberships={tenant: "admin"})
    page = sign_in(client_for(f"{slug}.localhost"), admin).get("/admin/billing?lang=en")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    # each item by its name, as the municipality's finance office reads it (not ``plan:starter``)
    assert "Starter (up to 20,000 inhabitants)" in body and "plan:starter" not in body
    assert "99.00" in body and ">paid<" in body


def test_out_of_order_the_other_way(stripe_on, client_for):
    """Stripe says overdue; a stale "paid" event arriving last does not make it paid."""
    tenant_id = _onboard(stripe_on)
    row = _sync(stripe_on, tenant_id)
    _add_card(row.stripe_customer_id, number="4000000000000341")
    row = _sync(stripe_on, tenant_id)
    assert row.state == "past_due"
    now = int(time.time())
    _post(client_for("localhost"), _event("invoice.payment_failed", row.stripe_customer_id, created=now - 60))
    _post(client_for("localhost"), _event("invoice.paid", row.stripe_customer_id, created=now - 600))
    assert _billing(stripe_on, tenant_id).state == "past_due"


def test_sync_pending_command(stripe_on):
    stripe_on.config["BILLING_DEFER_SYNC"] = True
    try:
        tenant_id = _onboard(stripe_on)
        with stripe_on.test_request_context("/"):
            from tenants.services import after_onboarding

            after_onboarding(tenant_id)  # deferred: nothing happens
        assert _billing(stripe_on, tenant_id).sync_state == "pending"
    finally:
        stripe_on.config.pop("BILLING_DEFER_SYNC")
    result = stripe_on.test_cli_runner().invoke(args=["billing", "sync", "--pending"])
    assert result.exit_code == 0, result.output
    row = _billing(stripe_on, tenant_id)
    assert row.sync_state == "failed" and row.stripe_customer_id  # a card customer without a card yet


def test_webhook_needs_no_csrf_token_but_forms_do(make_app, sign_in, operator):
    """With CSRF protection on (tests turn it off elsewhere): the signed webhook is exempt, the
    operator's forms are not."""
    from core.testing.pytest_plugin import HostClient

    app = make_app(WTF_CSRF_ENABLED=True, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    app.test_client_class = HostClient
    body, header = _signed(_event("customer.source.expiring", "cus_unknown"))
    r = app.test_client().post("/billing/stripe/webhook", data=body, headers={"Stripe-Signature": header})
    assert r.status_code == 200 and r.json["outcome"] == "ignored"
    client = sign_in(app.test_client(), operator)
    assert client.post("/operator/tenants/new", data={"slug": "x"}).status_code == 400


def test_the_stripe_library_loads_only_when_billing_needs_it(tmp_path):
    """A web worker starts without the stripe library (half its start-up heap); billing loads it."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from core.app import create_app\n"
        f"app = create_app({{'SECRET_KEY': 'x' * 32, 'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/s.db'}})\n"
        "assert 'stripe' not in sys.modules, 'stripe imported at start'\n"
        "from tenants import billing\n"
        "with app.app_context():\n"
        "    app.config['STRIPE_SECRET_KEY'] = 'sk_test_x'\n"
        "    billing.configure()\n"
        "import stripe\n"
        "assert stripe.api_key == 'sk_test_x' and billing.stripe is stripe\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


# --- Stripe down when an event arrives -------------------------------------------------------------


class StoppableStripe:
    """The Stripe API the application talks to, on a port of its own that can be stopped and started.

    A TCP relay to the session's localstripe: ``stop()`` closes the port and drops every
    connection (the application gets "connection refused", as from a stopped server), ``start()``
    opens the same port again. localstripe keeps its state meanwhile, as Stripe does.
    """

    def __init__(self, target_url: str):
        self.target = urlsplit(target_url).port
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: socket.socket | None = None
        self._sockets: list[socket.socket] = []

    def start(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        server.settimeout(0.1)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while self._server is server:
            try:
                client, _addr = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            upstream = socket.create_connection(("127.0.0.1", self.target))
            self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for s in self._sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self._sockets.clear()


@pytest.fixture
def stoppable_stripe(stripe_on, localstripe_url):
    relay = StoppableStripe(localstripe_url)
    relay.start()
    yield relay
    relay.stop()


def test_an_event_whose_re_read_fails_is_applied_once_stripe_is_back(
    stripe_on, client_for, paying_tenant, stoppable_stripe
):
    """Issue 10 item 9: the event was stored as ``applied`` before the re-read from Stripe; with
    Stripe down the webhook answered 500 and Stripe's retry was dropped as a duplicate, so a
    cancelled municipality stayed ``active``. Now the event is stored with its refresh owed (2xx
    only once that is committed), a retry tries again, and the sweeper applies it once Stripe is
    back."""
    tenant_id, customer = paying_tenant
    subscription_id = _billing(stripe_on, tenant_id).stripe_subscription_id
    stripe.Subscription.cancel(subscription_id)  # cancelled at Stripe (straight to localstripe)
    stripe_on.config["STRIPE_API_BASE"] = stoppable_stripe.url  # the application's way to Stripe
    stoppable_stripe.stop()
    event = _event("customer.subscription.deleted", customer)
    event["data"]["object"] = {"object": "subscription", "id": subscription_id, "customer": customer}

    first = _post(client_for("localhost"), event)
    assert first.status_code == 200 and first.json["outcome"] == "pending"
    assert count_rows(stripe_on, StripeEvent, id=event["id"], outcome="pending") == 1
    assert _billing(stripe_on, tenant_id).state == "active"  # not re-read yet: Stripe is down
    retry = _post(client_for("localhost"), event)  # Stripe's retry: still owed, not dropped
    assert retry.status_code == 200 and retry.json["outcome"] == "pending"
    with stripe_on.app_context():
        assert billing.refresh_pending()["failed"] >= 1  # the sweeper while Stripe is still down
        db.session.remove()
    assert count_rows(stripe_on, StripeEvent, id=event["id"], outcome="pending") == 1

    stoppable_stripe.start()  # Stripe is back
    result = stripe_on.test_cli_runner().invoke(args=["billing", "refresh-pending"])
    assert result.exit_code == 0, result.output
    row = _billing(stripe_on, tenant_id)
    assert row.state == "canceled"  # the municipality's state is Stripe's
    assert count_rows(stripe_on, StripeEvent, id=event["id"], outcome="applied") == 1
    # applied now: a further retry is the duplicate it is
    assert _post(client_for("localhost"), event).json["outcome"] == "duplicate"


def test_an_event_is_left_pending_when_the_broker_is_down(stripe_on, client_for, paying_tenant):
    """Issue 10 item 9: with jobs sent to Celery and the broker not listening, the webhook answered
    500 after storing the event as applied; it answers 2xx with the refresh pending in our own
    table, and the sweeper applies it."""
    tenant_id, customer = paying_tenant
    stripe_on.config.update(
        JOBS_INLINE=False,
        CELERY_BROKER_URL=f"redis://127.0.0.1:{_free_port()}/0",  # nothing listens
    )
    stripe_on.extensions.pop("celery", None)
    try:
        event = _event("invoice.payment_failed", customer)
        response = _post(client_for("localhost"), event)
    finally:
        stripe_on.config.update(JOBS_INLINE=True, CELERY_BROKER_URL="redis://127.0.0.1:6379/0")
        stripe_on.extensions.pop("celery", None)
    assert response.status_code == 200 and response.json["outcome"] == "pending"
    assert count_rows(stripe_on, StripeEvent, id=event["id"], outcome="pending") == 1
    with stripe_on.app_context():
        billing.refresh_pending()
        db.session.remove()
    assert count_rows(stripe_on, StripeEvent, id=event["id"], outcome="applied") == 1
    assert _billing(stripe_on, tenant_id).state == "active"  # what Stripe says now


def test_the_sweeper_is_scheduled_for_celery_beat(make_app):
    """Issue 10 item 9: the periodic sweeper that retries pending refreshes runs under beat."""
    from core.jobs import _JOBS, celery_app

    app = make_app(JOBS_INLINE=False)
    entry = celery_app(app).conf.beat_schedule["tenants.billing_refresh_pending"]
    assert entry["args"][0] == "tenants.billing_refresh_pending" and entry["args"][0] in _JOBS
