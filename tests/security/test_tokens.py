"""Issue 10 item 3: a personal access token opens the API only; sensitive changes need a fresh sign-in."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
import sqlalchemy as sa

from core.accounts.models import Account, PersonalAccessToken
from core.extensions import db
from core.tenancy import utcnow

TOTP_SECRET = pyotp.random_base32()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def tokens_of(app, account_id: int) -> list[str]:
    with app.app_context():
        names = db.session.execute(
            sa.select(PersonalAccessToken.name).where(PersonalAccessToken.account_id == account_id)
        ).scalars()
        return sorted(names)


def with_totp(app, ref) -> None:
    with app.app_context():
        account = db.session.get(Account, ref.id)
        account.totp_secret, account.totp_enabled_at = TOTP_SECRET, utcnow()
        db.session.commit()


def totp_on(app, account_id: int) -> bool:
    with app.app_context():
        return db.session.get(Account, account_id).totp_enabled_at is not None


def no_session_cookie(response) -> bool:
    return not any(c.startswith("sympraxis_session=") for c in response.headers.getlist("Set-Cookie"))


def age_sign_in(client, seconds: int = 3600) -> None:
    """The session was signed in ``seconds`` ago: what a copied or long-lived cookie is."""
    with client.session_transaction() as sess:
        sess["auth_at"] = int(time.time()) - seconds


def test_a_token_alone_opens_no_account_page_and_mints_nothing(
    app, apex_client, tenant_factory, account_factory, access_token
):
    """Issue 10 item 3: a bearer token alone (no cookie, password or code) opened /account/tokens,
    minted tokens for other municipalities and switched two-step verification off."""
    tenant = tenant_factory()
    account = account_factory(memberships={tenant: "admin"})
    with_totp(app, account)
    secret = access_token(account, None)
    for path in ("/account/tokens", "/account", "/account/security", "/dashboard"):
        response = apex_client.get(path, headers=bearer(secret))
        assert response.status_code == 302 and "/auth/signin" in response.location, path
        assert no_session_cookie(response)
    minted = apex_client.post(
        "/account/tokens", data={"name": "stolen", "scope": str(tenant.id)}, headers=bearer(secret)
    )
    assert minted.status_code == 302 and no_session_cookie(minted)
    assert tokens_of(app, account.id) == ["test"]
    off = apex_client.post("/account/security/disable-totp", headers=bearer(secret))
    assert off.status_code == 302 and totp_on(app, account.id)


def test_a_token_opens_neither_the_operator_console_nor_a_municipality_admin(
    app, apex_client, tenant_client, tenant_factory, account_factory, access_token
):
    """Issue 10 item 3: an operator's token opened the operator console, an admin's token /admin."""
    operator = account_factory(operator=True)
    with_totp(app, operator)
    response = apex_client.get("/operator/", headers=bearer(access_token(operator, None)))
    assert response.status_code in (302, 401) and no_session_cookie(response)
    tenant = tenant_factory()
    admin = account_factory(memberships={tenant: "admin"})
    on_tenant = tenant_client(tenant)
    response = on_tenant.get("/admin/", headers=bearer(access_token(admin, tenant)))
    assert response.status_code in (302, 401, 403) and no_session_cookie(response)
    # the same tokens still work where they belong, the API, and leave no cookie behind
    api = on_tenant.get("/api/v1/me?lang=el", headers=bearer(access_token(admin, tenant)))
    assert api.status_code == 200 and api.json["email"] == admin.email
    assert not api.headers.getlist("Set-Cookie")
    assert on_tenant.get("/admin/").status_code != 200  # and no session came of it


def _create_token(client, name: str, scope: str = "apex", **extra):
    return client.post("/account/tokens", data={"name": name, "scope": scope, **extra})


def test_minting_a_token_needs_a_recent_sign_in(app, apex_client, account_factory, sign_in):
    """Issue 10 item 3: minting a token requires re-authentication when the sign-in is not fresh;
    what the user typed is carried through the confirmation and the token is then made."""
    account = account_factory()
    sign_in(apex_client, account)
    assert _create_token(apex_client, "fresh").status_code == 200  # just signed in: no question
    age_sign_in(apex_client)
    asked = _create_token(apex_client, "Nightly export")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 401 and "Confirm it" in page
    assert 'name="name" value="Nightly export"' in page and 'name="scope" value="apex"' in page
    assert 'name="reauth-password"' in page and 'autocomplete="current-password"' in page
    assert tokens_of(app, account.id) == ["fresh"]
    wrong = _create_token(apex_client, "Nightly export", **{"reauth-password": "not the password"})
    assert wrong.status_code == 401 and "The password is not right." in wrong.get_data(as_text=True)
    assert 'aria-invalid="true"' in wrong.get_data(as_text=True)
    assert tokens_of(app, account.id) == ["fresh"]
    done = _create_token(apex_client, "Nightly export", **{"reauth-password": account.password})
    assert done.status_code == 200 and re.search(r"spx_[\w-]+", done.get_data(as_text=True))
    assert tokens_of(app, account.id) == ["Nightly export", "fresh"]
    assert _create_token(apex_client, "right after").status_code == 200  # confirmed a moment ago


def test_confirmation_asks_for_the_code_when_the_account_has_two_step_verification(
    app, apex_client, account_factory, sign_in
):
    """Issue 10 item 3: switching two-step verification off needs the password and a code."""
    account = account_factory()
    with_totp(app, account)
    sign_in(apex_client, account)
    age_sign_in(apex_client)
    asked = apex_client.post("/account/security/disable-totp")
    assert asked.status_code == 401 and 'name="reauth-code"' in asked.get_data(as_text=True)
    only_password = apex_client.post(
        "/account/security/disable-totp", data={"reauth-password": account.password}
    )
    assert only_password.status_code == 401 and totp_on(app, account.id)
    code = pyotp.TOTP(TOTP_SECRET).now()
    done = apex_client.post(
        "/account/security/disable-totp", data={"reauth-password": account.password, "reauth-code": code}
    )
    assert done.status_code == 302 and not totp_on(app, account.id)


def test_turning_two_step_verification_on_needs_a_recent_sign_in(app, apex_client, account_factory, sign_in):
    """Issue 10 item 3: changing TOTP (turning it on too) requires re-authentication; the code
    typed into the enrolment form survives the confirmation."""
    account = account_factory()
    sign_in(apex_client, account)
    secret = re.search(
        r'data-testid="totp-secret">(\w+)<', apex_client.get("/account/security").get_data(as_text=True)
    ).group(1)
    age_sign_in(apex_client)
    code = pyotp.TOTP(secret).now()
    asked = apex_client.post("/account/security", data={"code": code})
    assert asked.status_code == 401 and f'name="code" value="{code}"' in asked.get_data(as_text=True)
    assert not totp_on(app, account.id)
    done = apex_client.post("/account/security", data={"code": code, "reauth-password": account.password})
    assert done.status_code == 302 and totp_on(app, account.id)


def test_too_many_wrong_confirmations_end_the_session(app, apex_client, account_factory, sign_in):
    """Issue 10 item 3: a stolen cookie is no way to guess the password without a limit."""
    from core.accounts.services.sessions import MAX_FAILED_CONFIRMATIONS

    account = account_factory()
    sign_in(apex_client, account)
    age_sign_in(apex_client)
    for _attempt in range(MAX_FAILED_CONFIRMATIONS - 1):
        assert _create_token(apex_client, "x", **{"reauth-password": "guess"}).status_code == 401
    last = _create_token(apex_client, "x", **{"reauth-password": "guess"})
    assert last.status_code == 302 and "/auth/signin" in last.location
    assert apex_client.get("/api/v1/me").status_code == 401
    assert tokens_of(app, account.id) == []


@pytest.mark.parametrize("lang", ["el", "bg", "ro"])
def test_the_confirmation_page_is_translated(app, apex_client, account_factory, sign_in, lang):
    """Issue 10 item 3: the "confirm it's you" page speaks the user's language."""
    account = account_factory(locale=lang)
    sign_in(apex_client, account)
    age_sign_in(apex_client)
    page = _create_token(apex_client, "x").get_data(as_text=True)
    for english in ("Confirm it", "This change needs your password", ">Password<", ">Confirm<", ">Cancel<"):
        assert english not in page, english
