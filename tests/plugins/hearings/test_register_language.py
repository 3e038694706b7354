"""The register's downloads speak the municipality's language: the CSV with its columns and values
by name and ``;`` between cells in el, bg and ro; the JSON with its stable codes and labels beside them."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.plugins.hearings.conftest import make_consultation


def _comment(member, cid, body):
    r = member.post(f"/hearings/consultations/{cid}/comments", data={"body": body})
    assert r.status_code in (302, 303), r.get_data(as_text=True)[:500]


@pytest.mark.parametrize(
    ("lang", "headers", "channel", "status"),
    [
        ("el", ("Α/Α", "Συντάκτης", "Σχόλιο"), "Διαδικτυακά", "Δημοσιευμένο"),
        ("bg", ("№", "Автор", "Коментар"), "Онлайн", "Публикувано"),
        ("ro", ("Nr. crt.", "Autor", "Comentariu"), "Online", "Publicată"),
    ],
)
def test_register_csv_by_name_with_semicolons(
    app, tenant_factory, account_factory, tenant_client, sign_in, lang, headers, channel, status
):
    tenant = tenant_factory(plugins=["hearings"], locale=lang)
    c = make_consultation(app, tenant)
    member = sign_in(tenant_client(tenant), account_factory(memberships={tenant: "member"}))
    _comment(member, c["id"], "=1+1 and more")
    body = (
        tenant_client(tenant)
        .get(f"/hearings/consultations/{c['id']}/register.csv?lang={lang}")
        .get_data(as_text=True)
    )
    table = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    header, (row,) = table[0], table[1:]
    assert len(header) == 14, header  # one column per field: the separator is ``;``
    for name in headers:
        assert name in header, (name, header)
    cells = dict(zip(header, row, strict=True))
    assert "'=1+1 and more" in row  # still safe to open in a spreadsheet
    assert channel in row and status in row, row
    assert "online" not in row and "published" not in row
    assert cells[headers[0]] == "1"


def test_register_csv_in_english_keeps_codes_and_json_has_codes_and_labels(
    app, tenant_factory, account_factory, tenant_client, sign_in
):
    tenant = tenant_factory(plugins=["hearings"], locale="el")
    c = make_consultation(app, tenant)
    member = sign_in(tenant_client(tenant), account_factory(memberships={tenant: "member"}))
    _comment(member, c["id"], "Plain comment")
    anon = tenant_client(tenant)
    english = anon.get(f"/hearings/consultations/{c['id']}/register.csv?lang=en").get_data(as_text=True)
    (row,) = csv.DictReader(io.StringIO(english.lstrip("\ufeff")))
    assert (row["channel"], row["status"]) == ("online", "published")
    data = json.loads(
        anon.get(f"/hearings/consultations/{c['id']}/register.json?lang=el").get_data(as_text=True)
    )
    (entry,) = data["comments"]
    assert (entry["channel"], entry["status"]) == ("online", "published")  # stable codes
    assert (entry["channel_label"], entry["status_label"]) == ("Διαδικτυακά", "Δημοσιευμένο")
    assert {"code": "comment", "label": "Σχόλιο"} in data["columns"]
