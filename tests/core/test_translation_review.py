"""What a native review of the catalogues found, kept from coming back (issue 16 §5)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(
    [
        *ROOT.glob("core/translations/*/LC_MESSAGES/messages.po"),
        *ROOT.glob("tenants/translations/*/LC_MESSAGES/messages.po"),
    ]
    + list(ROOT.glob("plugins/*/translations/*/LC_MESSAGES/messages.po"))
)
TEAM = {"el": "Greek", "bg": "Bulgarian", "ro": "Romanian", "en": "English"}


def _po(package: str, lang: str):
    with open(ROOT / package / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def _translations(package: str, lang: str) -> Translations:
    from io import BytesIO

    from babel.messages.mofile import write_mo

    buffer = BytesIO()
    write_mo(buffer, _po(package, lang))
    buffer.seek(0)
    return Translations(buffer)


@pytest.mark.parametrize("path", CATALOGUES, ids=[str(p.relative_to(ROOT)) for p in CATALOGUES])
def test_catalogue_header_names_the_language_team(path):
    lang = path.parts[-3]
    with open(path, "rb") as f:
        po = read_po(f, locale=lang)
    assert TEAM[lang] in (po.language_team or ""), po.language_team
    assert "LL@li.org" not in path.read_text(encoding="utf-8")
    assert "FULL NAME" not in (po.last_translator or "") and "PROJECT" not in (po.project or "")


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "a mai rămas 1 loc"),
        (2, "au mai rămas 2 locuri"),
        (19, "au mai rămas 19 locuri"),
        (20, "au mai rămas 20 de locuri"),
        (101, "au mai rămas 101 locuri"),
        (120, "au mai rămas 120 de locuri"),
    ],
)
def test_romanian_numbers_from_twenty_take_de(n, expected):
    t = _translations("plugins/hearings", "ro")
    assert t.ngettext("%(num)d seat left", "%(num)d seats left", n) % {"num": n} == expected


def test_romanian_fixed_limits_take_de():
    t = _translations("core", "ro")
    assert t.gettext("Use at most %(n)d characters.") % {"n": 500} == "Folosiți cel mult 500 de caractere."


def test_greek_never_splices_the_municipality_name_after_dimos():
    """The name is the official one («Δήμος Ορεστιάδας»): «στον δήμο Δήμος Ορεστιάδας» is wrong."""
    bad = []
    for package in ("core", "tenants", "plugins/hearings", "plugins/volunteers"):
        for m in _po(package, "el"):
            for s in m.string if isinstance(m.string, (list, tuple)) else (m.string,):
                if s and re.search(r"[Δδ]ήμ(ο|ος|ου)\s+«?%\((name|municipality|tenant)\)s", s):
                    bad.append(s)
    assert not bad, bad


def test_reviewed_terms():
    hearings = {lang: _translations("plugins/hearings", lang) for lang in ("el", "bg", "ro")}
    assert hearings["el"].gettext("Moderation") == "Εποπτεία σχολίων"
    assert hearings["ro"].gettext("Minutes") == "Minuta"
    assert hearings["bg"].gettext("Text of the draft") == "Текст на проекта"
    assert hearings["ro"].gettext("Text of the draft") == "Textul proiectului"


def test_greek_times_on_the_24_hour_clock(app):
    from babel.dates import format_datetime, format_time

    at = dt.datetime(2026, 12, 3, 14, 5)
    assert format_time(at, "short", locale="el") == "14:05"
    assert "14:05" in format_datetime(at, "medium", locale="el")
    assert "μ.μ." not in format_datetime(at, "full", locale="el")


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (7, "7 zile"),
        (19, "19 zile"),
        (20, "20 de zile"),
        (30, "30 de zile"),
        (101, "101 zile"),
        (365, "365 de zile"),
    ],
)
def test_romanian_periods_chosen_by_the_municipality_agree(days, expected):
    from core.i18n import romanian_counts

    # the catalogue's wording, whatever «de» it was written with, is put right for the number
    for written in (f"se șterg la {days} de zile după cerere", f"se șterg la {days} zile după cerere"):
        assert romanian_counts(written) == f"se șterg la {expected} după cerere"


def test_retention_schedule_in_romanian_agrees_with_the_period(app, tenant_factory):
    from flask_babel import force_locale

    from core.privacy.retention import schedule

    tenant = tenant_factory(plugins=["hearings"], locale="ro")
    with app.test_request_context("/"), force_locale("ro"):
        texts = [e.description for e in schedule(tenant.id)]
    assert texts and all(not re.search(r"\b(?:[2-9]\d|\d*[02-9]\d|\d*00)\s+zile", t) for t in texts), texts
    assert all(not re.search(r"\b(?:[1-9]|1\d)\s+de\s+", t) for t in texts), texts
