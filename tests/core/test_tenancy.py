"""The first wall (ORM), host resolution, its cache, and slugs (issue 3: c, d, f and DESIGN §3)."""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa

from core.db import CrossTenantWrite, TenantNotActive, cross_tenant_read, tenant_context
from core.extensions import db
from core.tenancy import (
    RESERVED_SLUGS,
    DomainKind,
    SlugError,
    TenantDomain,
    TenantStatus,
    invalidate_tenant_cache,
    normalise_host,
    utcnow,
    validate_slug,
)
from core.testing.isolation import assert_list_isolated, assert_route_isolated

SUSPENDED_MESSAGE = "is suspended: its pages can be read, but nothing can be changed."


def _set_status(app, slug: str, status: TenantStatus) -> None:
    from core.tenant_admin import set_status

    with app.app_context():
        set_status(slug, status)
        db.session.commit()


# --- (c) the ORM wall fails closed ------------------------------------------------------------


def _statements():
    from sympraxis_testplugin.models import Note

    from core.tenancy import Tenant

    return {
        "select entity": sa.select(Note),
        "select column": sa.select(Note.title),
        "count select_from": sa.select(sa.func.count()).select_from(Note),
        "join": sa.select(Tenant.slug).join(Note, Note.tenant_id == Tenant.id),
        "subquery": sa.select(Tenant.slug).where(Tenant.id.in_(sa.select(Note.tenant_id))),
        "exists": sa.select(sa.exists().where(Note.title == "x")),
        "update": sa.update(Note).values(body="x"),
        "delete": sa.delete(Note).where(Note.title == "nothing"),
        "insert": sa.insert(Note).values(
            tenant_id=1, id=uuid.uuid4(), title="x", body="", created_at=utcnow()
        ),
    }


@pytest.mark.parametrize("kind", list(_statements()))
def test_tenant_owned_statement_without_tenant_raises(app_ctx, pair, kind):
    with pytest.raises(TenantNotActive):
        db.session.execute(_statements()[kind])
    db.session.rollback()


@pytest.mark.parametrize("kind", ["select column", "count select_from", "join", "subquery"])
def test_tenant_criterion_reaches_joins_and_subqueries(app_ctx, pair, kind):
    """With tenant A active, A's rows only, wherever the tenant-owned table sits in the statement."""
    a, b, titles, _ids = pair
    stmt = _statements()[kind]
    with tenant_context(a):
        rows = db.session.execute(stmt).all()
    db.session.rollback()
    if kind == "select column":
        assert [r[0] for r in rows] == [titles[a.id]]
    elif kind == "count select_from":
        assert rows == [(1,)]
    else:
        assert [r[0] for r in rows] == [a.slug]


def test_tenant_criterion_holds_without_rls(app, tenant_factory, tmp_path, make_app):
    """On SQLite (the demo database, no RLS) the ORM wall alone keeps tenants apart."""
    from sympraxis_testplugin.models import Note

    from core.tenant_admin import NewTenant, create_tenant

    lite = make_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/wall.db",
        MIGRATIONS_DATABASE_URI=None,
        APP_DB_ROLE=None,
        SQLALCHEMY_ENGINE_OPTIONS={},
    )
    with lite.app_context():
        a = create_tenant(NewTenant(slug="wall-a", name="A", country="GR", default_locale="en"))
        b = create_tenant(NewTenant(slug="wall-b", name="B", country="GR", default_locale="en"))
        note_ids = {}
        for t in (a, b):
            with tenant_context(t.id):
                note = Note(title=f"n{t.slug}")
                db.session.add(note)
                db.session.flush()
                note_ids[t.id] = note.id
        db.session.commit()
        with tenant_context(a.id):
            assert db.session.execute(sa.select(sa.func.count()).select_from(Note)).scalar_one() == 1
            assert db.session.execute(sa.select(Note.title)).scalars().all() == ["nwall-a"]
            assert db.session.execute(sa.update(Note).values(body="x")).rowcount == 1
            assert db.session.execute(sa.delete(Note).where(Note.title == "nwall-b")).rowcount == 0
        # one statement, compiled once and cached, alternating tenants: each execution sees the
        # tenant active when it runs (the criterion's value is bound per execution)
        stmt = sa.select(Note.title)
        ab, ba = (a.id, a.slug, b.id), (b.id, b.slug, a.id)
        for own, slug, other in (ab, ba, ab, ba, ba, ab):
            db.session.expunge_all()  # no identity-map shortcut: every read goes to the database
            with tenant_context(own):
                assert db.session.execute(stmt).scalars().all() == [f"n{slug}"]
                assert db.session.get(Note, (own, note_ids[own])).title == f"n{slug}"
                assert db.session.get(Note, (other, note_ids[other])) is None
        # the opt-in reads everything (no RLS here): a reviewed, explicit place
        everything = db.session.execute(sa.select(Note.title).execution_options(all_tenants=True)).scalars()
        assert sorted(everything) == ["nwall-a", "nwall-b"]
        db.session.rollback()


def test_all_tenants_opt_in_with_cross_tenant_read(app_ctx, pair):
    from sympraxis_testplugin.models import Note

    a, b, titles, _ids = pair
    with cross_tenant_read():
        rows = db.session.execute(
            sa.select(Note.title).where(Note.tenant_id.in_([a.id, b.id])).execution_options(all_tenants=True)
        ).scalars()
        assert sorted(rows) == sorted(titles.values())
    db.session.rollback()


def test_flush_of_another_tenants_row_raises(app_ctx, pair):
    from sympraxis_testplugin.models import Note

    a, b, _titles, ids = pair
    with tenant_context(b):
        note_b = db.session.get(Note, (b.id, uuid.UUID(ids[b.id])))
        assert note_b is not None
    with tenant_context(a):
        # not even visible from A
        assert db.session.execute(sa.select(Note).where(Note.id == uuid.UUID(ids[b.id]))).first() is None
        note_b.title = "changed from A"
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
    db.session.rollback()
    with tenant_context(a):
        db.session.add(Note(tenant_id=b.id, title="planted in B"))
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
    db.session.rollback()
    with tenant_context(b):
        note_b = db.session.get(Note, (b.id, uuid.UUID(ids[b.id])))
    with tenant_context(a):
        db.session.delete(note_b)
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
    db.session.rollback()
    # and a new row with no tenant active is refused, not written with a NULL tenant
    db.session.add(Note(title="orphan"))
    with pytest.raises(TenantNotActive):
        db.session.flush()
    db.session.rollback()


def test_new_rows_are_stamped_with_the_active_tenant(app_ctx, pair):
    from sympraxis_testplugin.models import Note

    a, *_ = pair
    with tenant_context(a):
        note = Note(title="stamped")
        db.session.add(note)
        db.session.flush()
        assert note.tenant_id == a.id
    db.session.rollback()


# --- (d) one pooled connection, two tenants ---------------------------------------------------


def test_one_connection_pool_alternating_tenants(make_app, pair, account_factory, access_token, client_for):
    one = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0})
    a, b, titles, _ids = pair
    with one.app_context():
        assert db.engine.pool.size() == 1
    staff = account_factory(memberships={a: "staff", b: "staff"})
    tokens = {a.id: access_token(staff, a), b.id: access_token(staff, b)}
    one.test_client_class = type(client_for("x"))
    clients = {}
    for t in (a, b):
        c = one.test_client()
        c.host = f"{t.slug}.localhost"
        clients[t.id] = c
    expected = {a.id: {titles[a.id]}, b.id: {titles[b.id]}}
    for round_ in range(6):
        for t, other in ((a, b), (b, a)):
            c = clients[t.id]
            api = c.get("/api/v1/testplugin/notes")
            assert api.status_code == 200
            assert {n["title"] for n in api.json} == expected[t.id], round_
            assert_list_isolated(c, "/testplugin/", present=expected[t.id], absent=expected[other.id])
            if round_ % 2 == 0:  # writes alternate too, through the same connection
                title = f"r{round_}-{t.slug}"
                created = c.post(
                    "/api/v1/testplugin/notes",
                    json={"title": title},
                    headers={"Authorization": f"Bearer {tokens[t.id]}"},
                )
                assert created.status_code == 201, created.get_data(as_text=True)
                expected[t.id].add(title)
            # the single connection goes back to the pool with no tenant left on it
            with one.app_context(), db.engine.connect() as raw:
                setting = raw.exec_driver_sql("SELECT current_setting('app.tenant_id', true)").scalar()
                visible = raw.exec_driver_sql("SELECT count(*) FROM testplugin_notes").scalar()
            assert setting in (None, ""), setting
            assert visible == 0


def test_one_connection_pool_concurrent_tenants(make_app, pair, client_for):
    """Two threads, two tenants, one pooled connection: every answer holds only its tenant's rows."""
    one = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0, "pool_timeout": 30})
    a, b, titles, _ids = pair
    one.test_client_class = type(client_for("x"))
    failures: list[str] = []

    def worker(t):
        c = one.test_client()
        c.host = f"{t.slug}.localhost"
        for i in range(15):
            r = c.get("/api/v1/testplugin/notes")
            got = {n["title"] for n in r.json} if r.status_code == 200 else r.status_code
            if got != {titles[t.id]}:
                failures.append(f"{t.slug} request {i}: {got}")

    threads = [threading.Thread(target=worker, args=(t,)) for t in (a, b)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not failures


# --- (f) another tenant's id on this host -------------------------------------------------------


def test_other_tenants_id_is_404_on_html_and_api(pair, tenant_client):
    a, b, titles, ids = pair
    ca, cb = tenant_client(a), tenant_client(b)
    assert_route_isolated(cb, ca, f"/testplugin/{ids[b.id]}", secret=titles[b.id])
    assert_route_isolated(cb, ca, f"/api/v1/testplugin/notes/{ids[b.id]}", secret=titles[b.id])
    assert_route_isolated(ca, cb, f"/api/v1/testplugin/notes/{ids[a.id]}", secret=titles[a.id])
    missing = ca.get(f"/api/v1/testplugin/notes/{ids[b.id]}")
    assert missing.mimetype == "application/problem+json"
    assert missing.json["status"] == 404


def test_route_check_fails_when_a_route_leaks(pair, tenant_client):
    """assert_route_isolated is not vacuous: the same host twice is reported."""
    a, _b, titles, ids = pair
    with pytest.raises(AssertionError, match="another tenant's host answered 200"):
        assert_route_isolated(tenant_client(a), tenant_client(a), f"/testplugin/{ids[a.id]}")


# --- host resolution --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Orestiada.LOCALHOST:5000", "orestiada.localhost"),
        ("orestiada.localhost.", "orestiada.localhost"),
        ("orestiada.localhost", "orestiada.localhost"),
        ("[::1]:8080", "[::1]"),
        (" Example.GR ", "example.gr"),
    ],
)
def test_normalise_host(raw, expected):
    assert normalise_host(raw) == expected


def test_port_stripped_and_case_insensitive(tenant_factory, client_for):
    t = tenant_factory()
    for host in (f"{t.slug}.localhost:5000", f"{t.slug.upper()}.LocalHost", f"{t.slug}.localhost:8443"):
        r = client_for(host).get("/api/v1/tenant")
        assert r.status_code == 200, host
        assert r.json["slug"] == t.slug


@pytest.mark.parametrize("host", ["nosuchplace.localhost", "evil.example.com", "localhost.evil.example"])
def test_unknown_and_foreign_hosts_404_without_tenant_data(tenant_factory, client_for, host):
    t = tenant_factory(name=f"Secretville {uuid.uuid4().hex[:6]}")
    for path in ("/", "/api/v1/tenant", "/testplugin/", "/accounts/signin"):
        r = client_for(host).get(path)
        assert r.status_code == 404, (host, path)
        body = r.get_data(as_text=True)
        assert t.name not in body and t.slug not in body
        assert "Location" not in r.headers


def test_archived_tenant_is_404(app, tenant_factory, client_for):
    t = tenant_factory(plugins=["testplugin"])
    c = client_for(f"{t.slug}.localhost")
    assert c.get("/").status_code == 200
    _set_status(app, t.slug, TenantStatus.ARCHIVED)
    for path in ("/", "/api/v1/tenant", "/testplugin/"):
        r = c.get(path)
        assert r.status_code == 404, path
        assert t.name not in r.get_data(as_text=True)


def test_suspended_tenant_reads_with_notice_and_refuses_writes(
    app, tenant_factory, client_for, account_factory, access_token
):
    t = tenant_factory(plugins=["testplugin"])
    staff = account_factory(memberships={t: "staff"})
    token = access_token(staff, t)
    c = client_for(f"{t.slug}.localhost")
    auth = {"Authorization": f"Bearer {token}"}
    assert c.post("/api/v1/testplugin/notes", json={"title": "before"}, headers=auth).status_code == 201
    _set_status(app, t.slug, TenantStatus.SUSPENDED)

    page = c.get("/")
    assert page.status_code == 200
    assert SUSPENDED_MESSAGE in page.get_data(as_text=True)
    listing = c.get("/api/v1/testplugin/notes")
    assert listing.status_code == 200 and [n["title"] for n in listing.json] == ["before"]

    for method in ("post", "put", "delete", "patch"):
        api = getattr(c, method)("/api/v1/testplugin/notes", json={"title": "during"}, headers=auth)
        assert api.status_code == 403, method
        assert api.mimetype == "application/problem+json"
        assert SUSPENDED_MESSAGE in api.json["detail"]
        html = getattr(c, method)("/testplugin/", data={"title": "during"})
        assert html.status_code == 403, method
        assert html.mimetype == "text/html"
        assert SUSPENDED_MESSAGE in html.get_data(as_text=True)
    assert [n["title"] for n in c.get("/api/v1/testplugin/notes").json] == ["before"]

    _set_status(app, t.slug, TenantStatus.ACTIVE)
    assert c.post("/api/v1/testplugin/notes", json={"title": "after"}, headers=auth).status_code == 201
    assert SUSPENDED_MESSAGE not in c.get("/").get_data(as_text=True)


class QueryCounter:
    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._on)

    def _on(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def touching(self, table: str) -> list[str]:
        return [s for s in self.statements if table in s]


def test_host_lookup_is_cached(app, tenant_factory, client_for):
    t = tenant_factory()
    c = client_for(f"{t.slug}.localhost")
    with app.app_context():
        invalidate_tenant_cache()
        engine = db.engine
    with QueryCounter(engine) as first:
        assert c.get("/api/v1/tenant").status_code == 200
    assert first.touching("tenant_domains"), "the first request should read the host from the database"
    with QueryCounter(engine) as second:
        assert c.get("/api/v1/tenant").status_code == 200
        assert client_for(f"{t.slug.upper()}.localhost:5000").get("/api/v1/tenant").status_code == 200
    assert second.touching("tenant_domains") == []
    assert second.touching("FROM tenants") == []
    # unknown hosts are cached too: a flood of them does not reach the database every time
    client_for("flood-xyz.localhost").get("/")
    with QueryCounter(engine) as third:
        assert client_for("flood-xyz.localhost").get("/").status_code == 404
    assert third.touching("tenant_domains") == []


def test_cache_invalidated_by_status_change_in_process(app, tenant_factory, client_for):
    t = tenant_factory()
    c = client_for(f"{t.slug}.localhost")
    assert c.get("/api/v1/tenant").json["status"] == "active"  # now cached
    _set_status(app, t.slug, TenantStatus.SUSPENDED)
    assert c.get("/api/v1/tenant").json["status"] == "suspended"
    assert c.post("/api/v1/testplugin/notes", json={"title": "x"}).status_code == 403
    _set_status(app, t.slug, TenantStatus.ARCHIVED)
    assert c.get("/api/v1/tenant").status_code == 404
    _set_status(app, t.slug, TenantStatus.ACTIVE)
    assert c.get("/api/v1/tenant").status_code == 200


def test_custom_domain_serves_only_once_verified(app, tenant_factory, client_for):
    t = tenant_factory()
    host = f"participate-{uuid.uuid4().hex[:6]}.example.gr"
    with app.app_context(), tenant_context(t.id):
        db.session.add(TenantDomain(host=host, kind=DomainKind.CUSTOM.value, verified_at=None))
        db.session.commit()
        invalidate_tenant_cache()
    c = client_for(host)
    for path in ("/", "/api/v1/tenant"):
        r = c.get(path)
        assert r.status_code == 404, path
        assert t.name not in r.get_data(as_text=True)
    with app.app_context(), tenant_context(t.id):
        domain = db.session.execute(sa.select(TenantDomain).where(TenantDomain.host == host)).scalar_one()
        domain.verified_at = utcnow()
        db.session.commit()
        invalidate_tenant_cache()
    r = c.get("/api/v1/tenant")
    assert r.status_code == 200
    assert r.json["slug"] == t.slug
    assert client_for(host.upper() + ":443").get("/api/v1/tenant").status_code == 200


# --- slugs --------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["a", "orestiada", "sector3", "b-2", "x" * 63, "1city", "city-1"])
def test_valid_slugs(slug):
    assert validate_slug(slug) == slug


@pytest.mark.parametrize(
    ("slug", "code"),
    [
        ("", "empty"),
        ("x" * 64, "too_long"),
        ("-lead", "invalid"),
        ("trail-", "invalid"),
        ("Upper", "invalid"),
        ("under_score", "invalid"),
        ("dot.ted", "invalid"),
        ("spa ce", "invalid"),
        ("ορεστιάδα", "invalid"),
        ("xn--bcher-kva", "invalid"),
        ("ab--cd", "invalid"),
        ("www", "reserved"),
        ("api", "reserved"),
        ("operator", "reserved"),
        ("admin", "reserved"),
        ("static", "reserved"),
    ],
)
def test_invalid_slugs(slug, code):
    with pytest.raises(SlugError) as info:
        validate_slug(slug)
    assert info.value.code == code


def test_reserved_words_listed():
    assert {"www", "api", "operator", "admin", "static"} <= RESERVED_SLUGS


def test_slug_rules_at_onboarding(app_ctx, tenant_factory):
    from core.tenant_admin import NewTenant, TenantError, create_tenant

    existing = tenant_factory()
    for slug, message in (
        (existing.slug, "already taken"),
        ("admin", "reserved"),
        ("x" * 64, "at most 63"),
        ("Bad_Slug", "lower-case"),
    ):
        with pytest.raises(TenantError) as info:
            create_tenant(NewTenant(slug=slug, name="N", country="GR", default_locale="en"))
        assert info.value.field == "slug"
        assert message in str(info.value)
        db.session.rollback()
    long_ok = "y" * 63
    tenant = create_tenant(NewTenant(slug=long_ok, name="Long", country="GR", default_locale="en"))
    assert tenant.slug == long_ok
    db.session.rollback()


def test_cache_invalidated_after_commit_not_only_before(app, tenant_factory, client_for):
    """A request of this process that reads the tenant between set_status's flush and its commit
    must not keep the old status cached for a whole TTL."""
    from core.tenant_admin import set_status

    t = tenant_factory()
    c = client_for(f"{t.slug}.localhost")
    flushed, go = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def operator():
        try:
            with app.app_context():
                set_status(t.slug, TenantStatus.SUSPENDED)
                flushed.set()
                go.wait(10)
                db.session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            failure.append(exc)
            flushed.set()

    th = threading.Thread(target=operator)
    th.start()
    assert flushed.wait(10)
    assert c.get("/api/v1/tenant").json["status"] == "active"  # not committed yet: read and cached
    go.set()
    th.join(10)
    assert not failure
    assert c.get("/api/v1/tenant").json["status"] == "suspended"


def test_token_of_one_tenant_does_not_write_on_another(pair, account_factory, access_token, tenant_client):
    a, b, titles, _ids = pair
    staff = account_factory(memberships={a: "staff", b: "staff"})
    token_a = access_token(staff, a)
    cb = tenant_client(b)
    r = cb.post(
        "/api/v1/testplugin/notes",
        json={"title": "via A's token"},
        headers={"Authorization": f"Bearer {token_a}"},
    )
    assert r.status_code == 401
    assert r.mimetype == "application/problem+json"
    assert [n["title"] for n in cb.get("/api/v1/testplugin/notes").json] == [titles[b.id]]


def test_switching_tenant_inside_one_transaction_rewrites_the_rls_setting(app_ctx, pair):
    """tenant_context writes app.tenant_id into an already open transaction, and restores it."""
    from sympraxis_testplugin.models import Note

    a, b, titles, _ids = pair
    raw = sa.text("SELECT title FROM testplugin_notes WHERE tenant_id IN (:a, :b)").bindparams(a=a.id, b=b.id)
    with tenant_context(a):
        assert db.session.execute(sa.select(Note.title)).scalars().all() == [titles[a.id]]
        assert db.session.execute(raw).scalars().all() == [titles[a.id]]
        with tenant_context(b):  # same transaction, same connection
            assert db.session.execute(sa.select(Note.title)).scalars().all() == [titles[b.id]]
            assert db.session.execute(raw).scalars().all() == [titles[b.id]]
        assert db.session.execute(raw).scalars().all() == [titles[a.id]]
    assert db.session.execute(raw).scalars().all() == []  # no tenant: RLS shows nothing
    db.session.rollback()


@pytest.mark.parametrize("host", ["evil.example.com", "10.0.0.7:8000", "nosuch.localhost"])
def test_health_checks_answer_on_any_host(client_for, host):
    c = client_for(host)
    assert c.get("/healthz").status_code == 200
    assert c.get("/readyz").json == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("host", ["bad host.localhost", "a..b.localhost", "x" * 300 + ".localhost", "[::1"])
def test_malformed_hosts_are_404_never_500(client_for, host):
    for path in ("/", "/api/v1/tenant"):
        r = client_for("localhost").get(path, environ_overrides={"HTTP_HOST": host})
        assert r.status_code == 404, (host, path)


def test_foreign_key_between_tenant_tables_cannot_cross_tenants(app_ctx, pair, sympraxis_database):
    """tenant_id is part of the foreign key: a tag of tenant A cannot point at B's note, even for
    a role that bypasses RLS (the database itself refuses it)."""
    import psycopg
    from sympraxis_testplugin.models import NoteTag

    a, b, _titles, ids = pair
    with tenant_context(a):
        db.session.add(NoteTag(note_id=uuid.UUID(ids[a.id]), label="own"))
        db.session.flush()  # pointing at one's own note works
        db.session.add(NoteTag(note_id=uuid.UUID(ids[b.id]), label="across"))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
    db.session.rollback()
    with (
        psycopg.connect(sympraxis_database["admin"]) as conn,
        pytest.raises(psycopg.errors.ForeignKeyViolation),
    ):
        conn.execute(
            "INSERT INTO testplugin_note_tags (tenant_id, id, note_id, label) VALUES (%s, gen_random_uuid(), %s, 'x')",
            (a.id, ids[b.id]),
        )
