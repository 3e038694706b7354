"""Template context shared by every page: tenant, branding, navigation, languages."""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

from flask import Flask, g, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from jinja2.ext import Extension
from markupsafe import Markup

from core.tenancy import current_tenant

LANGUAGE_NAMES = {"el": "Ελληνικά", "bg": "Български", "ro": "Română", "en": "English"}
DEFAULT_BRANDING = {"primary_color": "#1d4e89", "accent_color": "#f2f5f9", "logo_url": None}
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def luminance(hex_colour: str) -> float:
    """WCAG 2.1 relative luminance."""

    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(background: str) -> str:
    """White or near-black, whichever reads on ``background`` (white while it reaches 4.5:1)."""
    return "#ffffff" if contrast("#ffffff", background) >= 4.5 else "#111111"


def readable_on(colour: str, backgrounds: tuple[str, ...], ratio: float = 4.5) -> str:
    """``colour`` darkened just enough to reach ``ratio`` on every background: a municipality's
    light brand colour still gives links and outlines that can be read."""
    rgb = _rgb(colour)
    for step in range(21):
        candidate = _hex(tuple(c * (1 - step / 20) for c in rgb))
        if all(contrast(candidate, bg) >= ratio for bg in backgrounds):
            return candidate
    return "#000000"


def soft_background(accent: str) -> str:
    """The accent as a light surface: lightened until near-black text reads on it at 7:1."""
    rgb = _rgb(accent)
    for step in range(21):
        candidate = _hex(tuple(c + (255 - c) * step / 20 for c in rgb))
        if contrast("#111111", candidate) >= 7:
            return candidate
    return "#ffffff"


def theme_css(primary: str | None, accent: str | None) -> str:
    """The municipality's colours as CSS custom properties, for ``/theme.css``: a stylesheet file
    rather than an inline ``<style>``, which the Content-Security-Policy refuses. Only hex colours
    are written; anything else is the default. Bootstrap's own properties (``--bs-primary``,
    ``--bs-link-color``...) are mapped from them, each text colour checked for 4.5:1 contrast, so
    any colour a municipality picks gives readable links, buttons and header."""

    def colour(value: str | None, default: str) -> str:
        return value if value and HEX_COLOUR.fullmatch(value) else default

    primary = colour(primary, DEFAULT_BRANDING["primary_color"])
    accent = colour(accent, DEFAULT_BRANDING["accent_color"])
    soft = soft_background(accent)
    link = readable_on(primary, ("#ffffff", soft, "#f8f9fa"))
    hover = readable_on(link, ("#ffffff",), 7)
    on_primary = text_on(primary)
    props = {
        "--brand": primary,
        "--brand-soft": accent,
        "--brand-contrast": on_primary,
        "--brand-surface": soft,
        "--brand-link": link,
        "--brand-link-hover": hover,
        "--bs-primary": primary,
        "--bs-primary-rgb": ", ".join(str(c) for c in _rgb(primary)),
        "--bs-link-color": link,
        "--bs-link-color-rgb": ", ".join(str(c) for c in _rgb(link)),
        "--bs-link-hover-color": hover,
        "--bs-link-hover-color-rgb": ", ".join(str(c) for c in _rgb(hover)),
        "--bs-primary-text-emphasis": hover,
        "--bs-primary-bg-subtle": soft,
        "--bs-primary-border-subtle": link,
    }
    body = " ".join(f"{k}: {v};" for k, v in props.items())
    return f":root {{ {body} }}\n"


def available_locales() -> list[str]:
    from flask import current_app

    tenant = current_tenant()
    if tenant is not None:
        return [loc for loc in current_app.config["SUPPORTED_LOCALES"] if loc in tenant.locales]
    return list(current_app.config["SUPPORTED_LOCALES"])


def navigation_items() -> list[Any]:
    from core.plugins import registry

    tenant = current_tenant()
    if tenant is None:
        return []
    if "_nav_items" in g:
        return g._nav_items
    from core.plugins import enabled_plugins

    account = current_user if current_user.is_authenticated else None
    reg = registry()
    items = []
    # one plugin at a time: a plugin that raises loses its menu entry, not the whole page
    for name in sorted(enabled_plugins(tenant)):
        try:
            for result in reg.only("sympraxis_navigation", {name})(tenant=tenant, account=account):
                items.extend(result or [])
        except Exception as exc:
            reg.record_error(name, "sympraxis_navigation", exc)
    g._nav_items = sorted(items, key=lambda i: (i.order, i.label))
    return g._nav_items


class ServerValidation(Extension):
    """Every form of every template (the core's and the plugins') gets ``novalidate``: the messages
    a person reads are the server's, in their language and with the form kept filled, never the
    browser's own bubbles in the browser's language. A form that posts also gets its
    one-submission token (:mod:`core.form_once`). Done once when a template is compiled."""

    FORM = re.compile(r"<form\b(?![^>]*\bnovalidate\b)", re.IGNORECASE)
    #: the opening tag of a form that posts: it gets the one-submission token (core.form_once)
    POST_FORM = re.compile(r"(<form\b[^>]*\bmethod\s*=\s*[\"']?post\b[^>]*>)", re.IGNORECASE)

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        source = self.FORM.sub("<form novalidate", source)
        return self.POST_FORM.sub(r"\1{{ _form_once_field() }}", source)


def role_label(role: str | None) -> str:
    """A membership role as people read it (``staff`` -> «υπάλληλος»), in the current language."""
    from flask_babel import gettext

    names = {"member": "member", "moderator": "moderator", "staff": "staff", "admin": "administrator"}
    if not role:
        return ""
    return gettext(names[role]) if role in names else role


def init_app(app: Flask) -> None:
    from core.form_once import form_once_field

    app.jinja_env.add_extension(ServerValidation)
    app.jinja_env.globals["_form_once_field"] = form_once_field

    @app.context_processor
    def _context() -> dict[str, Any]:
        tenant = current_tenant()
        branding = dict(DEFAULT_BRANDING)
        if tenant is not None:
            branding.update({k: v for k, v in tenant.branding.items() if v})
        return {
            "tenant": tenant,
            "branding": branding,
            "current_locale": str(get_locale()),
            "available_locales": available_locales(),
            "language_names": LANGUAGE_NAMES,
            "navigation_items": navigation_items,
            "is_apex": tenant is None,
        }

    @app.template_global()
    def url_with_lang(lang: str) -> str:
        args = dict(request.args)
        args["lang"] = lang
        return url_for(request.endpoint or "core.home", **(request.view_args or {}), **args)

    app.add_template_global(role_label)

    @app.template_global()
    def country_name(code: str | None) -> str:
        """A country's name in the page's language, from its ISO 3166 code (``RO`` -> «România»)."""
        from babel import Locale

        if not code:
            return ""
        locale = get_locale() or Locale("en")
        return locale.territories.get(code.upper(), code)

    @app.template_global()
    def timezone_name(zone: str | None) -> str:
        """A time zone as people name it (``Europe/Athens`` -> «Ώρα Ανατολικής Ευρώπης (Αθήνα)»)."""
        from babel import Locale
        from babel.dates import get_timezone_location, get_timezone_name

        if not zone:
            return ""
        locale = get_locale() or Locale("en")
        try:
            city = get_timezone_location(zone, locale=locale, return_city=True)
            return f"{get_timezone_name(zone, locale=locale)} ({city})"
        except LookupError:
            return zone

    @app.template_global()
    def header_links() -> dict[str, str | None]:
        """The signed-in header on a municipality's host: the account and dashboard live on the
        apex; ``/admin`` only for the municipality's admins (everyone else would get a 403);
        a guest's "create an account" goes to the apex and back here."""
        from urllib.parse import urlencode

        from core.accounts.models import Role
        from core.permissions import current_role
        from core.tenancy import apex_host, external_url

        tenant = current_tenant()
        role = current_role() if tenant is not None and current_user.is_authenticated else None
        back = external_url(tenant.host, request.full_path) if tenant is not None else None
        query = "?" + urlencode({"next": back}) if back else ""
        return {
            "account": external_url(apex_host(), "/account"),
            "dashboard": external_url(apex_host(), "/dashboard"),
            "admin": url_for("tenant_admin.index") if role is not None and role >= Role.ADMIN else None,
            "signup": external_url(apex_host(), "/auth/signup" + query),
        }

    @app.template_global()
    def current_nav_url(items: list[Any]) -> str | None:
        """The menu entry of the page shown: the longest item URL the path starts with (so
        ``/hearings/moderation`` marks "Moderation", not also "Consultations")."""
        path = request.path
        found = [
            i.url
            for i in items
            if i.url != "/" and (path == i.url or path.startswith(i.url.rstrip("/") + "/"))
        ]
        return max(found, key=len) if found else None

    @app.template_global()
    def aria_current(url: str) -> Markup:
        """`` aria-current="page"`` on the link to the page being shown (side navigations)."""
        return Markup(' aria-current="page"') if request.path == url.split("?")[0] else Markup("")

    @app.template_global()
    def alert_class(category: str) -> str:
        """A flashed message's category as Bootstrap's alert colour."""
        return {
            "error": "alert-danger",
            "danger": "alert-danger",
            "warning": "alert-warning",
            "success": "alert-success",
        }.get(category, "alert-info")

    @app.template_global()
    def print_date() -> str:
        """Today in the municipality's time zone and the reader's language, for printed pages."""
        from datetime import datetime

        from flask_babel import format_date

        return format_date(datetime.now(UTC), "long")

    @app.template_global()
    def url_with_args(**changes: Any) -> str:
        """The current page with some query arguments changed (None drops one): a list's pages
        and filters keep each other."""
        args = dict(request.args.items())
        for key, value in changes.items():
            if value is None:
                args.pop(key, None)
            else:
                args[key] = value
        return url_for(request.endpoint or "core.home", **(request.view_args or {}), **args)

    @app.template_filter("nl2br")
    def _nl2br(text: str) -> Markup:
        from markupsafe import escape

        return Markup("<br>").join(escape(text).splitlines())
