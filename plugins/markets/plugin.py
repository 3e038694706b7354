"""The markets plugin: solidarity markets with pre-orders, and the social grocery."""

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
    SpecialCategoryCondition,
    gettext,
    hookimpl,
    lazy_gettext,
    render_template,
)
from plugins.markets import (
    jobs,
    models,  # noqa: F401  (the migration checks need the models imported here)
    personal_data,
)
from plugins.markets.api import api
from plugins.markets.schemas import SettingsSchema
from plugins.markets.views import MANAGE, ORDER, PRODUCER, VALIDATE, ui


@hookimpl
def sympraxis_manifest():
    return PluginManifest(
        name="markets",
        title="Solidarity markets",
        version="0.1.0",
        core_api=">=1.1,<2",
        description="Municipal solidarity markets (producers, market days, pre-orders) and the social grocery (eligibility, credits).",
    )


@hookimpl
def sympraxis_blueprints(app):
    return [BlueprintSpec(ui, "ui"), BlueprintSpec(api, "api")]  # /markets/ and /api/v1/markets/


@hookimpl
def sympraxis_migration_dirs():
    return [os.path.join(os.path.dirname(__file__), "migrations", "versions")]


@hookimpl
def sympraxis_settings_schema():
    return SettingsSchema


@hookimpl
def sympraxis_permissions():
    # validators are named: admins hold it, and grant it to social-services staff
    return {ORDER: "member", PRODUCER: "member", MANAGE: "staff", VALIDATE: "admin"}


@hookimpl
def sympraxis_grantable_permissions():
    return {
        MANAGE: lazy_gettext("Run the solidarity market (producers, market days, pick lists)"),
        VALIDATE: lazy_gettext("Validate social grocery applications (sees beneficiaries' data)"),
    }


@hookimpl
def sympraxis_navigation(tenant, account):
    items = [NavItem(label=str(lazy_gettext("Solidarity market")), url="/markets/", order=40)]
    if account is not None:
        items.append(NavItem(label=str(lazy_gettext("Social grocery")), url="/markets/grocery/", order=41))
    return items


@hookimpl
def sympraxis_apex_dashboard_items(account):
    """The NGO dashboard: the organisation's producers, market days and referrals across
    municipalities (``dashboard.organisation_overview``, the reviewed cross-tenant read)."""
    from plugins.markets import dashboard

    overview = dashboard.organisation_overview(account)
    if not overview:
        return []
    html = Markup(render_template("markets/_dashboard.html", overview=overview))  # noqa: S704 (autoescaped template)
    return [DashboardItem(title=gettext("Solidarity markets and social groceries"), html=html, order=45)]


@hookimpl
def sympraxis_demo_data(tenant):
    from plugins.markets import demo

    demo.seed(tenant)


@hookimpl
def sympraxis_export_personal_data(account, tenant):
    return personal_data.export(account)


@hookimpl
def sympraxis_erase_personal_data(account, tenant):
    personal_data.erase(account)


@hookimpl
def sympraxis_personal_data_declarations():
    return [
        PersonalDataDeclaration(
            kind="markets.orders",
            title=lazy_gettext("Pre-orders at the solidarity market"),
            categories=(
                lazy_gettext("name"),
                lazy_gettext("e-mail address"),
                lazy_gettext("products ordered"),
            ),
            data_subjects=(lazy_gettext("citizens who order"),),
            purpose=lazy_gettext("To prepare the orders for pick-up and tell producers what to bring."),
            legal_basis=LegalBasis.PUBLIC_TASK,
            retention_note=lazy_gettext(
                "Kept with the market day's records; without the person once they delete their account."
            ),
            recipients=(lazy_gettext("the producers of the products ordered"),),
        ),
        PersonalDataDeclaration(
            kind="markets.shares",
            title=lazy_gettext("Season shares"),
            categories=(
                lazy_gettext("name"),
                lazy_gettext("weeks paused and pick-up times chosen"),
            ),
            data_subjects=(lazy_gettext("citizens who take a season share"),),
            purpose=lazy_gettext("To prepare each week's boxes and tell the producer who collects them."),
            legal_basis=LegalBasis.PUBLIC_TASK,
            retention_note=lazy_gettext(
                "Kept for the season; once the person deletes their account the share is given up "
                "and kept without them."
            ),
            recipients=(lazy_gettext("the producer of the share"),),
        ),
        PersonalDataDeclaration(
            kind="markets.producers",
            title=lazy_gettext("Producers' applications and documents"),
            categories=(lazy_gettext("name"), lazy_gettext("licences and certificates")),
            data_subjects=(lazy_gettext("producers"),),
            purpose=lazy_gettext("To check who may sell at the municipal market."),
            legal_basis=LegalBasis.PUBLIC_TASK,
            retention_note=lazy_gettext(
                "Kept while the producer sells; the decision is kept without the person after erasure."
            ),
        ),
        PersonalDataDeclaration(
            kind="markets.eligibility",
            title=lazy_gettext("Social grocery applications and eligibility decisions"),
            categories=(
                lazy_gettext("name"),
                lazy_gettext("household size"),
                lazy_gettext("income"),
                lazy_gettext("unemployment, disability, single parenthood (may reveal health data)"),
            ),
            data_subjects=(lazy_gettext("applicant households"),),
            purpose=lazy_gettext("To decide who may receive support from the social grocery and how much."),
            legal_basis=LegalBasis.PUBLIC_TASK,
            special_category=SpecialCategoryCondition.EMPLOYMENT_SOCIAL_PROTECTION,
            retention_note=lazy_gettext(
                "Decisions are kept as social-assistance records require, without the person's name after erasure."
            ),
            recipients=(
                lazy_gettext("named validators of social services"),
                lazy_gettext("the NGO that referred the household"),
            ),
        ),
    ]


@hookimpl
def sympraxis_retention_rules():
    return [
        RetentionRule(
            key="markets.orders",
            label=lazy_gettext("Pre-orders at the solidarity market"),
            description=lazy_gettext(
                "the buyer's name and account removed %(days)d days after the market day"
            ),
            default_days=730,
            min_days=90,
            max_days=3650,
            purge=personal_data.purge_orders,
        )
    ]


@hookimpl
def sympraxis_periodic_jobs():
    return {"markets.remind_all": jobs.REMIND_EVERY_SECONDS}


@hookimpl
def sympraxis_notification_kinds():
    from plugins.markets.services import NOTIFICATION_KINDS

    return list(NOTIFICATION_KINDS)
