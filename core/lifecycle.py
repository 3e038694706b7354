"""The request lifecycle: every app-wide request hook and WSGI middleware, in the order it runs.

The feature modules define their hooks; this module alone puts them on the application
(:func:`install`, called last by ``create_app``), in the order of the table in :func:`steps`.
Extensions and plugins register their own hooks as usual, inside :func:`capture`, which takes
them back out; :func:`install` then places them at the slot the table names, in their own order.
A hook registered anywhere else makes ``create_app`` fail, so this table stays the whole story
(``tests/core/test_lifecycle.py`` pins it, and checks that the hooks run in this order).

A request, outermost first:

1. WSGI middleware: ``Observed`` (request id, access log, metrics, ``/metrics``), ``LastResort``
   (an error that escapes Flask still gets a small answer of ours), ``SecurityHeaders`` (default
   headers; HSTS and ``Secure`` cookies over HTTPS), ``TrustedProxies`` (client address and scheme
   from our own proxies only).
2. Flask: the trusted hosts of this request (``SympraxisFlask``), the session cookie opened
   (``core.sessions``), the URL matched.
3. ``before_request``, in the table's order; the first that answers ends the chain (its answer
   still goes through ``after_request``). Then the blueprint's own ``before_request`` (a
   plugin's guard: 404 unless the municipality enabled it; the operator and admin gates), and
   the view.
4. ``after_request``, in the table's order; then the session is saved.
5. ``teardown_request``, in the table's order, each whatever the others did, also after an
   error; then ``teardown_appcontext``.

Flask runs ``after_request`` and ``teardown`` functions last-registered first: :func:`install`
registers them in reverse, so that the table reads in the order things happen.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import Flask, abort, current_app, g, request
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound, SecurityError

PHASES = ("before_request", "after_request", "teardown_request", "teardown_appcontext")
_CAPTURED = "sympraxis_lifecycle_captured"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Paths that answer on any host, before tenant resolution (load balancers probe by IP).
HOST_INDEPENDENT_PATHS = frozenset({"/healthz", "/readyz"})


@dataclass(frozen=True)
class Step:
    """One hook of the platform, and why it sits where it does."""

    func: Callable[..., Any]
    why: str
    when: bool = True


@dataclass(frozen=True)
class Slot:
    """Where the hooks that ``owner`` (an extension, or the plugins) registered itself run."""

    owner: str
    why: str


def steps(app: Flask) -> dict[str, list[Step | Slot]]:
    """The table: each phase's hooks in the order they run."""
    from core import (
        api,
        faults,
        form_once,
        idempotency,
        input_guard,
        observability,
        page_cache,
        replica,
        usage,
    )
    from core.accounts import auth
    from core.db import send_pending_side_effects

    replica_on = replica.replica_engine(app) is not None
    return {
        "before_request": [
            Step(replica.route_reads, "a GET reads from the replica unless its client wrote", replica_on),
            Slot("Flask-WTF", "its CSRF check, off by default (WTF_CSRF_CHECK_DEFAULT): core.api's runs"),
            Step(resolve_tenant, "host → municipality: 404 for unknown hosts; the tenancy walls go up"),
            Step(input_guard.guard_input, "NUL characters, oversized uploads, bad JSON → 4xx, never a 500"),
            Step(
                page_cache.answer_from_cache,
                "an anonymous reader's cached page (or 304), before sessions, guards or views",
                page_cache.enabled(app),
            ),
            Step(idempotency.reserve_key, "a write with an Idempotency-Key: replayed, or its key reserved"),
            Step(api.csrf_or_token, "writes: a CSRF token for forms, a bearer token for the API"),
            Step(form_once.reserve, "a form posted twice (a double click) runs once; its token reserved"),
            Slot("plugins", "app-wide hooks of plugins (sympraxis_app_ready, their blueprints)"),
            Step(observability.label_request, "route, tenant class and slug for the access log and metrics"),
        ],
        "after_request": [
            Slot("plugins", "app-wide hooks of plugins"),
            Step(idempotency.store_response, "the answer kept for a retry with the same key"),
            Step(form_once.record, "a form's token consumed by a 2xx/3xx (and where it led), freed by a 4xx"),
            Slot("Flask-Login", "the remember-me cookie refreshed, set or cleared"),
            Step(replica.remember_write_position, "after a write: the cookie pinning reads", replica_on),
        ],
        "teardown_request": [
            Step(send_pending_side_effects, "jobs and mail queued by a read-only request leave, first"),
            Step(observability.note_account, "the account (a keyed hash) and the pool use, for the logs"),
            Slot("plugins", "app-wide hooks of plugins"),
            Step(auth.record_uses, "token and session use noted during the request, written"),
            Step(usage.count_request, "the municipality's request, API call and active account counted"),
            Step(idempotency.free_key, "a request that ended without an answer frees its key"),
            Step(form_once.free, "a form whose request ended without an answer frees its token"),
            Step(leave_tenant, "the read-only transaction committed, the tenant deactivated"),
            Step(replica.end_routing, "reads go back to the primary", replica_on),
        ],
        "teardown_appcontext": [
            Step(faults.safe_remove_session, "the session ended, never raising (a dead connection)"),
            Slot("Flask-SQLAlchemy", "its own session removal, which finds nothing left to do"),
        ],
    }


def middleware(app: Flask) -> list[Callable[[Any], Any]]:
    """The WSGI middleware, outermost first (each wraps the ones after it, then Flask)."""
    from core.app import SecurityHeaders
    from core.faults import LastResort
    from core.observability import Observed
    from core.proxies import TrustedProxies, parse_networks

    return [
        lambda inner: Observed(app, inner),
        LastResort,
        SecurityHeaders,
        lambda inner: TrustedProxies(inner, parse_networks(app.config.get("TRUSTED_PROXIES"))),
    ]


def _hooks(app: Flask, phase: str) -> list[Callable[..., Any]]:
    if phase == "teardown_appcontext":
        return app.teardown_appcontext_funcs
    return getattr(app, f"{phase}_funcs").setdefault(None, [])


@contextlib.contextmanager
def capture(app: Flask, owner: str) -> Iterator[None]:
    """Take the app-wide hooks that ``owner`` registers inside the block: :func:`install` places them."""
    before = {phase: list(_hooks(app, phase)) for phase in PHASES}
    try:
        yield
    finally:
        captured = app.extensions.setdefault(_CAPTURED, {}).setdefault(owner, {})
        for phase in PHASES:
            hooks = _hooks(app, phase)
            new = [f for f in hooks if f not in before[phase]]
            if new:
                captured.setdefault(phase, []).extend(new)
                hooks[:] = [f for f in hooks if f in before[phase]]


def install(app: Flask) -> None:
    """Register every hook and middleware in the table's order (once, at the end of create_app)."""
    captured: dict[str, dict[str, list[Any]]] = app.extensions.pop(_CAPTURED, {})
    for phase, table in steps(app).items():
        hooks = _hooks(app, phase)
        if hooks:
            raise RuntimeError(
                f"{phase} hooks registered outside core.lifecycle: {[describe(f) for f in hooks]}; "
                "add them to core.lifecycle.steps"
            )
        in_order: list[Any] = []
        for step in table:
            if isinstance(step, Slot):
                own = captured.get(step.owner, {}).pop(phase, [])
                in_order += own if phase == "before_request" else own[::-1]
            elif step.when:
                in_order.append(step.func)
        hooks[:] = in_order if phase == "before_request" else in_order[::-1]
    left = {owner: sorted(phases) for owner, phases in captured.items() if any(phases.values())}
    if left:
        raise RuntimeError(f"request hooks with no slot in core.lifecycle.steps: {left}")
    wsgi_app = app.wsgi_app
    for wrap in reversed(middleware(app)):
        wsgi_app = wrap(wsgi_app)
    app.wsgi_app = wsgi_app  # type: ignore[method-assign]


def order(app: Flask) -> dict[str, list[str]]:
    """The names of the app-wide hooks of each phase, in the order they run (for tests and docs)."""
    out = {}
    for phase in PHASES:
        hooks = _hooks(app, phase)
        out[phase] = [describe(f) for f in (hooks if phase == "before_request" else reversed(hooks))]
    return out


def describe(func: Any) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"


# --- the municipality of the request ----------------------------------------------------------


def resolve_tenant() -> Any:
    """The request's host names its municipality (DESIGN §3): unknown or archived → 404; the
    apex and the health checks have none. A suspended municipality reads but does not write."""
    from core.db import activate_tenant
    from core.tenancy import normalise_host, resolve_host

    g.tenant = None
    if request.path in HOST_INDEPENDENT_PATHS:
        return None
    try:
        host = normalise_host(request.host)
    except SecurityError:  # not a host of ours: the same 404 as an unknown subdomain
        raise NotFound() from None
    if host == current_app.config["PLATFORM_APEX"]:
        return None
    tenant = resolve_host(host)
    if tenant is None or tenant.is_archived:
        raise NotFound()
    g.tenant = tenant
    g._tenant_token = activate_tenant(tenant.id)
    if tenant.is_suspended and request.method not in SAFE_METHODS:
        g.error_detail = _(
            "%(name)s is suspended: its pages can be read, but nothing can be changed.",
            name=tenant.name,
        )
        abort(403)
    return None


def leave_tenant(exc: BaseException | None) -> None:
    """A request that only read ends its transaction (see core.db); the tenant is deactivated."""
    from core.db import deactivate_tenant

    try:
        if exc is None:
            _end_read_only_transaction()
    finally:
        token = g.pop("_tenant_token", None)
        if token is not None:
            deactivate_tenant(token)


def _end_read_only_transaction() -> None:
    """Never an error: the rollback that follows at teardown ends the transaction anyway."""
    from core.db import end_read_only_transaction
    from core.extensions import db

    try:
        end_read_only_transaction(db.session())
    except Exception:
        current_app.logger.exception("could not end a read-only transaction with a commit")
        from core.faults import safe_rollback

        safe_rollback()  # on a dead connection too: teardown never raises
