"""Sign-in on the apex and the one-time-code hand-off to tenant hosts (DESIGN §4)."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from core.accounts.models import Account, HandoffCode
from core.accounts.security import hash_token
from core.accounts.services.handoff import HandoffRefused, issue_handoff_code, redeem_handoff_code
from core.db import tenant_context
from core.extensions import db
from core.tenancy import TenantDomain, invalidate_tenant_cache, utcnow


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def me(client):
    return client.get("/api/v1/me")


def start_on_tenant(client, next_url: str = "/") -> str:
    """GET /auth/signin on a tenant host: the URL of the apex hand-off it redirects to."""
    response = client.get(f"/auth/signin?next={next_url}")
    assert response.status_code == 302
    assert urlsplit(response.location).netloc == "localhost"
    assert urlsplit(response.location).path == "/auth/handoff"
    return response.location


def issue(app, account, host: str, nonce: str) -> str:
    with app.app_context():
        code = issue_handoff_code(db.session.get(Account, account.id), host, nonce)
        db.session.commit()
    return code


def nonce_of(client) -> str:
    with client.session_transaction() as sess:
        return sess["handoff_nonce"]


def add_custom_domain(app, tenant, host: str, verified: bool) -> None:
    with app.app_context():
        with tenant_context(tenant.id):
            db.session.add(TenantDomain(host=host, kind="custom", verified_at=utcnow() if verified else None))
            db.session.commit()
        invalidate_tenant_cache()


def test_full_handoff_from_tenant_to_apex_and_back(
    apex_client, tenant_factory, tenant_client, account_factory
):
    tenant = tenant_factory()
    account = account_factory()
    on_tenant = tenant_client(tenant)
    assert me(on_tenant).status_code == 401

    handoff_url = start_on_tenant(on_tenant, "/api/v1/me")
    params = query_of(handoff_url)
    assert params["host"] == tenant.primary_host and params["nonce"] and params["next"] == "/api/v1/me"

    # not signed in on the apex yet: the apex asks for the password, then resumes the hand-off
    handoff_path = handoff_url.split("localhost", 1)[1]
    response = apex_client.get(handoff_path)
    assert response.status_code == 302 and urlsplit(response.location).path == "/auth/signin"
    signin_page = response.location  # the form posts back to the page it is on
    assert query_of(signin_page)["next"] == handoff_path
    response = apex_client.post(signin_page, data={"email": account.email, "password": account.password})
    assert response.status_code == 302 and response.location.startswith("/auth/handoff?")
    response = apex_client.get(response.location)
    assert response.status_code == 302
    target = urlsplit(response.location)
    assert target.netloc == tenant.primary_host and target.path == "/auth/redeem"

    response = on_tenant.get(f"{target.path}?{target.query}")
    assert response.status_code == 302 and response.location == "/api/v1/me"
    # host-only cookie: no Domain attribute, so no other host ever receives it
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("domain=" not in c.lower() for c in cookies)
    body = me(on_tenant)
    assert body.status_code == 200 and body.json["email"] == account.email
    # arriving made the account a member of the municipality
    assert tenant.slug in {m["slug"] for m in body.json["memberships"]}


def test_signed_in_on_apex_is_not_signed_in_on_a_tenant(
    apex_client, tenant_factory, tenant_client, account_factory, sign_in
):
    tenant = tenant_factory()
    account = account_factory(memberships={tenant: "member"})
    response = apex_client.post(
        "/auth/signin", data={"email": account.email, "password": account.password, "remember": "y"}
    )
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=") for c in cookies)  # the long-lived one too
    assert all("domain=" not in c.lower() for c in cookies)
    assert me(apex_client).status_code == 200
    assert me(tenant_client(tenant)).status_code == 401
    # and the other way round
    other = account_factory(memberships={tenant: "member"})
    on_tenant = sign_in(tenant_client(tenant), other)
    assert me(on_tenant).status_code == 200
    assert me(apex_client).json["email"] == account.email


def test_code_is_single_use(app, tenant_factory, tenant_client, account_factory):
    tenant = tenant_factory()
    account = account_factory()
    first = tenant_client(tenant)
    start_on_tenant(first)
    nonce = nonce_of(first)
    code = issue(app, account, tenant.primary_host, nonce)
    assert first.get(f"/auth/redeem?code={code}").status_code == 302
    assert me(first).status_code == 200

    second = tenant_client(tenant)  # same nonce, replayed code
    with second.session_transaction() as sess:
        sess["handoff_nonce"] = nonce
    response = second.get(f"/auth/redeem?code={code}", follow_redirects=True)
    assert b"expired or was already used" in response.data
    assert me(second).status_code == 401


def test_code_expires(app, tenant_factory, tenant_client, account_factory):
    tenant = tenant_factory()
    account = account_factory()
    client = tenant_client(tenant)
    start_on_tenant(client)
    code = issue(app, account, tenant.primary_host, nonce_of(client))
    with app.app_context():
        db.session.execute(
            sa.update(HandoffCode)
            .where(HandoffCode.code_hash == hash_token(code))
            .values(expires_at=utcnow() - dt.timedelta(seconds=1))
        )
        db.session.commit()
    client.get(f"/auth/redeem?code={code}")
    assert me(client).status_code == 401


def test_code_lifetime_is_at_most_60_seconds_whatever_the_configuration(
    make_app, tenant_factory, account_factory
):
    tenant = tenant_factory()
    account = account_factory()
    for ttl in (30, 600):
        other = make_app(HANDOFF_CODE_TTL=ttl)
        with other.app_context():
            before = utcnow()
            code = issue_handoff_code(db.session.get(Account, account.id), tenant.primary_host, "n")
            row = db.session.get(HandoffCode, hash_token(code))
            lifetime = (row.expires_at - before).total_seconds()
            db.session.rollback()
        assert lifetime <= min(ttl, 60) + 1
        assert lifetime >= min(ttl, 60) - 1


def test_code_is_bound_to_its_host(app, tenant_factory, tenant_client, account_factory):
    tenant_a, tenant_b = tenant_factory(), tenant_factory()
    account = account_factory()
    on_b = tenant_client(tenant_b)
    start_on_tenant(on_b)
    code_for_a = issue(app, account, tenant_a.primary_host, nonce_of(on_b))  # same nonce, other host
    on_b.get(f"/auth/redeem?code={code_for_a}")
    assert me(on_b).status_code == 401


def test_code_is_bound_to_the_nonce_and_burnt_by_a_wrong_one(
    app, tenant_factory, tenant_client, account_factory
):
    tenant = tenant_factory()
    account = account_factory()
    victim = tenant_client(tenant)
    start_on_tenant(victim)
    attacker = tenant_client(tenant)
    start_on_tenant(attacker)
    code = issue(app, account, tenant.primary_host, nonce_of(attacker))
    victim.get(f"/auth/redeem?code={code}")  # a code made for another session's nonce
    assert me(victim).status_code == 401
    # the failed attempt burnt it: not even the right session can use it now
    attacker.get(f"/auth/redeem?code={code}")
    assert me(attacker).status_code == 401
    # no nonce in the session at all
    bare = tenant_client(tenant)
    code = issue(app, account, tenant.primary_host, "some-nonce")
    bare.get(f"/auth/redeem?code={code}")
    assert me(bare).status_code == 401


def test_code_is_bound_to_the_account(app, tenant_factory, tenant_client, account_factory):
    tenant = tenant_factory()
    alice, bob = account_factory(), account_factory()
    client = tenant_client(tenant)
    start_on_tenant(client)
    code = issue(app, bob, tenant.primary_host, nonce_of(client))
    client.get(f"/auth/redeem?code={code}")
    assert me(client).json["email"] == bob.email != alice.email


def test_unknown_host_never_receives_a_code(app, apex_client, account_factory, sign_in):
    account = account_factory()
    sign_in(apex_client, account)
    for host in ("evil.example.com", "nosuch.localhost", "localhost"):
        response = apex_client.get(f"/auth/handoff?host={host}&nonce=abc&next=/")
        assert response.status_code == 404, host
        with app.app_context():
            with pytest.raises(HandoffRefused):
                issue_handoff_code(db.session.get(Account, account.id), host, "abc")
            db.session.rollback()


def test_unverified_custom_domain_never_receives_a_code_verified_one_does(
    app, apex_client, client_for, tenant_factory, account_factory, sign_in
):
    tenant = tenant_factory()
    account = account_factory()
    sign_in(apex_client, account)
    pending = f"pending-{uuid.uuid4().hex[:8]}.example.net"
    verified = f"civic-{uuid.uuid4().hex[:8]}.example.net"
    add_custom_domain(app, tenant, pending, verified=False)
    add_custom_domain(app, tenant, verified, verified=True)

    assert apex_client.get(f"/auth/handoff?host={pending}&nonce=abc").status_code == 404
    with app.app_context():
        with pytest.raises(HandoffRefused):
            issue_handoff_code(db.session.get(Account, account.id), pending, "abc")
        db.session.rollback()

    on_custom = client_for(verified)
    handoff_url = start_on_tenant(on_custom)
    assert query_of(handoff_url)["host"] == verified
    response = apex_client.get(handoff_url.split("localhost", 1)[1])
    assert response.status_code == 302
    target = urlsplit(response.location)
    assert target.netloc == verified
    on_custom.get(f"{target.path}?{target.query}")
    assert me(on_custom).json["email"] == account.email


def test_handoff_without_a_nonce_is_refused(apex_client, tenant_factory, account_factory, sign_in):
    tenant = tenant_factory()
    sign_in(apex_client, account_factory())
    assert apex_client.get(f"/auth/handoff?host={tenant.primary_host}").status_code == 400


@pytest.mark.parametrize(
    "evil", ["//evil.com", "http://evil.com", "https://evil.com/x", "/\\evil.com", "/\t/evil.com", "evil.com"]
)
def test_open_redirects_are_ignored(app, apex_client, tenant_factory, tenant_client, account_factory, evil):
    from urllib.parse import quote

    tenant = tenant_factory()
    account = account_factory()
    client = tenant_client(tenant)
    handoff_url = start_on_tenant(client, quote(evil, safe=""))
    assert query_of(handoff_url)["next"] == "/"

    response = apex_client.post(
        f"/auth/signin?next={quote(evil, safe='')}",
        data={"email": account.email, "password": account.password},
    )
    assert response.status_code == 302 and response.location == "/"

    nonce = query_of(handoff_url)["nonce"]
    response = apex_client.get(
        f"/auth/handoff?host={tenant.primary_host}&nonce={nonce}&next={quote(evil, safe='')}"
    )
    assert query_of(response.location)["next"] == "/"
    code = query_of(response.location)["code"]
    response = client.get(f"/auth/redeem?code={code}&next={quote(evil, safe='')}")
    assert response.status_code == 302 and response.location == "/"
    assert me(client).status_code == 200


def _race(app, code: str, host: str, nonce: str) -> list[int | None]:
    """Two threads redeem one code at the same moment; what each got back."""
    barrier = threading.Barrier(2)
    results: list[int | None] = []
    errors: list[BaseException] = []

    def redeem() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=5)
                found = redeem_handoff_code(code, host, nonce)
                results.append(found.id if found else None)
                db.session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=redeem) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert not errors, errors
    return results


def test_concurrent_redemption_has_exactly_one_winner(app, tenant_factory, account_factory):
    tenant = tenant_factory()
    account = account_factory()
    for _round in range(5):
        code = issue(app, account, tenant.primary_host, "shared-nonce")
        results = _race(app, code, tenant.primary_host, "shared-nonce")
        assert sorted(results, key=lambda r: r is None) == [account.id, None]
