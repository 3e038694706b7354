"""Account pages: sign-up, sign-in and hand-off, reset, TOTP, profile, tokens, data, NGO dashboard."""

from __future__ import annotations

import json
import secrets
import time
from functools import wraps
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from core.accounts import forms
from core.accounts.auth import end_session_here, mark_recent_authentication, sign_in_session
from core.accounts.models import Account, Role
from core.accounts.personal_data import erase_account, export_personal_data
from core.accounts.services import common as common_services
from core.accounts.services import dashboard as dashboard_services
from core.accounts.services import handoff as handoff_services
from core.accounts.services import memberships as memberships_services
from core.accounts.services import organisations as organisations_services
from core.accounts.services import passwords as passwords_services
from core.accounts.services import sessions as sessions_services
from core.accounts.services import signin as signin_services
from core.accounts.services import signup as signup_services
from core.accounts.services import tokens as tokens_services
from core.accounts.services import totp as totp_services
from core.db import tenant_context
from core.extensions import db, limiter
from core.redirects import safe_redirect_target
from core.tenancy import apex_host, current_tenant, external_url

bp = Blueprint("accounts", __name__)


def apex_only(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_tenant() is not None:
            abort(404)
        return view(*args, **kwargs)

    return wrapper


#: Seconds between the password step and the code step of a sign-in with two-step verification.
PENDING_TOTP_MAX_AGE = 600


def tenant_only(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_tenant() is None:
            abort(404)
        return view(*args, **kwargs)

    return wrapper


#: Seconds for which a sign-in or a "confirm it's you" allows sensitive changes (REAUTH_MAX_AGE).
REAUTH_MAX_AGE = 300
_REAUTH_PREFIX = "reauth"


def recently_authenticated() -> bool:
    """The password was checked in this session within the last few minutes."""
    at = session.get("auth_at")
    max_age = int(current_app.config.get("REAUTH_MAX_AGE", REAUTH_MAX_AGE))
    return isinstance(at, int) and 0 <= time.time() - at <= max_age


def require_recent_auth(view):
    """Minting tokens and switching two-step verification need a fresh sign-in: otherwise the
    POST answers with "confirm it's you" (password, and code when the account has one), which
    carries the submitted fields along and, once confirmed, makes the change as submitted."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method != "POST" or recently_authenticated():
            return view(*args, **kwargs)
        account = db.session.get(Account, current_user.id)
        form = forms.ConfirmIdentityForm(prefix=_REAUTH_PREFIX)
        if f"{_REAUTH_PREFIX}-password" in request.form:
            if form.validate():
                try:
                    sessions_services.confirm_identity(account, form.password.data, form.code.data)
                except common_services.AccountError as exc:
                    _field_error(form, exc, "password")
                else:
                    db.session.commit()  # the code's step, never accepted twice
                    mark_recent_authentication()
                    return view(*args, **kwargs)
            failures = sessions_services.note_failed_confirmation(g.get("account_session_id"))
            db.session.commit()
            if failures >= sessions_services.MAX_FAILED_CONFIRMATIONS:
                end_session_here()
                flash(_("Too many wrong answers: you have been signed out. Please sign in again."), "error")
                return redirect(url_for("accounts.signin"))
        carried = [
            (name, value)
            for name, values in request.form.lists()
            if name != "csrf_token" and not name.startswith(f"{_REAUTH_PREFIX}-")
            for value in values
        ]
        needs_code = account.totp_enabled_at is not None or account.is_operator
        return render_template(
            "accounts/confirm.html", form=form, carried=carried, needs_code=needs_code
        ), 401

    return wrapper


def safe_next(value: str | None, default: str = "/") -> str:
    """Only same-host relative paths: never an open redirect (see core.redirects)."""
    return safe_redirect_target(value, default) or default


def _signin_limit() -> str:
    return current_app.config["RATE_LIMIT_SIGNIN"]


def _signup_limit() -> str:
    return current_app.config["RATE_LIMIT_SIGNUP"]


def _reset_limit() -> str:
    return current_app.config["RATE_LIMIT_RESET"]


# --- sign-in on the apex, hand-off to tenant hosts ------------------------------------------


@bp.route("/auth/signin", methods=["GET", "POST"])
@limiter.limit(_signin_limit, methods=["POST"])
def signin():
    tenant = current_tenant()
    if tenant is not None:
        return tenant_signin()
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url)
    form = forms.SignInForm()
    if form.validate_on_submit():
        result = signin_services.authenticate(form.email.data, form.password.data)
        if result.account is None:
            flash(_("The email or password is not right."), "error")
        elif result.unverified:
            signup_services.send_verification(result.account)
            db.session.commit()
            flash(_("Please confirm your email address first: we have sent you a new link."), "error")
        elif result.needs_totp:
            session["pending_totp"] = {
                "a": result.account.id,
                "g": result.account.session_generation,
                "r": bool(form.remember.data),
                "n": next_url,
                "t": int(time.time()),
            }
            db.session.commit()
            return redirect(url_for("accounts.totp"))
        else:
            db.session.commit()
            sign_in_session(result.account, remember=bool(form.remember.data))
            return redirect(next_url)
        return render_template("accounts/signin.html", form=form, next=next_url), 401
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/signin.html", form=form, next=next_url), status


@bp.route("/auth/totp", methods=["GET", "POST"])
@apex_only
@limiter.limit(_signin_limit, methods=["POST"])
def totp():
    pending = session.get("pending_totp")
    if not pending:
        return redirect(url_for("accounts.signin"))
    account = db.session.get(Account, pending["a"])
    expired = time.time() - pending.get("t", 0) > PENDING_TOTP_MAX_AGE
    if account is None or account.session_generation != pending["g"] or expired:
        session.pop("pending_totp", None)
        if expired:
            flash(_("The sign-in took too long. Please sign in again."), "error")
        return redirect(url_for("accounts.signin"))
    form = forms.TotpForm()
    enrolling = account.totp_secret is None  # operators must enrol before they can sign in
    if enrolling and "totp_secret" not in session:
        session["totp_secret"] = totp_services.start_totp_enrolment(account)
    secret = session.get("totp_secret") if enrolling else None
    if form.validate_on_submit():
        ok = (
            totp_services.confirm_totp(account, secret, form.code.data)
            if enrolling
            else totp_services.check_totp(account, form.code.data)
        )
        if ok:
            session.pop("pending_totp", None)
            session.pop("totp_secret", None)
            db.session.commit()
            sign_in_session(account, remember=pending["r"])
            return redirect(safe_next(pending["n"]))
        flash(_("That code is not right. Check the time on your device and try again."), "error")
    return render_template(
        "accounts/totp.html",
        form=form,
        enrolling=enrolling,
        secret=secret,
        uri=totp_services.totp_uri(account, secret) if secret else None,
    )


def tenant_signin():
    """On a tenant host: remember a nonce and ask the apex for a one-time code."""
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url)
    nonce = secrets.token_urlsafe(24)
    session["handoff_nonce"] = nonce
    query = urlencode({"host": current_tenant().host, "nonce": nonce, "next": next_url})
    return redirect(external_url(apex_host(), f"/auth/handoff?{query}"))


@bp.route("/auth/handoff")
@apex_only
def handoff():
    """On the apex: issue a code for a registered, verified host and send the browser there."""
    host = handoff_services.receiving_host(request.args.get("host", ""))  # the stored domain, or None
    nonce = request.args.get("nonce", "")
    next_url = safe_next(request.args.get("next"))
    if host is None:
        abort(404)
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.signin", next=request.full_path))
    try:
        code = handoff_services.issue_handoff_code(current_user, host, nonce)
    except handoff_services.HandoffRefused:
        abort(400)
    db.session.commit()
    query = urlencode({"code": code, "next": next_url})
    return redirect(external_url(host, f"/auth/redeem?{query}"))


@bp.route("/auth/redeem")
@tenant_only
def redeem():
    tenant = current_tenant()
    account = handoff_services.redeem_handoff_code(
        request.args.get("code", ""), tenant.host, session.get("handoff_nonce")
    )
    if account is None:
        db.session.commit()
        flash(_("That sign-in link has expired or was already used. Please sign in again."), "error")
        return redirect(url_for("core.home"))
    if not tenant.is_suspended:
        memberships_services.join_tenant(account, tenant.id)
    db.session.commit()
    sign_in_session(account)
    return redirect(safe_next(request.args.get("next")))


@bp.post("/auth/signout")
def signout():
    forms.EmptyForm().validate_on_submit() or abort(400)
    end_session_here()
    flash(_("You have signed out."), "info")
    return redirect(url_for("core.home"))


@bp.post("/auth/signout-everywhere")
@login_required
def signout_everywhere():
    forms.EmptyForm().validate_on_submit() or abort(400)
    account = db.session.get(Account, current_user.id)
    signin_services.sign_out_everywhere(account)
    db.session.commit()
    end_session_here()
    flash(_("You have signed out on every device and every municipality."), "info")
    return redirect(url_for("core.home"))


# --- sign-up, verification, reset -----------------------------------------------------------


@bp.route("/auth/signup", methods=["GET", "POST"])
@apex_only
@limiter.limit(_signup_limit, methods=["POST"])
def signup():
    form = forms.SignUpForm()
    if form.validate_on_submit():
        try:
            signup_services.sign_up(
                form.email.data,
                form.password.data,
                form.display_name.data,
                session.get("lang"),
                return_to=signup_services.return_path(request.args.get("next")),
            )
        except common_services.AccountError as exc:
            db.session.rollback()
            _field_error(form, exc, "email")
            return render_template("accounts/signup.html", form=form), 422
        db.session.commit()
        return render_template("accounts/check_mail.html", email=form.email.data)
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/signup.html", form=form), status


@bp.get("/auth/verify/<token>")
@apex_only
def verify(token: str):
    account = signup_services.verify_email(token)
    if account is None:
        flash(_("This confirmation link is not valid or has expired. Sign in to get a new one."), "error")
        return redirect(url_for("accounts.signin"))
    db.session.commit()
    flash(_("Your email address is confirmed. You can sign in now."), "info")
    back = signup_services.verification_return(token)
    return redirect(url_for("accounts.signin", next=back) if back else url_for("accounts.signin"))


@bp.route("/auth/reset", methods=["GET", "POST"])
@apex_only
@limiter.limit(_reset_limit, methods=["POST"])
def reset_request():
    form = forms.ResetRequestForm()
    if form.validate_on_submit():
        passwords_services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("accounts/check_mail.html", email=form.email.data, reset=True)
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/auth/reset/<token>", methods=["GET", "POST"])
@apex_only
@limiter.limit(_reset_limit, methods=["POST"])
def reset(token: str):
    if passwords_services.account_for_reset_token(token) is None:
        flash(_("This reset link is not valid, has expired or was already used."), "error")
        return redirect(url_for("accounts.reset_request"))
    form = forms.ResetForm()
    if form.validate_on_submit():
        try:
            passwords_services.reset_password(token, form.password.data)
        except common_services.AccountError as exc:
            db.session.rollback()
            _field_error(form, exc, "password")
            return render_template("accounts/reset.html", form=form), 422
        db.session.commit()
        logout_user()
        flash(_("Your password has been changed. Please sign in."), "info")
        return redirect(url_for("accounts.signin"))
    return render_template("accounts/reset.html", form=form)


# --- profile, security, tokens -----------------------------------------------------------------


@bp.route("/account", methods=["GET", "POST"])
@apex_only
@login_required
def profile():
    account = db.session.get(Account, current_user.id)
    form = forms.ProfileForm(obj=account)
    if form.validate_on_submit():
        try:
            account.display_name = common_services.validate_display_name(form.display_name.data)
        except common_services.AccountError as exc:
            db.session.rollback()
            _field_error(form, exc, "display_name")
            return _profile_page(form, account), 422
        account.locale = form.locale.data or None
        if account.locale:
            session["lang"] = account.locale
        db.session.commit()
        flash(_("Your profile has been saved."), "info")
        return redirect(url_for("accounts.profile"))
    status = 422 if request.method == "POST" else 200
    return _profile_page(form, account), status


def _profile_page(form, account: Account) -> str:
    return render_template(
        "accounts/profile.html",
        form=form,
        account=account,
        empty_form=forms.EmptyForm(),
        sessions=[
            {
                "id": s.id,
                "host": s.host,
                "created": format_datetime(s.created_at, "short"),
                "seen": format_datetime(s.last_seen_at, "short"),
                "current": s.id == g.get("account_session_id"),
            }
            for s in sessions_services.list_sessions(account)
        ],
    )


@bp.post("/account/sessions/<int:session_id>/revoke")
@apex_only
@login_required
def revoke_session(session_id: int):
    """Sign out one session (another browser, another municipality's host): it ends at once."""
    forms.EmptyForm().validate_on_submit() or abort(400)
    account = db.session.get(Account, current_user.id)
    if session_id == g.get("account_session_id"):
        end_session_here()
        flash(_("You have signed out."), "info")
        return redirect(url_for("core.home"))
    if not sessions_services.revoke_session(account, session_id):
        abort(404)
    db.session.commit()
    flash(_("That session has been signed out."), "info")
    return redirect(url_for("accounts.profile"))


@bp.route("/account/security", methods=["GET", "POST"])
@apex_only
@login_required
@require_recent_auth
def security_settings():
    account = db.session.get(Account, current_user.id)
    form = forms.TotpForm()
    if account.totp_enabled_at is None:
        secret = session.setdefault("totp_secret", totp_services.start_totp_enrolment(account))
        if form.validate_on_submit():
            if totp_services.confirm_totp(account, secret, form.code.data):
                session.pop("totp_secret", None)
                db.session.commit()
                flash(_("Two-step verification is on."), "info")
                return redirect(url_for("accounts.security_settings"))
            flash(_("That code is not right. Check the time on your device and try again."), "error")
        return render_template(
            "accounts/security.html",
            form=form,
            account=account,
            secret=secret,
            uri=totp_services.totp_uri(account, secret),
        )
    return render_template("accounts/security.html", form=form, account=account, empty_form=forms.EmptyForm())


@bp.post("/account/security/disable-totp")
@apex_only
@login_required
@require_recent_auth
def disable_totp():
    forms.EmptyForm().validate_on_submit() or abort(400)
    account = db.session.get(Account, current_user.id)
    try:
        totp_services.disable_totp(account)
    except common_services.AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("accounts.security_settings"))
    db.session.commit()
    flash(_("Two-step verification is off."), "info")
    return redirect(url_for("accounts.security_settings"))


@bp.route("/account/tokens", methods=["GET", "POST"])
@apex_only
@login_required
@require_recent_auth
def tokens():
    account = db.session.get(Account, current_user.id)
    form = forms.TokenForm()
    form.scope.choices = tokens_services.token_scopes(account)
    new_secret = None
    if form.validate_on_submit():
        scope = None if form.scope.data == "apex" else int(form.scope.data)
        try:
            _token, new_secret = tokens_services.create_access_token(account, form.name.data, scope)
        except common_services.AccountError as exc:
            db.session.rollback()
            _field_error(form, exc, "name")
        else:
            db.session.commit()
    rows = tokens_services.list_access_tokens(account)
    names = dict(form.scope.choices)
    status = 422 if request.method == "POST" and new_secret is None else 200
    return render_template(
        "accounts/tokens.html",
        form=form,
        tokens=rows,
        new_secret=new_secret,
        scope_names=names,
        empty_form=forms.EmptyForm(),
    ), status


@bp.post("/account/tokens/<int:token_id>/revoke")
@apex_only
@login_required
def revoke_token(token_id: int):
    forms.EmptyForm().validate_on_submit() or abort(400)
    account = db.session.get(Account, current_user.id)
    if not tokens_services.revoke_access_token(account, token_id):
        abort(404)
    db.session.commit()
    flash(_("The token has been revoked."), "info")
    return redirect(url_for("accounts.tokens"))


# --- personal data -----------------------------------------------------------------------------


@bp.get("/account/export")
@apex_only
@login_required
def export_data():
    account = db.session.get(Account, current_user.id)
    data = export_personal_data(account)
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="sympraxis-my-data.json"'},
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@apex_only
@login_required
def delete_account():
    form = forms.DeleteAccountForm()
    if form.validate_on_submit():
        account = db.session.get(Account, current_user.id)
        if not signin_services.password_matches(account, form.password.data):
            form.password.errors = [*form.password.errors, _("The password is not right.")]
            return render_template("accounts/delete.html", form=form), 422
        try:
            erase_account(account)
        except common_services.AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return render_template("accounts/delete.html", form=form), 409
        db.session.commit()
        end_session_here()
        flash(_("Your account has been deleted."), "info")
        return redirect(url_for("core.home"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/delete.html", form=form), status


# --- NGO dashboard, organisations, affiliations ----------------------------------------------


@bp.get("/dashboard")
@apex_only
@login_required
def dashboard():
    account = db.session.get(Account, current_user.id)
    return render_template("accounts/dashboard.html", **dashboard_services.dashboard(account))


@bp.get("/auth/go")
@apex_only
@login_required
def go():
    """From the dashboard into a municipality, arriving signed in (through the tenant's sign-in),
    on the page ``next`` names (a path on that host; anything else is the home page)."""
    host = handoff_services.receiving_host(request.args.get("host", ""))  # the stored domain, or None
    if host is None:
        abort(404)
    return redirect(
        external_url(host, "/auth/signin?" + urlencode({"next": safe_next(request.args.get("next"))}))
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
@apex_only
@login_required
def new_organisation():
    form = forms.OrganisationForm()
    if form.validate_on_submit():
        account = db.session.get(Account, current_user.id)
        try:
            organisations_services.create_organisation(
                account, form.name.data, form.kind.data, form.website.data
            )
        except common_services.AccountError as exc:
            db.session.rollback()
            _field_error(form, exc, "name")
            return render_template("accounts/organisation_new.html", form=form), 422
        db.session.commit()
        flash(_("The organisation has been created."), "info")
        return redirect(url_for("accounts.dashboard"))
    return render_template("accounts/organisation_new.html", form=form)


@bp.route("/affiliations/request", methods=["GET", "POST"])
@apex_only
@login_required
def request_affiliation():
    account = db.session.get(Account, current_user.id)
    orgs = organisations_services.admin_organisations(account)
    if not orgs:
        flash(_("Create an organisation first: only its administrators can ask for affiliation."), "info")
        return redirect(url_for("accounts.new_organisation"))
    form = forms.AffiliationRequestForm()
    form.organisation_id.choices = [(o.id, o.name) for o in orgs]
    form.tenant_slug.choices = [(t.slug, t.name) for t in organisations_services.affiliable_tenants()]
    if form.validate_on_submit():
        tenant = organisations_services.active_tenant_by_slug(form.tenant_slug.data)
        if tenant is None:
            abort(404)
        try:
            organisations_services.request_affiliation(
                account, form.organisation_id.data, tenant.id, form.message.data or None
            )
        except common_services.AccountError as exc:
            db.session.rollback()
            form.message.errors = [str(exc)]
            return render_template("accounts/affiliation_request.html", form=form), 422
        db.session.commit()
        flash(_("Your request has been sent to %(name)s.", name=tenant.name), "info")
        return redirect(url_for("accounts.dashboard"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/affiliation_request.html", form=form), status


@bp.get("/admin/affiliations")
@tenant_only
@login_required
def tenant_affiliations():
    _require_tenant_role(Role.ADMIN)
    rows = organisations_services.tenant_affiliations()
    return render_template("accounts/tenant_affiliations.html", rows=rows, form=forms.EmptyForm())


@bp.post("/admin/affiliations/<uuid:affiliation_id>/<any(approve,reject):decision>")
@tenant_only
@login_required
def decide_affiliation(affiliation_id, decision: str):
    _require_tenant_role(Role.ADMIN)
    forms.EmptyForm().validate_on_submit() or abort(400)
    affiliation = organisations_services.find_affiliation(affiliation_id)
    if affiliation is None:
        abort(404)
    organisations_services.decide_affiliation(
        db.session.get(Account, current_user.id), affiliation, decision == "approve"
    )
    db.session.commit()
    flash(_("The decision has been recorded and the organisation told."), "info")
    return redirect(url_for("accounts.tenant_affiliations"))


def _field_error(form, exc: common_services.AccountError, default: str) -> None:
    """Show a service's message next to the field it is about."""
    field = getattr(form, exc.field or default, None) or getattr(form, default)
    field.errors = [*field.errors, str(exc)]


def _require_tenant_role(role: Role) -> None:
    found = memberships_services.role_in(current_user, current_tenant())
    if found is None or found < role:
        abort(403)


__all__ = ["bp", "tenant_context"]
