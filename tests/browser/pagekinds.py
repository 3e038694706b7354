"""Every kind of page, found in the demo data: shared by ``make screenshots`` (screenshots.py) and
the layout test (test_design.py), so both look at the same pages.

A page kind is ``(name, who, path)`` on one host: ``who`` is ``"guest"``, ``"admin"`` (the
municipality's admin), ``"ngo"`` (an NGO member, on the apex) or ``"operator"``. Paths are found by following the
links of the demo's pages, so they follow the data rather than fixed ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

#: each language shown in the demo municipality that speaks it
MUNICIPALITY_OF = {"el": "orestiada", "bg": "haskovo", "ro": "sector3"}
DEMO_PASSWORD = "demo-password-2026"


@dataclass(frozen=True)
class Kind:
    name: str
    who: str  # guest, admin, ngo, operator
    host: str  # "tenant" or "apex"
    path: str


def first_link(page: Any, pattern: str) -> str | None:
    """The first link on the page whose path matches ``pattern`` (a regular expression)."""
    hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))")
    for href in hrefs:
        path = re.sub(r"^https?://[^/]+", "", href)
        if re.fullmatch(pattern, path.split("?")[0]):
            return path.split("#")[0]
    return None


def sign_in(page: Any, apex_url: str, email: str) -> None:
    """Sign in on the apex through the real form; the operator's two-step verification is
    enrolled (or answered) with the key the page shows, as an authenticator app would."""
    page.goto(f"{apex_url}/auth/signin?lang=en")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    secret = page.locator("[data-testid=totp-secret]")
    if secret.count():
        import pyotp

        key = secret.inner_text().strip()
        page.fill("input[name=code]", pyotp.TOTP(key).now())
        with page.expect_navigation():
            page.locator("main button[type=submit]").click()


def discover(page: Any, tenant_url: str) -> list[Kind]:
    """The municipality's page kinds, found from its home and module pages (as a guest)."""
    kinds = [
        Kind("home", "guest", "tenant", "/"),
        Kind("consultations", "guest", "tenant", "/hearings/"),
        Kind("search", "guest", "tenant", "/search?q=a"),
        Kind("signin-error", "guest", "apex", "/auth/signin"),
        Kind("privacy", "guest", "tenant", "/legal/privacy"),
        Kind("volunteers", "guest", "tenant", "/volunteers/"),
        Kind("councils", "guest", "tenant", "/councils/"),
        Kind("markets", "guest", "tenant", "/markets/"),
        Kind("registry", "guest", "tenant", "/registry/"),
        Kind("surveys", "guest", "tenant", "/surveys/"),
    ]
    page.goto(f"{tenant_url}/hearings/")
    consultation = first_link(page, r"/hearings/consultations/[0-9a-f-]{36}")
    meeting = first_link(page, r"/hearings/meetings/[0-9a-f-]{36}")
    programme = first_link(page, r"/hearings/programmes/[0-9a-f-]{36}")
    if consultation:
        kinds += [
            Kind("consultation", "guest", "tenant", consultation),
            Kind("outcome", "admin", "tenant", consultation + "/outcome"),
            Kind("register", "admin", "tenant", consultation + "/report"),
        ]
    if meeting:
        kinds += [
            Kind("meeting", "guest", "tenant", meeting),
            Kind("speakers", "admin", "tenant", meeting + "/speakers"),
            Kind("checkin", "admin", "tenant", meeting + "/attendees"),
            Kind("minutes", "admin", "tenant", meeting + "/minutes"),
        ]
    if programme:
        kinds.append(Kind("programme", "guest", "tenant", programme))
    page.goto(f"{tenant_url}/volunteers/")
    task = first_link(page, r"/volunteers/tasks/[0-9a-f-]{36}")
    if task:
        kinds.append(Kind("task", "guest", "tenant", task))
    kinds += [
        Kind("admin", "admin", "tenant", "/admin/"),
        Kind("admin-branding", "admin", "tenant", "/admin/branding"),
        Kind("admin-modules", "admin", "tenant", "/admin/modules"),
        Kind("admin-members", "admin", "tenant", "/admin/members"),
        Kind("moderation", "admin", "tenant", "/hearings/moderation"),
        Kind("new-consultation", "admin", "tenant", "/hearings/consultations/new"),
        Kind("dashboard", "ngo", "apex", "/dashboard"),
        Kind("account", "ngo", "apex", "/account"),
        Kind("notifications", "ngo", "apex", "/account/notifications"),
        Kind("apex-home", "guest", "apex", "/"),
        Kind("municipalities", "guest", "apex", "/municipalities"),
        Kind("operator", "operator", "apex", "/operator/"),
        Kind("operator-usage", "operator", "apex", "/operator/usage"),
        Kind("operator-onboard", "operator", "apex", "/operator/tenants/new"),
    ]
    return kinds


def open_kind(page: Any, kind: Kind, *, tenant_url: str, apex_url: str, lang: str) -> Any:
    """Go to the page of ``kind`` in ``lang``; the sign-in form is submitted with a wrong password
    so that its error state is what is shown."""
    base = tenant_url if kind.host == "tenant" else apex_url
    sep = "&" if "?" in kind.path else "?"
    response = page.goto(f"{base}{kind.path}{sep}lang={lang}")
    if kind.name == "signin-error":
        page.fill("input[name=email]", "not-an-address")
        page.fill("input[name=password]", "x")
        with page.expect_navigation():
            page.locator("main button[type=submit]").click()
    return response


OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > width + 1 && getComputedStyle(el).position !== 'fixed') {
      let clipped = false;  // inside a box that scrolls or clips it (a focusable scrolling region)
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') { clipped = true; break; }
      }
      if (!clipped) wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : ''));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 8)};
}"""


def overflow(page: Any) -> list[str]:
    """What sticks out sideways past the viewport (empty when nothing scrolls sideways)."""
    found = page.evaluate(OVERFLOW_JS)
    if found["scrollWidth"] <= found["width"] and not found["wide"]:
        return []
    return [f"page {found['scrollWidth']}px wide in a {found['width']}px viewport: {found['wide']}"]
