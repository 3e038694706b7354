"""``sympraxis tenants …`` and ``sympraxis demo``."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from core.extensions import db
from core.tenancy import Tenant, TenantStatus
from tenants import services

tenants_group = click.Group("tenants", help="Municipalities.")
billing_group = click.Group("billing", help="Stripe billing.")


@tenants_group.command("create")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--country", required=True, help="ISO 3166 two-letter code, e.g. GR")
@click.option("--locale", "default_locale", required=True, type=click.Choice(["el", "bg", "ro", "en"]))
@click.option(
    "--locales", default="", help="Comma-separated enabled languages (default: the default one and en)"
)
@click.option("--timezone", default="Europe/Athens")
@click.option("--plugin", "plugins", multiple=True, help="Plugin to enable (repeatable)")
@with_appcontext
def tenants_create(slug, name, country, default_locale, locales, timezone, plugins) -> None:
    """Create the municipality SLUG, served on SLUG.<apex>."""
    enabled = [x.strip() for x in locales.split(",") if x.strip()] or [default_locale, "en"]
    try:
        tenant = services.create_tenant(
            services.NewTenant(
                slug=slug,
                name=name,
                country=country,
                default_locale=default_locale,
                locales=enabled,
                timezone=timezone,
                plugins=list(plugins),
            )
        )
    except services.TenantError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.field}: {exc}") from exc
    db.session.commit()
    click.echo(f"created {tenant.slug} (id {tenant.id})")


@tenants_group.command("list")
@with_appcontext
def tenants_list() -> None:
    """Every municipality with its status."""
    for t in db.session.execute(sa.select(Tenant).order_by(Tenant.slug)).scalars():
        click.echo(f"{t.slug:24} {t.status:10} {t.default_locale}  {t.name}")


@tenants_group.command("usage-collect")
@with_appcontext
def tenants_usage_collect() -> None:
    """Write today's usage row of every municipality now (what celery beat does every hour)."""
    from tenants import usage

    click.echo(f"{usage.collect()} usage rows written")


def _status_command(name: str, status: TenantStatus, doc: str):
    @tenants_group.command(name)
    @click.argument("slug")
    @with_appcontext
    def command(slug: str) -> None:
        try:
            services.set_status(slug, status)
        except services.TenantError as exc:
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
        click.echo(f"{slug} is now {status.value}")

    command.__doc__ = doc
    return command


_status_command("suspend", TenantStatus.SUSPENDED, "Make SLUG read-only (every write answers 403).")
_status_command("resume", TenantStatus.ACTIVE, "Make SLUG active again.")
_status_command("archive", TenantStatus.ARCHIVED, "Hide SLUG from the public (its data stays).")


def _tenant_by_slug(slug: str) -> Tenant:
    tenant = db.session.execute(sa.select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()
    if tenant is None:
        raise click.ClickException(f"no municipality with slug {slug!r}")
    return tenant


@tenants_group.command("export")
@click.argument("slug")
@click.option(
    "-o", "--output", "output", default=None, help="The zip to write (default SLUG-export-DATE.zip)."
)
@with_appcontext
def tenants_export(slug: str, output: str | None) -> None:
    """Write ALL of SLUG's data to a zip: JSON and CSV per table, attachments as files."""
    from core.tenancy import utcnow
    from tenants import audit
    from tenants.portability import export_tenant

    tenant = _tenant_by_slug(slug)
    path = output or f"{slug}-export-{utcnow():%Y%m%d-%H%M%S}.zip"
    result = export_tenant(tenant.id, path)
    audit.record("tenant.exported", tenant.id, {"tables": len(result.tables), "by": "command line"})
    db.session.commit()
    rows = sum(result.tables.values())
    click.echo(f"exported {slug}: {rows} rows in {len(result.tables)} tables, {result.files} files -> {path}")


@tenants_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def tenants_import(file: str) -> None:
    """Create a municipality from an export zip (its slug must be free here; run db upgrade first)."""
    from tenants import audit
    from tenants.portability import PortabilityError, import_tenant

    try:
        result = import_tenant(file)
    except PortabilityError as exc:
        raise click.ClickException("cannot import: " + "; ".join(exc.problems)) from exc
    audit.record(
        "tenant.imported", result.tenant_id, {"rows": sum(result.tables.values()), "by": "command line"}
    )
    db.session.commit()
    click.echo(
        f"imported {result.slug} (id {result.tenant_id}): {sum(result.tables.values())} rows in "
        f"{len(result.tables)} tables; accounts matched by address {result.accounts_matched}, "
        f"created {result.accounts_created} (they set a password with 'forgot my password')"
    )


@tenants_group.command("delete")
@click.argument("slug")
@click.option("--reason", default="", help="Recorded with the deletion (the contract's end, say).")
@click.option("--cancel", "cancel_it", is_flag=True, help="Cancel the scheduled deletion.")
@click.option(
    "--now", "now_", is_flag=True, help="Carry out the deletion now (its grace period must be over)."
)
@with_appcontext
def tenants_delete(slug: str, reason: str, cancel_it: bool, now_: bool) -> None:
    """End of contract: schedule the deletion of SLUG's data (archived first), cancel it, or
    carry it out once the grace period is over; prints the deletion certificate."""
    from tenants import deletion

    tenant = _tenant_by_slug(slug)
    try:
        if cancel_it:
            deletion.cancel(tenant.id)
            db.session.commit()
            click.echo(f"the deletion of {slug} is cancelled")
            return
        if now_:
            scheduled = deletion.pending(tenant.id)
            if scheduled is None:
                raise click.ClickException(f"no deletion is scheduled for {slug}")
            done = deletion.execute(scheduled)
            db.session.commit()
            _print_certificate(done)
            return
        scheduled = deletion.schedule(tenant.id, reason=reason)
        db.session.commit()
    except deletion.DeletionError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"the deletion of {slug} is scheduled for {scheduled.due_at:%Y-%m-%d %H:%M} UTC")


def _print_certificate(done) -> None:
    click.echo(f"deletion certificate #{done.id}: {done.name} ({done.slug}, id {done.subject_tenant_id})")
    click.echo(
        f"  requested {done.requested_at:%Y-%m-%d %H:%M} UTC by {done.requested_by_email or 'command line'}"
    )
    click.echo(
        f"  carried out {done.executed_at:%Y-%m-%d %H:%M} UTC by {done.executed_by_email or 'command line'}"
    )
    for table, count in sorted(done.counts.items()):
        click.echo(f"  {table:48} {count}")
    left = {k: v for k, v in done.remaining.items() if v}
    click.echo(
        "  verified: no row with its id is left" if done.verified else f"  NOT verified, rows left: {left}"
    )


@tenants_group.command("purge-expired")
@click.argument("slugs", nargs=-1)
@with_appcontext
def tenants_purge_expired(slugs) -> None:
    """Apply the retention schedule now in the given municipalities (default: every one)."""
    from core.privacy.retention import purge_tenant, tenant_ids_to_purge
    from tenants.privacy import purge_platform_audit_ips

    ids = [_tenant_by_slug(s).id for s in slugs] if slugs else tenant_ids_to_purge()
    for tenant_id in ids:
        done = purge_tenant(tenant_id)
        db.session.commit()
        click.echo(f"tenant {tenant_id}: {done or 'nothing due'}")
    if not slugs:
        click.echo(f"platform audit entries: {purge_platform_audit_ips()} IP addresses removed")
        db.session.commit()


@click.command("demo")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--serve/--no-serve", default=True, help="Serve after seeding (default).")
@with_appcontext
def demo(host: str, port: int, serve: bool) -> None:
    """Migrate, seed the demo data (idempotent) and serve on http://localhost:PORT."""
    from core.migrate import upgrade
    from core.plugins import registry
    from tenants.demo import DEMO_PASSWORD, seed_demo

    app = current_app._get_current_object()
    upgrade(app)
    created = seed_demo()
    db.session.commit()
    from tenants import usage

    usage.collect()  # the operator's usage pages start with today's storage (no celery beat here)
    apex = app.config["PLATFORM_APEX"]
    click.echo("")
    click.echo("Sympraxis demo " + ("seeded" if created else "(data kept from an earlier run)"))
    click.echo(f"  platform:      http://{apex}:{port}/")
    for slug, name in (("orestiada", "Orestiada"), ("haskovo", "Haskovo"), ("sector3", "Bucharest Sector 3")):
        click.echo(f"  {name + ':':22} http://{slug}.{apex}:{port}/")
    if "registry" in registry(app).plugins:
        click.echo(f"  observatory:   http://{apex}:{port}/observatory/")
    click.echo(f"  outbox (mail): http://{apex}:{port}/dev/outbox")
    click.echo("")
    click.echo(f"  sign-ins (password for all: {DEMO_PASSWORD})")
    click.echo("    ngo@example.org                 NGO 'Solidarity Network' in all three municipalities")
    click.echo("    citizen@example.org             a citizen of Orestiada")
    click.echo(
        "    admin@orestiada.example         admin of Orestiada (also admin@haskovo.example, admin@sector3.example)"
    )
    click.echo("    operator@sympraxis.example      operator (enrol an authenticator app at first sign-in)")
    click.echo("")
    if serve:
        from werkzeug.serving import run_simple

        app.config["DEMO_MODE"] = True
        app.config["PUBLIC_PORT"] = port
        _demo_operator(app)
        _collect_usage_in_background(app, every=min(60.0, float(app.config.get("USAGE_COLLECT_EVERY", 3600))))
        run_simple(host, port, app, threaded=True, use_reloader=False)


def _demo_operator(app) -> None:
    """The demo's operator and sub-processors, for the privacy notices (unless configured)."""
    cfg = app.config
    if not cfg.get("OPERATOR_EMAIL"):
        cfg["OPERATOR_NAME"] = "Sympraxis Demo Operator"
        cfg["OPERATOR_ADDRESS"] = "1 Example Street, 10000 Example City"
        cfg["OPERATOR_EMAIL"] = "privacy@sympraxis.example"
        cfg["OPERATOR_DPO_EMAIL"] = "dpo@sympraxis.example"
    if not cfg.get("SUB_PROCESSORS"):
        cfg["SUB_PROCESSORS"] = [
            {
                "name": "Example Hosting",
                "purpose": {
                    "en": "Servers and database of the platform",
                    "el": "Διακομιστές και βάση δεδομένων της πλατφόρμας",
                    "bg": "Сървъри и база данни на платформата",
                    "ro": "Serverele și baza de date ale platformei",
                },
                "location": "EU (Germany)",
            },
            {
                "name": "Stripe Payments Europe",
                "purpose": {
                    "en": "Invoicing municipalities (billing contacts only)",
                    "el": "Τιμολόγηση των δήμων (μόνο στοιχεία επαφής για την τιμολόγηση)",
                    "bg": "Фактуриране на общините (само лицата за контакт по фактурирането)",
                    "ro": "Facturarea instituțiilor (numai persoanele de contact pentru facturare)",
                },
                "location": "EU (Ireland); USA (EU-U.S. Data Privacy Framework)",
            },
        ]


def _collect_usage_in_background(app, every: float) -> None:
    """The demo has no celery beat, and its usage counters live in this process: collect here."""
    import threading
    import time

    from tenants import usage

    def loop() -> None:
        while True:
            time.sleep(every)
            try:
                with app.app_context():
                    usage.collect()
            except Exception:  # noqa: BLE001 - the demo keeps serving; the log says why
                app.logger.exception("demo: usage collection failed")

    threading.Thread(target=loop, name="usage-collect", daemon=True).start()


@tenants_group.command("recheck-domains")
@with_appcontext
def tenants_recheck_domains() -> None:
    """Re-check every verified custom domain's DNS record; demote those whose record is gone."""
    from tenants.domains import recheck_all

    counts = recheck_all()
    db.session.commit()
    click.echo(
        f"checked {counts['checked']}, demoted {counts['demoted']}, DNS unanswered {counts['unknown']}"
    )


@billing_group.command("sync-catalog")
@with_appcontext
def billing_sync_catalog() -> None:
    """Create or update the Stripe products and prices of every plan and paid plugin."""
    from tenants import billing

    if not billing.enabled():
        raise click.ClickException("Stripe is not configured (set SYMPRAXIS_STRIPE_SECRET_KEY).")
    done = billing.sync_catalog()
    db.session.commit()
    for key, action in sorted(done.items()):
        click.echo(f"{key:32} {action}")


@billing_group.command("sync")
@click.argument("slugs", nargs=-1)
@click.option("--pending", is_flag=True, help="Every municipality not synced yet.")
@with_appcontext
def billing_sync(slugs, pending) -> None:
    """Queue the billing sync of the given municipalities (or of every pending one)."""
    from core.db import cross_tenant_read
    from tenants.billing import queue_sync
    from tenants.models import TenantBilling

    ids = [t for (t,) in db.session.execute(sa.select(Tenant.id).where(Tenant.slug.in_(slugs))).all()]
    if pending:
        with cross_tenant_read():
            ids += list(
                db.session.execute(
                    sa.select(TenantBilling.tenant_id)
                    .where(TenantBilling.sync_state.in_(["pending", "failed"]))
                    .execution_options(all_tenants=True)
                ).scalars()
            )
    for tenant_id in dict.fromkeys(ids):
        queue_sync(tenant_id)
    click.echo(f"queued {len(set(ids))}")


@billing_group.command("enforce")
@with_appcontext
def billing_enforce() -> None:
    """Make read-only the municipalities whose grace period has run out (run it daily)."""
    from tenants.billing import enforce_all

    count = enforce_all()
    db.session.commit()
    click.echo(f"suspended {count}")


@billing_group.command("refresh-pending")
@with_appcontext
def billing_refresh_pending() -> None:
    """Re-read from Stripe every municipality whose webhook events are still pending (the sweeper)."""
    from tenants.billing import refresh_pending

    counts = refresh_pending()
    click.echo(f"refreshed {counts['refreshed']}, still pending {counts['failed']}")
