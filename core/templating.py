"""Template context shared by every page: tenant, branding, navigation, languages."""

from __future__ import annotations

import re
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


def theme_css(primary: str | None, accent: str | None) -> str:
    """The municipality's colours as CSS custom properties, for ``/theme.css``: a stylesheet file
    rather than an inline ``<style>``, which the Content-Security-Policy refuses. Only hex colours
    are written; anything else is the default."""

    def colour(value: str | None, default: str) -> str:
        return value if value and HEX_COLOUR.fullmatch(value) else default

    primary = colour(primary, DEFAULT_BRANDING["primary_color"])
    accent = colour(accent, DEFAULT_BRANDING["accent_color"])
    return f":root {{ --brand: {primary}; --brand-soft: {accent}; }}\n"


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
    browser's own bubbles in the browser's language. Done once when a template is compiled."""

    FORM = re.compile(r"<form\b(?![^>]*\bnovalidate\b)", re.IGNORECASE)

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return self.FORM.sub("<form novalidate", source)


def role_label(role: str | None) -> str:
    """A membership role as people read it (``staff`` -> «υπάλληλος»), in the current language."""
    from flask_babel import gettext

    names = {"member": "member", "moderator": "moderator", "staff": "staff", "admin": "administrator"}
    if not role:
        return ""
    return gettext(names[role]) if role in names else role


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension(ServerValidation)

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

    @app.template_filter("nl2br")
    def _nl2br(text: str) -> Markup:
        from markupsafe import escape

        return Markup("<br>").join(escape(text).splitlines())
