"""Municipality administration on the tenant's host, ``/admin`` (admins only)."""

from __future__ import annotations

from typing import Any

import marshmallow
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from marshmallow import fields as mfields
from marshmallow import validate as mvalidate
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from core.accounts.models import Account, Role
from core.accounts.services.common import AccountError
from core.accounts.services.memberships import role_in
from core.db import tenant_context
from core.extensions import db
from core.i18n import validation_message
from core.plugin_state import PluginStateError, announce_plugins_changed, plugin_states
from core.plugins import registry
from core.tenancy import Tenant, TenantDomain, current_tenant
from tenants import admin_services as svc
from tenants import audit, billing, catalog, domains, forms, services
from tenants.models import TenantBilling

bp = Blueprint("tenant_admin", __name__, template_folder="templates")


@bp.before_request
def _admins_only():
    tenant = current_tenant()
    if tenant is None:
        abort(404)
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.signin", next=request.full_path))
    found = role_in(current_user, tenant)
    if found is None or found < Role.ADMIN:
        abort(403)
    return None


def _tid() -> int:
    return current_tenant().id


def _actor() -> Account:
    return db.session.get(Account, current_user.id)


@bp.get("/")
def index():
    events, _total = audit.events(audit.AuditFilter(tenant_id=_tid(), per_page=20))
    return render_template("tenants/admin_index.html", events=events)


# --- branding and languages -----------------------------------------------------------------


@bp.route("/branding", methods=["GET", "POST"])
def branding():
    tenant = db.session.get(Tenant, _tid())
    form = (
        forms.BrandingForm(
            data={
                "name": tenant.name,
                "primary_color": (tenant.branding or {}).get("primary_color", "#1d4e89"),
            }
        )
        if request.method == "GET"
        else forms.BrandingForm()
    )
    if form.validate_on_submit():
        upload = request.files.get(form.logo.name)
        data = upload.read(svc.MAX_LOGO_BYTES + 1) if upload and upload.filename else None
        try:
            svc.update_branding(_tid(), form.name.data, form.primary_color.data, data, _actor())
            db.session.commit()
        except svc.AdminError as exc:
            db.session.rollback()
            getattr(form, exc.field or "name").errors = [str(exc)]
            return render_template("tenants/admin_branding.html", form=form), 422
        flash(_("The branding has been saved."), "info")
        return redirect(url_for("tenant_admin.branding"))
    return render_template("tenants/admin_branding.html", form=form), 422 if request.method == "POST" else 200


@bp.route("/languages", methods=["GET", "POST"])
def languages():
    tenant = db.session.get(Tenant, _tid())
    if request.method == "GET":
        form = forms.LanguagesForm(
            data={
                "locales": tenant.locales,
                "default_locale": tenant.default_locale,
                "timezone": tenant.timezone,
            }
        )
    else:
        form = forms.LanguagesForm()
    if form.validate_on_submit():
        try:
            svc.update_languages(
                _tid(), form.locales.data, form.default_locale.data, form.timezone.data.strip(), _actor()
            )
            db.session.commit()
        except svc.AdminError as exc:
            db.session.rollback()
            getattr(form, exc.field or "locales").errors = [str(exc)]
            return render_template("tenants/admin_languages.html", form=form), 422
        flash(_("Languages and time zone have been saved."), "info")
        return redirect(url_for("tenant_admin.languages"))
    return render_template(
        "tenants/admin_languages.html", form=form
    ), 422 if request.method == "POST" else 200


# --- modules --------------------------------------------------------------------------------


def _plan() -> str:
    """The municipality's plan key (what decides which paid modules it has included)."""
    row = db.session.query(TenantBilling).one_or_none()
    return row.plan if row is not None else ""


@bp.get("/modules")
def modules():
    reg = registry()
    rows = [r for r in svc.module_rows(_tid()) if r.plugin in reg.plugins]
    return render_template(
        "tenants/admin_modules.html",
        rows=rows,
        titles={n: p.title for n, p in reg.plugins.items()},
        prices={r.plugin: catalog.charged_price(r.plugin, _plan()) for r in rows},
        has_settings={n: p.settings_schema is not None for n, p in reg.plugins.items()},
        form=forms.EmptyForm(),
    )


@bp.route("/modules/<name>/<any(enable,disable):action>", methods=["GET", "POST"])
def module_switch(name: str, action: str):
    reg = registry()
    if name not in reg.plugins or name not in {r.plugin for r in svc.module_rows(_tid())}:
        abort(404)
    form = forms.EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            svc.set_module(_tid(), name, action == "enable", _actor())
            db.session.commit()
        except svc.AdminError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for("tenant_admin.modules"))
        announce_plugins_changed(_tid())
        flash(
            _("The module has been enabled.") if action == "enable" else _("The module has been disabled."),
            "info",
        )
        return redirect(url_for("tenant_admin.modules"))
    return render_template(
        "tenants/admin_module_confirm.html",
        name=name,
        title=reg.plugins[name].title,
        action=action,
        price=catalog.charged_price(name, _plan()),
        form=form,
    )


def _label(name: str, fld: marshmallow.fields.Field) -> str:
    return str(fld.metadata.get("title") or fld.metadata.get("label") or name.replace("_", " ").capitalize())


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (a settings ``List`` of ``OneOf`` values)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def settings_form_class(schema_cls: type[marshmallow.Schema]) -> type[FlaskForm]:
    """A WTForms form generated from a plugin's marshmallow settings schema.

    The form only renders and collects values; the schema itself validates them (via
    ``core.plugin_state.set_plugin_settings``) so its messages and limits are the only rules.
    """

    class SettingsForm(FlaskForm):
        pass

    for name, fld in schema_cls().fields.items():
        if fld.dump_only:
            continue
        label = _label(name, fld)
        description = str(fld.metadata.get("description", "")) or None
        choices = next((v.choices for v in fld.validators if isinstance(v, mvalidate.OneOf)), None)
        inner = getattr(fld, "inner", None)
        several = (
            next((v.choices for v in inner.validators if isinstance(v, mvalidate.OneOf)), None)
            if isinstance(fld, mfields.List) and inner is not None
            else None
        )
        if several is not None:  # a List of OneOf values: one checkbox per value, with its label
            shown = fld.metadata.get("choice_labels") or {}
            field = MultiCheckboxField(
                label, choices=[(str(c), str(shown.get(c, c))) for c in several], description=description
            )
        elif isinstance(fld, mfields.Boolean):
            field = BooleanField(label, description=description)
        elif choices is not None:
            shown = fld.metadata.get("choice_labels") or {}  # code -> label, in the reader's language
            field = SelectField(
                label, choices=[(str(c), str(shown.get(c, c))) for c in choices], description=description
            )
        elif isinstance(fld, mfields.Integer):
            field = IntegerField(label, validators=[Optional()], description=description)
        else:
            field = StringField(label, description=description)
        setattr(SettingsForm, name, field)
    return SettingsForm


@bp.route("/modules/<name>/settings", methods=["GET", "POST"])
def module_settings(name: str):
    reg = registry()
    plugin = reg.plugins.get(name)
    if (
        plugin is None
        or plugin.settings_schema is None
        or name not in {r.plugin for r in svc.module_rows(_tid())}
    ):
        abort(404)
    form_cls = settings_form_class(plugin.settings_schema)
    row = plugin_states(_tid()).get(name)
    current: dict[str, Any] = plugin.settings_schema().dump(
        plugin.settings_schema().load((row.settings if row else {}) or {})
    )
    form = form_cls(data=current) if request.method == "GET" else form_cls()
    if request.method == "POST" and form.validate_on_submit():
        values = {
            k: f.data
            for k, f in form._fields.items()
            if k != "csrf_token"
            and not (f.data is None or (isinstance(f.data, str) and f.data == "" and k not in current))
        }
        try:
            svc.save_module_settings(_tid(), name, values, _actor())
            db.session.commit()
        except PluginStateError as exc:
            db.session.rollback()
            for key, messages in exc.messages.items():
                target = form._fields.get(key)
                if target is not None:
                    target.errors = [
                        str(validation_message(m))
                        for m in (messages if isinstance(messages, list) else [messages])
                    ]
            return render_template("tenants/admin_module_settings.html", form=form, title=plugin.title), 422
        except svc.AdminError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for("tenant_admin.modules"))
        flash(_("The settings have been saved."), "info")
        return redirect(url_for("tenant_admin.modules"))
    status = 422 if request.method == "POST" else 200
    return render_template("tenants/admin_module_settings.html", form=form, title=plugin.title), status


# --- personal data: the retention schedule ---------------------------------------------------


def _field_name(key: str) -> str:
    return key.replace(".", "__")


def retention_form_class(entries: list[Any]) -> type[FlaskForm]:
    """One number of days per kind of personal data; empty means the rule's default."""

    class RetentionForm(FlaskForm):
        pass

    for entry in entries:
        hint = ngettext(
            "%(what)s. Default %(num)d day; from %(min)d to %(max)d.",
            "%(what)s. Default %(num)d days; from %(min)d to %(max)d.",
            entry.default_days,
            what=entry.description[:1].upper() + entry.description[1:],
            min=entry.min_days,
            max=entry.max_days,
        )
        setattr(
            RetentionForm,
            _field_name(entry.key),
            IntegerField(
                entry.label, validators=[Optional()], description=hint, render_kw={"min": entry.min_days}
            ),
        )
    return RetentionForm


@bp.route("/privacy", methods=["GET", "POST"])
def privacy():
    """How long each kind of personal data is kept here (the retention schedule)."""
    from core.privacy.retention import RetentionError, schedule, set_retention

    entries = schedule(_tid())
    form_cls = retention_form_class(entries)
    if request.method == "GET":
        form = form_cls(data={_field_name(e.key): e.days for e in entries})
    else:
        form = form_cls()
    if request.method == "POST" and form.validate_on_submit():
        values = {e.key: getattr(form, _field_name(e.key)).data for e in entries}
        try:
            set_retention(_tid(), values, _actor())
            db.session.commit()
        except RetentionError as exc:
            db.session.rollback()
            for key, message in exc.messages.items():
                target = form._fields.get(_field_name(key))
                if target is not None:
                    target.errors = [message]
            return render_template("tenants/admin_privacy.html", form=form, entries=entries), 422
        flash(_("The retention periods have been saved."), "info")
        return redirect(url_for("tenant_admin.privacy"))
    status = 422 if request.method == "POST" else 200
    return render_template("tenants/admin_privacy.html", form=form, entries=entries), status


# --- members --------------------------------------------------------------------------------


@bp.route("/members", methods=["GET", "POST"])
def members():
    form = forms.InviteForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.invite(db.session.get(Tenant, _tid()), form.email.data, form.role.data, inviter=_actor())
            db.session.commit()
        except AccountError as exc:
            db.session.rollback()
            form.email.errors = [str(exc)]
        else:
            flash(
                _("The invitation has been sent to %(email)s.", email=form.email.data.strip().lower()), "info"
            )
            return redirect(url_for("tenant_admin.members"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "tenants/admin_members.html",
        form=form,
        members=svc.members(_tid()),
        invitations=services.pending_invitations(_tid()),
        role_form=forms.RoleForm(),
        empty_form=forms.EmptyForm(),
    ), status


@bp.post("/members/<int:account_id>/role")
def member_role(account_id: int):
    form = forms.RoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        svc.change_role(_tid(), account_id, form.role.data, _actor())
        db.session.commit()
    except LookupError:
        abort(404)
    except svc.AdminError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("tenant_admin.members"))
    flash(_("The role has been changed."), "info")
    return redirect(url_for("tenant_admin.members"))


@bp.post("/members/<int:account_id>/remove")
def member_remove(account_id: int):
    forms.EmptyForm().validate_on_submit() or abort(400)
    try:
        svc.remove_member(_tid(), account_id, _actor())
        db.session.commit()
    except LookupError:
        abort(404)
    except svc.AdminError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("tenant_admin.members"))
    flash(_("The member has been removed."), "info")
    return redirect(url_for("tenant_admin.members"))


@bp.post("/invitations/<uuid:invitation_id>/revoke")
def invitation_revoke(invitation_id):
    forms.EmptyForm().validate_on_submit() or abort(400)
    if not services.revoke_invitation(_tid(), invitation_id, _actor()):
        abort(404)
    db.session.commit()
    flash(_("The invitation has been withdrawn."), "info")
    return redirect(url_for("tenant_admin.members"))


# --- permission grants ----------------------------------------------------------------------


def _grant_choices(form: forms.GrantForm) -> dict[str, tuple[str, str]]:
    """Members, and the grantable permissions of the modules enabled here."""
    from core.grants import grantable_permissions
    from core.plugins import enabled_plugins, plugin_title

    enabled = enabled_plugins(current_tenant())
    grantable = {p: v for p, v in grantable_permissions().items() if v[0] in enabled}
    form.account_id.choices = [(a.id, f"{a.display_name} ({a.email or ''})") for _m, a in svc.members(_tid())]
    # the permission's label and the module it belongs to (not its code: people read this)
    form.permission.choices = [
        (p, f"{label} ({plugin_title(plugin)})") for p, (plugin, label) in sorted(grantable.items())
    ]
    return grantable


@bp.route("/permissions", methods=["GET", "POST"])
def permissions():
    """Who holds which module permission beyond their role; grant one to a member."""
    from core.grants import GrantError, grant_permission, grants_of_tenant

    form = forms.GrantForm()
    grantable = _grant_choices(form)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                grant_permission(_tid(), form.account_id.data, form.permission.data, actor=_actor())
                db.session.commit()
            except GrantError as exc:
                db.session.rollback()
                form.permission.errors = [str(exc)]
            else:
                flash(_("The permission has been granted."), "info")
                return redirect(url_for("tenant_admin.permissions"))
        status = 422
    members = {a.id: a for _m, a in svc.members(_tid())}
    labels = {p: label for p, (_plugin, label) in grantable.items()}
    return render_template(
        "tenants/admin_permissions.html",
        form=form,
        grants=grants_of_tenant(_tid()),
        members=members,
        labels=labels,
        revoke_form=forms.RevokeGrantForm(),
    ), status


@bp.post("/permissions/revoke")
def permission_revoke():
    from core.grants import revoke_permission

    form = forms.RevokeGrantForm()
    if not form.validate_on_submit():
        abort(400)
    if not revoke_permission(_tid(), form.account_id.data, form.permission.data, actor=_actor()):
        abort(404)
    db.session.commit()
    flash(_("The permission has been taken back."), "info")
    return redirect(url_for("tenant_admin.permissions"))


# --- domains --------------------------------------------------------------------------------


@bp.route("/domains", methods=["GET", "POST"])
def domain_list():
    form = forms.DomainForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            domains.add_domain(_tid(), form.host.data, actor=_actor())
            db.session.commit()
        except domains.DomainError as exc:
            db.session.rollback()
            form.host.errors = [str(exc)]
        else:
            flash(_("Publish the DNS record shown, then verify."), "info")
            return redirect(url_for("tenant_admin.domain_list"))
    with tenant_context(_tid()):
        rows = db.session.query(TenantDomain).order_by(TenantDomain.kind.desc(), TenantDomain.host).all()
    status = 422 if request.method == "POST" else 200
    return render_template(
        "tenants/admin_domains.html",
        form=form,
        rows=rows,
        challenge_name=domains.challenge_name,
        challenge_value=domains.challenge_value,
        empty_form=forms.EmptyForm(),
    ), status


@bp.post("/domains/<uuid:domain_id>/verify")
def domain_verify(domain_id):
    forms.EmptyForm().validate_on_submit() or abort(400)
    try:
        domain, found = domains.verify(_tid(), domain_id, actor=_actor())
        db.session.commit()
    except LookupError:
        abort(404)
    except domains.DomainError as exc:
        db.session.commit()  # nothing changed but the audit trail (a conflict is recorded)
        flash(str(exc), "error")
        return redirect(url_for("tenant_admin.domain_list"))
    if found:
        flash(_("%(host)s is verified and now serves your municipality.", host=domain.host), "info")
    elif found is None:
        flash(_("DNS did not answer; nothing was changed. Try again in a moment."), "error")
    else:
        flash(_("The DNS record was not found yet. DNS changes can take a while to appear."), "error")
    return redirect(url_for("tenant_admin.domain_list"))


@bp.post("/domains/<uuid:domain_id>/remove")
def domain_remove(domain_id):
    forms.EmptyForm().validate_on_submit() or abort(400)
    if not domains.remove(_tid(), domain_id, actor=_actor()):
        abort(404)
    db.session.commit()
    flash(_("The domain has been removed."), "info")
    return redirect(url_for("tenant_admin.domain_list"))


# --- billing --------------------------------------------------------------------------------


@bp.get("/billing")
def billing_page():
    with tenant_context(_tid()):
        row = db.session.query(TenantBilling).one_or_none()
    items = billing.desired_items(_tid()) if row else []
    amounts = {catalog.plan_key(p.key): p.amount for p in catalog.plans().values()}
    amounts.update({catalog.plugin_key(n): a for n, a in catalog.plugin_prices().items()})
    invoices = billing.invoices(_tid())
    portal = None
    try:
        portal = billing.portal_url(_tid(), request.url)
    except Exception:  # the portal is optional; never take the page down
        portal = None
    return render_template(
        "tenants/admin_billing.html",
        billing=row,
        items=items,
        amounts=amounts,
        invoices=invoices,
        portal=portal,
        plans=catalog.plans(),
        item_label=catalog.item_label,
        invoice_status_label=catalog.invoice_status_label,
    )
