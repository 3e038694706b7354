"""``/legal``: the notices on every host, the accessibility feedback form on municipality hosts."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from core.extensions import db, limiter
from core.legal import forms, notices, services
from core.tenancy import current_tenant

bp = Blueprint("legal", __name__, url_prefix="/legal")


def _feedback_limit() -> str:
    return current_app.config["RATE_LIMIT_FEEDBACK"]


@bp.get("/<kind>")
def notice(kind: str):
    """A notice in the page's language: the municipality's edit, else its shipped template."""
    tenant = current_tenant()
    if kind not in notices.KINDS or (tenant is None and kind != "privacy"):
        abort(404)
    html, updated_on, locale = notices.render_notice(tenant, kind, str(get_locale()))
    title = _("Privacy notice of the platform account") if tenant is None else notices.TITLES[kind]
    return render_template(
        "core/legal/notice.html",
        kind=kind,
        title=title,
        html=html,
        updated_on=format_date(updated_on, "long"),
        locale=locale,
    )


@bp.route("/accessibility/feedback", methods=["GET", "POST"])
@limiter.limit(_feedback_limit, methods=["POST"])
def feedback():
    """Report an accessibility problem; the municipality's staff are told and must answer."""
    tenant = current_tenant()
    if tenant is None:
        abort(404)
    account = current_user if current_user.is_authenticated else None
    if request.method == "GET":
        form = forms.FeedbackForm(
            data={
                "email": getattr(account, "email", "") or "",
                "name": getattr(account, "display_name", "") or "",
                "page_url": (request.args.get("page") or "")[: services.MAX_URL],
            }
        )
        return render_template("core/legal/feedback.html", form=form)
    form = forms.FeedbackForm()
    if form.validate_on_submit():
        data = services.FeedbackInput(
            email=form.email.data or "",
            message=form.message.data or "",
            name=form.name.data or "",
            page_url=form.page_url.data or "",
        )
        try:
            item = services.submit_feedback(tenant, data, str(get_locale()), account)
            db.session.commit()
        except services.LegalError as exc:
            db.session.rollback()
            getattr(form, exc.field or "message").errors = [str(exc)]
        else:
            flash(
                _(
                    "Thank you. Your report has the reference %(ref)s; we will answer at %(email)s.",
                    ref=item.reference,
                    email=item.email,
                ),
                "info",
            )
            return redirect(url_for("legal.notice", kind="accessibility"))
    return render_template("core/legal/feedback.html", form=form), 422
