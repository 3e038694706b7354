"""Issue 10 item 1: the hand-off code goes to a registered, verified host and nowhere else."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest
import sqlalchemy as sa

from core.accounts.models import HandoffCode
from core.extensions import db


def _attacks(host: str) -> list[str]:
    """Targets that a naive ``host:port`` split reads as ``host``, and a browser as evil.example."""
    dotted = host + "."
    return [
        f"{host}:@evil.example",
        f"{host}:5202@evil.example",
        f"{host}:x@evil.example",
        f"{host.upper()}:@EVIL.EXAMPLE",
        f"{host.upper()}:5202@evil.example",
        f"{dotted}:@evil.example",
        f"{dotted}:x@evil.example.",
        f"{host}@evil.example",
        f"{host}:@evil.example:5000",
        f"{host}/@evil.example",
        f"{host}\\@evil.example",
        f"{host}?@evil.example",
        f"{host}#@evil.example",
        f"evil.example#{host}",
        f"{host}:99999",
        f"{host}:5202",  # a port we do not serve on
    ]


def _codes_of(app, account_id: int) -> int:
    with app.app_context():
        return db.session.execute(
            sa.select(sa.func.count()).select_from(HandoffCode).where(HandoffCode.account_id == account_id)
        ).scalar_one()


@pytest.fixture
def victim(apex_client, tenant_factory, account_factory, sign_in):
    tenant = tenant_factory()
    account = account_factory(memberships={tenant: "member"})
    sign_in(apex_client, account)
    return tenant, account


def test_handoff_refuses_every_target_that_names_another_host(app, apex_client, victim):
    """Issue 10 item 1: ``/auth/handoff?host=orestiada.localhost:@evil.example`` (and its port,
    letter, uppercase and trailing-dot variants) redirected to evil.example with a valid code."""
    tenant, account = victim
    for target in _attacks(tenant.primary_host):
        response = apex_client.get(f"/auth/handoff?host={quote(target, safe='')}&nonce=abc&next=/")
        assert response.status_code == 404, (target, response.location)
    assert _codes_of(app, account.id) == 0  # no code was ever issued for such a target


def test_go_refuses_every_target_that_names_another_host(apex_client, victim):
    """Issue 10 item 1: ``/auth/go`` sent the browser to the host hidden behind ``host:@``."""
    tenant, _account = victim
    for target in _attacks(tenant.primary_host):
        response = apex_client.get(f"/auth/go?host={quote(target, safe='')}")
        assert response.status_code == 404, (target, response.location)


def test_handoff_redirect_is_built_from_the_stored_domain(app, apex_client, victim):
    """Issue 10 item 1: the same host in capitals or with a trailing dot is ours; the redirect
    then names the stored domain, never the text the request carried."""
    tenant, account = victim
    host = tenant.primary_host
    for target in (host, host.upper(), host + ".", host.title() + "."):
        response = apex_client.get(f"/auth/handoff?host={quote(target, safe='')}&nonce=abc&next=/")
        assert response.status_code == 302, target
        location = urlsplit(response.location)
        assert location.hostname == host and location.netloc == host and location.path == "/auth/redeem"
        go = apex_client.get(f"/auth/go?host={quote(target, safe='')}")
        assert go.status_code == 302 and urlsplit(go.location).netloc == host
    assert _codes_of(app, account.id) == 4


def test_service_refuses_targets_that_name_another_host(app, victim):
    """Issue 10 item 1: the service that issues codes refuses them too, not only the views."""
    from core.accounts.models import Account
    from core.accounts.services.handoff import HandoffRefused, issue_handoff_code, receiving_host

    tenant, account = victim
    with app.app_context():
        acc = db.session.get(Account, account.id)
        for target in _attacks(tenant.primary_host):
            assert receiving_host(target) is None, target
            with pytest.raises(HandoffRefused):
                issue_handoff_code(acc, target, "abc")
        assert receiving_host(tenant.primary_host.upper() + ".") == tenant.primary_host
        db.session.rollback()
