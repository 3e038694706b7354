"""Every string of the plugin is translated into el, bg and ro, and pages speak the tenant's language."""

from __future__ import annotations

import os
import re

import pytest
from babel.messages.pofile import read_po

import plugins.hearings
from tests.plugins.hearings.conftest import make_consultation, make_meeting

TRANSLATIONS = os.path.join(os.path.dirname(plugins.hearings.__file__), "translations")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


@pytest.mark.parametrize("lang", ["el", "bg", "ro"])
def test_catalogue_complete_and_placeholders_kept(lang):
    with open(os.path.join(TRANSLATIONS, lang, "LC_MESSAGES", "messages.po"), "rb") as fh:
        catalogue = read_po(fh, locale=lang)
    with open(os.path.join(TRANSLATIONS, "messages.pot"), "rb") as fh:
        template = read_po(fh)
    # every template message is in the catalogue (new ones are appended to the .po by hand, the
    # .pot is regenerated later, so the catalogue may hold more than a stale template)
    assert {m.id for m in template if m.id} <= {m.id for m in catalogue if m.id}, "run make update-catalogs"
    for m in catalogue:
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        assert all(strings), f"{lang}: untranslated {ids[0]!r}"
        assert not m.fuzzy, f"{lang}: fuzzy {ids[0]!r}"
        for s in strings:
            assert set(PLACEHOLDER.findall(s)) == set(PLACEHOLDER.findall(ids[-1])), (lang, ids[0], s)


@pytest.mark.parametrize(
    ("locale", "heading", "register"),
    [
        ("el", "Διαβουλεύσεις και ακροάσεις", "Εγγραφή"),
        ("bg", "Консултации и обществени обсъждания", "Регистрация"),
        ("ro", "Consultări și dezbateri", "Înscrieți-vă"),
    ],
)
def test_pages_in_the_municipality_language(app, tenant_factory, tenant_client, locale, heading, register):
    tenant = tenant_factory(plugins=["hearings"], locale=locale)
    c = make_consultation(app, tenant)
    mid = make_meeting(app, tenant)
    client = tenant_client(tenant)
    assert heading in client.get("/hearings/").get_data(as_text=True)
    assert register in client.get(f"/hearings/meetings/{mid}").get_data(as_text=True)
    assert client.get(f"/hearings/consultations/{c['id']}").status_code == 200
