"""Processor duties (issue 12 §4): a municipality's data exported whole, imported into an empty
database, exported again: the same rows. Nothing of another municipality is in the file.

The rows are written through the tables themselves (not a plugin's services), so the test holds
whatever a plugin's packages look like: every tenant-owned table it fills, the export must carry.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
import zipfile

import pytest
import sqlalchemy as sa

from core.db import tenant_context
from core.extensions import db
from core.tenancy import utcnow

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n" + bytes(range(256))
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def _insert(table: str, **values):
    from core.db import active_tenant_id

    row = {"tenant_id": active_tenant_id(), "id": uuid.uuid4(), **values}
    db.session.execute(sa.insert(db.metadata.tables[table]).values(**row))
    return row["id"]


def _fill(app, tenant, admin, member, org_id, tag):
    """One or more rows in the municipality's tables: the test plugin's, the hearings plugin's,
    the core's and the tenants package's, with attachments, a reply to a comment, guests."""
    from sympraxis_testplugin.models import Note, NoteLink, NoteTag

    from core.references import Reference
    from core.tenancy import Tenant
    from tenants import services
    from tenants.models import TenantLogo

    now = utcnow()
    with app.test_request_context("/"), tenant_context(tenant.id):
        note = Note(title=f"{tag} Σημείωση — ünïcødé", body='line 1\nline 2, "quoted"')
        db.session.add(note)
        db.session.flush()
        db.session.add(NoteTag(note_id=note.id, label="=SUM(A1)"))  # a CSV formula, defused in CSV
        db.session.add(
            NoteLink(
                note_id=note.id,
                target=Reference("testplugin", "note", str(note.id)),
                target_title="self",
                author_id=member.id,
            )  # fmt: skip
        )
        db.session.add(TenantLogo(mimetype="image/png", content=PNG, sha256="x" * 64))
        c = _insert("hearings_consultations", title=f"{tag} plan", summary="", tags="", status="open",
                    version=1, outcome_summary="", created_at=now, created_by_id=admin.id)  # fmt: skip
        a = _insert("hearings_articles", consultation_id=c, version=1, position=1, number="1", title="Purpose",
                    body="**text**")  # fmt: skip
        parent = _insert("hearings_comments", consultation_id=c, article_id=a, version=1, account_id=member.id,
                         author_name="Nikos", organisation_id=org_id, organisation_name="Green", body="first",
                         created_at=now - dt.timedelta(hours=2))  # fmt: skip
        _insert("hearings_comments", consultation_id=c, article_id=a, parent_id=parent, version=1,
                account_id=admin.id, author_name="Ada", body="reply", created_at=now - dt.timedelta(hours=1))  # fmt: skip
        _insert("hearings_attachments", consultation_id=c, filename="plan.pdf", size=len(PDF), content=PDF,
                created_at=now)  # fmt: skip
        m = _insert("hearings_meetings", kind="hearing", title=f"{tag} hearing", description="",
                    starts_at=now + dt.timedelta(days=3), ends_at=now + dt.timedelta(days=3, hours=2), place="Hall",
                    online_url="", agenda="", speaker_minutes=5, minutes="", feedback_published=False,
                    created_at=now)  # fmt: skip
        reg = _insert("hearings_registrations", meeting_id=m, account_id=member.id, name="Nikos",
                      email=member.email, organisation_name="", accessibility="step_free", accessibility_other="",
                      status="confirmed", submission_id=uuid.uuid4(), created_at=now)  # fmt: skip
        _insert("hearings_registrations", meeting_id=m, name="Guest Person", email=f"guest-{tag}@example.org",
                organisation_name="", accessibility="", accessibility_other="", status="pending",
                submission_id=uuid.uuid4(), created_at=now)  # fmt: skip
        _insert("hearings_feedback", meeting_id=m, registration_id=reg, overall=5, organisation=4, usefulness=3,
                text="good", created_at=now)  # fmt: skip
        _insert("hearings_follows", account_id=member.id, created_at=now)
        db.session.commit()
    with app.test_request_context("/"):
        services.invite(db.session.get(Tenant, tenant.id), f"invitee-{tag}@example.org", "staff")
        from core.privacy.retention import set_retention

        set_retention(tenant.id, {"tenants.invitations": 30})
        db.session.commit()


@pytest.fixture
def town(app, tenant_factory, account_factory):
    from core.accounts.models import Account
    from core.accounts.services import organisations as services

    t = tenant_factory(plugins=["testplugin", "hearings"], locale="el", locales=["el", "en"])
    u = tenant_factory(plugins=["testplugin", "hearings"])
    admin = account_factory(name="Ada Admin", memberships={t: "admin", u: "admin"})
    member = account_factory(name="Nikos Member", memberships={t: "member"})
    outsider = account_factory(name="Only In U", memberships={u: "member"})
    with app.app_context():
        org = services.create_organisation(db.session.get(Account, member.id), "Green Neighbours")
        aff = services.request_affiliation(db.session.get(Account, member.id), org.id, t.id, "Hello")
        with tenant_context(t.id):
            services.decide_affiliation(db.session.get(Account, admin.id), aff, True)
        db.session.commit()
        org_id = org.id
    _fill(app, t, admin, member, org_id, "T")
    _fill(app, u, admin, outsider, None, "U")
    return t, u, outsider


def _read(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _export(target_app, slug, path):
    result = target_app.test_cli_runner().invoke(args=["tenants", "export", slug, "-o", str(path)])
    assert result.exit_code == 0, result.output
    return _read(path)


def _comparable(files):
    """The file's contents, less what differs by nature between two exports (the time, and the
    audit entries the commands themselves add)."""
    out = {}
    for name, data in files.items():
        if name == "manifest.json":
            doc = json.loads(data)
            doc.pop("exported_at")
            doc["globals"].pop("audit_events")
            out[name] = doc
        elif name == "globals/audit_events.json":
            doc = json.loads(data)
            doc["rows"] = [
                r for r in doc["rows"] if r["action"] not in ("tenant.exported", "tenant.imported")
            ]
            out[name] = doc
        elif name.endswith(".json"):
            out[name] = json.loads(data)
        elif name != "globals/audit_events.csv":
            out[name] = data
    return out


def test_export_has_every_tenant_table_and_nothing_of_another_municipality(
    app, town, tmp_path, sympraxis_database
):
    import psycopg

    t, u, outsider = town
    files = _export(app, t.slug, tmp_path / "t.zip")
    manifest = json.loads(files["manifest.json"])
    # every table of the database with a tenant_id column, found in the catalog, is in the file
    with psycopg.connect(sympraxis_database["admin"]) as conn:
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND column_name = 'tenant_id'"
            )
        }
    assert set(manifest["tables"]) == tables
    for table in tables:
        assert f"tables/{table}.json" in files and f"tables/{table}.csv" in files
        rows = json.loads(files[f"tables/{table}.json"])["rows"]
        assert all(r["tenant_id"] == t.id for r in rows), table
    assert manifest["tables"]["hearings_comments"] == 2 and manifest["tables"]["testplugin_links"] == 1
    everything = b"".join(files.values())
    assert (
        b"U plan" not in everything
        and b"guest-U@" not in everything
        and outsider.email.encode() not in everything
    )
    assert b"$argon2" not in everything  # no password ever leaves
    # attachments as files, the JSON pointing at them; the CSV readable, formulas defused
    (attachment,) = json.loads(files["tables/hearings_attachments.json"])["rows"]
    assert files[attachment["content"]["$file"]] == PDF and attachment["content"]["$file"].endswith(".pdf")
    (logo,) = json.loads(files["tables/tenant_logos.json"])["rows"]
    assert files[logo["content"]["$file"]] == PNG
    assert "'=SUM(A1)" in files["tables/testplugin_note_tags.csv"].decode()
    assert "Σημείωση" in files["tables/testplugin_notes.csv"].decode()
    accounts = json.loads(files["globals/accounts.json"])["rows"]
    assert {a["display_name"] for a in accounts} >= {"Ada Admin", "Nikos Member"}
    assert "password_hash" not in accounts[0]
    assert json.loads(files["globals/tenants.json"])["rows"][0]["slug"] == t.slug


def test_export_import_into_an_empty_database_export_gives_the_same_rows(app, town, tmp_path, fresh_app):
    from core.migrate import upgrade

    t, _u, _outsider = town
    first = _export(app, t.slug, tmp_path / "first.zip")
    other, _urls = fresh_app
    upgrade(other)
    result = other.test_cli_runner().invoke(args=["tenants", "import", str(tmp_path / "first.zip")])
    assert result.exit_code == 0, result.output
    assert "created 2" in result.output  # the two people, with no password (they reset it)
    second = _export(other, t.slug, tmp_path / "second.zip")
    a, b = _comparable(first), _comparable(second)
    assert sorted(a) == sorted(b)
    for name in a:
        assert a[name] == b[name], name
    # the imported municipality works: its host resolves, its rows are under its id
    from core.tenancy import resolve_host

    with other.app_context():
        info = resolve_host(f"{t.slug}.localhost")
        assert info is not None and info.id == t.id
        db.session.rollback()


def test_import_refuses_a_taken_slug_and_a_foreign_file(app, town, tmp_path):
    t, _u, _o = town
    _export(app, t.slug, tmp_path / "t.zip")
    result = app.test_cli_runner().invoke(args=["tenants", "import", str(tmp_path / "t.zip")])
    assert result.exit_code != 0 and "exists here already" in result.output
    bogus = tmp_path / "bogus.zip"
    with zipfile.ZipFile(bogus, "w") as z:
        z.writestr("manifest.json", json.dumps({"format": "something-else"}))
    result = app.test_cli_runner().invoke(args=["tenants", "import", str(bogus)])
    assert result.exit_code != 0 and "not a sympraxis-tenant-export/1 file" in result.output


def test_import_into_an_instance_with_data_matches_people_by_address(app, town, tmp_path):
    """The same file under another slug (a municipality moving in beside others): the people
    already here are reused, every id taken is given anew and the rows follow it."""
    t, _u, _o = town
    path = tmp_path / "t.zip"
    _export(app, t.slug, path)
    moved = tmp_path / "moved.zip"
    new_slug = f"moved-{uuid.uuid4().hex[:6]}"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(moved, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "globals/tenants.json":
                doc = json.loads(data)
                doc["rows"][0]["slug"] = new_slug
                data = json.dumps(doc).encode()
            dst.writestr(name, data)
    from tenants.portability import import_tenant

    with app.app_context():
        result = import_tenant(str(moved))
    assert result.tenant_id != t.id and result.accounts_matched == 2 and result.accounts_created == 0
    assert result.remapped["tenants"] == 1
    with app.app_context(), tenant_context(result.tenant_id):
        comments = db.session.execute(
            sa.select(
                db.metadata.tables["hearings_comments"].c.body,
                db.metadata.tables["hearings_comments"].c.tenant_id,
            )
        ).all()
        db.session.rollback()
    assert sorted(comments) == [("first", result.tenant_id), ("reply", result.tenant_id)]
