"""The registry plugin: one verified database of social enterprises, services and actions, with
yearly figures and aggregates from municipality to nation (issue 15)."""

import os

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from markupsafe import Markup

from core.toolkit import (
    BlueprintSpec,
    DashboardItem,
    LegalBasis,
    NavItem,
    PersonalDataDeclaration,
    PluginManifest,
    cross_tenant_read,
    db,
    gettext,
    hookimpl,
    lazy_gettext,
    organisations_of,
    tenant_context,
    tenant_info,
    tenants_with_plugin,
    utcnow_aware,
)
from plugins.registry import (
    aggregates,
    jobs,
    models,  # noqa: F401  (the migration checks need the models imported here)
    services,
)
from plugins.registry.api import api
from plugins.registry.observatory import apex_ui
from plugins.registry.observatory_api import api as observatory_api
from plugins.registry.schemas import SettingsSchema
from plugins.registry.views import SUBMIT, VERIFY, ui


@hookimpl
def sympraxis_manifest():
    return PluginManifest(
        name="registry",
        title="Social economy register",
        version="1.0.0",
        core_api=">=1.4,<2",
        description="A verified register of social enterprises, services and actions, yearly figures, "
        "and aggregates from municipality to nation.",
    )


@hookimpl
def sympraxis_blueprints(app):
    return [
        BlueprintSpec(ui, "ui"),
        BlueprintSpec(api, "api"),
        BlueprintSpec(apex_ui, "ui", url_prefix="/observatory", apex=True),
        BlueprintSpec(observatory_api, "api", url_prefix="/api/v1/observatory", apex=True),
    ]


@hookimpl
def sympraxis_migration_dirs():
    return [os.path.join(os.path.dirname(__file__), "migrations", "versions")]


@hookimpl
def sympraxis_settings_schema():
    return SettingsSchema


@hookimpl
def sympraxis_permissions():
    return {VERIFY: "staff", SUBMIT: "member"}


@hookimpl
def sympraxis_grantable_permissions():
    return {VERIFY: lazy_gettext("Verify entries of the social economy register")}


@hookimpl
def sympraxis_navigation(tenant, account):
    return [NavItem(label=str(lazy_gettext("Social economy")), url="/registry/", order=40)]


@hookimpl
def sympraxis_search(tenant, query, limit):
    from plugins.registry.search import search

    return search(query, limit)


@hookimpl
def sympraxis_apex_dashboard_items(account):
    """The NGO dashboard: the entries of the organisations the account administers, in every
    municipality, with the years whose figures are still due (a reviewed cross-tenant read)."""
    from plugins.registry.models import Entry, Figures, ReportingYear

    org_ids = [m.organisation_id for m in organisations_of(account) if m.role == "admin"]
    if not org_ids:
        return []
    with cross_tenant_read():
        entries = db.session.execute(
            sa.select(Entry.tenant_id, Entry.id, Entry.name, Entry.verified_at)
            .where(Entry.organisation_id.in_(org_ids))
            .execution_options(all_tenants=True)
        ).all()
        if not entries:
            return []
        tenant_ids = {e.tenant_id for e in entries}
        years = db.session.execute(
            sa.select(ReportingYear.tenant_id, ReportingYear.year)
            .where(ReportingYear.tenant_id.in_(tenant_ids))
            .execution_options(all_tenants=True)
        ).all()
        given = set(
            db.session.execute(
                sa.select(Figures.tenant_id, Figures.entry_id, Figures.year)
                .where(Figures.tenant_id.in_(tenant_ids))
                .execution_options(all_tenants=True)
            ).all()
        )
    row = Markup("<li>{} — {}{}</li>")
    items = []
    for e in sorted(entries, key=lambda e: e.name):
        info = tenant_info(e.tenant_id)
        due = sorted(y for t, y in years if t == e.tenant_id and (e.tenant_id, e.id, y) not in given)
        note = (
            Markup(" — {}").format(gettext("figures due for %(years)s", years=", ".join(map(str, due))))
            if due and e.verified_at
            else (Markup(" — {}").format(gettext("awaiting verification")) if not e.verified_at else "")
        )
        items.append(row.format(e.name, info.name if info else "", note))
    html = Markup("<ul>{}</ul>").format(Markup("").join(items))
    return [DashboardItem(title=gettext("Your entries in the social economy register"), html=html, order=40)]


@hookimpl
def sympraxis_notification_kinds():
    from plugins.registry.services import NOTIFICATION_KINDS

    return list(NOTIFICATION_KINDS)


@hookimpl
def sympraxis_periodic_jobs():
    return {
        "registry.remind_all": jobs.REMIND_EVERY_SECONDS,
        "registry.aggregate": jobs.AGGREGATE_EVERY_SECONDS,
    }


@click.group("registry", help="The social economy register: areas, reminders, aggregates.")
def cli():
    pass


@cli.command("area")
@click.argument("slug")
@click.option("--nuts3", required=True)
@click.option("--nuts2", required=True)
@click.option("--country", required=True)
@click.option("--lau", default="")
@with_appcontext
def area_command(slug, nuts3, nuts2, country, lau):
    """Record a municipality's statistical codes (the operator's task), e.g. EL511 EL51 EL."""
    tenant_id = next((t for t in tenants_with_plugin("registry") if _slug(t) == slug), None)
    if tenant_id is None:
        raise click.ClickException(f"no active municipality {slug!r} with the registry on")
    set_area(tenant_id, nuts3=nuts3, nuts2=nuts2, country=country, lau=lau)
    db.session.commit()
    click.echo(f"{slug}: {lau or '-'} {nuts3} {nuts2} {country}")


def _slug(tenant_id):
    info = tenant_info(tenant_id)
    return info.slug if info else None


def set_area(tenant_id: int, *, nuts3: str, nuts2: str, country: str, lau: str = "") -> None:
    from plugins.registry.models import StatisticalArea

    nuts3, nuts2, country = nuts3.strip().upper(), nuts2.strip().upper(), country.strip().upper()
    if not (
        len(country) == 2
        and nuts2.startswith(country)
        and len(nuts2) == 4
        and nuts3.startswith(nuts2)
        and len(nuts3) == 5
    ):
        raise click.BadParameter(
            "NUTS codes nest: country XX, NUTS 2 XX9, NUTS 3 XX99 (e.g. EL, EL51, EL511)"
        )
    row = db.session.get(StatisticalArea, tenant_id) or StatisticalArea(municipality_id=tenant_id)
    row.nuts3, row.nuts2, row.country, row.lau = nuts3, nuts2, country, lau.strip()
    db.session.add(row)
    db.session.flush()


@cli.command("remind")
@with_appcontext
def remind_command():
    """Send the figures reminders and re-verification notices that are due, in every municipality."""
    for tenant_id in tenants_with_plugin("registry"):
        with tenant_context(tenant_id):
            sent = services.send_reminders(utcnow_aware().date())
            notices = services.send_reverify_notices()
            db.session.commit()
        click.echo(f"tenant {tenant_id}: {sent} reminders, {notices} re-verification notices")


@cli.command("aggregate")
@with_appcontext
def aggregate_command():
    """Recompute the aggregates now."""
    done = aggregates.run()
    cells, municipalities = done.cells, done.municipalities
    db.session.commit()
    click.echo(f"{cells} cells from {municipalities} municipalities")


@hookimpl
def sympraxis_cli_commands():
    return [cli]


@hookimpl
def sympraxis_demo_data(tenant):
    from plugins.registry import demo

    demo.seed(tenant)


@hookimpl
def sympraxis_personal_data_declarations():
    return [
        PersonalDataDeclaration(
            kind="registry.contacts",
            title=lazy_gettext("Contact persons of register entries"),
            categories=(lazy_gettext("name"), lazy_gettext("e-mail address"), lazy_gettext("telephone")),
            data_subjects=(lazy_gettext("contact persons of social enterprises, services and actions"),),
            purpose=lazy_gettext(
                "To let people reach the social services and enterprises listed in the register."
            ),
            legal_basis=LegalBasis.PUBLIC_TASK,
            retention_note=lazy_gettext(
                "Kept while the entry names the person; removed when they delete their account."
            ),
            recipients=(lazy_gettext("the public: the entry page shows them"),),
        ),
        PersonalDataDeclaration(
            kind="registry.submissions",
            title=lazy_gettext("Who submitted and verified register entries"),
            categories=(lazy_gettext("account"), lazy_gettext("date of the submission or review")),
            data_subjects=(lazy_gettext("administrators of organisations and municipal staff"),),
            purpose=lazy_gettext("To keep the record of who submitted and who verified each version."),
            legal_basis=LegalBasis.PUBLIC_TASK,
            retention_note=lazy_gettext(
                "Kept with the entry's versions; the account is removed when it is deleted."
            ),
            recipients=(lazy_gettext("the municipality's staff"),),
        ),
    ]


@hookimpl
def sympraxis_export_personal_data(account, tenant):
    return services.export_personal_data(account)


@hookimpl
def sympraxis_erase_personal_data(account, tenant):
    services.erase_personal_data(account)
