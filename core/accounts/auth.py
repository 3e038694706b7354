"""Who is making the request: a session cookie (browsers) or a bearer token (integrations)."""

from __future__ import annotations

import time

from flask import Flask, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user

from core.accounts.models import Account
from core.extensions import db, login_manager
from core.tenancy import current_tenant, utcnow

#: The only paths a personal access token opens.
API_PREFIX = "/api/v1"


def init_app(app: Flask) -> None:
    login_manager.login_view = "accounts.signin"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load_from_session(user_id: str) -> Account | None:
        """The session cookie names a server-side session: revoked (signed out, signed out
        everywhere, erased) means anonymous, whatever the copy of the cookie says."""
        from core.accounts.services.sessions import (
            SESSION_SEEN_EVERY,
            account_for_session,
        )

        found = account_for_session(user_id)
        if found is None:
            return None
        account, session_id, last_seen = found
        g.account_session_id = session_id
        if utcnow() - last_seen > SESSION_SEEN_EVERY:
            g.setdefault("_sessions_seen", set()).add(session_id)
        return account

    @login_manager.request_loader
    def _load_from_token(req) -> Account | None:
        """A bearer token authenticates API requests only: never an HTML page (the account pages,
        the operator console, a municipality's admin), and never into a cookie session."""
        header = req.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or not is_api_path(req.path):
            return None
        from core.accounts.services.tokens import account_for_access_token

        tenant = current_tenant()
        account = account_for_access_token(header[7:].strip(), tenant.id if tenant else None)
        if account is not None:
            g.auth_method = "token"
        return account

    @app.teardown_request
    def _record_token_uses(_exc: BaseException | None) -> None:
        """Token and session use noted during the request, written once it is over."""
        uses = g.pop("_token_uses", None)
        seen = g.pop("_sessions_seen", None)
        if not uses and not seen:
            return
        from core.accounts.services.sessions import (
            record_sessions_seen,
        )
        from core.accounts.services.tokens import record_token_uses

        try:
            db.session.rollback()  # whatever the request left uncommitted is discarded anyway
            record_token_uses(uses or ())
            record_sessions_seen(seen or ())
        except Exception:  # bookkeeping must never turn an answer into an error
            db.session.rollback()
            app.logger.exception("could not record the use of tokens %s / sessions %s", uses, seen)

    @login_manager.unauthorized_handler
    def _unauthorized():
        from flask import abort, redirect, url_for

        if request.path.startswith("/api/"):
            abort(401)
        # the same route on every host: the apex shows the form, a tenant host starts the hand-off
        return redirect(url_for("accounts.signin", next=request.full_path))


def is_api_path(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def sign_in_session(account: Account, remember: bool = False) -> None:
    """Start a host-only session for the account on this host, backed by a server-side session
    row (committed here: callers have committed their own work already)."""
    from core.accounts.services.sessions import (
        start_session,
    )

    account.session_key = start_session(account, request.host)
    db.session.commit()
    session.pop("handoff_nonce", None)
    login_user(account, remember=remember)
    mark_recent_authentication()
    g.auth_method = "session"


def end_session_here() -> None:
    """Sign out on this browser: the server-side session is revoked (committed), the cookie
    emptied and the remember-me cookie cleared, so that no copy of either works any more."""
    from core.accounts.services.sessions import (
        end_session,
    )

    end_session(session.get("_user_id"))
    db.session.commit()
    logout_user()
    session.clear()
    session["_remember"] = "clear"  # Flask-Login deletes the remember-me cookie on the way out


def mark_recent_authentication() -> None:
    """The password (and code) were just checked in this session: sensitive actions may follow."""
    session["auth_at"] = int(time.time())
