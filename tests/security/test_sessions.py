"""Issue 10 item 12: signing out ends the session on the server, so a copied cookie stops working."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import sqlalchemy as sa

from core.extensions import db

COOKIE = "sympraxis_session"


def _sign_in(client, account, remember: bool = False):
    data = {"email": account.email, "password": account.password}
    if remember:
        data["remember"] = "y"
    response = client.post("/auth/signin", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def _copy(client_for, source, host: str = "localhost", names=(COOKIE,)):
    """What a thief has: a fresh browser holding copies of ``source``'s cookies."""
    thief = client_for(host)
    for name in names:
        cookie = source.get_cookie(name, domain=host)
        assert cookie is not None, name
        thief.set_cookie(name, cookie.value, domain=host)
    return thief


def _signout(client) -> None:
    assert client.post("/auth/signout").status_code == 302


def test_a_copied_session_cookie_stops_working_after_sign_out(apex_client, client_for, account_factory):
    """Issue 10 item 12: a copy of the session cookie kept working after its owner signed out."""
    account = account_factory()
    _sign_in(apex_client, account)
    thief = _copy(client_for, apex_client)
    assert thief.get("/api/v1/me").status_code == 200  # the copy works while the session lives
    _signout(apex_client)
    assert apex_client.get("/api/v1/me").status_code == 401
    assert thief.get("/api/v1/me").status_code == 401
    response = thief.get("/account")
    assert response.status_code == 302 and urlsplit(response.location).path == "/auth/signin"


def test_a_copied_remember_me_cookie_stops_working_after_sign_out(apex_client, client_for, account_factory):
    """Issue 10 item 12: the long-lived remember-me cookie is revoked with the session it belongs to."""
    account = account_factory()
    _sign_in(apex_client, account, remember=True)
    thief = _copy(client_for, apex_client, names=("remember_token",))  # no session cookie at all
    assert thief.get("/api/v1/me").status_code == 200
    _signout(apex_client)
    assert _copy(client_for, thief, names=("remember_token",)).get("/api/v1/me").status_code == 401


def test_a_copied_cookie_on_a_municipality_host_stops_working_after_sign_out(
    apex_client, client_for, tenant_factory, account_factory
):
    """Issue 10 item 12: the same on a tenant host, where the session arrived by the hand-off."""
    tenant = tenant_factory()
    account = account_factory()
    on_tenant = client_for(tenant.primary_host)
    handoff = on_tenant.get("/auth/signin?next=/api/v1/me").location
    _sign_in(apex_client, account)
    target = urlsplit(apex_client.get(handoff.split("localhost", 1)[1]).location)
    assert on_tenant.get(f"{target.path}?{target.query}").status_code == 302
    thief = _copy(client_for, on_tenant, tenant.primary_host)
    assert thief.get("/api/v1/me").status_code == 200
    _signout(on_tenant)
    assert thief.get("/api/v1/me").status_code == 401
    assert apex_client.get("/api/v1/me").status_code == 200  # the apex session is another one


def test_sessions_are_listed_and_one_can_be_signed_out_from_another(
    apex_client, client_for, account_factory, sign_in
):
    """Issue 10 item 12: the account page lists the live sessions; signing one out ends it."""
    account = account_factory()
    laptop = _sign_in(apex_client, account)
    phone = _sign_in(client_for("localhost"), account)
    page = laptop.get("/account").get_data(as_text=True)
    ids = re.findall(r"/account/sessions/(\d+)/revoke", page)
    assert len(ids) == 2 and page.count("this browser") == 1
    current = re.search(r"this browser.*?/account/sessions/(\d+)/revoke", page, re.S).group(1)
    other = next(i for i in ids if i != current)
    response = laptop.post(f"/account/sessions/{other}/revoke")
    assert response.status_code == 302
    assert phone.get("/api/v1/me").status_code == 401
    assert laptop.get("/api/v1/me").status_code == 200
    # someone else's session, an unknown one, or a huge id: 404, never a 500
    stranger = sign_in(client_for("localhost"), account_factory())
    assert stranger.post(f"/account/sessions/{current}/revoke").status_code == 404
    assert stranger.post(f"/account/sessions/{10**30}/revoke").status_code == 404
    assert laptop.get("/api/v1/me").status_code == 200


def test_sign_out_everywhere_revokes_every_server_side_session(apex_client, client_for, account_factory):
    """Issue 10 item 12: "sign out everywhere" ends every session, remembered ones included (the
    generation already did; this keeps the new server-side rows in step with it)."""
    account = account_factory()
    _sign_in(apex_client, account)
    other = _sign_in(client_for("localhost"), account, remember=True)
    thief = _copy(client_for, other, names=("remember_token",))
    assert apex_client.post("/auth/signout-everywhere").status_code == 302
    assert other.get("/api/v1/me").status_code == 401
    assert thief.get("/api/v1/me").status_code == 401


def test_loading_a_session_costs_one_query(app, apex_client, account_factory):
    """Issue 10 item 12: the server-side check is one indexed read per request (README floors)."""
    from core.accounts.services.sessions import account_for_session

    account = account_factory()
    _sign_in(apex_client, account)
    with apex_client.session_transaction() as sess:
        user_id = sess["_user_id"]
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            found = account_for_session(user_id)
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        assert found is not None and found[0].id == account.id
        db.session.rollback()
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1, statements
