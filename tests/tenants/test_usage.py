"""Usage per municipality and day (issue 13 §2): counted on the request path, collected by the
periodic job into tenant_usage_days, listed and exported in the operator console."""

from __future__ import annotations

import csv
import io
import time
import uuid

import pytest

from core.usage import UsageCounters, utc_day


def _collect(app):
    from core.extensions import db
    from tenants import usage

    with app.app_context():
        usage.collect()
        db.session.rollback()


def _today_row(app, tenant):
    import sqlalchemy as sa

    from core.db import tenant_context
    from core.extensions import db
    from tenants.models import TenantUsageDay

    with app.app_context(), tenant_context(tenant.id):
        row = db.session.execute(
            sa.select(TenantUsageDay).where(TenantUsageDay.day == utc_day())
        ).scalar_one()
        db.session.expunge(row)
        db.session.rollback()
    return row


@pytest.fixture
def busy_and_quiet(app, tenant_factory, account_factory, access_token, client_for, sign_in):
    """Two municipalities: one with a signed-in member, API calls, notes and a mail; one with a
    single anonymous request. Counted from a baseline taken after the sign-in."""
    busy = tenant_factory(plugins=["testplugin"], name=f"Busy {uuid.uuid4().hex[:6]}")
    quiet = tenant_factory(plugins=["testplugin"], name=f"Quiet {uuid.uuid4().hex[:6]}")
    staff = account_factory(memberships={busy: "staff"})
    token = access_token(staff, busy)
    browser = sign_in(client_for(busy.primary_host), staff)
    return busy, quiet, staff, token, browser


def test_requests_api_calls_accounts_mail_and_storage_per_municipality(
    app, busy_and_quiet, client_for, mail_outbox
):
    """The job's row for today carries exactly the requests and API calls each host answered
    (health checks aside), the one account that was active, the mail sent in the municipality's
    name, its members, and the rows and bytes of its own tables only."""
    from core.db import tenant_context
    from core.extensions import db
    from core.mail import Mail, send_mail

    busy, quiet, _staff, token, browser = busy_and_quiet
    _collect(app)
    before_busy, before_quiet = _today_row(app, busy), _today_row(app, quiet)

    for _ in range(3):
        assert browser.get("/").status_code == 200
    api = client_for(busy.primary_host)
    for title in ("first", "second"):
        r = api.post(
            "/api/v1/testplugin/notes", json={"title": title}, headers={"Authorization": f"Bearer {token}"}
        )
        assert r.status_code == 201, r.data[:200]
    assert api.get("/healthz").status_code == 200  # not counted
    assert api.get("/static/core/sympraxis.css").status_code == 200  # nor a static file
    assert client_for(quiet.primary_host).get("/").status_code == 200
    with app.app_context(), tenant_context(busy.id):
        send_mail(Mail(to=["someone@example.org"], subject="Agenda", text="See you"))
        db.session.commit()
    assert len(mail_outbox.messages) == 1

    _collect(app)
    row, other = _today_row(app, busy), _today_row(app, quiet)
    assert row.requests - before_busy.requests == 5
    assert row.api_requests - before_busy.api_requests == 2
    assert row.mail_sent - before_busy.mail_sent == 1
    assert row.active_accounts == 1
    assert row.members == 1
    assert row.tables["testplugin_notes"]["rows"] == 2
    assert row.storage_bytes > 0 and row.storage_bytes >= row.tables["testplugin_notes"]["bytes"] > 0
    assert other.requests - before_quiet.requests == 1
    assert other.api_requests == other.mail_sent == other.active_accounts == 0
    assert "testplugin_notes" not in other.tables


def test_an_account_whose_only_request_wrote_is_active(
    app, tenant_factory, account_factory, access_token, client_for, caplog
):
    """The account of a request that committed (its row expired, its session gone by teardown)
    is counted without reloading it, and counting logs no error."""
    import logging

    tenant = tenant_factory(plugins=["testplugin"])
    token = access_token(account_factory(memberships={tenant: "staff"}), tenant)
    caplog.set_level(logging.ERROR, logger="core.usage")
    r = client_for(tenant.primary_host).post(
        "/api/v1/testplugin/notes", json={"title": "only"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 201
    _collect(app)
    row = _today_row(app, tenant)
    assert (row.requests, row.api_requests, row.active_accounts) == (1, 1, 1)
    assert not [r for r in caplog.records if r.name == "core.usage"]


def test_the_job_rewrites_the_day_rather_than_adding_a_row(app, busy_and_quiet):
    import sqlalchemy as sa

    from core.db import tenant_context
    from core.extensions import db
    from tenants.models import TenantUsageDay

    busy, *_rest = busy_and_quiet
    _collect(app)
    _collect(app)
    with app.app_context(), tenant_context(busy.id):
        n = db.session.execute(sa.select(sa.func.count()).select_from(TenantUsageDay)).scalar_one()
        db.session.rollback()
    assert n == 1


def test_attached_files_are_measured_as_such(app, busy_and_quiet, client_for, sign_in, account_factory):
    """A municipality's logo (binary content) counts in its attached-file bytes."""
    from core.db import tenant_context
    from core.extensions import db
    from tenants.models import TenantLogo

    busy, *_rest = busy_and_quiet
    with app.app_context(), tenant_context(busy.id):
        db.session.add(TenantLogo(mimetype="image/png", content=b"\x89PNG" + b"\0" * 4096, sha256="0" * 64))
        db.session.commit()
    _collect(app)
    row = _today_row(app, busy)
    assert row.attachment_bytes >= 4100
    assert row.tables["tenant_logos"]["rows"] == 1


def _order(body: str, *names: str) -> list[int]:
    return [body.index(n) for n in names]


def _all_pages(client, url: str, *names: str) -> str:
    """The console's pages in order, joined, up to the one where every name has appeared (the
    test database holds other tests' municipalities, 50 to a page)."""
    body = ""
    for page in range(1, 200):
        body += client.get(f"{url}&page={page}").get_data(as_text=True)
        if all(n in body for n in names):
            return body
    return body


def test_the_console_lists_municipalities_sortable_by_usage(app, operator_client, busy_and_quiet, client_for):
    busy, quiet, *_rest = busy_and_quiet
    for _ in range(4):
        client_for(busy.primary_host).get("/")
    _collect(app)
    page = operator_client.get("/operator/usage?sort=requests&dir=desc")
    assert page.status_code == 200
    body = _all_pages(operator_client, "/operator/usage?sort=requests&dir=desc", busy.name, quiet.name)
    first, second = _order(body, busy.name, quiet.name)
    assert first < second
    body = _all_pages(operator_client, "/operator/usage?sort=requests&dir=asc", busy.name, quiet.name)
    first, second = _order(body, busy.name, quiet.name)
    assert first > second
    assert 'aria-sort="ascending"' in body
    detail = operator_client.get(f"/operator/tenants/{busy.id}/usage")
    assert detail.status_code == 200
    text = detail.get_data(as_text=True)
    assert "testplugin_notes" in text or "memberships" in text  # the storage by table
    assert f"/operator/tenants/{busy.id}/usage" in operator_client.get(
        f"/operator/tenants/{busy.id}"
    ).get_data(as_text=True)


def test_usage_exports_as_csv(app, operator_client, busy_and_quiet, client_for):
    busy, quiet, *_rest = busy_and_quiet
    for _ in range(2):
        client_for(quiet.primary_host).get("/")
    _collect(app)
    response = operator_client.get("/operator/usage.csv?days=7&sort=storage_bytes")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    by_slug = {r["slug"]: r for r in rows}
    assert by_slug[quiet.slug]["name"] == quiet.name
    assert int(by_slug[quiet.slug]["requests"]) >= 2
    assert int(by_slug[busy.slug]["members"]) == 1
    sizes = [int(r["storage_bytes"] or 0) for r in rows]
    assert sizes == sorted(sizes, reverse=True)
    days = operator_client.get(f"/operator/tenants/{busy.id}/usage.csv?days=1")
    listed = list(csv.DictReader(io.StringIO(days.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["day"] for r in listed] == [utc_day().isoformat()]


def test_a_name_that_looks_like_a_formula_is_exported_as_text(app, operator_client, tenant_factory):
    tenant = tenant_factory(name='=HYPERLINK("http://evil.example")')
    _collect(app)
    text = operator_client.get("/operator/usage.csv?sort=slug&dir=asc").get_data(as_text=True)
    rows = {r["slug"]: r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    assert rows[tenant.slug]["name"].startswith("'=")


@pytest.mark.parametrize(
    "query",
    ["sort=password", "dir=sideways", "days=5", "days=abc", "days=0", "page=-1"],
)
def test_bad_list_arguments_are_a_400_with_a_message(operator_client, query):
    response = operator_client.get(f"/operator/usage?{query}", headers={"Accept-Language": "el"})
    assert response.status_code == 400
    assert "<h1" in response.get_data(as_text=True)


def test_only_operators_see_usage(apex_client, sign_in, account_factory, tenant_factory):
    person = account_factory()
    assert sign_in(apex_client, person).get("/operator/usage").status_code == 403
    assert sign_in(apex_client, person).get("/operator/usage.csv").status_code == 403


# --- the counters' store ----------------------------------------------------------------------


def test_counters_of_two_processes_add_up_in_redis():
    import redis

    prefix = f"sympraxis-usage-test-{uuid.uuid4().hex[:8]}"
    a = UsageCounters("redis://127.0.0.1:6379/0", prefix, flush_seconds=60)
    b = UsageCounters("redis://127.0.0.1:6379/0", prefix, flush_seconds=60)
    try:
        for _ in range(3):
            a.count(7, "requests")
        b.count(7, "requests", 2)
        b.count(8, "api_requests")
        a.active(7, 100)
        b.active(7, 100)
        b.active(7, 101)
        assert a.flush() and b.flush()
        day = UsageCounters("redis://127.0.0.1:6379/0", prefix).read_day(utc_day())
        assert day[7] == {"requests": 5, "active_accounts": 2}
        assert day[8] == {"api_requests": 1}
        client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        assert 0 < client.ttl(f"{prefix}:usage:{utc_day().isoformat()}") <= 8 * 86400
    finally:
        client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


def test_counters_are_kept_while_redis_is_down_and_never_fail_the_caller():
    counters = UsageCounters("redis://127.0.0.1:1/0", "x", flush_seconds=0, retry_after=60)
    counters.count(1, "requests")
    started = time.monotonic()
    assert counters.flush() is False
    counters.count(1, "requests")
    assert counters.flush() is False  # within the retry window: not even tried
    assert time.monotonic() - started < 1.0
    assert counters._counts[(utc_day().isoformat(), 1, "requests")] == 2


def test_the_request_path_only_counts_in_memory(app, client_for, tenant_factory, monkeypatch):
    """Between two flushes a request adds to a dict; the store is written at most every
    USAGE_FLUSH_SECONDS (here: not within the test)."""
    from core.usage import counters

    tenant = tenant_factory()
    store = counters(app)
    monkeypatch.setattr(store, "flush_seconds", 3600)
    monkeypatch.setattr(store, "_last_flush", time.monotonic())
    writes = []
    monkeypatch.setattr(store, "flush", lambda: writes.append(1))
    for _ in range(5):
        client_for(tenant.primary_host).get("/")
    assert writes == []
    assert store._counts[(utc_day().isoformat(), tenant.id, "requests")] == 5


def test_the_command_line_collects_now(app, tenant_factory):
    tenant = tenant_factory()
    result = app.test_cli_runner().invoke(args=["tenants", "usage-collect"])
    assert result.exit_code == 0, result.output
    assert "usage rows written" in result.output
    assert _today_row(app, tenant).members == 0


def test_the_account_is_read_without_reloading_it(app, account_factory):
    """A committed (expired) and detached account, as the request's teardown may hold it after
    its session ended: its id comes from the identity map, no query, no DetachedInstanceError."""
    from flask import g

    from core.accounts.models import Account
    from core.extensions import db
    from core.usage import _account_id

    ref = account_factory()
    with app.test_request_context("/"):
        account = db.session.get(Account, ref.id)
        db.session.commit()  # expires it
        db.session.expunge(account)
        g._login_user = account
        assert _account_id() == ref.id
        g._login_user = None
        assert _account_id() is None


def test_storage_is_measured_in_the_tables_this_database_holds(tmp_path):
    """A plugin's models imported in the process (another app of the same process loads it) but not
    loaded by this instance have no table here: the demo's first usage collection failed with
    'no such table: testplugin_notes' when the test plugin had been imported before it."""
    import subprocess
    import sys

    code = (
        "import sympraxis_testplugin.models\n"  # in the shared metadata, never migrated here
        "from core.cli import main\n"
        "main(['demo', '--no-serve'])\n"
    )
    env = {
        **__import__("os").environ,
        "SYMPRAXIS_INSTANCE_PATH": str(tmp_path),
        "SYMPRAXIS_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/usage.db",
        "SYMPRAXIS_ARGON2_PARAMETERS": '{"time_cost": 1, "memory_cost": 8, "parallelism": 1}',
    }
    env.pop("SYMPRAXIS_SECRET_KEY", None)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert "Sympraxis demo seeded" in done.stdout
