"""Pages for anonymous readers: a weak ``ETag`` with ``304 Not Modified``, and the rendered page
cached per municipality, language, address and content version (issue 16 §6).

Why: a consultation that goes viral is read by thousands who are not signed in, and every one of
them gets the same HTML; rendering it each time (its articles, a page of comments per article)
costs tens of milliseconds of CPU. A view marked with :func:`anonymous_page` is rendered once
per content version and then answered from the cache before any view runs (a ``before_request``
step placed by ``core.lifecycle``), and a browser that already has it gets a 304.

What makes it safe:

- **Only anonymous readers.** A request with a signed-in session (Flask-Login's ``_user_id``),
  a remember-me cookie, an ``Authorization`` header or flashed messages waiting is never answered
  from the cache, and its page is never stored: signed-in pages carry CSRF tokens and names. A
  page whose rendering touched the session (a CSRF token made for it, say) is not stored either.
- **The key names the municipality** (its id), the language the page is in, and the full path
  with its query, so no municipality can be served another's page, nor a Greek reader a
  Bulgarian one.
- **Any write invalidates.** Each municipality has a content version in Redis, and the platform
  one more (changes made outside any municipality: its record, domains, modules). A commit that
  wrote a row while a municipality was active bumps its version; a commit that wrote outside one
  bumps the platform's (the bookkeeping tables of :data:`NOT_CONTENT` excepted: a session seen,
  an idempotency key). An entry is served only under the versions it was rendered under, so a
  new comment shows on the very next request, on every app server.
- **Time moves pages too** (a consultation closes at its hour without a write): entries live at
  most ``PAGE_CACHE_TTL`` seconds (30 by default).

Entries are stored gzip-compressed, compressed once when the page is stored: a reader whose
browser accepts gzip (every browser) gets those bytes as they are (``Content-Encoding: gzip``),
about a sixth of the page's size, so a hit moves a sixth of the bytes out of Redis and onto the
network and nothing compresses the same page again per request; any other client gets it
decompressed. The ETag is weak, so it is the same for both encodings.

Configuration: ``PAGE_CACHE_REDIS_URL`` (None: ``TENANT_CACHE_REDIS_URL``; ``"memory://"``: this
process's memory, for one process only: the demo, tests); without either the cache is off and
pages still carry an ``ETag`` (a hash of the rendered page) and answer 304. Redis errors never
fail a request: the page is rendered as if there were no cache.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, make_response, request, session
from flask_babel import get_locale

log = logging.getLogger(__name__)

#: Tables whose writes do not change what a page shows (sessions seen, tokens used, retries).
NOT_CONTENT = frozenset(
    {
        "accounts",  # sign-in times, password hashes: pages keep names as written
        "account_sessions",
        "personal_access_tokens",
        "handoff_codes",
        "api_idempotency_keys",
        "form_submissions",
        "core_outbox",
    }
)
_MARK = "_sympraxis_anonymous_page"
_WRITES = "sympraxis_page_cache_writes"
PLATFORM = "platform"


# --- marking views -----------------------------------------------------------------------------


def anonymous_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a public page as cacheable for anonymous readers (it must show the same HTML to every
    anonymous reader of one address in one language): ETag and 304, and the rendered page
    cached until the municipality's content changes."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        response = make_response(view(*args, **kwargs))
        if not _anonymous_request() or response.status_code != 200 or response.mimetype != "text/html":
            return response
        if response.direct_passthrough or response.is_streamed:
            return response
        body = response.get_data()
        cache = _cache()
        versions = g.pop("_page_versions", None)
        etag = _etag(versions, body)
        # a page holding one-submission form tokens (core.form_once) is one reader's: shared, one
        # person's submission would be taken for another's repeat
        if (
            cache is not None
            and versions is not None
            and not session.modified
            and not g.get("form_once_rendered")
        ):
            cache.put(_key(), versions, etag, body)
        return _conditional(response, etag)

    setattr(wrapper, _MARK, True)
    return wrapper


def _anonymous_request() -> bool:
    """Nothing in this request can make its page differ from another anonymous reader's."""
    if request.method not in ("GET", "HEAD") or g.get("tenant") is None:
        return False
    if request.headers.get("Authorization") or request.cookies.get(
        current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    ):
        return False
    return "_user_id" not in session and "_flashes" not in session


def _key() -> str:
    path = hashlib.sha256(request.full_path.encode()).hexdigest()[:32]
    return f"{g.tenant.id}:{get_locale()}:{path}"


def _etag(versions: str | None, body: bytes) -> str:
    digest = hashlib.sha256(body).hexdigest()[:20]
    return f"{g.tenant.id}.{versions}.{digest}" if versions else f"{g.tenant.id}.{digest}"


def _conditional(response: Any, etag: str) -> Any:
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = "no-cache"  # every use revalidates: the ETag answers
    response.vary.update(("Cookie", "Accept-Language", "Accept-Encoding"))
    if request.if_none_match.contains_weak(etag):
        response.status_code = 304
        response.set_data(b"")
        response.headers.pop("Content-Length", None)
    return response


# --- the before_request step -------------------------------------------------------------------


def answer_from_cache() -> Any:
    """before_request (placed by core.lifecycle, after tenant resolution): an anonymous GET of
    a marked page that is cached under the current versions is answered here (a 304 when the
    reader has it), before sessions are read from the database, plugins' guards or the view."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or not getattr(view, _MARK, False) or not _anonymous_request():
        return None
    cache = _cache()
    if cache is None:
        return None
    versions, entry = cache.get(_key(), g.tenant.id, want_body=not request.if_none_match)
    if versions is None:
        return None  # Redis unreachable: render as if there were no cache
    g._page_versions = versions
    if entry is None:
        return None
    etag, packed = entry
    if packed is None and not request.if_none_match.contains_weak(etag):
        versions, entry = cache.get(_key(), g.tenant.id, want_body=True)
        if entry is None or versions != g._page_versions:
            return None
        etag, packed = entry
    response = _from_packed(packed)
    response.headers["X-Page-Cache"] = "hit"
    return _conditional(response, etag)


def _from_packed(packed: bytes | None) -> Any:
    """The response for a stored (gzip) page: as stored when the reader accepts gzip."""
    response = current_app.response_class(mimetype="text/html")
    if packed is None:  # a 304 is coming: no body needed
        return response
    if request.accept_encodings["gzip"] > 0:  # q=0 refuses it
        response.set_data(packed)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response.set_data(gzip.decompress(packed))
    return response


# --- the cache and its versions ----------------------------------------------------------------


class _Memory:
    """One process's memory (the demo, tests): bounded, entries expire."""

    def __init__(self, max_entries: int = 2000):
        self._data: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def mget(self, keys: list[str]) -> list[Any]:
        now = time.monotonic()
        with self._lock:
            out = []
            for k in keys:
                item = self._data.get(k)
                out.append(item[1] if item and item[0] > now else None)
            return out

    def set(self, key: str, value: Any, ttl: float) -> None:
        with self._lock:
            self._data[key] = (time.monotonic() + ttl, value)
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def incr(self, key: str) -> None:
        with self._lock:
            old = self._data.get(key)
            value = int(old[1]) + 1 if old else 1
            self._data[key] = (float("inf"), str(value).encode())


class _Redis:
    """Redis with short timeouts; after an error it is not tried for a few seconds."""

    def __init__(self, url: str, timeout: float = 0.1, retry_after: float = 2.0):
        import redis

        self._client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, retry_on_timeout=False
        )
        self._writer = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self.retry_after = retry_after
        self._down_until = 0.0

    def _call(self, fn: Callable[[], Any], what: str) -> Any:
        import redis

        if self._down_until > time.monotonic():
            raise ConnectionError("page cache: Redis marked down")
        try:
            return fn()
        except (redis.RedisError, OSError) as exc:
            self._down_until = time.monotonic() + self.retry_after
            log.warning("page cache: Redis failed (%s): %s", what, exc)
            raise ConnectionError(str(exc)) from exc

    def mget(self, keys: list[str]) -> list[Any]:
        return self._call(lambda: self._client.mget(keys), "read")

    def set(self, key: str, value: Any, ttl: float) -> None:
        self._call(lambda: self._client.set(key, value, px=int(ttl * 1000)), "store")

    def incr(self, key: str) -> None:
        self._down_until = 0.0  # a bump must be tried: a missed one leaves pages stale for a TTL
        self._call(lambda: self._writer.incr(key), "bump")


class PageCache:
    """Entries ``<prefix>:page.gz:<tenant>:<locale>:<path hash>`` (the versions they were rendered
    under, the ETag, the HTML gzip-compressed; the ETag alone under ``…:etag``) and the versions
    ``<prefix>:page-version:<tenant>`` and ``<prefix>:page-version:platform``. The entries' name
    is new with gzip: a server of the release before stored plain HTML under ``:page:``, and
    during a deploy neither reads the other's."""

    def __init__(self, backend: Any, prefix: str, ttl: float):
        self.backend, self.prefix, self.ttl = backend, prefix, ttl

    def _version_keys(self, tenant_id: int) -> list[str]:
        return [f"{self.prefix}:page-version:{tenant_id}", f"{self.prefix}:page-version:{PLATFORM}"]

    def get(
        self, key: str, tenant_id: int, want_body: bool = True
    ) -> tuple[str | None, tuple[str, bytes | None] | None]:
        """(the current versions, or None when they cannot be read; (ETag, gzip HTML or None) when
        an entry of these versions is there). One round trip."""
        entry_key = f"{self.prefix}:page.gz:{key}" + ("" if want_body else ":etag")
        try:
            tv, pv, raw = self.backend.mget([*self._version_keys(tenant_id), entry_key])
        except ConnectionError:
            return None, None
        versions = f"{int(tv or 0)}-{int(pv or 0)}"
        if raw is None:
            return versions, None
        stored, etag, body = raw.split(b"\n", 2) if want_body else (*raw.split(b"\n", 1), None)
        if stored.decode() != versions:
            return versions, None
        return versions, (etag.decode(), body)

    def put(self, key: str, versions: str, etag: str, body: bytes) -> None:
        """Store the page gzip-compressed (level 6: within 1 % of 9's size, several times faster)."""
        head = f"{versions}\n{etag}".encode()
        packed = gzip.compress(body, compresslevel=6, mtime=0)
        try:
            self.backend.set(f"{self.prefix}:page.gz:{key}", head + b"\n" + packed, self.ttl)
            self.backend.set(f"{self.prefix}:page.gz:{key}:etag", head, self.ttl)
        except ConnectionError:
            pass

    def bump(self, tenant_id: int | None) -> None:
        key = self._version_keys(tenant_id)[0] if tenant_id is not None else self._version_keys(0)[1]
        try:
            self.backend.incr(key)
        except ConnectionError:
            log.error("page cache: a change could not be published; cached pages stay for PAGE_CACHE_TTL")


def _cache() -> PageCache | None:
    return current_app.extensions.get("sympraxis_page_cache")


def make_page_cache(config: Any) -> PageCache | None:
    url = config.get("PAGE_CACHE_REDIS_URL") or config.get("TENANT_CACHE_REDIS_URL")
    if not url or not config.get("PAGE_CACHE_ENABLED", True):
        return None
    backend = _Memory() if url == "memory://" else _Redis(url, config.get("TENANT_CACHE_REDIS_TIMEOUT", 0.1))
    return PageCache(
        backend, config.get("CACHE_KEY_PREFIX", "sympraxis"), float(config.get("PAGE_CACHE_TTL", 30))
    )


# --- writes bump the versions ------------------------------------------------------------------


def _note_writes(session: Any, tables: set[str]) -> None:
    from core.db import active_tenant_id

    if tables and not tables <= NOT_CONTENT:
        session.info.setdefault(_WRITES, set()).add(active_tenant_id())


def _after_flush(session: Any, _context: Any) -> None:
    tables = {
        getattr(type(obj), "__tablename__", "?") for obj in (*session.new, *session.dirty, *session.deleted)
    }
    _note_writes(session, tables)


def _on_execute(state: Any) -> Any:
    """An UPDATE, DELETE or INSERT statement (not a unit of work's flush) counts as a write only
    when it changed a row: the periodic jobs run one such statement per rule and municipality
    (a retention purge, a tick with nothing due), and one that finds nothing to do must not drop
    every cached page of that municipality each time it runs."""
    if state.is_select:
        return None
    statement = state.statement
    if isinstance(statement, sa.TextClause):
        if statement.text.lstrip()[:6].upper() not in ("INSERT", "UPDATE", "DELETE", "MERGE "):
            return None
        table = "?"
    else:
        table = getattr(getattr(statement, "table", None), "name", "?")
    if {table} <= NOT_CONTENT:
        return None
    result = state.invoke_statement()
    rowcount = getattr(result, "rowcount", None)
    if rowcount is None or rowcount != 0:  # -1 or None: the driver does not know, so it counts
        _note_writes(state.session, {table})
    return result


def _after_commit(session: Any) -> None:
    written = session.info.pop(_WRITES, None)
    if not written:
        return
    try:
        cache = _cache()
    except RuntimeError:  # no application context
        return
    if cache is not None:
        for tenant_id in written:
            cache.bump(tenant_id)


def init_app(app: Flask) -> None:
    """The cache (if configured) and the session listeners that bump versions after writes."""
    from core.extensions import db

    app.extensions["sympraxis_page_cache"] = make_page_cache(app.config)
    if app.extensions["sympraxis_page_cache"] is None:
        return
    session_class = db.session.session_factory.class_
    if not getattr(session_class, "_sympraxis_page_cache_listening", False):
        sa.event.listen(session_class, "after_flush", _after_flush)
        sa.event.listen(session_class, "do_orm_execute", _on_execute)
        sa.event.listen(session_class, "after_commit", _after_commit)
        session_class._sympraxis_page_cache_listening = True


def enabled(app: Flask) -> bool:
    return app.extensions.get("sympraxis_page_cache") is not None
