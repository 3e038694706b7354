"""File-upload questions: the type is found from the content (not the name), the size is the
municipality's limit, a file is kept when another answer needs fixing, only staff download it,
the results count it as answered or not, the raw export links it, the API answers with one, and
erasure takes it with the answer."""

import base64
import csv
import io
import re

import sqlalchemy as sa

from core.toolkit import Account, db, tenant_context
from plugins.surveys import services
from plugins.surveys.models import Kind, Response, UploadedFile
from tests.plugins.surveys.conftest import bearer, field, make_survey

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
QUESTIONS = [
    (Kind.RATING5, "How was the workshop?", {"required": True}),
    (Kind.FILE, "Your organisation's statute", {"help": "The signed copy."}),
]


def _csrf(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def _post(client, ids, data, files=None):
    page = client.get(f"/surveys/{ids['survey']}/answer")
    form = {"csrf_token": _csrf(page), "action": "submit", **data}
    for key, (name, content) in (files or {}).items():
        form[key] = (io.BytesIO(content), name)
    return client.post(f"/surveys/{ids['survey']}/answer", data=form, content_type="multipart/form-data")


def _files(app, town):
    with app.app_context(), tenant_context(town.id):
        rows = db.session.execute(
            sa.select(
                UploadedFile.filename,
                UploadedFile.content_type,
                UploadedFile.response_id,
                UploadedFile.account_id,
            )
        ).all()
        db.session.remove()
    return rows


def test_a_file_is_checked_by_its_content_kept_through_an_error_and_downloaded_by_staff_only(
    app, town, account_factory, tenant_client, sign_in
):
    ids = make_survey(app, town, questions=QUESTIONS, results_public=True)
    member = account_factory(memberships={town: "member"})
    client = tenant_client(town)
    sign_in(client, member)
    # a text file called .pdf: refused by what it is, in the person's language, the rating kept
    refused = _post(client, ids, {field(ids, 0): "4"}, {field(ids, 1): ("statute.pdf", b"just text")})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Στείλτε αρχείο PDF, PNG ή JPEG." in html
    assert f'name="{field(ids, 0)}" value="4" checked' in html
    # a PDF, but the rating missing: the file is kept, and need not be chosen again
    kept = _post(client, ids, {}, {field(ids, 1): ("Καταστατικό.pdf", PDF)})
    assert kept.status_code == 422
    html = kept.get_data(as_text=True)
    assert "Καταστατικό.pdf" in html
    hidden = rf'<input type="hidden" name="{field(ids, 1)}" value="([0-9a-f-]{{36}})">'
    held = re.search(hidden, html).group(1)
    sent = _post(client, ids, {field(ids, 0): "5", field(ids, 1): held})
    assert sent.status_code == 302
    ((name, kind, response_id, account_id),) = _files(app, town)
    assert (name, kind) == ("Καταστατικό.pdf", "application/pdf")
    assert response_id is not None and account_id is None  # anonymous: the file is tied to no one

    download = f"/surveys/{ids['survey']}/files/{held}"
    assert client.get(download).status_code == 403  # a member, even the sender
    assert tenant_client(town).get(download).status_code == 401  # signed out
    staff = tenant_client(town)
    sign_in(staff, account_factory(memberships={town: "staff"}))
    got = staff.get(download)
    assert got.status_code == 200 and got.data == PDF
    assert got.mimetype == "application/pdf" and got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert staff.get(f"/surveys/{ids['survey']}/files/{ids['survey']}").status_code == 404

    results = staff.get(f"/surveys/{ids['survey']}/results?lang=en").get_data(as_text=True)
    assert "Files received: 1; not answered: 0." in results and download in results
    lines = list(
        csv.reader(io.StringIO(staff.get(f"/surveys/{ids['survey']}/results.csv").get_data(as_text=True)))
    )
    assert lines[1][-1].endswith(download)
    assert "Καταστατικό.pdf" not in tenant_client(town).get(f"/surveys/{ids['survey']}/results").get_data(
        as_text=True
    )  # the public results count files, never list them


def test_a_file_over_the_municipalitys_limit_is_refused(
    app, town, account_factory, tenant_client, sign_in, enable_plugin
):
    enable_plugin(town, "surveys", settings={"max_file_mb": 1})
    ids = make_survey(app, town, questions=QUESTIONS)
    client = tenant_client(town)
    sign_in(client, account_factory(memberships={town: "member"}))
    big = PDF + b"0" * (1024 * 1024)
    refused = _post(client, ids, {field(ids, 0): "3"}, {field(ids, 1): ("big.pdf", big)})
    assert refused.status_code == 422
    assert "Το αρχείο είναι μεγαλύτερο από 1 MB." in refused.get_data(as_text=True)
    assert _files(app, town) == []
    assert _post(client, ids, {field(ids, 0): "3"}, {field(ids, 1): ("scan.png", PNG)}).status_code == 302
    assert [(n, k) for n, k, _r, _a in _files(app, town)] == [("scan.png", "image/png")]


def test_the_api_answers_with_a_file(app, town, account_factory, access_token, tenant_client):
    ids = make_survey(app, town, questions=QUESTIONS)
    client = tenant_client(town)
    headers = bearer(access_token, account_factory(memberships={town: "member"}), town)
    url = f"/api/v1/surveys/surveys/{ids['survey']}/responses"

    def body(content, name="statute.pdf"):
        file = {"name": name, "content": content}
        return {
            "answers": [
                {"question_id": str(ids["questions"][0]), "number": 4},
                {"question_id": str(ids["questions"][1]), "file": file},
            ]
        }

    wrong = client.post(url, json=body(base64.b64encode(b"<html>").decode()), headers=headers)
    assert wrong.status_code == 415 and wrong.mimetype == "application/problem+json"
    assert client.post(url, json=body("not base64!"), headers=headers).status_code == 409
    on_a_rating = {
        "answers": [
            {"question_id": str(ids["questions"][0]), "file": {"name": "a.pdf", "content": "JVBERi0="}}
        ]
    }
    assert client.post(url, json=on_a_rating, headers=headers).status_code == 409
    made = client.post(url, json=body(base64.b64encode(PDF).decode()), headers=headers)
    assert made.status_code == 201, made.get_json()
    assert [(n, k) for n, k, r, _a in _files(app, town) if r] == [("statute.pdf", "application/pdf")]


def test_erasure_takes_the_file_with_the_answer(app, town, account_factory):
    person = account_factory(memberships={town: "member"})
    ids = make_survey(app, town, questions=QUESTIONS, anonymous=False)
    with app.app_context(), tenant_context(town.id):
        survey = services.get_survey(ids["survey"])
        questions = services.questions_of(survey)
        who = services.Respondent(db.session.get(Account, person.id))
        stored = services.store_upload(survey, questions[1], who, "statute.pdf", PDF)
        services.submit(survey, who, {field(ids, 0): "4", field(ids, 1): str(stored.id)})
        db.session.commit()
        total, items = services.results(survey, public=False)
        assert (total, items[1].answered) == (1, 1)
        exported = services.export_personal_data(db.session.get(Account, person.id))
        assert exported["answers"][0]["answers"]["Your organisation's statute"] == "file “statute.pdf”"
        services.erase_personal_data(db.session.get(Account, person.id))
        db.session.commit()
        (response,) = db.session.execute(sa.select(Response)).scalars()
        assert response.account_id is None and response.answers == {str(ids["questions"][0]): 4}
        assert db.session.execute(sa.select(sa.func.count()).select_from(UploadedFile)).scalar_one() == 0
        total, items = services.results(survey, public=False)
        assert (total, items[0].answered, items[1].answered) == (1, 1, 0)  # the rating stays
        db.session.remove()


def test_the_api_lists_and_downloads_a_file_for_staff_only(
    app, town, tenant_factory, account_factory, access_token, tenant_client
):
    ids = make_survey(app, town, questions=QUESTIONS)
    with app.app_context(), tenant_context(town.id):
        survey = services.get_survey(ids["survey"])
        questions = services.questions_of(survey)
        who = services.Respondent(db.session.get(Account, account_factory(memberships={town: "member"}).id))
        stored = services.store_upload(survey, questions[1], who, "Καταστατικό σωματείου.pdf", PDF)
        stored_id = stored.id
        services.submit(survey, who, {field(ids, 0): "4", field(ids, 1): str(stored_id)})
        drafting = services.Respondent(
            db.session.get(Account, account_factory(memberships={town: "member"}).id)
        )
        pending_id = services.store_upload(survey, questions[1], drafting, "draft.pdf", PDF).id
        db.session.commit()
        db.session.remove()
    client = tenant_client(town)
    listed = f"/api/v1/surveys/surveys/{ids['survey']}/files"
    url = f"{listed}/{stored_id}"
    staff = bearer(access_token, account_factory(memberships={town: "staff"}), town)
    member = bearer(access_token, account_factory(memberships={town: "member"}), town)

    files = client.get(listed, headers=staff)
    assert files.status_code == 200
    ((row,),) = [files.get_json()]
    assert (row["id"], row["question_id"], row["filename"]) == (
        str(stored_id),
        str(ids["questions"][1]),
        "Καταστατικό σωματείου.pdf",
    )
    assert (row["content_type"], row["size"]) == ("application/pdf", len(PDF))  # the pending one not listed

    got = client.get(url, headers=staff)
    assert got.status_code == 200 and got.data == PDF and got.mimetype == "application/pdf"
    assert got.headers["Content-Disposition"] == (
        "attachment; filename*=UTF-8''%CE%9A%CE%B1%CF%84%CE%B1%CF%83%CF%84%CE%B1%CF%84%CE%B9%CE%BA%CF%8C"
        "%20%CF%83%CF%89%CE%BC%CE%B1%CF%84%CE%B5%CE%AF%CE%BF%CF%85.pdf"
    )
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Cache-Control"] == "private, no-store"

    for path in (url, listed):
        assert client.get(path).status_code == 401  # no token
        refused = client.get(path, headers=member)  # a member, even the one who sent it
        assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert client.get(f"{listed}/{pending_id}", headers=staff).status_code == 404  # not sent yet
    assert client.get(f"{listed}/{ids['survey']}", headers=staff).status_code == 404

    # staff of another municipality, with their own token, on their own host: not found
    other = tenant_factory(plugins=["surveys"], locale="el", locales=["el", "en"])
    theirs = bearer(access_token, account_factory(memberships={other: "staff"}), other)
    elsewhere = tenant_client(other).get(url, headers=theirs)
    assert elsewhere.status_code == 404 and elsewhere.mimetype == "application/problem+json"
    # and a token for this municipality is not taken there
    assert tenant_client(other).get(url, headers=staff).status_code in (401, 403)
