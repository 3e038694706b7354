"""Bulk ORM inserts obey the first wall on every database (SQLite has no RLS behind it)."""

import pytest
import sqlalchemy as sa
from sympraxis_testplugin.models import Note

from core.db import CrossTenantWrite, tenant_context
from core.extensions import db


@pytest.mark.parametrize("style", ["values", "params", "multi"])
def test_insert_with_another_tenants_id_is_refused(app, tenant_factory, style):
    a, b = tenant_factory(), tenant_factory()
    with app.app_context(), tenant_context(a.id):
        statement = sa.insert(Note)
        with pytest.raises(CrossTenantWrite):
            if style == "values":
                db.session.execute(
                    statement.values(
                        tenant_id=b.id,
                        id=sa.func.gen_random_uuid(),
                        title="x",
                        body="",
                        created_at=sa.func.now(),
                    )
                )
            elif style == "params":
                db.session.execute(statement, [{"tenant_id": b.id, "title": "x", "body": ""}])
            else:
                db.session.execute(
                    statement.values(
                        [
                            {"tenant_id": a.id, "title": "ok", "body": ""},
                            {"tenant_id": b.id, "title": "x", "body": ""},
                        ]
                    )
                )
        db.session.rollback()


def test_insert_with_own_tenant_id_goes_through(app, tenant_factory):
    a = tenant_factory()
    with app.app_context(), tenant_context(a.id):
        db.session.execute(sa.insert(Note), [{"tenant_id": a.id, "title": "mine", "body": ""}])
        titles = db.session.execute(sa.select(Note.title)).scalars().all()
        db.session.rollback()
    assert titles == ["mine"]
