"""The surveys plugin: its manifest and hook implementations (the rest lives beside it)."""

import os

from markupsafe import Markup

from core.toolkit import (
    BlueprintSpec,
    DashboardItem,
    LegalBasis,
    NavItem,
    PersonalDataDeclaration,
    PluginManifest,
    RetentionRule,
    gettext,
    hookimpl,
    lazy_gettext,
    ngettext,
    url_for,
)
from plugins.surveys import (
    models,  # noqa: F401  (the migration checks need the models imported here)
    services,
)
from plugins.surveys.api import api
from plugins.surveys.schemas import SettingsSchema
from plugins.surveys.views import MANAGE, ui


@hookimpl
def sympraxis_manifest():
    return PluginManifest(
        name="surveys",
        title="Surveys",
        version="1.0.0",
        core_api=">=1.1,<2",
        description="Questionnaires on needs and attitudes, with results people can read at a glance.",
    )


@hookimpl
def sympraxis_blueprints(app):
    return [BlueprintSpec(ui, "ui"), BlueprintSpec(api, "api")]  # /surveys/ and /api/v1/surveys/


@hookimpl
def sympraxis_migration_dirs():
    return [os.path.join(os.path.dirname(__file__), "migrations", "versions")]


@hookimpl
def sympraxis_settings_schema():
    return SettingsSchema


@hookimpl
def sympraxis_permissions():
    return {MANAGE: "staff"}


@hookimpl
def sympraxis_grantable_permissions():
    return {MANAGE: lazy_gettext("Manage surveys (questions, invitations, results)")}


@hookimpl
def sympraxis_navigation(tenant, account):
    return [NavItem(label=str(lazy_gettext("Surveys")), url="/surveys/", order=35)]


@hookimpl
def sympraxis_dashboard_items(tenant, account):
    open_ones = [s for s in services.list_surveys() if services.state(s) == "open"][:5]
    html = Markup("<p>{}</p>").format(
        ngettext("%(num)d survey is open", "%(num)d surveys are open", len(open_ones))
    )
    if open_ones:
        row = Markup('<li><a href="{}">{}</a></li>')
        html += Markup("<ul>{}</ul>").format(
            Markup("").join(row.format(url_for("surveys.survey", survey_id=s.id), s.title) for s in open_ones)
        )
    return [DashboardItem(title=gettext("Surveys"), html=html, order=35)]


@hookimpl
def sympraxis_apex_dashboard_items(account):
    items = services.open_surveys_for(account)
    if not items:
        return []
    row = Markup('<li><a href="{}">{}</a> — {} ({})</li>')
    html = Markup("<ul>{}</ul>").format(
        Markup("").join(
            row.format(i["url"], i["title"], i["municipality"], ", ".join(i["organisations"])) for i in items
        )
    )
    return [DashboardItem(title=gettext("Surveys for your organisations"), html=html, order=25)]


@hookimpl
def sympraxis_search(tenant, query, limit):
    from plugins.surveys.search import search

    return search(query, limit)


@hookimpl
def sympraxis_resolve_references(tenant, kind, ids):
    """Other plugins link a survey as ``Reference("surveys", "survey", id)``."""
    if kind != "survey":
        return {}
    return services.linkables(ids)


@hookimpl
def sympraxis_demo_data(tenant):
    from plugins.surveys import demo

    demo.seed(tenant)


@hookimpl
def sympraxis_personal_data_declarations():
    return [
        PersonalDataDeclaration(
            kind="surveys.answers",
            title=lazy_gettext("Answers to the municipality's surveys"),
            categories=(
                lazy_gettext("answers given, including free text"),
                lazy_gettext("name, for attributed surveys only"),
                lazy_gettext("organisation answered for, if any"),
                lazy_gettext("that the person has answered (to allow one answer each)"),
            ),
            data_subjects=(lazy_gettext("residents and organisations who answer a survey"),),
            purpose=lazy_gettext(
                "To learn the needs and opinions of residents and organisations and publish the results."
            ),
            legal_basis=LegalBasis.PUBLIC_TASK,
            retention_days=730,
            retention_setting="surveys.attributed",
            retention_note=lazy_gettext(
                "Anonymous answers are never linked to the person; attributed answers lose the name "
                "this many days after the survey closes. Results stay as totals."
            ),
            recipients=(lazy_gettext("the municipality's staff; the public sees totals only"),),
        ),
        PersonalDataDeclaration(
            kind="surveys.invitations",
            title=lazy_gettext("Invitations to answer a survey"),
            categories=(lazy_gettext("e-mail address"), lazy_gettext("answers saved to finish later")),
            data_subjects=(lazy_gettext("people the municipality invites to a survey"),),
            purpose=lazy_gettext("To send a single-use link and allow one answer per invitation."),
            legal_basis=LegalBasis.PUBLIC_TASK,
            retention_days=180,
            retention_setting="surveys.invitations",
            recipients=(lazy_gettext("the municipality's staff"),),
        ),
    ]


@hookimpl
def sympraxis_retention_rules():
    return [
        RetentionRule(
            key="surveys.invitations",
            label=lazy_gettext("Survey invitations and drafts"),
            description=lazy_gettext(
                "invited addresses and unfinished drafts deleted %(days)d days after the survey closes"
            ),
            default_days=180,
            min_days=30,
            max_days=1825,
            purge=services.purge_invitations,
        ),
        RetentionRule(
            key="surveys.attributed",
            label=lazy_gettext("Names on attributed survey answers"),
            description=lazy_gettext(
                "the person removed from attributed answers %(days)d days after the survey closes"
            ),
            default_days=730,
            min_days=90,
            max_days=3650,
            purge=services.purge_attributed,
        ),
    ]


@hookimpl
def sympraxis_export_personal_data(account, tenant):
    return services.export_personal_data(account)


@hookimpl
def sympraxis_erase_personal_data(account, tenant):
    services.erase_personal_data(account)


@hookimpl
def sympraxis_export_guest_data(email, tenant):
    return services.export_guest_data(email)


@hookimpl
def sympraxis_erase_guest_data(email, tenant):
    services.erase_guest_data(email)
