"""The design holds on every main kind of page (issue 16 §1): nothing scrolls sideways at 390 px,
and no text fails 4.5:1 contrast, axe's "needs review" contrast items counted as failures (a
colour it cannot verify is not a colour that passes). Over the demo's data in el, bg and ro, as a
guest and as the municipality's admin (the staff pages with their link buttons: check-in, the
speaker queue, moderation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.testing.browser import BROWSER, axe_path
from tests.browser.pagekinds import MUNICIPALITY_OF, discover, open_kind, overflow, sign_in

pytestmark = BROWSER
AXE_JS = axe_path(Path(__file__).resolve().parents[2])
#: the main page kinds, each checked in one language (all three languages, a share each: the
#: layout does not change with the language, the length of its words does)
KINDS_BY_LANG = {
    "el": {
        "home",
        "consultation",
        "signin-error",
        "speakers",
        "dashboard",
        "admin",
        "councils",
        "municipalities",
    },
    "bg": {
        "consultations",
        "meeting",
        "checkin",
        "admin-members",
        "moderation",
        "markets",
        "registry",
        "notifications",
    },
    "ro": {"home", "programme", "task", "outcome", "register", "admin-branding", "surveys"},
}


def contrast_problems(page) -> list[str]:
    """axe-core's color-contrast rule: its violations and its incomplete ("needs review") nodes."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        url = page.evaluate("location.origin") + "/__axe-core.min.js"
        routed = page.__dict__.setdefault("_sympraxis_axe_routes", set())
        if url not in routed:
            page.route(url, lambda route: route.fulfill(path=str(AXE_JS), content_type="text/javascript"))
            routed.add(url)
        page.add_script_tag(url=url)
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'rule', values: ['color-contrast']},
            resultTypes: ['violations', 'incomplete'],
        })"""
    )
    return [
        f"{kind}: {node['target']} {(node.get('any') or [{}])[0].get('message', '')}"
        for kind in ("violations", "incomplete")
        for rule in result[kind]
        for node in rule["nodes"]
    ]


@pytest.fixture(scope="module")
def demo(app):
    """The demo's municipalities, seeded once (seed_demo changes nothing if they are there)."""
    from core.extensions import db
    from core.tenancy import invalidate_tenant_cache
    from tenants.demo import seed_demo

    with app.app_context():
        seed_demo()
        db.session.commit()
        invalidate_tenant_cache()
        db.session.remove()


@pytest.mark.parametrize("lang", sorted(KINDS_BY_LANG))
def test_main_pages_fit_390_px_and_every_text_reads(demo, browser, live_server, lang):
    tenant_url = live_server.url(f"{MUNICIPALITY_OF[lang]}.localhost").rstrip("/")
    apex_url = live_server.url().rstrip("/")
    contexts = {"guest": browser.new_context(locale=lang)}
    try:
        probe = contexts["guest"].new_page()
        kinds = [k for k in discover(probe, tenant_url) if k.name in KINDS_BY_LANG[lang]]
        probe.close()
        assert {k.name for k in kinds} == KINDS_BY_LANG[lang]  # the demo has each kind of page
        accounts = {"admin": f"admin@{MUNICIPALITY_OF[lang]}.example", "ngo": "ngo@example.org"}
        for who in {k.who for k in kinds} - {"guest"}:
            contexts[who] = browser.new_context(locale=lang)
            page = contexts[who].new_page()
            sign_in(page, apex_url, accounts[who])
            page.goto(f"{tenant_url}/auth/signin")  # the hand-off: signed in on the municipality
            page.close()
        problems = []
        for kind in kinds:
            page = contexts[kind.who].new_page()
            page.set_viewport_size({"width": 390, "height": 844})
            response = open_kind(page, kind, tenant_url=tenant_url, apex_url=apex_url, lang=lang)
            assert response.status < 400, (kind, response.status)
            assert page.locator("html").get_attribute("lang") == lang, kind
            problems += [f"{kind.name} at 390 px: {p}" for p in overflow(page)]
            problems += [f"{kind.name} at 390 px: {p}" for p in contrast_problems(page)]
            if kind.name in {"home", "speakers", "admin"}:  # the desktop header and side navigation
                page.set_viewport_size({"width": 1280, "height": 900})
                problems += [f"{kind.name} at 1280 px: {p}" for p in contrast_problems(page)]
            page.close()
        assert not problems, "\n".join(problems)
    finally:
        for ctx in contexts.values():
            ctx.close()


def test_link_buttons_read_on_the_page_body(demo, browser, live_server):
    """The check-in button of the attendance list (a .link-button, once white on white) is drawn
    in the page's link colour: dark on the white card, and a tap target of at least 44 px."""
    tenant_url = live_server.url("haskovo.localhost").rstrip("/")
    context = browser.new_context(locale="bg")
    try:
        page = context.new_page()
        sign_in(page, live_server.url().rstrip("/"), "admin@haskovo.example")
        page.goto(f"{tenant_url}/auth/signin")
        kinds = {k.name: k for k in discover(page, tenant_url)}
        open_kind(page, kinds["checkin"], tenant_url=tenant_url, apex_url="", lang="bg")
        button = page.locator("main .link-button").first
        colour, height = button.evaluate("b => [getComputedStyle(b).color, b.getBoundingClientRect().height]")
        assert colour not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"), colour
        assert height >= 44
        # the speaker queue's title is only its title (its script once sat inside <title>)
        open_kind(page, kinds["speakers"], tenant_url=tenant_url, apex_url="", lang="bg")
        assert "<" not in page.title() and "function" not in page.title()
        assert page.locator("head title").count() == 1
    finally:
        context.close()
