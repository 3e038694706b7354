"""The HTML part of every mail: the municipality's name, logo and colour around the text.

Callers write the plain text (the part every mail program shows); :func:`core.mail.send_mail`
adds this HTML alternative to any mail that has none, so every notification is branded the same
way without each plugin writing HTML: paragraphs from the text's blank lines, addresses made
links, then the signature, and the footer (:mod:`core.legal.footer`) after it.
"""

from __future__ import annotations

import re

from flask import render_template
from flask_babel import get_locale
from markupsafe import Markup, escape

from core.legal.footer import _tenant
from core.tenancy import external_url

DEFAULT_PRIMARY = "#1d4e89"
_HEX = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def _luminance(hex_colour: str) -> float:
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def text_colour_on(background: str) -> str:
    """White or black, whichever reads better on ``background`` (WCAG contrast)."""
    lum = _luminance(background)
    return "#ffffff" if (1.05 / (lum + 0.05)) >= (lum + 0.05) / 0.05 else "#000000"


def _paragraph(text: str) -> Markup:
    """One paragraph of the text: escaped, addresses as links, line breaks kept."""
    html, last = [], 0
    for match in _URL.finditer(text):
        html.append(escape(text[last : match.start()]))
        html.append(Markup('<a href="{0}" style="color:#1d4e89;">{0}</a>').format(match.group(0)))
        last = match.end()
    html.append(escape(text[last:]))
    return Markup("<br>").join(Markup("").join(html).split("\n"))


def branded_html(subject: str, text: str) -> str:
    """The HTML alternative of a mail whose plain text is ``text``."""
    tenant = _tenant()
    branding = dict(tenant.branding) if tenant is not None else {}
    primary = branding.get("primary_color") or DEFAULT_PRIMARY
    if not _HEX.fullmatch(primary):
        primary = DEFAULT_PRIMARY
    host = (tenant.primary_host or tenant.host) if tenant is not None else None
    logo = branding.get("logo_url")
    if logo and logo.startswith("/") and host:
        logo = external_url(host, logo)
    elif logo and not logo.startswith("https://"):
        logo = None
    sender = tenant.name if tenant is not None else "Sympraxis"
    paragraphs = [_paragraph(p.strip("\n")) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    signature = Markup("{}<br>{}").format(sender, _paragraph(external_url(host, "/"))) if host else sender
    return render_template(
        "core/mail/layout.html",
        lang=str(get_locale() or "en"),
        subject=subject,
        sender=sender,
        logo_url=logo,
        primary=primary,
        on_primary=text_colour_on(primary),
        paragraphs=paragraphs,
        signature=signature,
    )
