"""The issue's flow in a real browser: sign up, verify by mail, sign in on the apex, arrive signed in
on two municipalities' hosts through the one-time-code hand-off; host-only cookies."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from core.testing.browser import BROWSER, sign_in_through_form

pytestmark = BROWSER

LINK = re.compile(r"http://\S+/auth/verify/\S+")


def test_sign_up_verify_sign_in_and_arrive_on_two_municipalities(
    page, context, live_server, mail_outbox, tenant_factory
):
    orestiada = tenant_factory(name="Orestiada Test", locale="el", locales=["el", "en"])
    haskovo = tenant_factory(name="Haskovo Test", locale="bg", locales=["bg", "en"])
    email = f"citizen-{uuid.uuid4().hex[:8]}@example.org"
    password = "a long enough passphrase"

    # sign up on the apex with the real form (CSRF token included)
    page.goto(live_server.url(path="/auth/signup?lang=en"))
    page.get_by_label("Your name").fill("Eleni Browser")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Create an account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    # signing in before verification is refused
    sign_in_through_form(page, live_server, email, password)
    assert "confirm your email address first" in page.content()

    # the verification link, read from the mail the SMTP server received
    message = mail_outbox.wait_for(lambda m: email in (m["To"] or "") and "Confirm" in m["Subject"])
    link = LINK.search(mail_outbox.body(message)).group(0)
    assert link.startswith(live_server.url(path="/auth/verify/"))
    page.goto(link)
    assert "Your email address is confirmed" in page.content()

    sign_in_through_form(page, live_server, email, password)
    assert page.url == live_server.url(path="/")
    expect(page.get_by_role("link", name="Eleni Browser")).to_be_visible()

    redeem_urls: list[str] = []
    # each municipality: /auth/signin -> apex hand-off -> one-time code -> back, signed in
    for tenant in (orestiada, haskovo):
        hops: list[str] = []

        def record(request, hops=hops):
            if request.is_navigation_request():
                hops.append(request.url)

        page.on("request", record)
        page.goto(live_server.tenant_url(tenant, "/auth/signin?lang=en"))
        page.remove_listener("request", record)
        paths = [h.split("?")[0] for h in hops]
        assert paths[:3] == [
            live_server.tenant_url(tenant, "/auth/signin"),
            live_server.url(path="/auth/handoff"),
            live_server.tenant_url(tenant, "/auth/redeem"),
        ], hops
        redeem_urls.append(hops[2])
        assert page.url.startswith(live_server.tenant_url(tenant, "/"))
        assert "/auth/redeem" not in page.url  # the code is consumed and the URL left behind
        expect(page.get_by_text("Signed in as Eleni Browser")).to_be_visible()

    # host-only cookies: one per municipality host, none for a parent domain
    cookies = context.cookies()
    session_cookies = {c["domain"]: c for c in cookies if c["name"] == "sympraxis_session"}
    assert set(session_cookies) >= {"localhost", orestiada.primary_host, haskovo.primary_host}
    assert not any(c["domain"].startswith(".") for c in cookies)

    # a captured hand-off link is worth nothing in another browser (used, and bound to a nonce)
    fresh = context.browser.new_context()
    try:
        other = fresh.new_page()
        other.goto(redeem_urls[0])
        assert "That sign-in link has expired or was already used" in other.content()
        assert "Signed in as" not in other.content()
        expect(other.get_by_role("link", name="Sign in")).to_be_visible()
    finally:
        fresh.close()


def test_a_municipality_cookie_is_not_sent_to_another(
    page, context, live_server, account_factory, tenant_factory
):
    first = tenant_factory(name="First Town")
    second = tenant_factory(name="Second Town")
    account = account_factory(name="Cookie Checker")

    sign_in_through_form(page, live_server, account.email, account.password)
    page.goto(live_server.tenant_url(first, "/auth/signin?lang=en"))
    expect(page.get_by_text("Signed in as Cookie Checker")).to_be_visible()
    first_cookie = next(
        c for c in context.cookies(live_server.tenant_url(first)) if c["name"] == "sympraxis_session"
    )
    assert first_cookie["domain"] == first.primary_host  # host-only

    # forget the apex session so the second host cannot sign in through a hand-off
    context.clear_cookies(domain="localhost")
    sent: list[str] = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.all_headers().get("cookie", ""))
            if request.url.startswith(live_server.tenant_url(second))
            else None
        ),
    )
    page.goto(live_server.tenant_url(second, "/?lang=en"))
    assert sent, "no request reached the second host"
    assert all(first_cookie["value"] not in header for header in sent)
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    assert "Signed in as" not in page.content()

    # and the first host still knows the person
    page.goto(live_server.tenant_url(first, "/?lang=en"))
    expect(page.get_by_text("Signed in as Cookie Checker")).to_be_visible()
