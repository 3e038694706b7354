"""API responses are marshmallow's dumps of the declared schemas (core.api_blueprint)."""

from __future__ import annotations

from marshmallow import Schema


def test_api_list_answers_what_marshmallow_makes_of_the_notes(app, tenant_factory, enable_plugin, client_for):
    """Through HTTP, the test plugin's notes list is marshmallow's dump of the same notes."""
    import sqlalchemy as sa
    from sympraxis_testplugin.models import Note
    from sympraxis_testplugin.plugin import NoteSchema

    from core.db import tenant_context
    from core.extensions import db
    from tests.core.notes import add_note

    tenant = tenant_factory()
    enable_plugin(tenant, "testplugin")
    for title in ("Πρώτη", "Второ", "Al treilea"):
        add_note(app, tenant, title)
    answer = client_for(tenant.primary_host).get("/api/v1/testplugin/notes")
    assert answer.status_code == 200
    with app.app_context(), tenant_context(tenant.id):
        notes = db.session.execute(sa.select(Note).order_by(Note.created_at)).scalars().all()
        expected = Schema.dump(NoteSchema(many=True), notes)
        db.session.remove()
    assert answer.get_json() == expected
    assert [note["title"] for note in expected] == ["Πρώτη", "Второ", "Al treilea"]
