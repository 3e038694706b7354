"""The volunteers plugin: its manifest and hook implementations (the rest lives beside it)."""

import os

import click
from flask.cli import with_appcontext
from markupsafe import Markup

from core.toolkit import (
    BlueprintSpec,
    DashboardItem,
    NavItem,
    PluginManifest,
    SearchHit,
    db,
    gettext,
    hookimpl,
    lazy_gettext,
    ngettext,
    tenant_context,
    tenants_with_plugin,
    url_for,
)
from plugins.volunteers import (
    jobs,
    models,  # noqa: F401  (the migration checks need the models imported here)
    services,
)
from plugins.volunteers.api import api
from plugins.volunteers.schemas import SettingsSchema
from plugins.volunteers.views import COORDINATE, SIGN_UP, ui


@hookimpl
def sympraxis_manifest():
    return PluginManifest(
        name="volunteers",
        title="Volunteering",
        version="1.0.0",
        core_api=">=1.4,<2",
        description="The common pool of volunteering: tasks with shifts, sign-ups (also on behalf of NGOs), reminders and hours.",
    )


@hookimpl
def sympraxis_blueprints(app):
    return [BlueprintSpec(ui, "ui"), BlueprintSpec(api, "api")]  # /volunteers/ and /api/v1/volunteers/


@hookimpl
def sympraxis_migration_dirs():
    return [os.path.join(os.path.dirname(__file__), "migrations", "versions")]


@hookimpl
def sympraxis_settings_schema():
    return SettingsSchema


@hookimpl
def sympraxis_permissions():
    return {SIGN_UP: "member", COORDINATE: "staff"}


@hookimpl
def sympraxis_grantable_permissions():
    # an admin can make a member (an NGO's volunteer manager, a centre's coordinator) a coordinator
    return {COORDINATE: lazy_gettext("Coordinate volunteering (tasks, shifts, attendance)")}


@hookimpl
def sympraxis_navigation(tenant, account):
    items = [NavItem(label=str(lazy_gettext("Volunteering")), url="/volunteers/", order=30)]
    if account is not None:
        items.append(NavItem(label=str(lazy_gettext("My volunteering")), url="/volunteers/mine", order=31))
    return items


@hookimpl
def sympraxis_dashboard_items(tenant, account):
    views = services.list_tasks(open_only=True)[:5]
    html = Markup("<p>{}</p>").format(
        ngettext("%(num)d task needs volunteers", "%(num)d tasks need volunteers", len(views))
    )
    if views:
        row = Markup('<li><a href="{}">{}</a></li>')
        html += Markup("<ul>{}</ul>").format(
            Markup("").join(
                row.format(url_for("volunteers.task", task_id=v.task.id), v.task.title) for v in views
            )
        )
    return [DashboardItem(title=gettext("Volunteering"), html=html, order=30)]


@hookimpl
def sympraxis_search(tenant, query, limit):
    return [
        SearchHit(
            title=task.title,
            url=url_for("volunteers.task", task_id=task.id),
            snippet=snippet,
            rank=rank,
            kind=gettext("Volunteering task"),
        )
        for task, snippet, rank in services.search_tasks(query, limit)
    ]


@hookimpl
def sympraxis_periodic_jobs():
    return {"volunteers.remind_all": jobs.REMIND_EVERY_SECONDS}


@click.group("volunteers", help="Volunteering: tasks, shifts and sign-ups.")
def cli():
    pass


@cli.command("remind")
@with_appcontext
def remind_command():
    """Send the reminders that are due, in every municipality (run it from cron without Celery)."""
    for tenant_id in tenants_with_plugin("volunteers"):
        with tenant_context(tenant_id):
            sent = services.send_reminders()
            db.session.commit()
        click.echo(f"tenant {tenant_id}: {sent} reminders")


@hookimpl
def sympraxis_cli_commands():
    return [cli]


@hookimpl
def sympraxis_demo_data(tenant):
    from plugins.volunteers import demo

    demo.seed(tenant)


@hookimpl
def sympraxis_export_personal_data(account, tenant):
    return services.export_personal_data(account)


@hookimpl
def sympraxis_erase_personal_data(account, tenant):
    services.erase_personal_data(account)


@hookimpl
def sympraxis_notification_kinds():
    from plugins.volunteers.services import NOTIFICATION_KINDS

    return list(NOTIFICATION_KINDS)
