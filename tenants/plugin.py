"""Hook implementations of the built-in ``tenants`` plugin."""

import os

from core.toolkit import PluginManifest, hookimpl
from tenants import models  # noqa: F401  (models visible to Alembic's autogenerate check)


@hookimpl
def sympraxis_manifest():
    return PluginManifest(
        name="tenants",
        title="Municipalities",
        version="1.0.0",
        core_api=">=1.0,<2",
        description="Onboarding and lifecycle of municipalities, operator console, billing, the demo.",
    )


@hookimpl
def sympraxis_migration_dirs():
    return [os.path.join(os.path.dirname(__file__), "migrations", "versions")]


@hookimpl
def sympraxis_cli_commands():
    from tenants.cli import billing_group, demo, tenants_group

    return [tenants_group, billing_group, demo]


@hookimpl
def sympraxis_blueprints(app):
    from core.plugins import BlueprintSpec
    from tenants import admin, api, legal_admin, operator, public

    return [
        BlueprintSpec(operator.bp, "ui", url_prefix="/operator"),
        BlueprintSpec(admin.bp, "ui", url_prefix="/admin"),
        BlueprintSpec(legal_admin.bp, "ui", url_prefix="/admin/legal"),
        BlueprintSpec(public.bp, "ui", url_prefix="/"),
        BlueprintSpec(api.blp, "api", url_prefix="/api/v1/operator"),
    ]


@hookimpl
def sympraxis_audit(action, tenant_id, details, actor):
    """Actions taken in the core go to the same append-only log as the operator's and admins'."""
    from tenants import audit

    audit.record(action, tenant_id, details, actor=actor)


@hookimpl
def sympraxis_personal_data_declarations():
    """Invitations, the audit log and the billing contact (the privacy notices are made from it)."""
    from tenants.declarations import declarations

    return declarations()


@hookimpl
def sympraxis_tenant_plugins_changed(tenant_id):
    """A municipality's modules changed (console, admin or command line): bring billing in line."""
    from tenants.billing import queue_sync

    queue_sync(tenant_id)


@hookimpl
def sympraxis_app_ready(app):
    from flask_babel import format_currency, format_date, format_datetime, format_number

    from tenants.api import document_choices

    document_choices(app)

    app.jinja_env.globals.setdefault("format_currency", format_currency)
    app.jinja_env.globals.setdefault("format_datetime", format_datetime)
    app.jinja_env.globals.setdefault("format_date", format_date)
    app.jinja_env.globals.setdefault("format_number", format_number)
    from tenants.usage import format_bytes

    app.jinja_env.globals.setdefault("format_bytes", format_bytes)
    if not app.config.get("JOBS_INLINE", True):
        # periodic work for ``celery beat``: grace periods that ran out between two webhooks,
        # webhook events whose re-read from Stripe is still owed (Stripe or the broker was down),
        # and custom domains whose DNS record disappeared (or whose unverified claim expired)
        from core.jobs import celery_app
        from tenants import billing, domains, usage  # noqa: F401  (their jobs are registered on import)

        celery_app(app).conf.beat_schedule.update(
            {
                "tenants.billing_enforce": {
                    "task": "sympraxis.run_job",
                    "schedule": float(app.config.get("BILLING_ENFORCE_EVERY", 3600)),
                    "args": ["tenants.billing_enforce", None, {}],
                },
                "tenants.billing_refresh_pending": {
                    "task": "sympraxis.run_job",
                    "schedule": float(app.config.get("BILLING_REFRESH_PENDING_EVERY", 300)),
                    "args": ["tenants.billing_refresh_pending", None, {}],
                },
                "tenants.domains_recheck": {
                    "task": "sympraxis.run_job",
                    "schedule": float(app.config.get("DOMAINS_RECHECK_EVERY", 6 * 3600)),
                    "args": ["tenants.domains_recheck", None, {}],
                },
                # usage per municipality and day, for the operator console (tenants.usage)
                "tenants.usage_collect": {
                    "task": "sympraxis.run_job",
                    "schedule": float(app.config.get("USAGE_COLLECT_EVERY", 3600)),
                    "args": ["tenants.usage_collect", None, {}],
                },
            }
        )


# --- personal data (issue 12 §4) ------------------------------------------------------------------


@hookimpl
def sympraxis_retention_rules():
    from tenants.privacy import RULES

    return list(RULES)


@hookimpl
def sympraxis_periodic_jobs():
    # the audit log's own entries (about no municipality) keep their IPs for
    # AUDIT_IP_RETENTION_DAYS; a municipality's entries follow its retention schedule
    from tenants import jobs  # noqa: F401  (registers the job)

    # and deletions at the end of a contract whose grace period is over
    return {"tenants.audit_ip_purge": 6 * 3600.0, "tenants.deletions_due": 3600.0}


@hookimpl
def sympraxis_export_personal_data(account, tenant):
    from tenants.privacy import export_in_tenant

    return export_in_tenant(account)


@hookimpl
def sympraxis_erase_personal_data(account, tenant):
    from tenants.privacy import erase_in_tenant

    erase_in_tenant(account)


@hookimpl
def sympraxis_export_account_data(account):
    from tenants.privacy import export_account

    return export_account(account)


@hookimpl
def sympraxis_erase_account_data(account):
    from tenants.privacy import erase_account

    erase_account(account)


@hookimpl
def sympraxis_export_guest_data(email, tenant):
    from tenants.privacy import export_guest

    return export_guest(email, tenant.id)


@hookimpl
def sympraxis_erase_guest_data(email, tenant):
    from tenants.privacy import erase_guest

    erase_guest(email, tenant.id)
