"""Who is making the request: a session cookie (browsers) or a bearer token (integrations)."""

from __future__ import annotations

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l
from flask_login import login_user

from core.accounts.models import Account
from core.extensions import db, login_manager
from core.tenancy import current_tenant


def init_app(app: Flask) -> None:
    login_manager.login_view = "accounts.signin"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load_from_session(user_id: str) -> Account | None:
        try:
            account_id, generation = (int(x) for x in user_id.split(":"))
        except ValueError:
            return None
        account = db.session.get(Account, account_id)
        if account is None or account.session_generation != generation or account.erased_at:
            return None  # signed out everywhere, or erased
        return account

    @login_manager.request_loader
    def _load_from_token(req) -> Account | None:
        header = req.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        from core.accounts.services import account_for_access_token

        tenant = current_tenant()
        account = account_for_access_token(header[7:].strip(), tenant.id if tenant else None)
        if account is not None:
            g.auth_method = "token"
        return account

    @app.teardown_request
    def _record_token_uses(_exc: BaseException | None) -> None:
        """Token use noted during the request, written once it is over (same connection)."""
        uses = g.pop("_token_uses", None)
        if not uses:
            return
        from core.accounts.services import record_token_uses

        try:
            db.session.rollback()  # whatever the request left uncommitted is discarded anyway
            record_token_uses(uses)
        except Exception:  # bookkeeping must never turn an answer into an error
            db.session.rollback()
            app.logger.exception("could not record the use of access tokens %s", sorted(uses))

    @login_manager.unauthorized_handler
    def _unauthorized():
        from flask import abort, redirect, url_for

        if request.path.startswith("/api/"):
            abort(401)
        # the same route on every host: the apex shows the form, a tenant host starts the hand-off
        return redirect(url_for("accounts.signin", next=request.full_path))


def sign_in_session(account: Account, remember: bool = False) -> None:
    """Start a host-only session for the account on this host."""
    from flask import session

    session.pop("handoff_nonce", None)
    login_user(account, remember=remember)
    g.auth_method = "session"
