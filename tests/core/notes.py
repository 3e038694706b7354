"""Test data through the test plugin's model, shared by the core's tenancy and plugin tests."""

from core.db import tenant_context
from core.extensions import db


def add_note(app, tenant, title: str) -> str:
    """Create a note of ``tenant`` (committed) and return its id."""
    from sympraxis_testplugin.models import Note

    with app.app_context(), tenant_context(tenant.id):
        note = Note(title=title)
        db.session.add(note)
        db.session.commit()
        note_id = str(note.id)
        db.session.remove()
    return note_id
