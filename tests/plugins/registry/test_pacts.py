"""Cooperation pacts: staff create and edit them (scope, commitments, term, status, parties), a
signed copy is uploaded (sniffed, size-checked, every copy kept, downloaded as an attachment),
every change is a revision with its diff, the yearly review is recorded and moves the next one a
year on (or ends the pact); the pact is listed on the entries it involves."""

import datetime as dt
import io
import re

import pytest

from core.toolkit import db, tenant_context
from plugins.registry import services
from tests.plugins.registry.conftest import make_entry

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def staff_client(app, town, account_factory, tenant_client, sign_in):
    staff = account_factory(memberships={town: "staff"})
    client = tenant_client(town)
    sign_in(client, staff)
    return staff, client


def _form(one, two=None, **extra):
    form = {
        "title": "Σύμφωνο για τους σχολικούς κήπους",
        "entry_ids": [str(one)] + ([str(two)] if two else []),
        "scope": "Φροντίδα των σχολικών κήπων",
        "municipality_commitments": "Νερό και εργαλεία",
        "partner_commitments": "Εθελοντές κάθε Σάββατο",
        "starts_on": "2025-01-10",
        "ends_on": "2027-12-31",
        "signed_document": "Αρ. πρωτ. 1234/10-01-2025",
        "status": "active",
    }
    form.update(extra)
    return form


def _pact_id(response):
    return re.search(r"/registry/pacts/([0-9a-f-]{36})", response.headers["Location"]).group(1)


def test_a_pact_is_edited_with_its_history_and_signed_copies(app, town, staff_client, tenant_client):
    staff, client = staff_client
    one = make_entry(app, town, staff, name="Σύλλογος Γονέων")
    two = make_entry(app, town, staff, name="Κοινσεπ Κήποι")
    created = client.post(
        "/registry/pacts/new",
        data={**_form(one), "document_file": (io.BytesIO(PDF), "symfono.pdf")},
        content_type="multipart/form-data",
    )
    assert created.status_code == 302
    pact_id = _pact_id(created)

    edit = client.get(f"/registry/pacts/{pact_id}/edit").get_data(as_text=True)
    assert "Νερό και εργαλεία" in edit  # the form opens filled, with the parties chosen
    assert re.search(rf'<option (selected )?value="{one}"( selected)?', edit).group(0).count("selected") == 1
    changed = client.post(
        f"/registry/pacts/{pact_id}/edit",
        data={
            **_form(one, two, scope="Φροντίδα και πότισμα των σχολικών κήπων"),
            "document_file": (io.BytesIO(PNG), "scan.png"),
        },
        content_type="multipart/form-data",
    )
    assert changed.status_code == 302

    visitor = tenant_client(town)
    page = visitor.get(f"/registry/pacts/{pact_id}").get_data(as_text=True)
    assert "Φροντίδα και πότισμα των σχολικών κήπων" in page
    assert "symfono.pdf" in page and "scan.png" in page  # both copies kept, the latest first
    assert page.index("scan.png") < page.index("symfono.pdf")
    history = page.split('id="history-h"', 1)[1].split("</section>", 1)[0]
    assert history.count("<li>") == 2 and "Αντικείμενο" in history and "Συμβαλλόμενοι φορείς" in history
    for entry_id in (one, two):
        assert "Σύμφωνο για τους σχολικούς κήπους" in visitor.get(f"/registry/entries/{entry_id}").get_data(
            as_text=True
        )

    link = re.search(r'href="(/registry/pacts/[^"]+/documents/[^"]+)"[^>]*>symfono.pdf', page).group(1)
    download = visitor.get(link)
    assert download.data == PDF and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"

    with app.app_context(), tenant_context(town.id):
        pact = services.get_pact(pact_id)
        revisions = services.pact_revisions(pact)
        assert [r.number for r in revisions] == [2, 1]
        fields = {c["field"] for c in revisions[0].diff}
        assert fields == {"scope", "entry_ids", "document_file"}
        db.session.remove()


def test_a_bad_signed_copy_comes_back_with_the_form_filled(app, town, staff_client):
    staff, client = staff_client
    one = make_entry(app, town, staff, name="Σύλλογος Γονέων")
    fake = client.post(
        "/registry/pacts/new",
        data={**_form(one), "document_file": (io.BytesIO(b"<html>not a pdf</html>"), "symfono.pdf")},
        content_type="multipart/form-data",
    )
    body = fake.get_data(as_text=True)
    assert fake.status_code == 409
    assert "PDF, PNG ή JPEG" in body and "Νερό και εργαλεία" in body
    big = client.post(
        "/registry/pacts/new",
        data={**_form(one), "document_file": (io.BytesIO(PDF + b"0" * (10 * 1024 * 1024)), "big.pdf")},
        content_type="multipart/form-data",
    )
    assert big.status_code == 409 and "10240 kB" in big.get_data(as_text=True)
    with app.app_context(), tenant_context(town.id):
        assert services.pacts() == []  # nothing half-saved
        db.session.remove()


def test_the_yearly_review_is_recorded_and_moves_the_next_one(
    app, town, staff_client, tenant_client, account_factory, sign_in
):
    staff, client = staff_client
    one = make_entry(app, town, staff, name="Σύλλογος Γονέων")
    pact_id = _pact_id(client.post("/registry/pacts/new", data=_form(one)))
    with app.app_context(), tenant_context(town.id):
        assert services.get_pact(pact_id).next_review_on == dt.date(2026, 1, 10)
        db.session.remove()

    member = account_factory(memberships={town: "member"})
    other = tenant_client(town)
    sign_in(other, member)
    review = {"reviewed_on": "2026-01-15", "outcome": "continue", "notes": "Οι στόχοι επιτεύχθηκαν."}
    assert other.post(f"/registry/pacts/{pact_id}/review", data=review).status_code == 403

    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    refused = client.post(f"/registry/pacts/{pact_id}/review", data={**review, "reviewed_on": future})
    assert refused.status_code == 409 and "Οι στόχοι επιτεύχθηκαν." in refused.get_data(as_text=True)
    early = client.post(f"/registry/pacts/{pact_id}/review", data={**review, "reviewed_on": "2024-12-01"})
    assert early.status_code == 409

    assert client.post(f"/registry/pacts/{pact_id}/review", data=review).status_code == 302
    with app.app_context(), tenant_context(town.id):
        pact = services.get_pact(pact_id)
        assert pact.next_review_on == dt.date(2027, 1, 15) and pact.status == "active"
        db.session.remove()
    page = tenant_client(town).get(f"/registry/pacts/{pact_id}").get_data(as_text=True)
    assert "Οι στόχοι επιτεύχθηκαν." in page

    ended = {"reviewed_on": dt.date.today().isoformat(), "outcome": "end", "notes": ""}
    assert client.post(f"/registry/pacts/{pact_id}/review", data=ended).status_code == 302
    with app.app_context(), tenant_context(town.id):
        pact = services.get_pact(pact_id)
        assert pact.status == "ended" and pact.next_review_on is None
        assert len(services.pact_reviews(pact)) == 2
        db.session.remove()


def test_pacts_stay_in_their_municipality(app, town, tenant_factory, staff_client, tenant_client):
    staff, client = staff_client
    one = make_entry(app, town, staff, name="Σύλλογος Γονέων")
    pact_id = _pact_id(client.post("/registry/pacts/new", data=_form(one)))
    elsewhere = tenant_factory(plugins=["registry"], locale="el", country="GR")
    assert tenant_client(elsewhere).get(f"/registry/pacts/{pact_id}").status_code == 404


def test_the_pacts_api_writes_with_a_token_and_keeps_the_history(
    app, town, account_factory, access_token, tenant_client
):
    from tests.plugins.registry.conftest import bearer

    staff = account_factory(memberships={town: "staff"})
    member = account_factory(memberships={town: "member"})
    one = make_entry(app, town, staff, name="Σύλλογος Γονέων")
    api = tenant_client(town)
    body = {"title": "Σύμφωνο κήπων", "entry_ids": [str(one)], "starts_on": "2025-03-01", "status": "active"}
    assert api.post("/api/v1/registry/pacts", json=body).status_code == 401
    assert (
        api.post("/api/v1/registry/pacts", json=body, headers=bearer(access_token, member, town)).status_code
        == 403
    )
    headers = bearer(access_token, staff, town)
    created = api.post("/api/v1/registry/pacts", json=body, headers=headers)
    assert created.status_code == 201 and created.json["next_review_on"] == "2026-03-01"
    pact_id = created.json["id"]
    late = api.put(
        f"/api/v1/registry/pacts/{pact_id}", json={**body, "ends_on": "2024-01-01"}, headers=headers
    )
    assert late.status_code == 409 and late.json["errors"] == {"ends_on": [late.json["detail"]]}
    far = api.post("/api/v1/registry/pacts", json={**body, "starts_on": "9999-12-31"}, headers=headers)
    assert far.status_code == 409
    changed = api.put(f"/api/v1/registry/pacts/{pact_id}", json={**body, "scope": "Πότισμα"}, headers=headers)
    assert changed.status_code == 200 and changed.json["scope"] == "Πότισμα"
    review = api.post(
        f"/api/v1/registry/pacts/{pact_id}/reviews",
        json={"reviewed_on": "2026-03-02", "outcome": "amend", "notes": "Νέοι στόχοι"},
        headers=headers,
    )
    assert review.status_code == 201
    history = api.get(f"/api/v1/registry/pacts/{pact_id}/history").json
    assert [r["number"] for r in history["revisions"]] == [3, 2, 1]
    assert history["revisions"][1]["changed"] == ["scope"]
    assert history["revisions"][0]["changed"] == ["next_review_on"]
    assert history["reviews"] == [{"reviewed_on": "2026-03-02", "outcome": "amend", "notes": "Νέοι στόχοι"}]
    assert api.get(f"/api/v1/registry/pacts/{pact_id}").json["next_review_on"] == "2027-03-02"
    # a later change that gives no review date leaves the one the review set
    again = api.put(
        f"/api/v1/registry/pacts/{pact_id}", json={**body, "scope": "Πότισμα και κλάδεμα"}, headers=headers
    )
    assert again.json["next_review_on"] == "2027-03-02"


def test_the_pact_operations_match_the_document(app):
    """schemathesis (as tests/api does for the whole document) on the pacts' operations, signed
    out and with a staff token of a municipality that has every plugin on."""
    import schemathesis

    from tests.api.test_openapi_conformance import _make_site, exercise

    host, secret, *_apex = _make_site(app)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers={"Host": host})
    schema = schema.include(path_regex="^/api/v1/registry/pacts")
    seen: dict[str, set[int]] = {}
    failures = exercise(schema, [{"Host": host}, {"Host": host, "Authorization": f"Bearer {secret}"}], seen)
    assert not failures, "\n\n".join(failures)
    assert {401, 422} <= seen["POST /api/v1/registry/pacts"], seen


def test_a_signed_copy_is_uploaded_through_the_api_with_the_pages_checks(
    app, town, tenant_factory, account_factory, access_token, tenant_client
):
    import base64
    from urllib.parse import urlsplit

    from tests.plugins.registry.conftest import bearer

    staff = account_factory(memberships={town: "staff"})
    one = make_entry(app, town, staff, name="Σύλλογος Γονέων")
    api = tenant_client(town)
    headers = {**bearer(access_token, staff, town), "Accept-Language": "el"}
    body = {"title": "Σύμφωνο κήπων", "entry_ids": [str(one)], "starts_on": "2025-03-01", "status": "active"}
    pact_id = api.post("/api/v1/registry/pacts", json=body, headers=headers).json["id"]
    url = f"/api/v1/registry/pacts/{pact_id}/documents"

    def send(content, filename="Σύμφωνο υπογεγραμμένο.pdf", who=headers):
        return api.post(
            url, json={"filename": filename, "content": base64.b64encode(content).decode()}, headers=who
        )

    assert api.post(url, json={"filename": "a.pdf", "content": "JVBERi0="}).status_code == 401
    member = bearer(access_token, account_factory(memberships={town: "member"}), town)
    assert send(PDF, who=member).status_code == 403
    fake = send(b"<html>not a pdf</html>", filename="symfono.pdf")  # the name does not make it a PDF
    assert fake.status_code == 415 and fake.mimetype == "application/problem+json"
    assert fake.json["detail"] == "Στείλτε το έγγραφο ως αρχείο PDF, PNG ή JPEG."
    big = send(PDF + b"0" * (10 * 1024 * 1024))
    assert big.status_code == 413 and "10240 kB" in big.json["detail"]
    assert send(PDF + b"0" * (10 * 1024 * 1024 - len(PDF))).status_code == 201  # exactly 10 MB is taken
    not_base64 = api.post(url, json={"filename": "a.pdf", "content": "not base64!"}, headers=headers)
    assert (
        not_base64.status_code == 409
        and not_base64.json["detail"] == "Το αρχείο δεν είναι σε κωδικοποίηση base64."
    )
    assert api.post(url, json={"filename": "a.pdf"}, headers=headers).status_code == 422

    made = send(PNG, filename="scan.png")
    assert made.status_code == 201
    got = made.json
    assert (got["filename"], got["content_type"], got["size"]) == ("scan.png", "image/png", len(PNG))
    listed = api.get(url).json  # public, as on the pact's page, the latest first
    assert [d["filename"] for d in listed] == ["scan.png", "Σύμφωνο υπογεγραμμένο.pdf"]
    download = api.get(urlsplit(got["url"]).path)
    assert download.status_code == 200 and download.data == PNG
    assert download.headers["Content-Disposition"].startswith("attachment;")
    history = api.get(f"/api/v1/registry/pacts/{pact_id}/history").json["revisions"]
    assert [r["changed"] for r in history[:2]] == [["document_file"], ["document_file"]]

    elsewhere = tenant_factory(plugins=["registry"], locale="el", country="GR")
    theirs = bearer(access_token, account_factory(memberships={elsewhere: "staff"}), elsewhere)
    other = tenant_client(elsewhere).post(
        url, json={"filename": "a.png", "content": base64.b64encode(PNG).decode()}, headers=theirs
    )
    assert other.status_code == 404
    assert tenant_client(elsewhere).get(url).status_code == 404
