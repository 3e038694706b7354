"""Every catalogue (core, tenants, each plugin) is completely and faithfully translated into el, bg and ro.

The messages are extracted from the source here, with the method map of babel.cfg and the keywords of
``make extract-messages``, so a string added to the code without a translation fails this test even when
nobody has re-run ``make update-catalogs`` (a stale messages.pot does not hide it).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.support import Translations
from markupsafe import escape

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = {"el": 2, "bg": 2, "ro": 3}  # language -> number of plural forms
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

# msgstr may equal msgid only for these: names, and words that are spelt the same in the language.
SAME_IN_EVERY_LANGUAGE = {"Sympraxis", "Stripe"}
SAME_IN_LANGUAGE = {
    "ro": {
        "administrator",
        "Administrator",
        "moderator",
        "Moderator",
        "Online",
        "Total",
        "Document",
        "kg",
        "kilogram",
        "l",
        "Respondent",
    },
}

# python %-format placeholders: %(name)s, %d, %.2f, %% ...
PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])"
)


def catalogue_packages() -> list[str]:
    """The packages that carry a catalogue, as in the Makefile: core, tenants and every plugin."""
    packages = ["core", "tenants"]
    plugins = ROOT / "plugins"
    if plugins.is_dir():
        packages += sorted(
            f"plugins/{p.name}" for p in plugins.iterdir() if p.is_dir() and (p / "__init__.py").is_file()
        )
    return packages


@functools.cache
def extracted(package: str) -> Catalog:
    """The messages of ``package`` as ``pybabel extract`` finds them in its source today."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, str(ROOT / "babel.cfg"))
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT / package, method_map, options_map, keywords=KEYWORDS
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def placeholders(text: str) -> Counter:
    return Counter(
        (m.group("name"), m.group("conv")) for m in PLACEHOLDER.finditer(text) if m.group("conv") != "%"
    )


def _edges(text: str) -> tuple[str, str, int]:
    """The whitespace around a text and its number of line breaks."""
    return text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :], text.count("\n")


def problems_of(message: Message, translated: Message | None, lang: str, nplurals: int) -> list[str]:
    """What is wrong with the translation of one extracted message (empty list: nothing)."""
    if translated is None:
        return ["missing from the .po (run make update-catalogs, then translate it)"]
    if translated.fuzzy:
        return ["marked fuzzy"]
    plural = isinstance(message.id, (list, tuple))
    sources = list(message.id) if plural else [message.id]
    forms = list(translated.string) if isinstance(translated.string, (list, tuple)) else [translated.string]
    if plural and len(forms) != nplurals:
        return [f"{len(forms)} plural forms instead of {nplurals}"]
    out = []
    for i, form in enumerate(forms):
        source = sources[-1]  # the plural msgid for ngettext forms
        if not form or not form.strip():
            out.append(f"form {i} is empty")
            continue
        if placeholders(form) != placeholders(source):
            out.append(f"form {i} placeholders {dict(placeholders(form))} != {dict(placeholders(source))}")
        if _edges(form) != _edges(source):
            out.append(f"form {i}: leading/trailing whitespace or line breaks differ from the English")
        english = set(sources)
        if form in english and form not in SAME_IN_EVERY_LANGUAGE | SAME_IN_LANGUAGE.get(lang, set()):
            out.append(f"form {i} is the English text")
    return out


CASES = [(pkg, lang) for pkg in catalogue_packages() for lang in LANGUAGES]


@pytest.mark.parametrize(("package", "lang"), CASES, ids=[f"{p}-{lang}" for p, lang in CASES])
def test_catalogue_translates_every_message_of_the_source(package: str, lang: str) -> None:
    source = extracted(package)
    messages = [m for m in source if m.id]
    if not messages:
        pytest.skip(f"{package} has no translatable strings")
    po_path = ROOT / package / "translations" / lang / "LC_MESSAGES" / "messages.po"
    assert po_path.is_file(), (
        f"{po_path.relative_to(ROOT)} is missing: run make update-catalogs and translate it"
    )
    with open(po_path, "rb") as f:
        po = read_po(f, locale=lang)
    assert str(po.locale) == lang
    assert po.num_plurals == LANGUAGES[lang], f"{po_path}: Plural-Forms header says {po.num_plurals} forms"
    # the header itself (read_po with a locale falls back to CLDR's count, hiding a header that
    # does not parse: the volunteers' catalogues had "\\n" for "\n", so gettext gave Romanian
    # two plural forms and never the third, «20 de locuri»)
    with open(po_path, "rb") as f:
        headers = dict(read_po(f).mime_headers)
    assert f"nplurals={LANGUAGES[lang]};" in headers.get("Plural-Forms", ""), (po_path, headers)
    assert headers.get("Language") == lang, (po_path, headers)

    bad = {}
    for message in messages:
        key = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
        found = po.get(key, message.context)
        if found is not None and isinstance(message.id, (list, tuple)) != isinstance(found.id, (list, tuple)):
            found = None  # a singular entry cannot translate an ngettext call (or the reverse)
        problems = problems_of(message, found, lang, LANGUAGES[lang])
        if problems:
            bad[key] = problems
    assert not bad, (
        f"{len(bad)} of {len(messages)} messages of {package} are not properly translated into {lang}:\n"
        + ("\n".join(f"  {k!r}: {'; '.join(v)}" for k, v in sorted(bad.items())[:40]))
    )


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_a_string_shared_by_catalogues_has_one_translation(lang: str) -> None:
    """The application merges every catalogue into one (core first, then each plugin's, the later winning):
    a plugin translating "Save" differently from the core would change the core's pages too."""
    seen: dict[object, tuple[str, object]] = {}
    clashes = []
    for package in catalogue_packages():
        po_path = ROOT / package / "translations" / lang / "LC_MESSAGES" / "messages.po"
        if not po_path.is_file():
            continue
        with open(po_path, "rb") as f:
            po = read_po(f, locale=lang)
        for m in po:
            forms = m.string if isinstance(m.string, (list, tuple)) else (m.string,)
            if not m.id or m.fuzzy or not all(forms):
                continue
            key = (m.context, m.id if isinstance(m.id, str) else tuple(m.id))
            if key in seen and seen[key][1] != m.string:
                clashes.append(f"  {m.id!r}: {seen[key][0]} {seen[key][1]!r} / {package} {m.string!r}")
            seen.setdefault(key, (package, m.string))
    assert not clashes, f"{lang}: the same English text is translated differently:\n" + "\n".join(clashes)


# --- the checker itself ---------------------------------------------------------------------------


def test_checker_refuses_missing_fuzzy_english_and_broken_placeholders() -> None:
    msg = Message("Signed in as %(name)s", flags=["python-format"])
    assert problems_of(msg, None, "el", 2)
    assert problems_of(msg, Message(msg.id, "", flags=["python-format"]), "el", 2)
    assert problems_of(msg, Message(msg.id, "Συνδεθήκατε ως %(name)s", flags=["fuzzy"]), "el", 2)
    assert problems_of(msg, Message(msg.id, "Signed in as %(name)s"), "el", 2)
    assert problems_of(msg, Message(msg.id, "Συνδεθήκατε ως %(nom)s"), "el", 2)
    assert problems_of(msg, Message(msg.id, "Συνδεθήκατε ως %(name)d"), "el", 2)
    assert problems_of(msg, Message(msg.id, "Συνδεθήκατε\n ως %(name)s"), "el", 2)
    assert problems_of(msg, Message(msg.id, "Συνδεθήκατε ως %(name)s"), "el", 2) == []
    plural = Message(("%(num)d event", "%(num)d events"))
    assert problems_of(plural, Message(plural.id, ("%(num)d събитие", "%(num)d събития")), "bg", 2) == []
    assert problems_of(plural, Message(plural.id, ("%(num)d eveniment", "%(num)d evenimente")), "ro", 3)
    assert problems_of(
        plural, Message(plural.id, ("%(num)d eveniment", "", "%(num)d de evenimente")), "ro", 3
    )
    assert problems_of(Message("moderator"), Message("moderator", "moderator"), "ro", 3) == []
    assert problems_of(Message("moderator"), Message("moderator", "moderator"), "bg", 2)


def test_extraction_sees_a_string_that_no_pot_has_yet(tmp_path, monkeypatch) -> None:
    """The source, not messages.pot, is the reference: a new string shows up before any re-extraction."""
    pkg = tmp_path / "newplugin"
    (pkg / "templates" / "newplugin").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "views.py").write_text(
        "from core.toolkit import gettext, lazy_gettext, ngettext\n"
        "A = lazy_gettext('Brand new label')\n"
        "def f(n):\n    return gettext('Hello %(name)s', name='x'), ngettext('%(num)d cat', '%(num)d cats', n)\n"
    )
    (pkg / "templates" / "newplugin" / "page.html").write_text("<p>{{ _('A string from a template') }}</p>")
    (tmp_path / "babel.cfg").write_text((ROOT / "babel.cfg").read_text())
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    extracted.cache_clear()
    try:
        ids = {m.id for m in extracted("newplugin") if m.id}
    finally:
        monkeypatch.undo()
        extracted.cache_clear()
    assert ids == {
        "Brand new label",
        "Hello %(name)s",
        ("%(num)d cat", "%(num)d cats"),
        "A string from a template",
    }


# --- compiled catalogues and pages ----------------------------------------------------------------


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_compiled_core_catalogue_is_up_to_date(lang: str) -> None:
    """The .mo the application loads says what the .po says (``make translations`` compiles them)."""
    directory = ROOT / "core" / "translations"
    with open(directory / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        po = read_po(f, locale=lang)
    assert (directory / lang / "LC_MESSAGES" / "messages.mo").is_file(), "run make translations"
    mo = Translations.load(str(directory), [lang])
    stale = [m.id for m in po if m.id and isinstance(m.id, str) and m.string and mo.gettext(m.id) != m.string]
    assert not stale, (
        f"core/translations/{lang} .mo is older than its .po: run make translations ({stale[:5]})"
    )


def _core_translation(lang: str, msgid: str) -> str:
    with open(ROOT / "core" / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)[msgid].string


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_sign_in_page_is_served_in_the_language(apex_client, lang: str) -> None:
    response = apex_client.get(f"/auth/signin?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    for msgid in (
        "Sign in",
        "Password",
        "Forgot your password?",
        "Create an account",
        "Skip to main content",
    ):
        translated = _core_translation(lang, msgid)
        assert translated and translated != msgid
        assert str(escape(translated)) in html, f"{msgid!r} is not shown as {translated!r} in {lang}"
    for english in ("Forgot your password?", "Create an account", "Skip to main content"):
        assert english not in html
    # the choice sticks for the next page of the session
    again = apex_client.get("/auth/signup").get_data(as_text=True)
    assert (
        f'<html lang="{lang}">' in again
        and str(escape(_core_translation(lang, "Create an account"))) in again
    )


def test_sign_in_page_in_english_is_the_source_text(apex_client) -> None:
    html = apex_client.get("/auth/signin?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "Forgot your password?" in html


@pytest.mark.parametrize(("package", "lang"), CASES, ids=[f"{p}-{lang}" for p, lang in CASES])
def test_catalogue_file_has_each_message_once(package: str, lang: str) -> None:
    """Parallel edits merged line by line once left a second ``msgstr`` in an entry and a message
    defined twice; babel reads such a file without a word (the last definition wins, the stray line
    is dropped), so the file itself is checked, as ``msgfmt -c`` would."""
    po_path = ROOT / package / "translations" / lang / "LC_MESSAGES" / "messages.po"
    if not po_path.is_file():
        pytest.skip("no catalogue")
    assert '#, fuzzy\nmsgid ""' not in po_path.read_text(encoding="utf-8"), (
        f"{po_path}: a fuzzy header is not compiled"
    )
    seen: set[tuple[str, str]] = set()
    context, previous = "", ""
    for number, line in enumerate(po_path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("msgctxt "):
            context = line
        if line.startswith("msgid "):
            key = (context, line)
            assert line == 'msgid ""' or key not in seen, f"{po_path}:{number}: {line} defined twice"
            seen.add(key)
            context = ""
        if line.startswith("msgstr ") and previous.startswith("msgstr"):
            raise AssertionError(f"{po_path}:{number}: a second msgstr in one entry")
        if not line.startswith('"'):
            previous = line
