"""One gettext domain per plugin: a plugin's catalogue translates its own strings, never the core's.

Flask-Babel merges every translation folder into one catalogue, the last folder winning, so a
plugin's ``messages.po`` could reword the core's sign-in page or another plugin's pages. Here the
core (with the built-in plugins) keeps the application's default domain, and each other plugin
gets a :class:`PluginDomain`: its own catalogue, with the core's merged over it (the core's
wording wins on a shared msgid, and a plugin still gets "Save" translated for free). Another
plugin's catalogue is never loaded into it.

Which domain translates a string:

- Python: ``core.toolkit.gettext`` / ``ngettext`` / ``lazy_gettext`` look at the calling module
  and use the domain of the plugin whose package it belongs to;
- templates: by the template's name, ``<plugin>/...`` (the folder convention of DESIGN §2); the
  core's layout rendered around a plugin's page keeps the core's wording.

A vendor's catalogue needs no build step: a ``messages.po`` without an up-to-date ``messages.mo``
is compiled when it is first loaded (in memory, nothing is written into site-packages).
"""

from __future__ import annotations

import io
import os
import re
import sys
from typing import Any

from babel import support
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, has_app_context
from flask_babel import Domain, LazyString, get_locale
from flask_babel import get_domain as _default_domain
from jinja2 import pass_context


def load_catalogue(directory: str, locale: Any) -> support.NullTranslations:
    """The ``messages`` catalogue of ``locale`` in ``directory``: the compiled ``.mo`` when it
    is as new as the ``.po``, else the ``.po`` compiled now (a vendor's package as installed)."""
    folder = os.path.join(directory, str(locale), "LC_MESSAGES")
    po, mo = os.path.join(folder, "messages.po"), os.path.join(folder, "messages.mo")
    if os.path.isfile(mo) and (not os.path.isfile(po) or os.path.getmtime(mo) >= os.path.getmtime(po)):
        with open(mo, "rb") as f:
            return support.Translations(f, domain="messages")
    if not os.path.isfile(po):
        return support.NullTranslations()
    with open(po, "rb") as f:
        catalog = read_po(f, locale=str(locale))
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return support.Translations(buffer, domain="messages")


class PluginDomain(Domain):
    """The translations of one plugin: its catalogue under the core's (see the module doc)."""

    def __init__(self, plugin: str, directory: str) -> None:
        super().__init__(translation_directories=[directory], domain="messages")
        self.plugin = plugin
        self.directory = directory

    def get_translations(self) -> Any:
        locale = get_locale()
        key = str(locale)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        own = load_catalogue(self.directory, locale) if locale is not None else support.NullTranslations()
        core = _default_domain().get_translations()
        merged = support.Translations()
        for catalogue in (own, core):  # the core's last: its wording wins on a shared msgid
            if isinstance(catalogue, support.Translations):
                merged.merge(catalogue)
                if hasattr(catalogue, "plural"):
                    merged.plural = catalogue.plural
        self.cache[key] = merged
        return merged


def _domains() -> dict[str, PluginDomain]:
    return current_app.extensions.get("sympraxis_i18n_domains", {})


def _packages() -> dict[str, str]:
    return current_app.extensions.get("sympraxis_i18n_packages", {})


def domain_for_module(module: str | None) -> Domain:
    """The domain for strings written in ``module`` (a dotted name)."""
    if module and has_app_context():
        packages = _packages()
        name = module
        while name:
            plugin = packages.get(name)
            if plugin is not None:
                return _domains()[plugin]
            name = name.rpartition(".")[0]
    return _default_domain()


def domain_for_template(template_name: str | None) -> Domain:
    """The domain for a template: its plugin's when named ``<plugin>/...``."""
    if template_name and "/" in template_name and has_app_context():
        found = _domains().get(template_name.split("/", 1)[0])
        if found is not None:
            return found
    return _default_domain()


def _caller_module(depth: int = 2) -> str | None:
    return sys._getframe(depth).f_globals.get("__name__")


def gettext(string: str, **variables: Any) -> str:
    """Translate ``string`` in the calling plugin's domain (``%(name)s`` placeholders)."""
    return domain_for_module(_caller_module()).gettext(string, **variables)


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """Plural-aware :func:`gettext`; ``num`` is also available as ``%(num)d``."""
    return domain_for_module(_caller_module()).ngettext(singular, plural, num, **variables)


def pgettext(context: str, string: str, **variables: Any) -> str:
    """:func:`gettext` with a context (``msgctxt``): the same English word whose translation
    differs by what it qualifies, e.g. the gender of «Δημοσιευμένη» (a market day) and
    «Δημοσιευμένο» (a document)."""
    return domain_for_module(_caller_module()).pgettext(context, string, **variables)


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """:func:`gettext` when the string is used (form labels, module-level constants)."""
    module = _caller_module()
    return LazyString(lambda s, **v: domain_for_module(module).gettext(s, **v), string, **variables)


def init_app(app: Flask, plugins: dict[str, Any]) -> list[str]:
    """Give every non-built-in plugin with a ``translations`` folder its own domain; return the
    folders of the default domain (the core's, then the built-in plugins')."""
    default_dirs = [os.path.join(app.root_path, "translations")]
    domains: dict[str, PluginDomain] = {}
    packages: dict[str, str] = {}
    for name, plugin in plugins.items():
        module = plugin.module
        folder = os.path.join(os.path.dirname(module.__file__), "translations")
        if not os.path.isdir(folder):
            continue
        if plugin.builtin:
            default_dirs.append(folder)
            continue
        domains[name] = PluginDomain(name, folder)
        package = module.__name__ if hasattr(module, "__path__") else module.__name__.rpartition(".")[0]
        packages[package] = name
    app.extensions["sympraxis_i18n_domains"] = domains
    app.extensions["sympraxis_i18n_packages"] = packages
    use_24_hour_clock()
    return default_dirs


def install_template_gettext(app: Flask) -> None:
    """Jinja's ``_``/``gettext``/``ngettext`` choose the domain by the template's name (call
    after ``babel.init_app``, which installs callables for the default domain only)."""

    @pass_context
    def _gettext(context: Any, string: str) -> str:
        return domain_for_template(context.name).get_translations().ugettext(string)

    @pass_context
    def _ngettext(context: Any, singular: str, plural: str, num: int) -> str:
        return domain_for_template(context.name).get_translations().ungettext(singular, plural, num)

    @pass_context
    def _pgettext(context: Any, ctx: str, string: str) -> str:
        return domain_for_template(context.name).get_translations().upgettext(ctx, string)

    @pass_context
    def _npgettext(context: Any, ctx: str, singular: str, plural: str, num: int) -> str:
        return domain_for_template(context.name).get_translations().unpgettext(ctx, singular, plural, num)

    app.jinja_env.install_gettext_callables(
        gettext=_gettext, ngettext=_ngettext, newstyle=True, pgettext=_pgettext, npgettext=_npgettext
    )


# --- marshmallow's own messages ---------------------------------------------------------------
# marshmallow has no translations: its default messages (a Range, a Length, a type) are matched
# here and said again in the reader's language; a schema's own messages (already translated) and
# anything unknown pass through unchanged, as does English.
_NUMBER = r"(-?[\d.,]*\d)"
_MARSHMALLOW: list[tuple[str, str]] = [
    (rf"Must be greater than or equal to {_NUMBER} and less than or equal to {_NUMBER}\.", "between"),
    (rf"Must be greater than or equal to {_NUMBER}\.", "min"),
    (rf"Must be less than or equal to {_NUMBER}\.", "max"),
    (rf"Must be greater than {_NUMBER}\.", "above"),
    (rf"Must be less than {_NUMBER}\.", "below"),
    (r"Length must be between (\d+) and (\d+)\.", "length_between"),
    (r"Longer than maximum length (\d+)\.", "length_max"),
    (r"Shorter than minimum length (\d+)\.", "length_min"),
    (r"Length must be (\d+)\.", "length_equal"),
    (r"Must be one of: .*\.", "one_of"),
    (r"Not a valid email address\.", "email"),
    (r"Not a valid URL\.", "url"),
    (r"Missing data for required field\.|Field may not be null\.", "required"),
    (r"Not a valid integer\.", "integer"),
    (r"Not a valid number\.|Number too large\.", "number"),
    (r"Not a valid boolean\.", "boolean"),
    (r"Not a valid date\.|\".*\" cannot be formatted as a date\.", "date"),
    (r"Not a valid (?:aware |naive )?datetime\.", "datetime"),
    (r"Not a valid string\.|Not a valid utf-8 string\.", "string"),
    (r"Not a valid UUID\.", "uuid"),
    (r"Unknown field\.", "unknown"),
    (r"Invalid value\.|Invalid input\.|Invalid input type\.|Invalid type\.|Not a valid list\.", "invalid"),
]


def _marshmallow_texts() -> dict[str, Any]:
    from flask_babel import gettext as _

    return {
        "between": lambda a, b: _("Must be between %(min)s and %(max)s.", min=a, max=b),
        "min": lambda a: _("Must be at least %(min)s.", min=a),
        "max": lambda a: _("Must be at most %(max)s.", max=a),
        "above": lambda a: _("Must be more than %(min)s.", min=a),
        "below": lambda a: _("Must be less than %(max)s.", max=a),
        "length_between": lambda a, b: _("Between %(min)s and %(max)s characters.", min=a, max=b),
        "length_max": lambda a: _("At most %(max)s characters.", max=a),
        "length_min": lambda a: _("At least %(min)s characters.", min=a),
        "length_equal": lambda a: _("Exactly %(equal)s characters.", equal=a),
        "one_of": lambda: _("Choose one of the options offered."),
        "email": lambda: _("Enter a valid e-mail address."),
        "url": lambda: _("Enter a valid web address."),
        "required": lambda: _("This field is required."),
        "integer": lambda: _("Enter a whole number."),
        "number": lambda: _("Enter a number."),
        "boolean": lambda: _("Choose yes or no."),
        "date": lambda: _("Enter a valid date."),
        "datetime": lambda: _("Enter a valid date and time."),
        "string": lambda: _("Enter text."),
        "uuid": lambda: _("This is not a valid identifier."),
        "unknown": lambda: _("This field is not expected here."),
        "invalid": lambda: _("This value is not valid."),
    }


def validation_message(text: Any) -> Any:
    """One of marshmallow's default messages in the reader's language (others unchanged)."""

    if not isinstance(text, str) or not has_app_context():
        return text
    locale = get_locale()
    if locale is None or str(locale).startswith("en"):
        return text
    for pattern, key in _MARSHMALLOW:
        found = re.fullmatch(pattern, text)
        if found:
            return _marshmallow_texts()[key](*[g for g in found.groups() if g is not None and g.strip()])
    return text


def validation_messages(messages: Any) -> Any:
    """:func:`validation_message` over marshmallow's nested messages (dicts and lists)."""
    if isinstance(messages, dict):
        return {k: validation_messages(v) for k, v in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [validation_messages(m) for m in messages]
    return validation_message(messages)


# --- the clock ----------------------------------------------------------------------------------
#: Languages whose public administration writes times on the 24-hour clock although CLDR's default
#: for the language is 12-hour (Greek: «14:30», never «2:30 μ.μ.» on a municipality's page).
TWENTY_FOUR_HOUR = ("el",)


def use_24_hour_clock(languages: tuple[str, ...] = TWENTY_FOUR_HOUR) -> None:
    """Make babel's time formats of ``languages`` 24-hour (every page, mail and export, through
    babel's cached locale data: ``h:mm a`` becomes ``HH:mm``)."""
    from babel import localedata
    from babel.dates import parse_pattern

    for lang in languages:
        data = localedata.load(lang)
        formats = data["time_formats"]
        for width, pattern in list(formats.items()):
            text = str(pattern).replace("\u202fa", "").replace(" a", "").replace("h", "HH")
            formats[width] = parse_pattern(text)


# --- Romanian numerals ----------------------------------------------------------------------
_RO_COUNTED = re.compile(r"\b(\d+)\s+(?:de\s+)?(?=[^\W\d_])", re.UNICODE)


def romanian_counts(text: str) -> str:
    """Romanian puts «de» between a number and its noun from 20 on, except after 101–119, 201–219…
    («7 zile», «30 de zile», «101 zile», «365 de zile»): for a text whose number is filled in
    after translation (a retention period chosen by the municipality), where ``ngettext`` cannot."""

    def fix(found: re.Match[str]) -> str:
        n = int(found.group(1))
        takes_de = n != 0 and not 1 <= n % 100 <= 19
        return f"{found.group(1)} de " if takes_de else f"{found.group(1)} "

    return _RO_COUNTED.sub(fix, text)
