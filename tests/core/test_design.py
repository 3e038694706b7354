"""The theme and the signed-in header (issue 16 §1, §3): any colour a municipality picks gives
readable text, and each person's header links where they may go."""

from __future__ import annotations

import re

import pytest

from core.templating import DEFAULT_BRANDING, contrast, theme_css

COLOURS = ["#0b4f8a", "#7a1f2b", "#1f5f3a", "#767676", "#ffdd00", "#88ccff", "#ffffff", "#000000", "#e30613"]


def properties(css: str) -> dict[str, str]:
    return dict(re.findall(r"(--[a-z-]+): ([^;]+);", css))


@pytest.mark.parametrize("primary", COLOURS)
def test_every_brand_colour_gives_readable_links_buttons_and_header(primary):
    props = properties(theme_css(primary, "#fce4ec"))
    assert props["--brand"] == props["--bs-primary"] == primary  # the municipality's own colour
    assert contrast(props["--brand-contrast"], primary) >= 4.5  # header text on the brand colour
    for background in ("#ffffff", "#f8f9fa", props["--brand-surface"]):
        assert contrast(props["--bs-link-color"], background) >= 4.5, background  # links, buttons
    assert contrast("#111111", props["--brand-surface"]) >= 7
    assert props["--bs-primary-rgb"] == ", ".join(str(int(primary[i : i + 2], 16)) for i in (1, 3, 5))


def test_a_colour_that_reads_keeps_itself_and_anything_else_is_the_default():
    assert properties(theme_css("#0b4f8a", None))["--bs-link-color"] == "#0b4f8a"  # not darkened
    props = properties(theme_css("red;} body{display:none", "url(x)"))
    assert props["--brand"] == DEFAULT_BRANDING["primary_color"]
    assert props["--brand-soft"] == DEFAULT_BRANDING["accent_color"]


def test_the_theme_route_serves_the_mapping(client_for):
    response = client_for("localhost").get("/theme.css?p=%23ffdd00")
    css = response.get_data(as_text=True)
    assert response.mimetype == "text/css"
    assert "--bs-primary: #ffdd00;" in css and "--brand-contrast: #111111;" in css


def _header(page: str) -> str:
    return page[page.index('<nav class="account-nav"') :].split("</nav>", 1)[0]


def test_signed_in_header_on_a_municipality(tenant_factory, tenant_client, sign_in, account_factory):
    """Everyone signed in gets the account and the apex dashboard; only admins /admin (staff
    would be refused there)."""
    t = tenant_factory()
    admin = _header(
        sign_in(tenant_client(t), account_factory(memberships={t: "admin"})).get("/").get_data(as_text=True)
    )
    staff = _header(
        sign_in(tenant_client(t), account_factory(memberships={t: "staff"})).get("/").get_data(as_text=True)
    )
    for header in (admin, staff):
        assert re.search(r'href="http://localhost(:\d+)?/account"', header)  # the account is on the apex
        assert re.search(r'href="http://localhost(:\d+)?/dashboard"', header)
        assert "Sign out" in header
    assert 'href="/admin/"' in admin
    assert 'href="/admin/"' not in staff


def test_guests_are_offered_an_account_that_brings_them_back(tenant_factory, tenant_client):
    t = tenant_factory()
    header = _header(tenant_client(t).get("/?lang=en").get_data(as_text=True))
    (signup,) = re.findall(r'href="([^"]*/auth/signup[^"]*)"', header)
    assert signup.startswith("http://localhost") and "next=" in signup
    assert "Create an account" in header and "Sign in" in header


def test_the_menu_marks_one_entry_the_longest_match(app):
    """On /hearings/moderation the menu marks "Moderation", not also "Consultations" (/hearings/)."""
    from types import SimpleNamespace as Item

    current = app.jinja_env.globals["current_nav_url"]
    items = [Item(url="/hearings/"), Item(url="/hearings/moderation"), Item(url="/volunteers/")]
    for path, expected in (
        ("/hearings/moderation", "/hearings/moderation"),
        ("/hearings/consultations/x", "/hearings/"),
        ("/hearings-archive/", None),  # a prefix of the text, not of the path
        ("/", None),
    ):
        with app.test_request_context(path):
            assert current(items) == expected, path


def test_base_layout_variables_cannot_shadow_a_pages_own():
    """A variable base.html sets is seen by every page's blocks: its ``current`` (the menu's
    current entry) replaced a markets page's own ``current`` dict and the page answered 500. The
    layout's own names start with an underscore, which no page passes."""
    import re
    from pathlib import Path

    base = (Path(__file__).resolve().parents[2] / "core" / "templates" / "base.html").read_text()
    names = re.findall(r"{%-?\s*set\s+([A-Za-z_][A-Za-z0-9_]*)", base)
    assert names, "base.html sets no variable: the test looks at the wrong file"
    assert [n for n in names if not n.startswith("_")] == []
