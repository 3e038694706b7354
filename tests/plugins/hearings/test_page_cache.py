"""Anonymous pages carry a weak ETag and answer 304; their rendering is cached per municipality,
language and content version, and any write in the municipality drops it (issue 16 §6,
``core.page_cache``). With real Redis where it matters (two app servers share it)."""

from __future__ import annotations

import uuid

import pytest

from core.accounts.models import Account
from core.db import tenant_context
from core.extensions import db
from core.testing.pytest_plugin import HostClient
from plugins.hearings.comments.services import get_comment, post_comment
from plugins.hearings.consultations.services import get_consultation
from plugins.hearings.moderation import services as moderation
from tests.plugins.hearings.conftest import make_consultation

REDIS = "redis://127.0.0.1:6379/0"


def _client(app, tenant) -> HostClient:
    app.test_client_class = HostClient
    client = app.test_client()
    client.host = tenant.primary_host or f"{tenant.slug}.localhost"
    return client


@pytest.fixture(params=["memory://", REDIS])
def cached(request, make_app):
    """An app with the page cache on (its own key prefix in the shared Redis), and CSRF tokens
    made as in production (a page that made one could not be shared)."""
    return make_app(
        PAGE_CACHE_REDIS_URL=request.param,
        CACHE_KEY_PREFIX=f"test-{uuid.uuid4().hex[:8]}",
        WTF_CSRF_ENABLED=True,
    )


def _comment(app, tenant, cid, account, body: str):
    with app.app_context(), tenant_context(tenant.id):
        cm = post_comment(get_consultation(cid), db.session.get(Account, account.id), body)
        db.session.commit()
        comment_id = cm.id
        db.session.remove()
    return comment_id


def test_a_cached_page_shows_a_new_comment_at_once(cached, world):
    c = make_consultation(cached, world.tenant)
    client = _client(cached, world.tenant)
    path = f"/hearings/consultations/{c['id']}"
    first = client.get(path)
    assert first.status_code == 200 and "X-Page-Cache" not in first.headers
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get(path)
    assert again.headers.get("X-Page-Cache") == "hit" and again.data == first.data
    assert again.headers["ETag"] == etag
    not_modified = client.get(path, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.data == b""

    _comment(cached, world.tenant, c["id"], world.member, "A brand new comment")
    after = client.get(path, headers={"If-None-Match": etag})
    assert after.status_code == 200 and "X-Page-Cache" not in after.headers
    assert "A brand new comment" in after.get_data(as_text=True)
    assert after.headers["ETag"] != etag
    # the list and the home page of the municipality move with it
    assert "1 comment" in client.get("/hearings/").get_data(as_text=True)


def test_a_browser_that_accepts_gzip_gets_the_stored_compressed_page(cached, world):
    """The entry is compressed once when stored: a browser sending ``Accept-Encoding: gzip``
    gets those bytes (a fraction of the page), any other client the page itself, under one ETag;
    the answer says it varies with Accept-Encoding so no shared cache mixes them up."""
    import gzip

    c = make_consultation(cached, world.tenant)
    client = _client(cached, world.tenant)
    path = f"/hearings/consultations/{c['id']}"
    rendered = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "X-Page-Cache" not in rendered.headers and "Content-Encoding" not in rendered.headers
    packed = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers.get("X-Page-Cache") == "hit"
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == rendered.data
    assert len(packed.data) < len(rendered.data) / 2
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert int(packed.headers["Content-Length"]) == len(packed.data)
    plain = client.get(path)  # no Accept-Encoding: the page as rendered
    assert plain.headers.get("X-Page-Cache") == "hit" and "Content-Encoding" not in plain.headers
    assert plain.data == rendered.data
    assert packed.headers["ETag"] == plain.headers["ETag"] == rendered.headers["ETag"]
    refused = client.get(path, headers={"Accept-Encoding": "gzip;q=0, br"})
    assert "Content-Encoding" not in refused.headers and refused.data == rendered.data
    not_modified = client.get(
        path, headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]}
    )
    assert not_modified.status_code == 304 and not_modified.data == b""


def test_hiding_a_comment_drops_it_from_the_cached_page(cached, world):
    c = make_consultation(cached, world.tenant)
    cmid = _comment(cached, world.tenant, c["id"], world.member, "Rude words here")
    client = _client(cached, world.tenant)
    path = f"/hearings/consultations/{c['id']}"
    assert "Rude words here" in client.get(path).get_data(as_text=True)
    assert client.get(path).headers.get("X-Page-Cache") == "hit"
    with cached.app_context(), tenant_context(world.tenant.id):
        comment = get_comment(get_consultation(c["id"]), cmid)
        moderation.hide_comment(comment, db.session.get(Account, world.moderator.id), "insults")
        db.session.commit()
        db.session.remove()
    assert "Rude words here" not in client.get(path).get_data(as_text=True)


def test_a_second_municipality_never_sees_the_first_ones_page(cached, world):
    a = make_consultation(cached, world.tenant, title="Plan of the first")
    b = make_consultation(cached, world.other, title="Plan of the second")
    first, second = _client(cached, world.tenant), _client(cached, world.other)
    for path in ("/", "/hearings/"):
        assert "Plan of the first" in first.get(path).get_data(as_text=True)
        assert first.get(path).headers.get("X-Page-Cache") == "hit"
        page = second.get(path)
        assert "X-Page-Cache" not in page.headers
        html = page.get_data(as_text=True)
        assert "Plan of the first" not in html and world.tenant.name not in html
        assert world.other.name in html
    # the first one's consultation is not the second's, cached or not
    assert second.get(f"/hearings/consultations/{a['id']}").status_code == 404
    assert second.get(f"/hearings/consultations/{b['id']}").status_code == 200


def test_each_language_is_its_own_page(cached, tenant_factory):
    tenant = tenant_factory(plugins=["hearings"], locale="el", locales=["el", "bg", "en"])
    pages = {}
    for _round in range(2):  # the second round from the cache
        for lang in ("el", "bg", "en"):
            page = _client(cached, tenant).get("/hearings/", headers={"Accept-Language": lang})
            assert f'<html lang="{lang}">' in page.get_data(as_text=True)
            pages.setdefault(lang, []).append(page)
    assert all(p[1].headers.get("X-Page-Cache") == "hit" for p in pages.values())
    assert len({p[1].data for p in pages.values()}) == 3


def test_signed_in_pages_are_never_cached_nor_served_from_the_cache(cached, world, sign_in):
    c = make_consultation(cached, world.tenant)
    path = f"/hearings/consultations/{c['id']}"
    anonymous = _client(cached, world.tenant)
    anonymous.get(path)
    assert anonymous.get(path).headers.get("X-Page-Cache") == "hit"
    member = sign_in(_client(cached, world.tenant), world.member)
    for _ in range(2):
        page = member.get(path)
        assert page.status_code == 200
        assert "X-Page-Cache" not in page.headers and "ETag" not in page.headers
        assert world.member.display_name in page.get_data(as_text=True)
    # and what a signed-in reader got was not stored for the anonymous ones
    again = anonymous.get(path)
    html = again.get_data(as_text=True)
    assert world.member.display_name not in html and "csrf_token" not in html
    assert again.headers.get("X-Page-Cache") == "hit"  # reading while signed in changed nothing


def test_a_reader_with_a_message_waiting_gets_a_fresh_page(cached, world):
    client = _client(cached, world.tenant)
    client.get("/hearings/")
    with client.session_transaction() as s:
        s["_flashes"] = [("success", "Something just happened")]
    page = client.get("/hearings/")
    assert "X-Page-Cache" not in page.headers
    assert "Something just happened" in page.get_data(as_text=True)
    assert "Something just happened" not in _client(cached, world.tenant).get("/hearings/").get_data(
        as_text=True
    )


def test_two_app_servers_share_the_versions(make_app, world):
    """A comment written through one server shows at once on the other (Redis)."""
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    one = make_app(PAGE_CACHE_REDIS_URL=REDIS, CACHE_KEY_PREFIX=prefix)
    two = make_app(PAGE_CACHE_REDIS_URL=REDIS, CACHE_KEY_PREFIX=prefix)
    c = make_consultation(one, world.tenant)
    path = f"/hearings/consultations/{c['id']}"
    reader = _client(two, world.tenant)
    reader.get(path)
    assert reader.get(path).headers.get("X-Page-Cache") == "hit"
    _comment(one, world.tenant, c["id"], world.member, "Written through the first server")
    assert "Written through the first server" in reader.get(path).get_data(as_text=True)


def test_without_a_cache_pages_still_answer_304(app, world, tenant_client):
    client = tenant_client(world.tenant)
    first = client.get("/hearings/")
    etag = first.headers["ETag"]
    assert client.get("/hearings/", headers={"If-None-Match": etag}).status_code == 304
    assert "X-Page-Cache" not in client.get("/hearings/").headers


def test_redis_down_pages_are_rendered(make_app, world):
    down = make_app(PAGE_CACHE_REDIS_URL="redis://127.0.0.1:1/0")
    client = _client(down, world.tenant)
    for _ in range(2):
        page = client.get("/hearings/")
        assert page.status_code == 200 and "X-Page-Cache" not in page.headers


def test_readers_without_cookies_are_served_from_the_cache(cached, world):
    """Readers who never had a cookie (most of a viral audience, and wrk): the first one's page
    is stored, the next ones get it; nothing in the page made a session for them."""
    c = make_consultation(cached, world.tenant)
    for path in ("/", "/hearings/", f"/hearings/consultations/{c['id']}"):
        first = _client(cached, world.tenant).get(path)
        assert first.status_code == 200 and "Set-Cookie" not in first.headers, path
        second = _client(cached, world.tenant).get(path)
        assert second.headers.get("X-Page-Cache") == "hit", path


def test_periodic_work_that_changes_nothing_keeps_the_cached_pages(cached, world):
    """The retention purge and the hearings tick run in every municipality every few minutes; one
    that finds nothing to purge or advance must not drop the municipality's cached pages (each
    run would otherwise cost every reader a fresh render and a 200 instead of a 304). A statement
    that does change a row still drops them."""
    import sqlalchemy as sa

    from core.privacy.retention import purge_tenant
    from plugins.hearings import jobs
    from plugins.hearings.models import Consultation

    c = make_consultation(cached, world.tenant)
    client = _client(cached, world.tenant)
    path = f"/hearings/consultations/{c['id']}"
    etag = client.get(path).headers["ETag"]
    with cached.app_context():
        purge_tenant(world.tenant.id)
        with tenant_context(world.tenant.id):
            jobs.tick()
            db.session.execute(
                sa.update(Consultation).where(Consultation.id == uuid.uuid4()).values(title="None")
            )
        db.session.commit()
        db.session.remove()
    kept = client.get(path, headers={"If-None-Match": etag})
    assert kept.status_code == 304

    with cached.app_context(), tenant_context(world.tenant.id):
        db.session.execute(sa.update(Consultation).where(Consultation.id == c["id"]).values(title="Renamed"))
        db.session.commit()
        db.session.remove()
    moved = client.get(path, headers={"If-None-Match": etag})
    assert moved.status_code == 200 and "Renamed" in moved.get_data(as_text=True)
