"""The toolkit's additions for plugin vendors (issue 11 §2), proved through the test plugin."""

from __future__ import annotations

import datetime as dt
import uuid

import psycopg
import pytest
import sqlalchemy as sa
from marshmallow import Schema, ValidationError

import core.toolkit as toolkit
from core.db import tenant_context
from core.extensions import db
from core.tenancy import TenantInfo
from core.testing.isolation import assert_tenant_tables_have_rls
from tests.core.notes import add_note

ATHENS = TenantInfo(
    id=0, slug="x", name="X", country="GR", default_locale="el", locales=("el",),
    timezone="Europe/Athens", status="active", branding={},
)  # fmt: skip


def test_every_name_in_toolkit_all_exists_and_is_documented():
    """The reference is built from ``core.toolkit.__all__``: every name there must exist, and
    every callable or class the toolkit adds must say what it is for."""
    missing = [n for n in toolkit.__all__ if not hasattr(toolkit, n)]
    assert not missing
    for name in ("AccountId", "OrganisationId", "UTCDateTime", "UTCDateTimeField", "RuleViolation",
                 "PluginStateError", "Reference", "ReferenceType", "Linkable", "create_tenant_table",
                 "drop_tenant_table", "to_local", "to_utc", "account_fk", "organisation_fk",
                 "reference_link", "resolve_references", "template_slot", "asset_url"):  # fmt: skip
        assert name in toolkit.__all__, name
        obj = getattr(toolkit, name)
        if callable(obj) and not isinstance(obj, sa.types.TypeEngine):
            assert (obj.__doc__ or "").strip(), f"{name} has no docstring"


# --- time ---------------------------------------------------------------------------------------


def test_local_and_utc_in_the_municipality_zone():
    """A time typed in Athens is stored as UTC and shown back as the same wall-clock time, across
    summer time (UTC+3) and winter time (UTC+2)."""
    summer = toolkit.to_utc(dt.datetime(2026, 7, 1, 9, 0), ATHENS)
    winter = toolkit.to_utc(dt.datetime(2026, 1, 15, 9, 0), ATHENS)
    assert summer == dt.datetime(2026, 7, 1, 6, 0, tzinfo=dt.UTC)
    assert winter == dt.datetime(2026, 1, 15, 7, 0, tzinfo=dt.UTC)
    assert toolkit.to_local(summer, ATHENS).strftime("%H:%M") == "09:00"
    assert toolkit.to_local(dt.datetime(2026, 1, 15, 7, 0), ATHENS).hour == 9  # naive = UTC, as stored
    with pytest.raises(ValueError, match="no municipality"):
        toolkit.to_local(summer)  # no request, no tenant given


def test_datetime_field_dumps_openapi_date_time_and_needs_an_offset():
    """API clients get RFC 3339 ``date-time`` (with an offset, even for the core's naive UTC
    values) and a time without an offset is refused, not silently read as UTC."""

    class S(Schema):
        at = toolkit.UTCDateTimeField()

    naive = S().dump({"at": dt.datetime(2026, 5, 1, 6, 0)})["at"]
    aware = S().dump({"at": dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))})["at"]
    assert naive == aware == "2026-05-01T06:00:00+00:00"
    assert dt.datetime.fromisoformat(naive).utcoffset() == dt.timedelta(0)
    loaded = S().load({"at": "2026-05-01T09:00:00+03:00"})["at"]
    assert loaded == dt.datetime(2026, 5, 1, 6, 0, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as info:
        S().load({"at": "2026-05-01T09:00:00"})
    assert "offset" in str(info.value.messages["at"])


def test_utc_datetime_column_round_trip_and_refuses_naive(app, tenant_factory):
    """A ``UTCDateTime`` column gives back aware UTC datetimes, and refuses a naive one (a local
    time stored as if it were UTC would be hours off)."""
    from sympraxis_testplugin.models import NoteLink

    t = tenant_factory(plugins=["testplugin"])
    note_id = uuid.UUID(add_note(app, t, "linked"))
    with app.app_context(), tenant_context(t.id):
        at = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))
        link = NoteLink(
            note_id=note_id, target=toolkit.Reference("testplugin", "note", str(note_id)), created_at=at
        )
        db.session.add(link)
        db.session.commit()
        db.session.expire_all()
        again = db.session.get(NoteLink, (t.id, link.id))
        assert again.created_at == dt.datetime(2026, 5, 1, 6, 0, tzinfo=dt.UTC)
        assert again.target == toolkit.Reference("testplugin", "note", str(note_id))
        db.session.add(NoteLink(note_id=note_id, target=again.target, created_at=dt.datetime(2026, 5, 1, 9)))
        with pytest.raises(sa.exc.StatementError, match="aware datetime"):
            db.session.flush()
        db.session.rollback()


def test_account_and_organisation_foreign_keys():
    """``account_fk()`` points at ``accounts.id`` and keeps the row when the person goes (SET
    NULL); ``ondelete="CASCADE"`` makes it required."""
    from sympraxis_testplugin.models import NoteLink

    column = NoteLink.__table__.c.author_id
    (fk,) = column.foreign_keys
    assert (
        fk.target_fullname == "accounts.id" and fk.ondelete == "SET NULL" and column.nullable and column.index
    )
    required = toolkit.organisation_fk(ondelete="CASCADE")
    assert required.column.nullable is False
    assert next(iter(required.column.foreign_keys)).target_fullname == "organisations.id"


# --- the migration helper ---------------------------------------------------------------------


def test_create_tenant_table_gives_key_foreign_keys_and_forced_rls(app, tenant_factory, sympraxis_database):
    """The table the test plugin's third revision makes with one ``create_tenant_table`` call has
    the ``(tenant_id, id)`` key, the foreign key to ``tenants``, a foreign key carrying
    ``tenant_id`` to the notes (so a link cannot point at another tenant's note, RLS or not),
    and forced row-level security."""
    assert "testplugin_links" in assert_tenant_tables_have_rls(sympraxis_database["admin"])
    a, b = tenant_factory(), tenant_factory()
    b_note = add_note(app, b, "B's note")
    with psycopg.connect(sympraxis_database["admin"]) as conn:
        pk = conn.execute(
            "SELECT array_agg(a.attname ORDER BY a.attnum) FROM pg_index i JOIN pg_attribute a "
            "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = 'testplugin_links'::regclass AND i.indisprimary"
        ).fetchone()[0]
        assert sorted(pk) == ["id", "tenant_id"]
        forced = conn.execute(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'testplugin_links'"
        ).fetchone()
        assert forced == (True, True)
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute(
                "INSERT INTO testplugin_links (tenant_id, id, note_id, target, target_title, created_at) "
                "VALUES (%s, %s, %s, 'testplugin:note:x', '', now())",
                (a.id, uuid.uuid4(), b_note),
            )


# --- rule violations --------------------------------------------------------------------------


def test_rule_violation_answers_problem_json_on_the_api(app, tenant_factory, tenant_client, account_factory,
                                                        access_token):  # fmt: skip
    """A broken rule on the API is a 409 problem document naming the field, not a 500 and not a
    422 (kept for schema-invalid input)."""
    t = tenant_factory(plugins=[])
    from core.plugin_state import enable_plugin

    with app.app_context():
        enable_plugin(t.id, "testplugin", {"max_notes": 1})
        db.session.commit()
    staff = account_factory(memberships={t: "staff"})
    headers = {"Authorization": f"Bearer {access_token(staff, t)}"}
    c = tenant_client(t)
    assert c.post("/api/v1/testplugin/notes", json={"title": "one"}, headers=headers).status_code == 201
    r = c.post("/api/v1/testplugin/notes", json={"title": "two"}, headers=headers)
    assert r.status_code == 409
    assert r.mimetype == "application/problem+json"
    assert r.json["detail"] == "This municipality has reached its limit of notes."
    assert r.json["errors"] == {"title": ["This municipality has reached its limit of notes."]}
    assert c.post("/api/v1/testplugin/notes", json={}, headers=headers).status_code == 422


def test_rule_violation_answers_a_page_in_the_users_language(app, tenant_factory, tenant_client, account_factory,
                                                             sign_in):  # fmt: skip
    """On an HTML page a broken rule shows the error page with the message, translated by the
    plugin's own catalogue."""
    t = tenant_factory(plugins=["testplugin"], locale="el", locales=["el", "en"])
    note_id = add_note(app, t, "empty")
    admin = account_factory(memberships={t: "admin"})
    c = sign_in(tenant_client(t), admin)
    r = c.post(f"/testplugin/{note_id}/publish?lang=el")
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert "Μια κενή σημείωση δεν μπορεί να δημοσιευτεί." in html
    assert r.mimetype == "text/html"


# --- references between plugins ---------------------------------------------------------------


def _add_link(app, tenant, target, title="kept title") -> None:
    from sympraxis_testplugin.models import NoteLink

    note_id = uuid.UUID(add_note(app, tenant, "source"))
    with app.app_context(), tenant_context(tenant.id):
        db.session.add(NoteLink(note_id=note_id, target=target, target_title=title))
        db.session.commit()
        db.session.remove()


def test_reference_resolves_to_a_link_and_degrades_to_plain_text(app, tenant_factory, tenant_client,
                                                                 disable_plugin, enable_plugin):  # fmt: skip
    """A stored ``(plugin, kind, id)`` shows as a link with the target's current title while the
    target plugin is on here, and as the kept text (no link, no error) when it is off or the
    target is gone."""
    t = tenant_factory(plugins=["testplugin"])
    target = add_note(app, t, "The target note")
    _add_link(app, t, toolkit.Reference("testplugin", "note", target))
    _add_link(app, t, toolkit.Reference("hearings", "consultation", str(uuid.uuid4())), "A consultation")
    _add_link(app, t, toolkit.Reference("testplugin", "note", str(uuid.uuid4())), "A deleted note")
    html = tenant_client(t).get("/testplugin/links").get_data(as_text=True)
    assert f'<a class="reference" href="/testplugin/{target}">The target note</a>' in html
    assert '<span class="reference reference-unavailable">A consultation</span>' in html  # hearings is off
    assert '<span class="reference reference-unavailable">A deleted note</span>' in html
    with app.test_request_context("/", base_url=f"http://{t.slug}.localhost"):
        from flask import g

        g.tenant = t
        with tenant_context(t.id):
            ref = toolkit.Reference("testplugin", "note", target)
            assert toolkit.resolve_references([ref])[ref].title == "The target note"
            disable_plugin(t, "testplugin")
            g.pop("_enabled_plugins", None)
            assert toolkit.resolve_references([ref]) == {}
            assert "The target note" not in str(toolkit.reference_link(ref, fallback="kept"))
    enable_plugin(t, "testplugin")


def test_reference_parts_are_checked():
    ref = toolkit.Reference.parse("councils:seat:0193")
    assert (ref.plugin, ref.kind, ref.id) == ("councils", "seat", "0193") and str(ref) == "councils:seat:0193"
    with pytest.raises(ValueError):
        toolkit.Reference("bad:plugin", "seat", "1")


# --- template slots and static assets -------------------------------------------------------


def test_template_slots_on_core_pages(app, tenant_factory, tenant_client, apex_client, account_factory, sign_in,
                                      disable_plugin):  # fmt: skip
    """A plugin adds to the municipality's home (only where it is enabled), the account page and
    the NGO dashboard, through ``sympraxis_template_slot``."""
    on, off = tenant_factory(plugins=["testplugin"]), tenant_factory()
    assert "test plugin slot" in tenant_client(on).get("/").get_data(as_text=True)
    assert "test plugin slot" not in tenant_client(off).get("/").get_data(as_text=True)
    person = account_factory(name="Eleni Slot")
    c = sign_in(apex_client, person)
    assert "apex.dashboard for Eleni Slot" in c.get("/dashboard").get_data(as_text=True)
    assert "account.profile for Eleni Slot" in c.get("/account").get_data(as_text=True)


def test_plugin_static_assets_are_served_with_cache_busting(app, tenant_factory, tenant_client, apex_client):
    """A plugin's ``static/`` files are served with a content hash in the URL and a year of
    caching, on any of our hosts, whether or not the plugin is on there (they are code, not data,
    and do not go through the plugin's per-request guard)."""
    t = tenant_factory(plugins=["testplugin"])
    page = tenant_client(t).get("/testplugin/links").get_data(as_text=True)
    with app.test_request_context():
        url = toolkit.asset_url("testplugin", "testplugin.css")
    assert url.startswith("/assets/testplugin/testplugin.css?v=") and url in page
    for client in (tenant_client(t), tenant_client(tenant_factory()), apex_client):
        r = client.get(url)
        assert r.status_code == 200 and ".testplugin-notes" in r.get_data(as_text=True)
        assert "immutable" in r.headers["Cache-Control"] and "max-age=31536000" in r.headers["Cache-Control"]
        assert "Set-Cookie" not in r.headers
    stale = apex_client.get("/assets/testplugin/testplugin.css?v=old")
    assert stale.status_code == 200 and "no-cache" in stale.headers["Cache-Control"]
    assert apex_client.get("/assets/testplugin/../plugin.py").status_code == 404
    assert apex_client.get("/assets/testplugin/missing.css").status_code == 404
    assert apex_client.get("/assets/nosuchplugin/x.css").status_code == 404
