"""The consultation page's "More comments" in a real browser, in Greek: with JavaScript it loads
an article's threads from the API in place (filling the previewed thread's replies), without it the
link opens the article's pages; both pages pass axe-core and do not overflow at 390 px."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core.testing.browser import BROWSER
from plugins.hearings.comments.services import PREVIEW_THREADS, THREADS_PER_PAGE
from tests.browser.pagekinds import overflow
from tests.plugins.hearings.conftest import make_consultation
from tests.plugins.hearings.test_comment_pages import _thread

pytestmark = BROWSER
SHOTS = Path(os.environ.get("SYMPRAXIS_SCREENSHOTS", "/tmp/perf_shots"))
THREADS = THREADS_PER_PAGE + 5


@pytest.fixture
def consultation(app, tenant_factory):
    tenant = tenant_factory(name="Δήμος Δοκιμής", plugins=["hearings"], locale="el", locales=["el", "en"])
    c = make_consultation(app, tenant, title="Σχέδιο κοινωνικής δράσης")
    _thread(app, tenant, c, 0, THREADS, replies=2)
    return tenant, c


@pytest.mark.parametrize("width", [1280, 390])
def test_more_comments_loads_from_the_api_in_place(chromium, live_server, consultation, axe, width):
    tenant, c = consultation
    context = chromium.new_context(locale="el-GR", viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(live_server.tenant_url(tenant, f"/hearings/consultations/{c['id']}"))
        article = page.locator(f"#article-{c['articles'][0]}")
        threads = article.locator("ul.comments > li.comment")
        expect(threads).to_have_count(PREVIEW_THREADS)
        assert not axe(page), "consultation page"
        assert not overflow(page), "consultation page"
        page.screenshot(path=str(SHOTS / f"consultation-preview-el-{width}.png"), full_page=False)
        more = article.get_by_role("link", name="Περισσότερα σχόλια")
        with page.expect_response(
            lambda r: "/api/v1/hearings/consultations/" in r.url and "/threads" in r.url
        ):
            more.click()
        expect(threads).to_have_count(THREADS_PER_PAGE)
        # the previewed thread got the replies the preview left out, once each
        expect(article.locator("li.comment >> text=Reply 0.1")).to_have_count(1)
        expect(article.locator(".more-replies")).to_have_count(0)
        assert page.url.endswith(f"/hearings/consultations/{c['id']}")  # stayed on the page
        with page.expect_response(lambda r: "page=2" in r.url):
            more.click()
        expect(threads).to_have_count(THREADS)
        expect(more).to_have_count(0)  # nothing left to load
        expect(article.get_by_text(f"Thread {THREADS - 1}", exact=True)).to_be_visible()
        assert not axe(page), "consultation page, all comments loaded"
        assert not overflow(page), "consultation page, all comments loaded"
        article.locator("ul.comments").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"consultation-loaded-el-{width}.png"), full_page=False)
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_without_javascript_the_link_opens_the_articles_pages(
    chromium, live_server, consultation, axe, width
):
    tenant, c = consultation
    viewport = {"width": width, "height": 900}
    context = chromium.new_context(locale="el-GR", java_script_enabled=False, viewport=viewport)
    try:
        page = context.new_page()
        page.goto(live_server.tenant_url(tenant, f"/hearings/consultations/{c['id']}"))
        page.locator(f"#article-{c['articles'][0]}").get_by_role("link", name="Περισσότερα σχόλια").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Σχόλια στο άρθρο")
        expect(page.locator("ul.comments > li.comment")).to_have_count(THREADS_PER_PAGE)
        expect(page.get_by_text("Σελίδα 1 από 2")).to_be_visible()
        address = page.url
        page.get_by_role("link", name="Επόμενη").first.click()
        expect(page.locator("ul.comments > li.comment")).to_have_count(THREADS - THREADS_PER_PAGE)
    finally:
        context.close()
    # axe-core runs as a script: the same page, in a browser with JavaScript
    context = chromium.new_context(locale="el-GR", viewport=viewport)
    try:
        page = context.new_page()
        page.goto(address)
        assert not axe(page), "article comments page"
        assert not overflow(page), "article comments page"
        page.screenshot(path=str(SHOTS / f"article-comments-el-{width}.png"), full_page=False)
    finally:
        context.close()
