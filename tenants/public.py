"""Routes of the ``tenants`` package outside the consoles: Stripe webhooks and the TLS check
(apex), accepting an invitation and the logo (tenant hosts)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.accounts.auth import sign_in_session
from core.accounts.models import Account
from core.accounts.services.common import AccountError, find_account
from core.accounts.services.signin import authenticate
from core.errors import problem
from core.extensions import csrf, db, limiter
from core.observability import count_webhook
from core.tenancy import apex_host, current_tenant, normalise_host, resolve_host
from tenants import billing, domains, forms, services
from tenants.models import TenantLogo

bp = Blueprint("tenants_public", __name__, template_folder="templates")


@bp.post("/billing/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    """Stripe's webhook: signature checked on the raw body, each event stored once."""
    stripe = billing.stripe  # loaded on first use (tenants.billing)

    if current_tenant() is not None:
        abort(404)
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        abort(404)
    payload = request.get_data(cache=False)
    signature = request.headers.get("Stripe-Signature", "")
    try:
        event = stripe.Webhook.construct_event(
            payload, signature, secret, tolerance=int(current_app.config.get("STRIPE_WEBHOOK_TOLERANCE", 300))
        )
    except (ValueError, stripe.SignatureVerificationError):
        count_webhook("stripe", "invalid")
        return problem(400, _("The request could not be understood."), "invalid signature or payload")
    outcome = billing.receive_event(event)
    count_webhook("stripe", outcome)
    return {"received": True, "outcome": outcome}, 200


@bp.get("/tls/allowed")
def tls_allowed():
    """For the reverse proxy's on-demand TLS: 200 only for hosts we serve (verified), else 404."""
    if current_tenant() is not None:
        abort(404)
    host = normalise_host(request.args.get("domain", ""))[:253]
    if not host or not domains.HOST_RE.match(host):
        return Response("no\n", status=404, mimetype="text/plain")
    if host == apex_host():
        return Response("ok\n", mimetype="text/plain")
    info = resolve_host(host)
    if info is None or info.is_archived:
        return Response("no\n", status=404, mimetype="text/plain")
    return Response("ok\n", mimetype="text/plain")


@bp.get("/branding/logo")
def logo():
    tenant = current_tenant()
    if tenant is None:
        abort(404)
    row = db.session.query(TenantLogo).order_by(TenantLogo.created_at.desc()).first()
    if row is None:
        abort(404)
    response = Response(row.content, mimetype=row.mimetype)
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


def _signin_limit() -> str:
    return current_app.config["RATE_LIMIT_SIGNIN"]


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(_signin_limit, methods=["POST"])
def invitation(token: str):
    """Accept an invitation: a new person sets a password, an existing account confirms and joins."""
    tenant = current_tenant()
    if tenant is None:
        abort(404)
    inv = services.invitation_for_token(token)
    if inv is None:
        return render_template("tenants/invitation_invalid.html"), 404
    existing = find_account(inv.email)
    if current_user.is_authenticated and existing is not None and current_user.id == existing.id:
        if request.method == "POST":
            forms.EmptyForm().validate_on_submit() or abort(400)
            services.accept_invitation(inv, db.session.get(Account, current_user.id))
            db.session.commit()
            flash(_("Welcome to %(name)s.", name=tenant.name), "info")
            return redirect(url_for("core.home"))
        return render_template("tenants/invitation.html", inv=inv, mode="signed_in", form=forms.EmptyForm())
    if existing is not None:
        form = forms.AcceptExistingForm()
        if form.validate_on_submit():
            result = authenticate(inv.email, form.password.data)
            if result.account is None or result.needs_totp:
                # with two-step verification on, join by signing in on the platform first
                form.password.errors = [
                    _("Wrong password.")
                    if result.account is None
                    else _("Sign in on the platform first, then open this link again.")
                ]
                return render_template("tenants/invitation.html", inv=inv, mode="existing", form=form), 422
            services.accept_invitation(inv, result.account)
            db.session.commit()
            sign_in_session(result.account)
            flash(_("Welcome to %(name)s.", name=tenant.name), "info")
            return redirect(url_for("core.home"))
        status = 422 if request.method == "POST" else 200
        return render_template("tenants/invitation.html", inv=inv, mode="existing", form=form), status
    form = forms.AcceptNewForm()
    if form.validate_on_submit():
        try:
            account = services.accept_invitation_as_new(inv, form.display_name.data, form.password.data)
        except AccountError as exc:
            db.session.rollback()
            target = form.password if exc.field == "password" else form.display_name
            target.errors = [str(exc)]
            return render_template("tenants/invitation.html", inv=inv, mode="new", form=form), 422
        db.session.commit()
        sign_in_session(account)
        flash(_("Welcome to %(name)s.", name=tenant.name), "info")
        return redirect(url_for("core.home"))
    status = 422 if request.method == "POST" else 200
    return render_template("tenants/invitation.html", inv=inv, mode="new", form=form), status
