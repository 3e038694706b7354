"""Every link from the apex dashboard into a municipality arrives signed in (issue 16 §3): it
goes through ``/auth/go`` and the hand-off, and lands on the page it names."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from core.accounts.models import Affiliation, Organisation, OrganisationMember
from core.db import tenant_context
from core.extensions import db
from tests.plugins.hearings.conftest import make_consultation


def _follow(client_for, url: str):
    """Follow redirects across hosts, each host with its own client (its own cookies)."""
    host = urlsplit(url).netloc
    for _ in range(8):
        parts = urlsplit(url)
        host = parts.netloc or host  # a relative redirect stays on its host
        response = client_for(host).get(f"{parts.path}?{parts.query}")
        if response.status_code not in (301, 302, 303):
            return host, parts.path, response
        url = response.location
    raise AssertionError("too many redirects")


def test_a_dashboard_link_lands_on_its_page_signed_in(app, world, apex_client, client_for, sign_in):
    c = make_consultation(app, world.tenant, title="Plan for the river park")
    with app.app_context():
        ngo = Organisation(name="River Friends")
        db.session.add(ngo)
        db.session.flush()
        db.session.add(OrganisationMember(organisation_id=ngo.id, account_id=world.outsider.id, role="admin"))
        with tenant_context(world.tenant.id):
            db.session.add(Affiliation(organisation_id=ngo.id, status="approved"))
            db.session.flush()
        db.session.commit()
    clients = {"localhost": sign_in(apex_client, world.outsider)}
    page = apex_client.get("/dashboard").get_data(as_text=True)
    assert "Plan for the river park" in page

    hrefs = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', page)]
    # no link on the dashboard points straight at a municipality's host
    tenant_hosts = {world.tenant.primary_host, world.other.primary_host}
    assert [h for h in hrefs if urlsplit(h).netloc in tenant_hosts] == []
    link = next(h for h in hrefs if "next=%2Fhearings%2Fconsultations%2F" + str(c["id"]) in h)

    def client(host):
        return clients.setdefault(host, client_for(host))

    host, path, arrived = _follow(client, link)
    assert (host, path, arrived.status_code) == (
        world.tenant.primary_host,
        f"/hearings/consultations/{c['id']}",
        200,
    )
    assert "Plan for the river park" in arrived.get_data(as_text=True)
    # signed in on the municipality's host, as that person
    assert client(world.tenant.primary_host).get("/api/v1/me").json["email"] == world.outsider.email
