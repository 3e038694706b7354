"""Guests' requests for their data on the municipality's host, ``/privacy/my-data`` (see
:mod:`core.privacy.guests`). Thin: the service decides, these pages ask and answer."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField
from wtforms.validators import DataRequired

from core.extensions import db, limiter
from core.privacy import guests
from core.tenancy import current_tenant

bp = Blueprint("privacy", __name__)


class RequestForm(FlaskForm):
    # the address is checked by the service, whose message says exactly what is wrong
    email = EmailField(_l("Email"), validators=[DataRequired()], render_kw={"maxlength": 254})


class EraseForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand that my data will be erased in this municipality and cannot be brought back."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )


def _tenant():
    tenant = current_tenant()
    if tenant is None:
        abort(404)
    return tenant


def _limit() -> str:
    return current_app.config["RATE_LIMIT_GUEST_DATA"]


_MESSAGES = {
    "invalid": _l("This link is not valid."),
    "used": _l("This link has been used already: each link works once."),
    "expired": _l("This link has expired."),
}


def _link_error(exc: guests.GuestLinkError):
    return render_template("privacy/link_invalid.html", message=_MESSAGES[exc.reason]), (
        410 if exc.reason in ("used", "expired") else 404
    )


@bp.route("/privacy/my-data", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def request_page():
    """A guest (no account) types their address; a link comes by mail if there is data for it."""
    tenant = _tenant()
    form = RequestForm()
    if form.validate_on_submit():
        try:
            guests.request_link(form.email.data or "", tenant)
        except guests.AccountError as exc:
            db.session.rollback()
            form.email.errors = [str(exc)]
            return render_template("privacy/request.html", form=form), 422
        db.session.commit()
        return render_template("privacy/request_sent.html", email=(form.email.data or "").strip().lower())
    status = 422 if form.errors else 200
    return render_template("privacy/request.html", form=form), status


@bp.get("/privacy/my-data/<token>")
def link_page(token: str):
    """What the link opens: a summary of what is held, and the two things it can do (once)."""
    tenant = _tenant()
    try:
        req = guests.open_link(token, tenant)
    except guests.GuestLinkError as exc:
        return _link_error(exc)
    held = guests.summary(req, tenant)
    return render_template(
        "privacy/link.html",
        token=token,
        held=held,
        plugin_title=plugin_title,
        download_form=FlaskForm(),
        erase_form=EraseForm(),
    )


@bp.post("/privacy/my-data/<token>/download")
def download(token: str):
    tenant = _tenant()
    FlaskForm().validate_on_submit() or abort(400)
    try:
        document = guests.export(token, tenant)
    except guests.GuestLinkError as exc:
        db.session.rollback()
        return _link_error(exc)
    db.session.commit()
    body = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="personal-data-{tenant.slug}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/privacy/my-data/<token>/erase")
def erase(token: str):
    tenant = _tenant()
    form = EraseForm()
    try:
        req = guests.open_link(token, tenant)
    except guests.GuestLinkError as exc:
        return _link_error(exc)
    if not form.validate_on_submit():
        held = guests.summary(req, tenant)
        return render_template(
            "privacy/link.html",
            token=token,
            held=held,
            plugin_title=plugin_title,
            download_form=FlaskForm(),
            erase_form=form,
        ), 422
    try:
        guests.erase(token, tenant)
    except guests.GuestLinkError as exc:
        db.session.rollback()
        return _link_error(exc)
    db.session.commit()
    return render_template("privacy/erased.html")


def plugin_title(name: str) -> str:
    """A plugin's title, in its own translation domain, for the summary of what is held."""
    from core.i18n import domain_for_module
    from core.plugins import registry

    if name == "core":
        return _("Accessibility feedback you sent")
    plugin = registry().plugins.get(name)
    if plugin is None:
        return name
    if plugin.builtin:  # the municipalities package: invitations and the audit log
        return _("Invitations and the log of administrative actions")
    return domain_for_module(plugin.module.__name__).gettext(plugin.manifest.title)
