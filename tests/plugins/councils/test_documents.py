"""A council's founding decision and a meeting's papers: typed by their content, within the
upload limit, listed on the public pages, downloaded with their type and name, withdrawn by staff
or the secretary with a trace; the same through the API."""

import io
import zipfile

import sqlalchemy as sa

from core.toolkit import db, tenant_context, utcnow_aware
from plugins.councils import documents, services
from plugins.councils.models import Document
from tests.plugins.councils.conftest import API, bearer, make_council

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
ODS = _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"})
NOT_DOCX = _zip({"readme.txt": b"hello"})


def _meeting(app, town, secretary_account):
    ids = make_council(
        app, town, seats={"ngo": (3, 0)}, members=[("Mira", "ngo", "secretary", secretary_account.id)]
    )
    with app.app_context(), tenant_context(town.id):
        meeting = services.save_meeting(
            services.get_council(ids["council"]),
            None,
            title="Session",
            starts_at=utcnow_aware(),
            items=["Budget"],
        )
        db.session.commit()
        ids["meeting"] = meeting.id
        db.session.remove()
    return ids


def _docs(app, town):
    with app.app_context(), tenant_context(town.id):
        rows = list(db.session.execute(sa.select(Document).order_by(Document.uploaded_at)).scalars())
        out = [(d.kind, d.filename, d.content_type, d.deleted_at is not None, d.deleted_by_id) for d in rows]
        db.session.remove()
    return out


def test_the_sniffer_goes_by_content_and_name_together():
    assert documents.sniff("a.pdf", PDF) == "application/pdf"
    assert documents.sniff("a.pdf", PNG) is None  # a picture renamed .pdf
    assert documents.sniff("a.docx", PDF) is None  # a PDF renamed .docx
    assert documents.sniff("a.docx", DOCX).endswith("wordprocessingml.document")
    assert documents.sniff("a.xlsx", DOCX) is None  # a Word package is not a spreadsheet
    assert documents.sniff("a.docx", NOT_DOCX) is None
    assert documents.sniff("a.ods", ODS) == "application/vnd.oasis.opendocument.spreadsheet"
    assert documents.sniff("a.odt", ODS) is None
    assert documents.sniff("a.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100) == "application/msword"
    assert documents.sniff("a.docx", DOCX, pdf_only=True) is None
    assert documents.sniff("a.exe", b"MZ") is None


def test_staff_publish_the_founding_decision_as_a_pdf(app, town, account_factory, tenant_client, sign_in):
    staff = account_factory(memberships={town: "staff"}, locale="en")
    ids = make_council(app, town)
    client = sign_in(tenant_client(town), staff)
    url = f"/councils/{ids['council']}/founding-decision?lang=en"
    refused = client.post(
        url,
        data={"title": "Decision 12/2026", "file": (io.BytesIO(DOCX), "decision.docx")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 415
    page = refused.get_data(as_text=True)
    assert "The founding decision must be a PDF file." in page and 'value="Decision 12/2026"' in page
    made = client.post(
        url,
        data={"title": "Decision 12/2026", "file": (io.BytesIO(PDF), "Απόφαση 12.pdf")},
        content_type="multipart/form-data",
    )
    assert made.status_code == 302
    public = tenant_client(town).get(f"/councils/{ids['council']}?lang=en").get_data(as_text=True)
    assert "Decision 12/2026" in public
    ((_kind, _name, _type, _deleted, _by),) = _docs(app, town)
    with app.app_context(), tenant_context(town.id):
        doc_id = db.session.execute(sa.select(Document.id)).scalar_one()
        db.session.remove()
    got = tenant_client(town).get(f"/councils/documents/{doc_id}")
    assert got.status_code == 200 and got.data == PDF
    assert got.headers["Content-Type"] == "application/pdf"
    disposition = got.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''%CE%91%CF%80" in disposition
    # a member of the public cannot withdraw it
    member = account_factory(memberships={town: "member"})
    assert (
        sign_in(tenant_client(town), member).post(f"/councils/documents/{doc_id}/delete").status_code == 403
    )
    assert client.post(f"/councils/documents/{doc_id}/delete").status_code == 302
    assert _docs(app, town) == [("founding_decision", "Απόφαση 12.pdf", "application/pdf", True, staff.id)]
    assert tenant_client(town).get(f"/councils/documents/{doc_id}").status_code == 410
    public = tenant_client(town).get(f"/councils/{ids['council']}?lang=en").get_data(as_text=True)
    assert "withdrawn on" in public


def test_the_secretary_uploads_and_withdraws_meeting_papers(
    app, town, account_factory, tenant_client, sign_in
):
    secretary = account_factory(memberships={town: "member"}, locale="en")
    ids = _meeting(app, town, secretary)
    client = sign_in(tenant_client(town), secretary)
    url = f"/councils/meetings/{ids['meeting']}/documents?lang=en"
    fake = client.post(
        url, data={"file": (io.BytesIO(NOT_DOCX), "budget.docx")}, content_type="multipart/form-data"
    )
    assert fake.status_code == 415
    assert "Only PDF, Word, Excel, PowerPoint or OpenDocument files can be uploaded." in fake.get_data(
        as_text=True
    )
    empty = client.post(url, data={"title": "x"}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "Choose a file." in empty.get_data(as_text=True)
    ok = client.post(
        url,
        data={"title": "Draft budget", "file": (io.BytesIO(DOCX), "budget.docx")},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    client.post(url, data={"file": (io.BytesIO(ODS), "figures.ods")}, content_type="multipart/form-data")
    page = tenant_client(town).get(f"/councils/meetings/{ids['meeting']}?lang=en").get_data(as_text=True)
    assert "Draft budget" in page and "figures.ods" in page
    with app.app_context(), tenant_context(town.id):
        docx_id = db.session.execute(
            sa.select(Document.id).where(Document.filename == "budget.docx")
        ).scalar_one()
        db.session.remove()
    got = tenant_client(town).get(f"/councils/documents/{docx_id}")
    assert got.headers["Content-Type"].endswith("wordprocessingml.document")
    assert got.headers["Content-Disposition"] == "attachment; filename=budget.docx"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    stranger = account_factory(memberships={town: "member"})
    assert (
        sign_in(tenant_client(town), stranger)
        .post(url, data={"file": (io.BytesIO(PDF), "a.pdf")})
        .status_code
        == 403
    )
    assert client.post(f"/councils/documents/{docx_id}/delete").status_code == 302
    assert [d[3] for d in _docs(app, town)] == [True, False]
    assert client.post(f"/councils/documents/{docx_id}/delete").status_code == 409


def test_a_file_over_the_limit_is_refused(app, town):
    ids = make_council(app, town)
    with app.app_context(), tenant_context(town.id):
        council = services.get_council(ids["council"])
        big = PDF + b"0" * documents.upload_limit()
        try:
            documents.add_document(council, "big.pdf", big, by=None)
        except Exception as exc:  # noqa: BLE001
            assert getattr(exc, "status", None) == 413
        else:
            raise AssertionError("an oversized file was stored")
        db.session.remove()


def test_documents_through_the_api(app, town, account_factory, access_token, tenant_client):
    secretary = account_factory(memberships={town: "member"})
    ids = _meeting(app, town, secretary)
    client = tenant_client(town)
    auth = bearer(access_token, secretary, town)
    url = f"{API}/meetings/{ids['meeting']}/documents"
    bad = client.post(
        url, data={"file": (io.BytesIO(PNG), "plan.pdf")}, headers=auth, content_type="multipart/form-data"
    )
    assert bad.status_code == 415 and bad.headers["Content-Type"].startswith("application/problem+json")
    made = client.post(
        url,
        data={"title": "Plan", "file": (io.BytesIO(PDF), "plan.pdf")},
        headers=auth,
        content_type="multipart/form-data",
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    body = made.get_json()
    assert body["content_type"] == "application/pdf" and body["title"] == "Plan" and body["size"] == len(PDF)
    assert client.get(body["url"]).data == PDF
    listed = client.get(url).get_json()
    assert [d["id"] for d in listed] == [body["id"]]
    assert client.delete(f"{API}/documents/{body['id']}").status_code == 401
    gone = client.delete(f"{API}/documents/{body['id']}", headers=auth)
    assert gone.status_code == 200 and gone.get_json()["url"] is None and gone.get_json()["deleted_at"]
    staff = account_factory(memberships={town: "staff"})
    founding = client.post(
        f"{API}/{ids['council']}/founding-decision",
        data={"file": (io.BytesIO(PDF), "decision.pdf")},
        headers=bearer(access_token, staff, town),
        content_type="multipart/form-data",
    )
    assert founding.status_code == 201 and founding.get_json()["kind"] == "founding_decision"
    assert (
        client.post(
            f"{API}/{ids['council']}/founding-decision",
            data={"file": (io.BytesIO(PDF), "decision.pdf")},
            headers=auth,
            content_type="multipart/form-data",
        ).status_code
        == 403
    )
