"""The notices: shipped templates, the municipality's edited versions, and rendering them.

A notice is Markdown with placeholders in double square brackets, ``[[municipality]]``, filled
when the page is shown from the municipality's settings (:class:`~core.legal.models.LegalSettings`),
the operator's configuration (``OPERATOR_*``, ``SUB_PROCESSORS``), the per-country facts
(:mod:`core.legal.countries`) and the personal data declarations. So staff edit the wording
while the facts stay current: a retention period changed in the settings is at once the one the
privacy notice states. A placeholder on a line of its own that stands for a block (the table of
processing, the list of sub-processors) is replaced by that block.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from typing import Any

import markdown as md
import nh3
import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from core.extensions import db
from core.legal.countries import fact
from core.legal.declarations import Processing, declarations
from core.legal.models import AssessmentMethod, Conformance, LegalNotice, LegalSettings, NoticeKind
from core.tenancy import TenantInfo, apex_host, external_url

#: When the shipped templates were last revised (the date an unedited notice shows).
SHIPPED_ON = dt.date(2026, 12, 1)
SHIPPED_DIR = os.path.join(os.path.dirname(__file__), "shipped")
#: The languages templates are shipped in (every language the platform offers).
SHIPPED_LOCALES = ("el", "bg", "ro", "en")
MAX_BODY = 60_000

KINDS = tuple(k.value for k in NoticeKind)
TITLES = {
    "privacy": _l("Privacy notice"),
    "accessibility": _l("Accessibility statement"),
    "terms": _l("Terms of use"),
    "moderation": _l("Moderation rules"),
}
APEX_PRIVACY = "apex_privacy"

PLACEHOLDER = re.compile(r"\[\[([a-z_]+)\]\]")
BLOCK_LINE = re.compile(r"<p>\s*\[\[([a-z_]+)\]\]\s*</p>")

#: What each placeholder stands for (shown to staff beside the editor).
PLACEHOLDERS = {
    "municipality": _l("the municipality's legal name"),
    "address": _l("its postal address"),
    "email": _l("its e-mail address"),
    "phone": _l("its telephone number"),
    "dpo": _l("the data protection officer's name and contact"),
    "website": _l("the address of this site"),
    "operator": _l("the platform operator (the processor)"),
    "operator_contact": _l("the operator's address and e-mail"),
    "operator_dpo": _l("the operator's data protection contact"),
    "account_notice": _l("a link to the privacy notice of the platform account"),
    "supervisory_authority": _l("the data protection authority of the municipality's country"),
    "data_protection_law": _l("the country's data protection law"),
    "accessibility_law": _l("the country's law on the accessibility of public sector websites"),
    "enforcement_body": _l("the body of the accessibility enforcement procedure"),
    "conformance_status": _l("the compliance status sentence"),
    "assessed_on": _l("the date the accessibility statement was prepared"),
    "assessment_method": _l("how the accessibility was assessed"),
    "reviewed_on": _l("the date the accessibility statement was last reviewed"),
    "accessibility_contact": _l("the e-mail address for accessibility feedback"),
    "feedback_form": _l("a link to the accessibility feedback form"),
    "privacy_notice": _l("a link to the privacy notice"),
    "accessibility_statement": _l("a link to the accessibility statement"),
    "terms": _l("a link to the terms of use"),
    "moderation_rules": _l("a link to the moderation rules"),
    "processing": _l("the table of what data is processed, why, on which basis and for how long"),
    "sub_processors": _l("the list of the operator's sub-processors"),
}
BLOCKS = frozenset({"processing", "sub_processors"})

#: What a notice must keep: the law requires these facts in it.
REQUIRED = {
    "privacy": ("municipality", "dpo", "operator", "processing", "sub_processors", "supervisory_authority"),
    "accessibility": (
        "municipality",
        "accessibility_law",
        "conformance_status",
        "assessed_on",
        "feedback_form",
        "enforcement_body",
    ),
    "terms": (),
    "moderation": (),
    APEX_PRIVACY: ("operator", "operator_contact", "processing", "sub_processors", "supervisory_authority"),
}


# --- texts --------------------------------------------------------------------------------------


def notice_locale(locale: str | None) -> str:
    """The language a notice is shown in: the page's, when a template is shipped in it."""
    return locale if locale in SHIPPED_LOCALES else "en"


def shipped_text(kind: str, locale: str) -> str:
    """The template shipped for ``kind`` (a notice kind or ``apex_privacy``) in ``locale``."""
    if kind not in (*KINDS, APEX_PRIVACY):
        raise KeyError(kind)
    path = os.path.join(SHIPPED_DIR, notice_locale(locale), f"{kind}.md")
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def edited_notice(kind: str, locale: str) -> LegalNotice | None:
    """The active municipality's edited notice of ``kind`` in ``locale``, if its staff wrote one."""
    return db.session.execute(
        sa.select(LegalNotice).where(LegalNotice.kind == kind, LegalNotice.locale == locale)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class NoticeText:
    kind: str
    locale: str
    body: str
    edited: LegalNotice | None

    @property
    def updated_on(self) -> dt.date:
        return self.edited.updated_at.date() if self.edited is not None else SHIPPED_ON


def current_text(kind: str, locale: str) -> NoticeText:
    """What the active municipality shows for ``kind`` in ``locale``: its edit, else the template."""
    locale = notice_locale(locale)
    edited = edited_notice(kind, locale)
    body = edited.body if edited is not None else shipped_text(kind, locale)
    return NoticeText(kind, locale, body, edited)


def check_body(kind: str, body: str) -> list[str]:
    """Why ``body`` cannot be saved as the notice ``kind`` (an empty list: it can)."""
    problems = []
    if not body.strip():
        problems.append(_("The text is empty."))
    if len(body) > MAX_BODY:
        problems.append(_("Use at most %(n)d characters.", n=MAX_BODY))
    used = set(PLACEHOLDER.findall(body))
    unknown = sorted(used - set(PLACEHOLDERS))
    if unknown:
        problems.append(_("Unknown placeholders: %(names)s.", names=", ".join(f"[[{n}]]" for n in unknown)))
    missing = [n for n in REQUIRED[kind] if n not in used]
    if missing:
        problems.append(
            ngettext(
                "The law requires this notice to state %(names)s: keep the placeholder.",
                "The law requires this notice to state %(names)s: keep the placeholders.",
                len(missing),
                names=", ".join(f"[[{n}]]" for n in missing),
            )
        )
    return problems


# --- rendering ----------------------------------------------------------------------------------


def render_markdown(text: str) -> str:
    """Markdown to HTML, sanitised by nh3 (no script, no event handler, safe links)."""
    html = md.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(html, link_rel="noopener noreferrer")


def fill(html: str, values: dict[str, Markup]) -> Markup:
    """Replace the placeholders of sanitised ``html`` by their (escaped or generated) values."""

    def block(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(values[name]) if name in BLOCKS and name in values else match.group(0)

    def inline(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return str(value) if value is not None else match.group(0)

    return Markup(PLACEHOLDER.sub(inline, BLOCK_LINE.sub(block, html)))  # noqa: S704 - escaped or generated


def _missing() -> Markup:
    return Markup('<span class="legal-missing">{}</span>').format(_("(not yet entered by the municipality)"))


def _text(value: str | None) -> Markup:
    return escape(value) if value else _missing()


def _mailto(address: str | None) -> Markup:
    if not address:
        return _missing()
    return Markup('<a href="mailto:{0}">{0}</a>').format(address)


def _link(url: str, label: Any) -> Markup:
    return Markup('<a href="{}">{}</a>').format(url, label)


def _date(value: dt.date | None) -> Markup:
    return escape(format_date(value, "long")) if value else _missing()


def conformance_sentence(conformance: str) -> str:
    if conformance == Conformance.FULL:
        return _(
            "This website is fully compliant with EN 301 549 V3.2.1 (2021-03), which includes the Web "
            "Content Accessibility Guidelines (WCAG) 2.1 at level AA."
        )
    if conformance == Conformance.NONE:
        return _(
            "This website is not compliant with EN 301 549 V3.2.1 (2021-03) (WCAG 2.1 at level AA). The "
            "non-compliances are listed below."
        )
    return _(
        "This website is partially compliant with EN 301 549 V3.2.1 (2021-03) (WCAG 2.1 at level AA), "
        "due to the non-compliances listed below."
    )


def assessment_method_label(method: str) -> str:
    if method == AssessmentMethod.THIRD_PARTY:
        return _("an assessment carried out by a third party")
    return _(
        "a self-assessment by the municipality, supported by the automated WCAG 2.1 AA checks the "
        "platform runs on every page kind"
    )


def retention_text(p: Processing) -> str:
    """How long the data is kept there: the days in force (with the note, when it says from when)."""
    note = str(p.declaration.retention_note or "")
    if p.retention_days is None:
        return note
    days = ngettext("%(num)d day", "%(num)d days", p.retention_days)
    return f"{days} ({note})" if note else days


def processing_block(processing: list[Processing]) -> Markup:
    """The data, purposes, bases, recipients and retention, one section per declaration."""
    if not processing:
        return Markup("<p>{}</p>").format(_("No personal data is processed on these pages."))
    row = Markup("<dt>{}</dt><dd>{}</dd>")
    parts = []
    for p in processing:
        d = p.declaration
        basis = escape(d.legal_basis_label)
        if d.special_category_label:
            basis += Markup("<br>") + escape(d.special_category_label)
        items = [
            row.format(_("Data"), "; ".join(str(c) for c in d.categories)),
            row.format(_("Purpose"), d.purpose),
            Markup("<dt>{}</dt><dd>{}</dd>").format(_("Legal basis"), basis),
        ]
        if d.data_subjects:
            items.insert(0, row.format(_("Whose data"), "; ".join(str(s) for s in d.data_subjects)))
        items.append(
            row.format(
                _("Recipients"),
                "; ".join(str(r) for r in d.recipients) if d.recipients else _("only the controller's staff"),
            )
        )
        items.append(row.format(_("Kept for"), retention_text(p)))
        parts.append(
            Markup('<section class="legal-processing"><h3>{}</h3><dl>{}</dl></section>').format(
                d.title, Markup("").join(items)
            )
        )
    return Markup("").join(parts)


def sub_processor_list() -> list[dict[str, str]]:
    """The operator's sub-processors from ``SUB_PROCESSORS`` (name, purpose, location), the
    purpose in the page's language when given per language (``{"en": …, "el": …}``)."""
    locale = str(get_locale() or "en")
    out = []
    for entry in current_app.config.get("SUB_PROCESSORS") or []:
        purpose = entry.get("purpose", "")
        if isinstance(purpose, dict):
            purpose = purpose.get(locale) or purpose.get("en") or next(iter(purpose.values()), "")
        out.append(
            {
                "name": str(entry.get("name", "")),
                "purpose": str(purpose),
                "location": str(entry.get("location", "")),
            }
        )
    return out


def sub_processors_block() -> Markup:
    rows = sub_processor_list()
    if not rows:
        return Markup("<p>{}</p>").format(_("The operator uses no sub-processors."))
    head = Markup(
        '<thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead>'
    ).format(_("Sub-processor"), _("Purpose"), _("Location"))
    body = Markup("").join(
        Markup("<tr><td>{}</td><td>{}</td><td>{}</td></tr>").format(r["name"], r["purpose"], r["location"])
        for r in rows
    )
    return Markup('<table class="legal-table">{}<tbody>{}</tbody></table>').format(head, body)


def operator_values() -> dict[str, Markup]:
    cfg = current_app.config
    contact = ", ".join(v for v in (cfg.get("OPERATOR_ADDRESS"), cfg.get("OPERATOR_EMAIL")) if v)
    return {
        "operator": _text(cfg.get("OPERATOR_NAME")),
        "operator_contact": _text(contact),
        "operator_dpo": _mailto(cfg.get("OPERATOR_DPO_EMAIL") or cfg.get("OPERATOR_EMAIL")),
        "sub_processors": sub_processors_block(),
        "account_notice": _link(
            external_url(apex_host(), "/legal/privacy"), _("privacy notice of the platform account")
        ),
    }


def settings_row() -> LegalSettings | None:
    """The active municipality's controller identity and accessibility facts (None: not entered)."""
    return db.session.execute(sa.select(LegalSettings)).scalar_one_or_none()


def municipality_values(tenant: TenantInfo, settings: LegalSettings | None, locale: str) -> dict[str, Markup]:
    """Every placeholder's value for a municipality's notices."""
    s = settings or LegalSettings()
    dpo_parts = []
    if s.dpo_name:
        dpo_parts.append(escape(s.dpo_name))
    if s.dpo_email:
        dpo_parts.append(_mailto(s.dpo_email))
    if s.dpo_phone:
        dpo_parts.append(escape(s.dpo_phone))
    processing, _failed = declarations(tenant.id, controller="municipality")
    host = tenant.primary_host or tenant.host
    values = {
        **operator_values(),
        "municipality": escape(s.legal_name or tenant.name),
        "address": _text(s.address),
        "email": _mailto(s.email),
        "phone": _text(s.phone),
        "dpo": Markup(", ").join(dpo_parts) if dpo_parts else _missing(),
        "website": _link(external_url(host, "/"), external_url(host, "/")),
        "conformance_status": escape(conformance_sentence(s.conformance or Conformance.PARTIAL.value)),
        "assessed_on": _date(s.assessed_on),
        "assessment_method": escape(
            assessment_method_label(s.assessment_method or AssessmentMethod.SELF.value)
        ),
        "reviewed_on": _date(s.reviewed_on or s.assessed_on),
        "accessibility_contact": _mailto(s.accessibility_email or s.email),
        "feedback_form": _link(url_for("legal.feedback"), _("accessibility feedback form")),
        "privacy_notice": _link(url_for("legal.notice", kind="privacy"), _("privacy notice")),
        "accessibility_statement": _link(
            url_for("legal.notice", kind="accessibility"), _("accessibility statement")
        ),
        "terms": _link(url_for("legal.notice", kind="terms"), _("terms of use")),
        "moderation_rules": _link(url_for("legal.notice", kind="moderation"), _("moderation rules")),
        "processing": processing_block(processing),
    }
    for name in ("supervisory_authority", "data_protection_law", "accessibility_law", "enforcement_body"):
        values[name] = escape(fact(tenant.country, name, locale))
    return values


def apex_values(locale: str) -> dict[str, Markup]:
    """Every placeholder's value for the apex's notice (the operator as controller of the account)."""
    processing, _failed = declarations(None, controller="operator")
    country = current_app.config.get("OPERATOR_COUNTRY")
    values = {
        **operator_values(),
        "processing": processing_block(processing),
        "website": _link(external_url(apex_host(), "/"), external_url(apex_host(), "/")),
        "privacy_notice": _link(url_for("legal.notice", kind="privacy"), _("privacy notice")),
    }
    for name in ("supervisory_authority", "data_protection_law"):
        values[name] = escape(fact(country, name, locale))
    return values


def render_notice(tenant: TenantInfo | None, kind: str, locale: str) -> tuple[Markup, dt.date, str]:
    """The HTML of a notice as the public reads it, its date and its language."""
    if tenant is None:
        locale = notice_locale(locale)
        html = render_markdown(shipped_text(APEX_PRIVACY, locale))
        return fill(html, apex_values(locale)), SHIPPED_ON, locale
    text = current_text(kind, locale)
    values = municipality_values(tenant, settings_row(), text.locale)
    return fill(render_markdown(text.body), values), text.updated_on, text.locale


def render_body(tenant: TenantInfo, body: str, locale: str) -> Markup:
    """A draft rendered as it would be published (the editor's preview)."""
    return fill(render_markdown(body), municipality_values(tenant, settings_row(), notice_locale(locale)))


def missing_settings(settings: LegalSettings | None) -> list[str]:
    """The controller details a municipality has not entered yet (its notices show a gap)."""
    s = settings or LegalSettings()
    labels = {
        "legal_name": _("legal name"),
        "address": _("address"),
        "email": _("e-mail address"),
        "dpo_email": _("data protection officer's e-mail"),
        "assessed_on": _("date the accessibility statement was prepared"),
    }
    return [label for name, label in labels.items() if not getattr(s, name)]
