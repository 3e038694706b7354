"""The operator console on the apex, ``/operator``: operators only, with two-step verification."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.extensions import db
from core.input_guard import BadInput, int_arg, parse_date
from core.plugin_state import announce_plugins_changed
from core.plugins import registry
from core.tenancy import Tenant, current_tenant, utcnow
from tenants import audit, catalog, forms, services

bp = Blueprint("operator", __name__, template_folder="templates")


def operator_gate():
    """Apex only (404 elsewhere); operators only (403); two-step verification required."""
    if current_tenant() is not None:
        abort(404)
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.signin", next=request.full_path))
    if not current_user.is_operator:
        abort(403)
    if current_user.totp_enabled_at is None:
        flash(_("Operators must turn on two-step verification before using the console."), "warning")
        return redirect(url_for("accounts.security_settings"))
    return None


bp.before_request(operator_gate)


def _onboarding_form() -> forms.OnboardingForm:
    form = forms.OnboardingForm()
    form.plan.choices = [(p.key, f"{p.label}") for p in catalog.plans().values()]
    form.allowed_plugins.choices = [(n, registry().plugins[n].title) for n in registry().switchable_names()]
    return form


@bp.get("/")
def tenants():
    q = request.args.get("q", "")[:100]
    status = request.args.get("status", "")
    page = int_arg("page", 1)
    rows, total = services.tenant_rows(q, status, limit=50, offset=(page - 1) * 50)
    return render_template(
        "tenants/operator_tenants.html",
        rows=rows,
        total=total,
        q=q,
        status=status,
        page=page,
        plan_label=catalog.plan_label,
        plugin_title=catalog.plugin_title,
    )


def _data_from(form: forms.OnboardingForm) -> services.Onboarding:
    return services.Onboarding(
        slug=(form.slug.data or "").strip().lower(),
        name=form.name.data or "",
        country=(form.country.data or "").strip().upper(),
        default_locale=form.default_locale.data or "",
        locales=list(form.locales.data or []),
        timezone=(form.timezone.data or "").strip(),
        plan=form.plan.data or "",
        admin_email=form.admin_email.data or "",
        billing_email=form.billing_email.data or "",
        billing_name=form.billing_name.data or None,
        collection_method=form.collection_method.data or "",
        days_until_due=form.days_until_due.data,
        allowed_plugins=list(form.allowed_plugins.data or []),
    )


@bp.route("/tenants/new", methods=["GET", "POST"])
def onboard():
    form = _onboarding_form()
    if request.method == "POST" and not form.validate_on_submit():
        # report the service's findings too, so every problem shows at once
        for name, messages in services.validate_onboarding(_data_from(form)).items():
            target = getattr(form, name, None)
            if target is not None and not target.errors:
                target.errors = list(messages)
        return render_template("tenants/operator_onboard.html", form=form), 422
    if form.validate_on_submit():
        data = _data_from(form)
        try:
            tenant = services.onboard(data, actor=current_user)
            db.session.commit()
        except services.OnboardingError as exc:
            db.session.rollback()
            for name, messages in exc.errors.items():
                target = getattr(form, name, None)
                if target is not None:
                    target.errors = list(messages)
                else:
                    form.slug.errors = [*form.slug.errors, *messages]
            return render_template("tenants/operator_onboard.html", form=form), exc.status
        except services.MAIL_ERRORS:
            db.session.rollback()
            form.admin_email.errors = [
                _("The invitation could not be sent, so nothing was created. Please try again later.")
            ]
            return render_template("tenants/operator_onboard.html", form=form), 503
        services.after_onboarding(tenant.id)
        flash(_("%(name)s has been created and its administrator invited.", name=tenant.name), "info")
        return redirect(url_for("operator.tenant", tenant_id=tenant.id))
    status = 422 if request.method == "POST" else 200
    return render_template("tenants/operator_onboard.html", form=form), status


@bp.get("/tenants/<int:tenant_id>")
def tenant(tenant_id: int):
    detail = services.tenant_detail(tenant_id)
    if detail is None:
        abort(404)
    plugins_form = forms.AllowedPluginsForm()
    plugins_form.allowed_plugins.choices = [
        (n, registry().plugins[n].title) for n in registry().switchable_names()
    ]
    plugins_form.allowed_plugins.data = [p.plugin for p in detail["plugins"] if p.allowed]
    return render_template(
        "tenants/operator_tenant.html",
        **detail,
        **_deletion_context(tenant_id),
        plans=catalog.plans(),
        status_form=forms.StatusForm(),
        plugins_form=plugins_form,
        empty_form=forms.EmptyForm(),
    )


# --- processor duties: export, and deletion at the end of the contract ---------------------------


def _deletion_context(tenant_id: int, form: forms.DeletionForm | None = None) -> dict:
    from tenants import deletion
    from tenants.deletion import grace_period

    scheduled = deletion.pending(tenant_id)
    return {
        "deletion": scheduled,
        "deletion_due": scheduled is not None and scheduled.due_at <= utcnow(),
        "deletion_form": form or forms.DeletionForm(),
        "certificates": deletion.certificates(tenant_id),
        "grace_days": grace_period().days,
    }


@bp.get("/tenants/<int:tenant_id>/export")
def export(tenant_id: int):
    """All the municipality's data as a zip (written to a temporary file, then sent)."""
    import os
    import tempfile

    from flask import send_file

    from tenants.portability import export_tenant

    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None or tenant.status == "deleted":
        abort(404)
    handle, path = tempfile.mkstemp(suffix=".zip", prefix=f"sympraxis-{tenant.slug}-")
    os.close(handle)
    try:
        result = export_tenant(tenant_id, path)
        audit.record("tenant.exported", tenant_id, {"tables": len(result.tables), "files": result.files})
        db.session.commit()
        with open(path, "rb") as fh:
            data = fh.read()
    finally:
        os.unlink(path)
    import io

    return send_file(
        io.BytesIO(data),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{tenant.slug}-export-{utcnow():%Y%m%d-%H%M%S}.zip",
    )


def _deletion_step(tenant_id: int, do) -> object:
    from tenants.deletion import DeletionError

    if db.session.get(Tenant, tenant_id) is None:
        abort(404)
    try:
        message = do()
        db.session.commit()
    except DeletionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("operator.tenant", tenant_id=tenant_id, _anchor="data"))
    flash(message, "info")
    return redirect(url_for("operator.tenant", tenant_id=tenant_id, _anchor="data"))


@bp.post("/tenants/<int:tenant_id>/deletion")
def deletion_schedule(tenant_id: int):
    from tenants import deletion

    detail = services.tenant_detail(tenant_id)
    if detail is None:
        abort(404)
    form = forms.DeletionForm()
    if not form.validate_on_submit():  # the reason is required: the page again, with what was typed
        plugins_form = forms.AllowedPluginsForm()
        plugins_form.allowed_plugins.choices = [
            (n, registry().plugins[n].title) for n in registry().switchable_names()
        ]
        plugins_form.allowed_plugins.data = [p.plugin for p in detail["plugins"] if p.allowed]
        return render_template(
            "tenants/operator_tenant.html",
            **detail,
            **_deletion_context(tenant_id, form),
            plans=catalog.plans(),
            status_form=forms.StatusForm(),
            plugins_form=plugins_form,
            empty_form=forms.EmptyForm(),
        ), 422

    def do():
        scheduled = deletion.schedule(tenant_id, current_user, form.deletion_reason.data or "")
        return _("The deletion of all its data is scheduled for %(date)s (UTC).",
                 date=scheduled.due_at.strftime("%Y-%m-%d %H:%M"))  # fmt: skip

    return _deletion_step(tenant_id, do)


@bp.post("/tenants/<int:tenant_id>/deletion/cancel")
def deletion_cancel(tenant_id: int):
    from tenants import deletion

    forms.EmptyForm().validate_on_submit() or abort(400)
    return _deletion_step(
        tenant_id, lambda: (deletion.cancel(tenant_id, current_user), _("The deletion is cancelled."))[1]
    )


@bp.post("/tenants/<int:tenant_id>/deletion/execute")
def deletion_execute(tenant_id: int):
    from tenants import deletion

    forms.EmptyForm().validate_on_submit() or abort(400)
    scheduled = deletion.pending(tenant_id)
    if scheduled is None:
        abort(404)
    done = []

    def do():
        done.append(deletion.execute(scheduled, current_user))
        return _("All its data has been deleted; the certificate is recorded.")

    response = _deletion_step(tenant_id, do)
    if done:
        return redirect(url_for("operator.deletion_certificate", deletion_id=done[0].id))
    return response


@bp.get("/deletions/<int:deletion_id>")
def deletion_certificate(deletion_id: int):
    from tenants.models import TenantDeletion

    found = db.session.get(TenantDeletion, deletion_id)
    if found is None or found.status != "done":
        abort(404)
    return render_template("tenants/operator_deletion.html", d=found)


@bp.post("/tenants/<int:tenant_id>/status/<any(suspend,resume,archive,restore):action>")
def change_status(tenant_id: int, action: str):
    form = forms.StatusForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        tenant = services.change_status(tenant_id, action, actor=current_user, reason=form.reason.data or "")
        db.session.commit()
    except services.OnboardingError as exc:
        db.session.rollback()
        if exc.status == 404:
            abort(404)
        flash(" ".join(m for ms in exc.errors.values() for m in ms), "error")
        return redirect(url_for("operator.tenant", tenant_id=tenant_id))
    flash(_("%(name)s is now %(status)s.", name=tenant.name, status=_status_label(tenant.status)), "info")
    return redirect(url_for("operator.tenant", tenant_id=tenant_id))


def _status_label(status: str) -> str:
    return {"active": _("active"), "suspended": _("suspended"), "archived": _("archived")}.get(status, status)


@bp.post("/tenants/<int:tenant_id>/plugins")
def allowed_plugins(tenant_id: int):
    if db.session.get(Tenant, tenant_id) is None:
        abort(404)
    form = forms.AllowedPluginsForm()
    names = set(registry().switchable_names())
    form.allowed_plugins.choices = [(n, n) for n in sorted(names)]
    if not form.validate_on_submit() or any(n not in names for n in form.allowed_plugins.data):
        abort(400)
    services.set_allowed_plugins(tenant_id, list(form.allowed_plugins.data), actor=current_user)
    db.session.commit()
    announce_plugins_changed(tenant_id)  # disallowed modules were switched off: billing follows
    flash(_("The allowed plugins have been saved."), "info")
    return redirect(url_for("operator.tenant", tenant_id=tenant_id))


@bp.post("/tenants/<int:tenant_id>/billing/sync")
def billing_sync(tenant_id: int):
    if db.session.get(Tenant, tenant_id) is None:
        abort(404)
    forms.EmptyForm().validate_on_submit() or abort(400)
    from tenants.billing import queue_sync

    queue_sync(tenant_id, force=True)
    audit.record("billing.sync_requested", tenant_id, {})
    db.session.commit()
    flash(_("Billing synchronisation has been queued."), "info")
    return redirect(url_for("operator.tenant", tenant_id=tenant_id))


@bp.get("/domains")
def domain_conflicts():
    """Hosts claimed by more than one municipality, for the operator to resolve."""
    from core.tenancy import utcnow
    from tenants import domains

    return render_template(
        "tenants/operator_domains.html",
        conflicts=domains.conflicts(),
        now=utcnow(),
        empty_form=forms.EmptyForm(),
    )


@bp.post("/domains/<int:tenant_id>/<uuid:domain_id>/remove")
def domain_claim_remove(tenant_id: int, domain_id):
    from tenants import domains

    forms.EmptyForm().validate_on_submit() or abort(400)
    host = domains.resolve_conflict(tenant_id, domain_id, actor=current_user)
    if host is None:
        abort(404)
    db.session.commit()
    flash(_("The claim on %(host)s has been removed.", host=host), "info")
    return redirect(url_for("operator.domain_conflicts"))


@bp.get("/plugins")
def plugins():
    return render_template("tenants/operator_plugins.html", **services.plugin_catalogue())


def _date(field) -> dt.date | None:
    """The field's date (bounded, see core.input_guard.parse_date); a wrong one is a field error."""
    try:
        return parse_date(field.data)
    except BadInput as exc:
        field.errors = [*field.errors, str(exc)]
        return None


@bp.get("/audit")
def audit_log():
    form = forms.AuditFilterForm(request.args)
    form.validate()
    tenant_id = None
    if form.tenant.data:
        tenant_id = db.session.execute(
            sa.select(Tenant.id).where(Tenant.slug == form.tenant.data.strip().lower())
        ).scalar_one_or_none()
        if tenant_id is None:
            tenant_id = -1  # an unknown slug matches nothing, never everything
    page = int_arg("page", 1)
    since, until = _date(form.since), _date(form.until)
    if form.since.errors or form.until.errors:
        # a date that cannot be used: the form again with the message, nothing listed
        return render_template(
            "tenants/operator_audit.html", form=form, events=[], total=0, slugs={}, page=page
        ), 400
    events, total = audit.events(
        audit.AuditFilter(
            tenant_id=tenant_id,
            action=form.action.data or None,
            actor=form.actor.data or None,
            since=since,
            until=until,
            page=page,
        )
    )
    slugs = dict(
        db.session.execute(
            sa.select(Tenant.id, Tenant.slug).where(
                Tenant.id.in_({e.subject_tenant_id for e in events} - {None})
            )
        ).all()
    )
    return render_template(
        "tenants/operator_audit.html", form=form, events=events, total=total, slugs=slugs, page=page
    )


# --- usage per municipality ---------------------------------------------------------------------


def _usage_args() -> tuple[int, str, bool]:
    """The period, sort column and direction of the usage list; anything else is a 400 naming
    what is accepted."""
    from core.input_guard import refuse
    from tenants import usage

    days = int_arg("days", 30, minimum=1, maximum=max(usage.PERIODS))
    if days not in usage.PERIODS:
        refuse(
            400,
            _("The period must be one of %(periods)s days.", periods=", ".join(map(str, usage.PERIODS))),
            "query",
        )
    sort = request.args.get("sort") or "requests"
    if sort not in usage.SORTS:
        refuse(400, _("The list cannot be sorted by “%(sort)s”.", sort=sort[:40]), "query")
    direction = request.args.get("dir") or ("asc" if sort == "slug" else "desc")
    if direction not in ("asc", "desc"):
        refuse(400, _("The order must be “asc” or “desc”."), "query")
    return days, sort, direction == "desc"


@bp.get("/usage")
def usage_list():
    from tenants import usage

    days, sort, descending = _usage_args()
    page = int_arg("page", 1)
    rows, total = usage.overview(days, sort, descending, page)
    return render_template(
        "tenants/operator_usage.html",
        rows=rows,
        total=total,
        days=days,
        sort=sort,
        descending=descending,
        page=page,
        page_size=usage.PAGE_SIZE,
        periods=usage.PERIODS,
    )


def _csv_response(text: str, filename: str):
    from flask import Response

    return Response(
        "\ufeff" + text,  # a BOM: spreadsheets then read the names' letters as UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/usage.csv")
def usage_csv():
    from core.usage import utc_day
    from tenants import usage

    days, sort, descending = _usage_args()
    rows = usage.all_rows(days, sort, descending)
    return _csv_response(usage.overview_csv(rows), f"usage-{days}d-{utc_day().isoformat()}.csv")


@bp.get("/tenants/<int:tenant_id>/usage")
def tenant_usage(tenant_id: int):
    from tenants import usage

    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        abort(404)
    days, _sort, _descending = _usage_args()
    rows = usage.tenant_days(tenant_id, days)
    measured = next((r for r in rows if r.storage_bytes is not None), None)
    tables = sorted((measured.tables if measured else {}).items(), key=lambda kv: -kv[1].get("bytes", 0))
    return render_template(
        "tenants/operator_tenant_usage.html",
        tenant=tenant,
        rows=rows,
        days=days,
        periods=usage.PERIODS,
        measured=measured,
        tables=tables,
    )


@bp.get("/tenants/<int:tenant_id>/usage.csv")
def tenant_usage_csv(tenant_id: int):
    from tenants import usage

    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        abort(404)
    days, _sort, _descending = _usage_args()
    return _csv_response(
        usage.days_csv(usage.tenant_days(tenant_id, days)), f"usage-{tenant.slug}-{days}d.csv"
    )
