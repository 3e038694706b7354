"""The plugin contract: every hook a plugin may implement, grouped by purpose.

The reference with an example per hook is ``docs/hooks.md`` (``make docs``).

Implement a hook by defining a function of the same name, decorated with
``core.toolkit.hookimpl``, in the module your ``sympraxis.plugins`` entry point names. Hooks
marked *request-time* are called only for the plugins enabled for the current tenant. An unknown
hook name is refused at start-up (pluggy's ``check_pending``).

Every hook here has a docstring; a test fails on one that has none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    import click
    import marshmallow
    from flask import Blueprint, Flask

    from core.legal.declarations import PersonalDataDeclaration
    from core.plugins import BlueprintSpec, DashboardItem, NavItem, PluginManifest, SearchHit
    from core.tenancy import TenantInfo

hookspec = pluggy.HookspecMarker("sympraxis")

# --- manifest ------------------------------------------------------------------------------


@hookspec(firstresult=True)
def sympraxis_manifest() -> PluginManifest:
    """Describe the plugin: name, title, version, the core API range it supports, plan feature, price.

    ``price`` (cents per month, None for free) is what the billing catalogue charges a
    municipality that enables the plugin; the operator allows the plugin per municipality.

    Called once at start-up, before anything else; a plugin whose ``core_api`` range does not
    admit :data:`core.CORE_API_VERSION` is refused with a log line and the platform still starts.
    """


# --- blueprints ----------------------------------------------------------------------------


@hookspec
def sympraxis_blueprints(app: Flask) -> list[BlueprintSpec]:
    """Return the plugin's blueprints: HTML (``kind="ui"``) and flask-smorest API (``kind="api"``).

    All are registered at start-up. A guard answers 404 on them for a tenant that has not enabled
    the plugin, so enabling one needs no restart. UI blueprints are mounted under ``/<name>``,
    API blueprints under ``/api/v1/<name>``, unless the spec gives another prefix.
    """


# --- models and migrations -----------------------------------------------------------------


@hookspec
def sympraxis_migration_dirs() -> list[str]:
    """Return the folders holding the plugin's Alembic revisions (one branch per plugin).

    The plugin's first revision carries ``branch_labels=("<name>",)`` and ``depends_on`` the core
    revision it needs. Models must be importable from the plugin module (import them there), so
    that the autogenerate check sees them.
    """


# --- settings ------------------------------------------------------------------------------


@hookspec(firstresult=True)
def sympraxis_settings_schema() -> type[marshmallow.Schema] | None:
    """Return the marshmallow schema of the plugin's per-tenant settings (with defaults).

    Settings are validated by it before they are saved: invalid settings raise, nothing is kept.
    """


# --- permissions ---------------------------------------------------------------------------


@hookspec
def sympraxis_permissions() -> dict[str, str]:
    """Return the plugin's permissions, each mapped to the lowest role that holds it.

    Example: ``{"hearings.moderate": "moderator", "hearings.manage": "staff"}``. Roles are
    ``member``, ``moderator``, ``staff`` and ``admin``, each including the ones before it.
    """


@hookspec
def sympraxis_grantable_permissions() -> dict[str, str]:
    """Return the permissions a municipality's admins may grant to chosen members: name -> label.

    Beside the role ladder: ``{"markets.validate": lazy_gettext("Validate beneficiaries")}``
    lets an admin give that one power to a member in ``/admin/permissions`` (audited).
    ``require_permission``/``has_permission`` admit a holder of the grant as well as anyone whose
    role reaches the permission's role in ``sympraxis_permissions`` (admins, when it is not listed
    there). Grants end when the person stops being a member.
    """


# --- navigation and dashboard (request-time) ----------------------------------------------


@hookspec
def sympraxis_navigation(tenant: TenantInfo, account: Any) -> list[NavItem]:
    """Return navigation items for the tenant's main menu. *Request-time.*

    ``account`` is the signed-in account or None. Items are sorted by ``order`` then label.
    """


@hookspec
def sympraxis_dashboard_items(tenant: TenantInfo, account: Any) -> list[DashboardItem]:
    """Return widgets for the municipality's home page. *Request-time, non-essential.*

    A plugin that raises here does not take the page down: the error is logged, recorded for
    the operator, and the other widgets still render.
    """


@hookspec
def sympraxis_my_activity(tenant: TenantInfo, account: Any) -> list[DashboardItem]:
    """Return sections of the signed-in person's own activity in this municipality (their
    comments, registrations, requests, follows), for the "My activity" page (``/me/activity``).
    *Request-time, non-essential*: called for the plugins enabled here, inside the tenant; each
    section is a ``DashboardItem`` (title, HTML the plugin escapes, order). A plugin that raises
    is skipped and recorded for the operator. Across municipalities, the apex dashboard shows a
    person's activity through ``sympraxis_apex_dashboard_items`` (a reviewed cross-tenant read).
    """


@hookspec
def sympraxis_apex_dashboard_items(account: Any) -> list[DashboardItem]:
    """Return widgets for an account's dashboard on the apex (the NGO dashboard). *Non-essential.*

    Called for every installed plugin with no tenant active; a plugin reads across the
    municipalities the account or its organisations act in only through ``cross_tenant_read()``
    with ``execution_options(all_tenants=True)`` (a reviewed place: ``docs/models.md``).
    """


# --- lifecycle -----------------------------------------------------------------------------


@hookspec
def sympraxis_tenant_enabled(tenant: TenantInfo, settings: dict[str, Any]) -> None:
    """Called, inside the tenant's context, when a municipality enables the plugin.

    Seed defaults here; it runs in the same transaction as the switch, so raising cancels it.
    Only the plugin being enabled is called.
    """


@hookspec
def sympraxis_tenant_disabled(tenant: TenantInfo) -> None:
    """Called, inside the tenant's context, when a municipality disables the plugin.

    Data is never deleted on disable: re-enabling brings it back. Only the plugin being disabled
    is called.
    """


@hookspec
def sympraxis_tenant_plugins_changed(tenant_id: int) -> None:
    """Called after a municipality's set of enabled plugins changed and the change was committed.

    Every loaded plugin is called, whichever plugin was switched and wherever (the operator's
    console, the municipality's admin, the command line). The built-in ``tenants`` plugin brings
    the municipality's Stripe subscription in line with it.
    """


# --- search and activity (request-time) ---------------------------------------------------


@hookspec
def sympraxis_search(tenant: TenantInfo, query: str, limit: int) -> list[SearchHit]:
    """Return up to ``limit`` hits for ``query`` within the current tenant. *Request-time.*"""


@hookspec
def sympraxis_activity_items(tenant: TenantInfo, limit: int) -> list[dict[str, Any]]:
    """Return the tenant's latest activity (``{"at", "title", "url"}``), newest first. *Request-time.*"""


# --- references between plugins (request-time) -------------------------------------------


@hookspec
def sympraxis_resolve_references(tenant: TenantInfo, kind: str, ids: list[str]) -> dict[str, Any]:
    """Return the plugin's linkable objects of ``kind`` among ``ids``: id -> ``toolkit.Linkable``.

    Other plugins store ``toolkit.Reference(plugin, kind, id)`` (a ``ReferenceType`` column) and
    show it with ``reference_link``; this hook gives the title, URL and status at render time.
    Called only for the plugin named in the reference, and only while it is enabled for
    ``tenant`` (inside its context); leave out ids you do not know. *Request-time.*
    """


# --- template slots (request-time) ----------------------------------------------------------


@hookspec
def sympraxis_template_slot(
    slot: str, tenant: TenantInfo | None, account: Any, context: dict[str, Any]
) -> str | None:
    """Return HTML to add to a core page at ``slot``, or None. *Non-essential.*

    Slots: ``tenant.home`` (municipality home, plugins enabled there), ``account.profile`` and
    ``apex.dashboard`` (the account page and the NGO dashboard on the apex, every installed
    plugin; ``tenant`` is None). The HTML is rendered as is: escape user-written text in it. A
    plugin that raises is skipped and recorded for the operator; the page still renders.
    """


# --- personal data -------------------------------------------------------------------------


@hookspec
def sympraxis_export_personal_data(account: Any, tenant: TenantInfo) -> dict[str, Any] | None:
    """Return what the plugin holds about ``account`` in ``tenant``, as JSON-ready data.

    Called once per tenant in which the account has a membership or rows of its own (one it has
    left included: every tenant-owned row referencing ``accounts.id`` is indexed when stored),
    inside that tenant's context, for every installed plugin (data outlives a disabled plugin). The result lands in the
    "download my data" file under the plugin's name.
    """


@hookspec
def sympraxis_erase_personal_data(account: Any, tenant: TenantInfo) -> None:
    """Anonymise what the plugin holds about ``account`` in ``tenant``.

    Keep what a municipality must keep by law (a register of comments, minutes) but without the
    person: replace names and contact details, keep the record. Same calling rules as export.
    """


@hookspec
def sympraxis_export_account_data(account: Any) -> dict[str, Any] | None:
    """Return what the plugin keeps about ``account`` outside any municipality, as JSON-ready data.

    For data that is platform-wide rather than a municipality's (the built-in ``tenants`` plugin
    answers with the audit entries about the person). Called once per "download my data", for
    every installed plugin, with no tenant active; the result lands in the file's ``platform``
    section under the plugin's name. Most plugins keep everything per municipality and need
    only :func:`sympraxis_export_personal_data`.
    """


@hookspec
def sympraxis_erase_account_data(account: Any) -> None:
    """Erase what the plugin keeps about ``account`` outside any municipality.

    Called once per "delete my account", for every installed plugin, with no tenant active, in
    the erasure's transaction (raising cancels it), after the per-municipality erasure hooks and
    while ``account.email`` still holds the address (so records naming it can be found).
    """


@hookspec
def sympraxis_export_guest_data(email: str, tenant: TenantInfo) -> dict[str, Any] | None:
    """Return what the plugin holds in ``tenant`` about a person *without an account*, known
    only by ``email`` (a guest who registered by e-mail), as JSON-ready data, or None.

    Called inside the tenant's context when that person, having proved the address by a mailed
    single-use link, downloads their data (and, to decide whether to mail the link at all, when
    they ask for it: return None when you hold nothing). Every installed plugin is called.
    ``email`` is lower-case. Rows of accounts are not guests' data: leave them to
    :func:`sympraxis_export_personal_data`.
    """


@hookspec
def sympraxis_erase_guest_data(email: str, tenant: TenantInfo) -> None:
    """Erase (or anonymise, keeping what the law requires) what the plugin holds in ``tenant``
    about the guest known by ``email``. Same calling rules as
    :func:`sympraxis_export_guest_data`; runs in the erasure's transaction, raising cancels it.
    """


@hookspec
def sympraxis_notification_kinds() -> list[Any]:
    """Return the kinds of notification the plugin mails: one ``toolkit.NotificationKind`` each.

    A kind has a stable code (``"<plugin>.<what>"``), a label and a description for the person's
    settings page (lazy strings), and a default mode (``"immediate"``, ``"digest"`` or ``"off"``).
    Each person chooses per kind, for all municipalities or one, immediately, in a daily digest or
    off; the plugin sends with ``toolkit.notify(account_id, code, mail)``, which honours the
    choice and adds the link that turns the kind off. Transactional mail (what the person just
    asked for: a confirmation, a receipt, a reset link) is not a notification: ``send_mail``.

    Called for every installed plugin, outside any tenant (the answer must not depend on one).
    The settings page shows a plugin's kinds, under its title, only to people in a municipality
    where it is on.
    """


@hookspec
def sympraxis_retention_rules() -> list[Any]:
    """Return the plugin's retention rules: one ``toolkit.RetentionRule`` per kind of personal data.

    Each rule has a key (``"<plugin>.<kind>"``, the setting's name), a label, what happens when
    the period ends, a default period in days with the bounds a municipality's admin may choose
    within (``/admin/privacy``), and ``purge(cutoff)``, which removes or anonymises what is older
    than ``cutoff`` and returns the number of rows changed. A periodic job runs every rule of
    every installed plugin in every municipality, inside its context; ``retention_days(key)``
    reads a municipality's period (the privacy notice shows it from the same setting).
    """


@hookspec
def sympraxis_personal_data_declarations() -> list[PersonalDataDeclaration]:
    """Declare every kind of personal data the plugin stores: a list of ``PersonalDataDeclaration``.

    Each says what the data is (``kind``, ``title``, ``categories``, ``data_subjects``), why it is
    kept (``purpose``), on which lawful basis (``legal_basis``, a ``LegalBasis`` of GDPR Art. 6;
    ``special_category`` for Art. 9 data such as disability), for how long (``retention_days``,
    or ``retention_note`` when it has no fixed term; ``retention_setting`` names the
    ``RetentionRule`` of :func:`sympraxis_retention_rules` that enforces it, so the notice shows
    the period the municipality set and the purge applies) and to whom it is disclosed
    (``recipients``). Every municipality's privacy notice and its records of processing (GDPR
    Art. 30) are generated from these declarations, so declare all of it, and keep it true.

    Called for every installed plugin, outside any tenant (the answer must not depend on one);
    a municipality's documents list the plugins it has switched on at some time (data outlives a
    switched-off plugin). A plugin whose hook raises is listed to the municipality's staff as
    having declared nothing.
    """


# --- demo ---------------------------------------------------------------------------------


@hookspec
def sympraxis_demo_data(tenant: TenantInfo) -> None:
    """Seed demonstration content for one demo municipality, in its language (``make demo``).

    Called by the demo seed, inside the tenant's context and transaction, once per demo
    municipality that has the plugin enabled (every installed, loaded plugin is enabled in the
    demo municipalities, a vendor's as well as the first-party ones), after its accounts,
    organisation and affiliations exist (find them through ``Membership`` and
    ``Organisation``). Raising cancels the seed.
    """


# --- audit ---------------------------------------------------------------------------------


@hookspec
def sympraxis_audit(action: str, tenant_id: int | None, details: dict[str, Any], actor: Any) -> None:
    """Record an administrative action taken in the core (an affiliation approved or rejected).

    Called in the transaction of the action, so a record stands or falls with it. The built-in
    ``tenants`` plugin keeps the append-only audit log; the core itself keeps none, because it
    must not import ``tenants``. ``actor`` is the account acting, or None for the command line.
    """


# --- periodic work ------------------------------------------------------------------------


@hookspec
def sympraxis_periodic_jobs() -> dict[str, float]:
    """Return jobs to run on a schedule: job name (registered with ``toolkit.job``) → seconds.

    In production ``celery beat`` runs each with ``tenant_id=None``; a job that works per
    municipality fans out with ``toolkit.enqueue(name, tenant_id, payload)`` so that every piece
    runs inside its own tenant. With jobs inline (the demo) nothing is scheduled: run the
    plugin's CLI command from cron instead.
    """


# --- command line --------------------------------------------------------------------------


@hookspec
def sympraxis_cli_commands() -> list[click.Command]:
    """Return click commands or groups to add to the ``sympraxis`` command line."""


@hookspec
def sympraxis_app_ready(app: Flask) -> None:
    """Called once at the end of :func:`core.app.create_app`, with every plugin registered.

    For wiring that needs the whole application (template filters, signal handlers). App-wide
    request hooks registered here (``app.before_request`` and the like) run at the plugins' place
    in the request lifecycle (``core.lifecycle``): ``before_request`` after the municipality is
    resolved (``current_tenant()``), the input guard, idempotency and the CSRF or token check;
    ``teardown_request`` before the tenant is left. Prefer a blueprint's own hooks where they do.
    """


def documented_hooks() -> dict[str, str | None]:
    """Every hook name with its docstring (used by the test that forbids undocumented hooks)."""
    return {
        name: obj.__doc__
        for name, obj in globals().items()
        if name.startswith("sympraxis_") and callable(obj)
    }


__all__ = ["hookspec", "documented_hooks"]

if TYPE_CHECKING:  # keep the type-only names referenced for linters
    _unused = (Blueprint,)
