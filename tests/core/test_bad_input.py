"""Bad input is a clear 4xx, never a 500 (issue 10 item 20), and uploads are refused unread when
they are too large or anonymous (issue 10 item 22): the core's guards, on core routes."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

MAX_INT64 = 2**63 - 1  # the largest PostgreSQL bigint

HUGE = "99999999999999999999"


@pytest.fixture
def notes_api(tenant_factory, account_factory, access_token, client_for):
    """A municipality with the test plugin's notes API and a staff member's token."""
    tenant = tenant_factory(plugins=["testplugin"])
    staff = account_factory(memberships={tenant: "staff"})
    client = client_for(tenant.primary_host)
    auth = {"Authorization": f"Bearer {access_token(staff, tenant)}", "Content-Type": "application/json"}
    return client, auth


@pytest.mark.parametrize("number", [HUGE, str(MAX_INT64 + 1), str(2**64)])
def test_huge_integers_in_paths_are_not_found(apex_client, account_factory, sign_in, number):
    """Issue 10 item 20: ``/account/tokens/<huge>/revoke`` answered 500 (bigint out of range);
    the ``int`` converter is bounded to the database's range, so it is the 404 of no such token."""
    sign_in(apex_client, account_factory())
    response = apex_client.post(f"/account/tokens/{number}/revoke")
    assert response.status_code == 404
    # the largest id the database can hold is still a lookup (of a token that does not exist)
    assert apex_client.post(f"/account/tokens/{MAX_INT64}/revoke").status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[" * 5000 + "]" * 5000, "nested too deeply"),
        ('{"title": "ok", "body": ' + "[" * 40 + "]" * 40 + "}", "nested too deeply"),
        ('{"title": "bad \\ud800 text"}', "lone surrogate"),
        ('{"title": "ok", "body": {"\\udfff": 1}}', "lone surrogate"),
    ],
    ids=["deep", "deep-in-a-field", "surrogate", "surrogate-key"],
)
def test_json_text_python_or_postgresql_cannot_take_is_422(notes_api, body, message):
    """Issue 10 item 20: deeply nested JSON and a lone surrogate answered 500 (RecursionError in the
    parser, UnicodeEncodeError at the INSERT); each is a 422 problem document naming what is wrong,
    and nothing is saved."""
    client, auth = notes_api
    response = client.post("/api/v1/testplugin/notes", data=body, headers=auth)
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    assert message in response.json["detail"]
    assert list(response.json["errors"]) == ["json"]
    assert client.get("/api/v1/testplugin/notes", headers=auth).json == []
    # ordinary text, a few levels deep, goes through
    ok = client.post("/api/v1/testplugin/notes", json={"title": "fine ünïcode 😀"}, headers=auth)
    assert ok.status_code == 201, ok.get_data(as_text=True)


@pytest.mark.parametrize(
    "number", ["99999999999999999999", "1" + "0" * 5000], ids=["20-digits", "5000-digits"]
)
def test_huge_numbers_in_json_are_422(client_for, account_factory, access_token, app, number):
    """Issue 10 item 20: a huge number in a JSON body answered 500 (integer out of range at the
    INSERT; beyond 4,300 digits Python's parser refuses it); it is a 422 problem document, and
    nothing is created."""
    from core.accounts.models import Account
    from core.extensions import db
    from core.tenancy import utcnow

    operator = account_factory(operator=True)
    with app.app_context():
        account = db.session.get(Account, operator.id)
        account.totp_secret, account.totp_enabled_at = "JBSWY3DPEHPK3PXP", utcnow()
        db.session.commit()
    token = access_token(operator, None)
    slug = f"huge-{abs(hash(number)) % 10**8}"
    fields = {
        "slug": slug,
        "name": "Huge",
        "country": "GR",
        "default_locale": "el",
        "locales": ["el"],
        "plan": "starter",
        "billing_email": "f@example.org",
        "admin_email": "a@example.org",
    }
    body = json.dumps(fields)[:-1] + f', "days_until_due": {number}}}'  # the number as typed
    response = client_for("localhost").post(
        "/api/v1/operator/tenants",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    assert list(response.json["errors"]) == ["json"]
    with app.app_context():
        from core.tenancy import Tenant

        assert db.session.execute(sa.select(Tenant.id).where(Tenant.slug == slug)).first() is None


def test_nul_in_an_upload_file_name_is_a_400_page(apex_client, account_factory, sign_in):
    """Issue 10 item 20: a NUL in an upload's file name reached the INSERT (500); it is refused
    with the NUL message before any view runs."""
    sign_in(apex_client, account_factory())
    response = apex_client.post(
        "/account/tokens",
        data={"name": "x", "attachment": (io.BytesIO(b"%PDF-1.4"), "plan\x00.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Text cannot contain NUL characters." in response.get_data(as_text=True)


class RecordingStream(io.RawIOBase):
    """A request body of ``size`` bytes that records how many of them the application read."""

    def __init__(self, size: int):
        self.size, self.position, self.read_bytes = size, 0, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True  # the test client measures the body by seeking; that reads nothing

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.position, 2: self.size}[whence]
        self.position = max(0, min(self.size, base + offset))
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.size - self.position)
        buffer[:n] = b"0" * n
        self.position += n
        self.read_bytes += n
        return n


def upload_unread(client, path: str, size: int):
    """POST a multipart body of ``size`` bytes; the response and how many bytes were read."""
    stream = RecordingStream(size)
    response = client.post(
        path,
        input_stream=stream,
        content_length=size,
        content_type="multipart/form-data; boundary=xyz",
    )
    return response, stream.read_bytes


def test_the_request_limit_is_the_attachment_limit(app):
    """Issue 10 item 22: the request limit (25 MiB) and the attachment limit (20 MiB) disagreed;
    both are now ``MAX_CONTENT_LENGTH``."""
    from plugins.hearings.attachments.services import max_attachment

    with app.app_context():
        assert app.config["MAX_CONTENT_LENGTH"] == 20 * 1024 * 1024 == max_attachment()
        app.config["MAX_CONTENT_LENGTH"] = 5 * 1024 * 1024
        try:
            assert max_attachment() == 5 * 1024 * 1024
        finally:
            app.config["MAX_CONTENT_LENGTH"] = 20 * 1024 * 1024


def test_an_oversized_upload_is_refused_from_its_content_length(apex_client, account_factory, sign_in):
    """Issue 10 item 22: the limit is checked from ``Content-Length`` before the body is read:
    a 413 naming the limit, and not a byte read."""
    sign_in(apex_client, account_factory())
    response, read = upload_unread(apex_client, "/account/tokens", 20 * 1024 * 1024 + 1)
    assert response.status_code == 413
    assert "Files of at most 20 MB can be uploaded." in response.get_data(as_text=True)
    assert read == 0
