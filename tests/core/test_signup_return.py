"""Issue 16 §2: signing up from a municipality leads back to the page there, signed in, through
the confirmation mail; a return target that is not ours is dropped (no open redirect)."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from tests.core.test_accounts import PASSWORD, link_in, signup, unique_email


def test_signup_from_a_municipality_page_returns_there_signed_in(
    tenant_factory, client_for, tenant_client, mail_outbox
):
    town = tenant_factory(plugins=["hearings"])
    visitor = tenant_client(town)
    page = visitor.get("/hearings/").get_data(as_text=True)
    signup_url = html.unescape(re.search(r'href="(http://localhost/auth/signup\?next=[^"]+)"', page).group(1))
    apex = client_for("localhost")
    email = unique_email("back")
    assert signup(apex, email, query="?" + urlsplit(signup_url).query).status_code == 200

    msg = mail_outbox.wait_for(lambda m: email in m["To"] and "Confirm" in m["Subject"])
    confirmed = apex.get(link_in(msg, "/auth/verify/"))
    assert confirmed.status_code == 302 and urlsplit(confirmed.location).path == "/auth/signin"
    signed_in = apex.post(confirmed.location, data={"email": email, "password": PASSWORD})
    go = signed_in.location
    assert signed_in.status_code == 302 and go.startswith("/auth/go?")
    to_town = apex.get(go)
    assert urlsplit(to_town.location).netloc == visitor.host  # to the municipality's own sign-in
    # the municipality's sign-in hands off through the apex, then lands on the page signed up from
    handoff = visitor.get(urlsplit(to_town.location).path + "?" + urlsplit(to_town.location).query)
    code_url = apex.get(urlsplit(handoff.location).path + "?" + urlsplit(handoff.location).query).location
    landed = visitor.get(urlsplit(code_url).path + "?" + urlsplit(code_url).query)
    assert landed.status_code == 302 and landed.location == "/hearings/"
    assert visitor.get("/api/v1/me").json["email"] == email


def test_a_foreign_return_target_is_dropped(client_for, mail_outbox):
    apex = client_for("localhost")
    email = unique_email("evil")
    signup(apex, email, query="?next=https://evil.example/phish")
    msg = mail_outbox.wait_for(lambda m: email in m["To"] and "Confirm" in m["Subject"])
    confirmed = apex.get(link_in(msg, "/auth/verify/"))
    assert confirmed.location.endswith("/auth/signin")  # no next at all
