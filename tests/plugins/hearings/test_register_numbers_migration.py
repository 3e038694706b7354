"""hearings_register_numbers: the comments hearings_0005 could not number under forced RLS get
their register numbers, per municipality and consultation, in the order they were written, after
the numbers already given (which do not change)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from core.accounts.models import Account
from core.db import tenant_context
from core.extensions import db
from core.migrate import downgrade, upgrade
from plugins.hearings.comments.services import post_comment
from plugins.hearings.consultations.services import get_consultation
from plugins.hearings.models import Comment
from tests.plugins.hearings.conftest import make_consultation


def _post(app, tenant, cid, account, bodies):
    with app.app_context(), tenant_context(tenant.id):
        ids = [
            post_comment(get_consultation(cid), db.session.get(Account, account.id), body).id
            for body in bodies
        ]
        db.session.commit()
        db.session.remove()
    return ids


def _numbers(app, tenant, cid):
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.execute(
            sa.select(Comment.body, Comment.register_number)
            .where(Comment.consultation_id == cid)
            .order_by(Comment.created_at, Comment.id)
        ).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def test_unnumbered_comments_are_numbered_after_the_register(app, world):
    ours = make_consultation(app, world.tenant)["id"]
    theirs = make_consultation(app, world.other)["id"]
    old = _post(app, world.tenant, ours, world.member, ["old one", "old two"])
    _post(app, world.tenant, ours, world.member, ["numbered"])
    their_old = _post(app, world.other, theirs, world.member, ["their old"])
    # as hearings_0005 left them on PostgreSQL: written before the register, never numbered
    # (and older than every numbered comment)
    for tenant, ids in ((world.tenant, old), (world.other, their_old)):
        with app.app_context(), tenant_context(tenant.id):
            for i, cmid in enumerate(ids):
                db.session.execute(
                    sa.update(Comment)
                    .where(Comment.id == cmid)
                    .values(register_number=None, created_at=dt.datetime(2026, 1, 1, 9, i))
                )
            db.session.commit()
            db.session.remove()
    assert _numbers(app, world.tenant, ours) == [("old one", None), ("old two", None), ("numbered", 3)]

    with app.app_context():
        db.engine.dispose()
    assert downgrade(app, "hearings_comment_tallies") == ["hearings_register_numbers"]
    try:
        upgrade(app)
    finally:
        with app.app_context():
            db.engine.dispose()

    # the number already given stays; the others follow it, oldest first
    assert _numbers(app, world.tenant, ours) == [("old one", 4), ("old two", 5), ("numbered", 3)]
    assert _numbers(app, world.other, theirs) == [("their old", 1)]
    # and the next comment takes the next number
    _post(app, world.tenant, ours, world.member, ["after"])
    assert _numbers(app, world.tenant, ours)[-1] == ("after", 6)
