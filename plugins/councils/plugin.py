"""The councils plugin: its manifest and hook implementations (the rest lives beside it)."""

import os

import click
from flask.cli import with_appcontext
from markupsafe import Markup

from core.toolkit import (
    BlueprintSpec,
    DashboardItem,
    LegalBasis,
    NavItem,
    PersonalDataDeclaration,
    PluginManifest,
    db,
    gettext,
    hookimpl,
    lazy_gettext,
    tenant_context,
    tenants_with_plugin,
)
from plugins.councils import (
    jobs,
    models,  # noqa: F401  (the migration checks need the models imported here)
    services,
)
from plugins.councils.access import MANAGE, NOMINATE, SECRETARY
from plugins.councils.api import api
from plugins.councils.schemas import SettingsSchema
from plugins.councils.views import ui


@hookimpl
def sympraxis_manifest():
    return PluginManifest(
        name="councils",
        title="Councils and committees",
        version="1.0.0",
        core_api=">=1.1,<2",
        description="Advisory councils: seat plans and terms, public calls for nominations, meetings with votes, opinions and the municipality's answers.",
    )


@hookimpl
def sympraxis_blueprints(app):
    return [BlueprintSpec(ui, "ui"), BlueprintSpec(api, "api")]


@hookimpl
def sympraxis_migration_dirs():
    return [os.path.join(os.path.dirname(__file__), "migrations", "versions")]


@hookimpl
def sympraxis_settings_schema():
    return SettingsSchema


@hookimpl
def sympraxis_permissions():
    return {MANAGE: "staff", SECRETARY: "staff", NOMINATE: "member"}


@hookimpl
def sympraxis_grantable_permissions():
    return {
        SECRETARY: lazy_gettext("Run the meetings of the councils (attendance, votes, minutes, opinions)")
    }


@hookimpl
def sympraxis_navigation(tenant, account):
    return [NavItem(label=str(lazy_gettext("Councils")), url="/councils/", order=40)]


@hookimpl
def sympraxis_apex_dashboard_items(account):
    from plugins.councils.dashboard import for_account

    found = for_account(account)
    if not any(found.values()):
        return []
    row = Markup('<li><a href="{}">{}</a> — {}</li>')
    parts = []
    for key, heading, line in (
        (
            "seats",
            gettext("Seats your organisations hold"),
            lambda i: gettext(
                "%(council)s: %(member)s for %(org)s",
                council=i["council"],
                member=i["member"],
                org=i["organisation"],
            ),
        ),
        ("meetings", gettext("Meetings to come"), lambda i: f"{i['council']}: {i['title']}"),
        ("calls", gettext("Calls for nominations open now"), lambda i: f"{i['council']}: {i['title']}"),
        ("nominations", gettext("My nominations"), lambda i: gettext("Your organisations' nominations")),
    ):
        if found[key]:
            parts.append(
                Markup("<h3>{}</h3><ul>{}</ul>").format(
                    heading,
                    Markup("").join(row.format(i["url"], line(i), i["municipality"]) for i in found[key]),
                )
            )
    return [DashboardItem(title=gettext("Councils and committees"), html=Markup("").join(parts), order=25)]


@hookimpl
def sympraxis_resolve_references(tenant, kind, ids):
    """Other plugins link to a council, a meeting or an opinion (e.g. a consultation to the
    opinion given on it): ``Reference("councils", "opinion", id)``."""
    return services.linkables(kind, ids)


@hookimpl
def sympraxis_search(tenant, query, limit):
    from plugins.councils.search import search

    return search(query, limit)


@hookimpl
def sympraxis_notification_kinds():
    from plugins.councils.services import NOTIFICATION_KINDS

    return list(NOTIFICATION_KINDS)


@hookimpl
def sympraxis_periodic_jobs():
    return {"councils.remind_all": jobs.REMIND_EVERY_SECONDS}


@click.group("councils", help="Advisory councils and committees.")
def cli():
    pass


@cli.command("remind")
@with_appcontext
def remind_command():
    """Tell staff of terms ending in 60 and 30 days, in every municipality (daily, from cron)."""
    for tenant_id in tenants_with_plugin("councils"):
        with tenant_context(tenant_id):
            sent = services.send_term_reminders()
            db.session.commit()
        click.echo(f"tenant {tenant_id}: {sent} reminders")


@hookimpl
def sympraxis_cli_commands():
    return [cli]


@hookimpl
def sympraxis_demo_data(tenant):
    from plugins.councils import demo

    demo.seed(tenant)


@hookimpl
def sympraxis_personal_data_declarations():
    _l = lazy_gettext
    return [
        PersonalDataDeclaration(
            kind="councils.members",
            title=_l("Members of councils and committees"),
            categories=(
                _l("name"),
                _l("organisation represented"),
                _l("position and term"),
                _l("attendance and roll-call votes"),
            ),
            data_subjects=(_l("members of the municipality's advisory councils"),),
            purpose=_l(
                "To constitute the councils the law provides for and publish their composition and work."
            ),
            legal_basis=LegalBasis.PUBLIC_TASK,
            retention_note=_l(
                "Public record of the council, kept permanently; the link to the account is removed if it is deleted."
            ),
            recipients=(_l("the public: composition, attendance and votes are published"),),
        ),
        PersonalDataDeclaration(
            kind="councils.nominations",
            title=_l("Nominations and conflict-of-interest declarations"),
            categories=(
                _l("candidate's name and statement"),
                _l("organisation nominating"),
                _l("roles held, related entities and funding from the municipality"),
                _l("the screening's decision and reasons"),
            ),
            data_subjects=(_l("candidates to a council"),),
            purpose=_l("To select the members of a council in public, as the published call sets out."),
            legal_basis=LegalBasis.PUBLIC_TASK,
            retention_note=_l(
                "Kept with the record of the call; a nomination still being screened is withdrawn if the account is deleted."
            ),
            recipients=(_l("the public: candidates, declarations and the result are published"),),
        ),
    ]


@hookimpl
def sympraxis_export_personal_data(account, tenant):
    return services.export_personal_data(account)


@hookimpl
def sympraxis_erase_personal_data(account, tenant):
    services.erase_personal_data(account)
