"""The consultation page's preview (one thread per article and the counts) is read from tallies
that PostgreSQL triggers keep (migration ``hearings_comment_tallies``): they must say what
counting the comments says after every kind of write, for every reader, and under concurrent
posting (issue 16 §6)."""

from __future__ import annotations

import datetime as dt
import random
import threading

import sqlalchemy as sa

from core.accounts.models import Account
from core.db import tenant_context
from core.extensions import db
from core.tenancy import utcnow
from plugins.hearings.comments import services as comments_services
from plugins.hearings.consultations.services import current_article_map, save_consultation
from plugins.hearings.models import Comment, CommentTally, Consultation
from tests.plugins.hearings.conftest import DRAFT, make_consultation


def _pages(c, viewer, *, counted: bool, replies: int = 1):
    """The preview as the page asks for it: from the tallies, or counted from the comments."""
    article_map = current_article_map(c)
    args = {"per_page": 1, "replies_per_thread": replies}
    if counted:
        return comments_services._counted_pages(c, viewer, False, article_map, key=..., page=1, **args)
    return comments_services.article_comment_pages(c, viewer, False, article_map, **args)


def _shape(pages) -> dict:
    """What a reader sees of each article: counts, the thread shown, its replies, how many more."""
    return {
        k: (
            p.thread_count,
            p.comment_count,
            [
                (t.comment.id, [r.comment.id for r in t.replies], t.more_replies, t.show_body)
                for t in p.threads
            ],
        )
        for k, p in pages.items()
        if p.thread_count or p.comment_count or p.threads
    }


def _same_for_everyone(app, tenant, cid, readers) -> None:
    with app.app_context(), tenant_context(tenant.id):
        c = db.session.get(Consultation, (tenant.id, cid))
        for reader in readers:
            viewer = db.session.get(Account, reader.id) if reader is not None else None
            for replies in (0, 1):
                fast = _shape(_pages(c, viewer, counted=False, replies=replies))
                assert fast == _shape(_pages(c, viewer, counted=True, replies=replies)), (reader, replies)
        db.session.remove()


def test_tallies_say_what_counting_says_after_every_kind_of_write(app, world):
    author, stranger = world.member, world.outsider
    made = make_consultation(app, world.tenant)
    cid, articles = made["id"], made["articles"]
    rng = random.Random(16)
    now = utcnow() - dt.timedelta(hours=5)
    with app.app_context(), tenant_context(world.tenant.id):
        tops = []
        for i in range(40):
            top = Comment(
                consultation_id=cid,
                article_id=rng.choice([*articles, None]),
                account_id=author.id if i % 4 == 0 else None,
                author_name=f"Person {i}",
                body=f"Thread {i}",
                created_at=now + dt.timedelta(seconds=10 * i),
            )
            db.session.add(top)
            tops.append(top)
        db.session.flush()
        for j in range(30):
            parent = rng.choice(tops)
            db.session.add(
                Comment(
                    consultation_id=cid,
                    article_id=parent.article_id,
                    parent_id=parent.id,
                    account_id=author.id if j % 5 == 0 else None,
                    author_name=f"Replier {j}",
                    body=f"Reply {j}",
                    created_at=parent.created_at + dt.timedelta(seconds=1 + j % 9),
                )
            )
        db.session.commit()
        ids = [t.id for t in tops]
        db.session.remove()
    readers = [None, author, stranger]
    _same_for_everyone(app, world.tenant, cid, readers)

    def write(change) -> None:
        with app.app_context(), tenant_context(world.tenant.id):
            change()
            db.session.commit()
            db.session.remove()
        _same_for_everyone(app, world.tenant, cid, readers)

    at = utcnow()
    # hidden and withdrawn first comments, one at a time (the author's own hidden ones stay theirs)
    write(lambda: db.session.execute(sa.update(Comment).where(Comment.id.in_(ids[:6])).values(hidden_at=at)))
    write(
        lambda: db.session.execute(
            sa.update(Comment).where(Comment.id.in_(ids[6:14])).values(withdrawn_at=at)
        )
    )
    # replies hidden: a withdrawn thread kept only by them disappears for the public
    write(
        lambda: db.session.execute(
            sa.update(Comment).where(Comment.parent_id.in_(ids[6:14])).values(hidden_at=at)
        )
    )
    # restored, moved to another article, deleted (replies first, as the foreign key wants)
    write(
        lambda: db.session.execute(sa.update(Comment).where(Comment.id.in_(ids[:3])).values(hidden_at=None))
    )
    write(
        lambda: db.session.execute(
            sa.update(Comment).where(Comment.id.in_(ids[20:25])).values(article_id=articles[0])
        )
    )
    write(lambda: db.session.execute(sa.delete(Comment).where(Comment.parent_id.in_(ids[30:40]))))
    write(lambda: db.session.execute(sa.delete(Comment).where(Comment.id.in_(ids[30:40]))))
    # a new comment through the service, the way the page posts one
    with app.app_context(), tenant_context(world.tenant.id):
        c = db.session.get(Consultation, (world.tenant.id, cid))
        comments_services.post_comment(c, author, "A later thought.", article_id=articles[1])
        db.session.commit()
        db.session.remove()
    _same_for_everyone(app, world.tenant, cid, readers)


def test_comments_on_an_earlier_version_follow_their_article(app, world):
    made = make_consultation(app, world.tenant)
    with app.app_context(), tenant_context(world.tenant.id):
        for i, article_id in enumerate([*made["articles"], None]):
            db.session.add(
                Comment(consultation_id=made["id"], article_id=article_id, author_name="P", body=f"Old {i}")
            )
        db.session.commit()
        c = db.session.get(Consultation, (world.tenant.id, made["id"]))
        save_consultation(
            c,
            account=None,
            title=c.title,
            summary=c.summary,
            tags=c.tags,
            opens_at=c.opens_at,
            closes_at=c.closes_at,
            draft=DRAFT.replace("Soup kitchen", "Soup kitchens") + "\n## Article 3. New\n\nMore.\n",
        )
        db.session.commit()
        db.session.remove()
    _same_for_everyone(app, world.tenant, made["id"], [None])
    with app.app_context(), tenant_context(world.tenant.id):
        c = db.session.get(Consultation, (world.tenant.id, made["id"]))
        pages = _pages(c, None, counted=False)
        assert c.version == 2
        assert sum(p.comment_count for p in pages.values()) == 3
        db.session.remove()


def test_comments_posted_at_once_on_one_article_are_all_counted(app, world):
    made = make_consultation(app, world.tenant)
    cid, article = made["id"], made["articles"][0]
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def post(i: int) -> None:
        try:
            with app.app_context(), tenant_context(world.tenant.id):
                start.wait(timeout=10)  # all at once
                db.session.add(
                    Comment(
                        consultation_id=cid,
                        article_id=article,
                        author_name=f"P{i}",
                        body="x",
                        register_number=i + 1,
                    )
                )
                db.session.flush()  # the trigger has recounted the article, in this transaction
                db.session.execute(sa.text("SELECT pg_sleep(0.05)"))  # the others write meanwhile
                db.session.commit()
                db.session.remove()
        except BaseException as e:  # noqa: BLE001 (reported by the assertion below)
            errors.append(e)

    workers = [threading.Thread(target=post, args=(i,)) for i in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=30)
    assert not errors, errors
    with app.app_context(), tenant_context(world.tenant.id):
        tally = db.session.execute(
            sa.select(CommentTally).where(
                CommentTally.consultation_id == cid, CommentTally.article_id == article
            )
        ).scalar_one()
        assert (tally.comments, tally.threads) == (8, 8)
        db.session.remove()


def test_a_tally_belongs_to_its_municipality(app, world):
    made = make_consultation(app, world.tenant)
    with app.app_context(), tenant_context(world.tenant.id):
        db.session.add(Comment(consultation_id=made["id"], article_id=None, author_name="P", body="x"))
        db.session.commit()
        assert db.session.execute(sa.select(sa.func.count()).select_from(CommentTally)).scalar_one() == 1
        db.session.remove()
    with app.app_context(), tenant_context(world.other.id):
        assert db.session.execute(sa.select(sa.func.count()).select_from(CommentTally)).scalar_one() == 0
        db.session.remove()
