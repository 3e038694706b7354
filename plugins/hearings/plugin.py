"""Hook implementations of the hearings plugin: the only place the core calls into it."""

from __future__ import annotations

import os

from markupsafe import Markup

from core.toolkit import (
    BlueprintSpec,
    DashboardItem,
    NavItem,
    PluginManifest,
    has_permission,
    hookimpl,
    ngettext,
    render_template,
)
from core.toolkit import (
    gettext as _,
)
from core.toolkit import (
    lazy_gettext as _l,
)
from plugins.hearings import (
    dashboard,
    jobs,  # importing it registers the jobs
    models,  # noqa: F401  (models importable from the plugin module)
    personal_data,
)
from plugins.hearings.api_blueprint import api
from plugins.hearings.attachments import views as _attachments_views  # noqa: F401
from plugins.hearings.blueprint import bp
from plugins.hearings.comments import api as _comments_api  # noqa: F401
from plugins.hearings.comments import views as _comments_views  # noqa: F401
from plugins.hearings.consultations import api as _consultations_api  # noqa: F401
from plugins.hearings.consultations import views as _consultations_views  # noqa: F401
from plugins.hearings.debates import views as _debates_views  # noqa: F401
from plugins.hearings.feedback import api as _feedback_api  # noqa: F401
from plugins.hearings.feedback import views as _feedback_views  # noqa: F401
from plugins.hearings.following import views as _following_views  # noqa: F401
from plugins.hearings.law import api as _law_api  # noqa: F401
from plugins.hearings.law import services as law_services
from plugins.hearings.law import views as _law_views  # noqa: F401
from plugins.hearings.meetings import api as _meetings_api  # noqa: F401
from plugins.hearings.meetings import services as meetings_services
from plugins.hearings.meetings import views as _meetings_views  # noqa: F401
from plugins.hearings.moderation import api as _moderation_api  # noqa: F401
from plugins.hearings.moderation import views as _moderation_views  # noqa: F401
from plugins.hearings.outcomes import api as _outcomes_api  # noqa: F401
from plugins.hearings.outcomes import views as _outcomes_views  # noqa: F401
from plugins.hearings.proceedings import views as _proceedings_views  # noqa: F401
from plugins.hearings.programmes import api as _programmes_api  # noqa: F401
from plugins.hearings.programmes import views as _programmes_views  # noqa: F401
from plugins.hearings.register import api as _register_api  # noqa: F401
from plugins.hearings.register import views as _register_views  # noqa: F401
from plugins.hearings.registrations import api as _registrations_api  # noqa: F401
from plugins.hearings.registrations import views as _registrations_views  # noqa: F401
from plugins.hearings.settings import SettingsSchema
from plugins.hearings.speakers import api as _speakers_api  # noqa: F401
from plugins.hearings.speakers import views as _speakers_views  # noqa: F401
from plugins.hearings.transparency import api as _transparency_api  # noqa: F401
from plugins.hearings.transparency import views as _transparency_views  # noqa: F401


@hookimpl
def sympraxis_manifest():
    return PluginManifest(
        name="hearings",
        title="Consultations and hearings",
        version="1.0.0",
        core_api=">=1.0,<2",
        description="Open consultations article by article, public hearings and workshops with registration.",
        price=4900,
    )


# each domain's views and api, imported above, added its pages and routes to bp and api
@hookimpl
def sympraxis_blueprints(app):
    return [BlueprintSpec(bp, "ui"), BlueprintSpec(api, "api")]


@hookimpl
def sympraxis_migration_dirs():
    return [os.path.join(os.path.dirname(__file__), "migrations", "versions")]


@hookimpl
def sympraxis_settings_schema():
    return SettingsSchema


@hookimpl
def sympraxis_permissions():
    return {
        "hearings.participate": "member",
        "hearings.moderate": "moderator",
        "hearings.manage": "staff",
    }


@hookimpl
def sympraxis_navigation(tenant, account):
    items = [NavItem(label=str(_l("Consultations and hearings")), url="/hearings/", order=20)]
    if (
        tenant is not None and law_services.rule_set().debates
    ):  # Romania: the annual report on decisional transparency is public
        items.append(
            NavItem(label=str(_l("Decisional transparency")), url="/hearings/transparency", order=21)
        )
    if account is not None and has_permission("hearings.moderate"):
        items.append(NavItem(label=str(_l("Moderation")), url="/hearings/moderation", order=90))
    return items


@hookimpl
def sympraxis_dashboard_items(tenant, account):
    open_now = dashboard.open_consultations(5)
    meetings = meetings_services.list_meetings(upcoming_only=True)[:5]
    item = Markup('<li><a href="{}">{}</a></li>')
    html = Markup("<p>{}</p>").format(
        ngettext(
            "%(num)d consultation open for comments", "%(num)d consultations open for comments", len(open_now)
        )
    )
    if open_now:
        html += Markup("<ul>{}</ul>").format(
            Markup("").join(item.format(f"/hearings/consultations/{c.id}", c.title) for c in open_now)
        )
    if meetings:
        html += Markup("<p>{}</p><ul>{}</ul>").format(
            _("Upcoming meetings"),
            Markup("").join(item.format(f"/hearings/meetings/{m.id}", m.title) for m in meetings),
        )
    return [DashboardItem(title=_("Consultations and hearings"), html=html, order=20)]


@hookimpl
def sympraxis_apex_dashboard_items(account):
    from plugins.hearings import my_activity

    widgets = []
    items = dashboard.open_consultations_for(account)
    if items:
        row = Markup('<li><a href="{}">{}</a> — {} ({})</li>')
        html = Markup("<ul>{}</ul>").format(
            Markup("").join(
                row.format(i["url"], i["title"], i["municipality"], ", ".join(i["organisations"]))
                for i in items
            )
        )
        widgets.append(
            DashboardItem(title=_("Open consultations in your municipalities"), html=html, order=20)
        )
    mine = my_activity.everywhere(account)
    if mine:
        html = render_template("hearings/_my_activity_everywhere.html", places=mine)
        widgets.append(DashboardItem(title=_("My activity in every municipality"), html=html, order=10))
    return widgets


@hookimpl
def sympraxis_my_activity(tenant, account):
    from plugins.hearings import my_activity

    return my_activity.sections(account)


@hookimpl
def sympraxis_search(tenant, query, limit):
    from plugins.hearings import search

    return search.search(query, limit)


@hookimpl
def sympraxis_cli_commands():
    import click
    from flask.cli import with_appcontext

    from core.toolkit import db, tenant_context, tenants_with_plugin

    @click.group("hearings")
    def group():
        """Consultations and hearings."""

    @group.command("tick")
    @with_appcontext
    def tick():
        """Apply due transitions and send closing and meeting reminders, in every municipality.

        Run it every few minutes (cron or a Celery beat); it is idempotent.
        """
        for tenant_id in tenants_with_plugin("hearings"):
            with tenant_context(tenant_id):
                done = jobs.tick()
                db.session.commit()
            click.echo(f"tenant {tenant_id}: {done}")

    return [group]


@hookimpl
def sympraxis_periodic_jobs():
    # transitions by time and reminders: every five minutes is well inside the two-day and
    # day-before windows, and the tick is idempotent
    return {"hearings.tick_all": 300.0}


@hookimpl
def sympraxis_demo_data(tenant):
    from plugins.hearings import demo

    demo.seed(tenant)


@hookimpl
def sympraxis_activity_items(tenant, limit):
    return dashboard.activity(limit)


@hookimpl
def sympraxis_personal_data_declarations():
    from plugins.hearings.declarations import declarations

    return declarations()


@hookimpl
def sympraxis_export_personal_data(account, tenant):
    return personal_data.export_personal_data(account)


@hookimpl
def sympraxis_erase_personal_data(account, tenant):
    personal_data.erase_personal_data(account)


# --- personal data by the book (issue 12 §4): plugins/hearings/privacy.py -------------------------


@hookimpl
def sympraxis_retention_rules():
    from plugins.hearings.privacy import RULES

    return list(RULES)


@hookimpl
def sympraxis_export_guest_data(email, tenant):
    from plugins.hearings.privacy import export_guest

    return export_guest(email)


@hookimpl
def sympraxis_erase_guest_data(email, tenant):
    from plugins.hearings.privacy import erase_guest

    erase_guest(email)


# --- notifications (issue 16 §3): each person chooses how these reach them ------------------


@hookimpl
def sympraxis_notification_kinds():
    from plugins.hearings.notices import NOTIFICATION_KINDS

    return list(NOTIFICATION_KINDS)
