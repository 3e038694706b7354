"""``/admin/legal``: a municipality's notices, its controller details, the accessibility feedback
it must answer, and its records of processing (GDPR Art. 30).

Staff answer feedback and read the records; admins edit the notices and the controller details.
The services (:mod:`core.legal.services`) work inside the host's municipality, so nothing here
can reach another's rows.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from core.accounts.models import Account, Role
from core.extensions import db
from core.legal import notices, services
from core.legal.declarations import declarations
from core.legal.models import FeedbackStatus
from core.permissions import current_role
from core.tenancy import current_tenant, utcnow
from tenants import forms

bp = Blueprint("legal_admin", __name__, template_folder="templates")

DETAIL_FIELDS = (
    "legal_name", "address", "email", "phone", "dpo_name", "dpo_email", "dpo_phone",
    "accessibility_email", "conformance", "assessed_on", "assessment_method", "reviewed_on",
)  # fmt: skip


def status_label(status: str) -> str:
    return {
        FeedbackStatus.RECEIVED.value: _("Received"),
        FeedbackStatus.IN_PROGRESS.value: _("In progress"),
        FeedbackStatus.ANSWERED.value: _("Answered"),
    }.get(status, status)


@bp.before_request
def _staff_only():
    tenant = current_tenant()
    if tenant is None:
        abort(404)
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.signin", next=request.full_path))
    role = current_role()
    if role is None or role < Role.STAFF:
        abort(403)
    return None


def _is_admin() -> bool:
    role = current_role()
    return role is not None and role >= Role.ADMIN


def admin_only(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not _is_admin():
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def _actor() -> Account:
    return db.session.get(Account, current_user.id)


def _locales() -> list[str]:
    """The municipality's languages that have shipped templates, in its order."""
    return [loc for loc in current_tenant().locales if loc in notices.SHIPPED_LOCALES]


def _render(template: str, status: int = 200, **context):
    context.setdefault("is_admin", _is_admin())
    context.setdefault("status_label", status_label)
    return render_template(template, **context), status


# --- overview, details ----------------------------------------------------------------------


@bp.get("/")
def index():
    rows = []
    for kind in notices.KINDS:
        for locale in _locales():
            edited = notices.edited_notice(kind, locale)
            rows.append({"kind": kind, "title": notices.TITLES[kind], "locale": locale, "edited": edited})
    return _render(
        "tenants/legal_index.html",
        rows=rows,
        missing=notices.missing_settings(notices.settings_row()),
        open_feedback=services.open_feedback_count(),
    )


def _details_data(row) -> dict:
    if row is None:
        return {"conformance": "partial", "assessment_method": "self"}
    return {name: getattr(row, name) for name in DETAIL_FIELDS}


@bp.route("/details", methods=["GET", "POST"])
@admin_only
def details():
    if request.method == "GET":
        form = forms.LegalDetailsForm(data=_details_data(notices.settings_row()))
        return _render("tenants/legal_details.html", form=form)
    form = forms.LegalDetailsForm()
    if form.validate_on_submit():
        data = services.SettingsInput(
            **{name: form.data[name] for name in DETAIL_FIELDS if form.data[name] is not None}
        )
        try:
            services.save_settings(current_tenant().id, data, _actor())
            db.session.commit()
        except services.LegalError as exc:
            db.session.rollback()
            getattr(form, exc.field or "legal_name").errors = [str(exc)]
        else:
            flash(_("The controller details have been saved."), "info")
            return redirect(url_for("legal_admin.index"))
    return _render("tenants/legal_details.html", 422, form=form)


# --- notices --------------------------------------------------------------------------------


def _kind_locale(kind: str, locale: str) -> None:
    if kind not in notices.KINDS or locale not in _locales():
        abort(404)


@bp.route("/notices/<kind>/<locale>", methods=["GET", "POST"])
@admin_only
def notice_edit(kind: str, locale: str):
    _kind_locale(kind, locale)
    text = notices.current_text(kind, locale)
    shipped = notices.shipped_text(kind, locale)
    context = {
        "kind": kind,
        "locale": locale,
        "title": notices.TITLES[kind],
        "edited": text.edited,
        "shipped": shipped,
        "placeholders": notices.PLACEHOLDERS,
        "required": notices.REQUIRED[kind],
        "reset_form": forms.EmptyForm(),
        "problems": [],
        "preview": None,
    }
    if request.method == "GET":
        return _render(
            "tenants/legal_notice_edit.html", form=forms.NoticeForm(data={"body": text.body}), **context
        )
    form = forms.NoticeForm()
    if not form.validate_on_submit():
        abort(400)
    body = form.body.data or ""
    if request.form.get("action") == "preview":
        problems = notices.check_body(kind, body)
        preview = notices.render_body(current_tenant(), body, locale)
        return _render(
            "tenants/legal_notice_edit.html", 422 if problems else 200, form=form,
            **{**context, "problems": problems, "preview": preview},
        )  # fmt: skip
    try:
        services.save_notice(current_tenant().id, kind, locale, body, _actor())
        db.session.commit()
    except services.LegalError as exc:
        db.session.rollback()
        form.body.errors = list(exc.problems)
        return _render(
            "tenants/legal_notice_edit.html", 422, form=form, **{**context, "problems": exc.problems}
        )
    flash(_("The notice has been saved; it is published now."), "info")
    return redirect(url_for("legal_admin.notice_edit", kind=kind, locale=locale))


@bp.post("/notices/<kind>/<locale>/reset")
@admin_only
def notice_reset(kind: str, locale: str):
    _kind_locale(kind, locale)
    forms.EmptyForm().validate_on_submit() or abort(400)
    if services.reset_notice(current_tenant().id, kind, locale, _actor()):
        db.session.commit()
        flash(_("The notice is back to the template shipped with the platform."), "info")
    else:
        flash(_("The notice already is the template shipped with the platform."), "info")
    return redirect(url_for("legal_admin.notice_edit", kind=kind, locale=locale))


# --- accessibility feedback -----------------------------------------------------------------


@bp.get("/feedback")
def feedback_list():
    open_only = request.args.get("show") != "all"
    items = services.feedback_list(open_only=open_only)
    now = utcnow()
    return _render(
        "tenants/legal_feedback_list.html",
        items=items,
        open_only=open_only,
        age_days={f.id: (now - f.created_at).days for f in items},
    )


@bp.route("/feedback/<uuid:feedback_id>", methods=["GET", "POST"])
def feedback_detail(feedback_id):
    item = services.get_feedback(feedback_id)
    if item is None:
        abort(404)
    form = forms.FeedbackAnswerForm()
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            if request.form.get("action") == "in_progress":
                services.mark_in_progress(current_tenant().id, item, _actor())
                message = _("The report is marked as in progress.")
            else:
                services.answer_feedback(current_tenant(), item, form.answer.data or "", _actor())
                message = _("The answer has been saved and mailed to the sender.")
            db.session.commit()
        except services.LegalError as exc:
            db.session.rollback()
            item = services.get_feedback(feedback_id)
            form.answer.errors = [str(exc)]
            status = 422
        else:
            flash(message, "info")
            return redirect(url_for("legal_admin.feedback_detail", feedback_id=feedback_id))
    return _render(
        "tenants/legal_feedback_detail.html",
        status,
        item=item,
        form=form,
        answered_by=db.session.get(Account, item.answered_by_id) if item.answered_by_id else None,
        sent_at=format_datetime(item.created_at),
    )


# --- records of processing ------------------------------------------------------------------


@bp.get("/records")
def records():
    """The record of processing activities of the municipality as controller (GDPR Art. 30(1)),
    generated from the declarations and printable."""
    tenant = current_tenant()
    processing, failed = declarations(tenant.id, controller="municipality")
    cfg = current_app.config
    return _render(
        "tenants/legal_records.html",
        processing=processing,
        failed=failed,
        settings=notices.settings_row(),
        sub_processors=notices.sub_processor_list(),
        operator={
            "name": cfg.get("OPERATOR_NAME"),
            "address": cfg.get("OPERATOR_ADDRESS"),
            "email": cfg.get("OPERATOR_EMAIL"),
            "dpo": cfg.get("OPERATOR_DPO_EMAIL"),
        },
        retention_text=notices.retention_text,
        generated_on=format_date(utcnow().date(), "long"),
    )
