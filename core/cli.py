"""The ``sympraxis`` command line (Flask CLI): database, plugins, accounts; plugins add more."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import FlaskGroup, NoAppException, ScriptInfo, with_appcontext

from core.plugins import PluginRegistry

_DEMO = "sympraxis.demo"
_HELP = "sympraxis.help"


def _create_app():
    """The app for a command; ``sympraxis demo`` builds it in demo mode (its own secret key).

    Printing help signs nothing and serves nothing, so without a configured secret it is built with
    a throwaway one (never stored); every real command still refuses without a secret."""
    import secrets

    from core.app import create_app
    from core.secret_key import InsecureConfiguration

    ctx = click.get_current_context(silent=True)
    demo = bool(ctx and ctx.meta.get(_DEMO))
    try:
        return create_app({"DEMO_MODE": True} if demo else None)
    except InsecureConfiguration as exc:
        help_only = bool(ctx and ctx.meta.get(_HELP))
        if not help_only:
            raise NoAppException(str(exc)) from None
        return create_app({"SECRET_KEY": secrets.token_urlsafe(48)})


class SympraxisGroup(FlaskGroup):
    """Flask's command group, knowing before the app is built whether the command is the demo,
    and refusing with the configuration's message (not a traceback) when the app cannot start."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        ctx.meta[_HELP] = True  # only help lists the commands
        return super().list_commands(ctx)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        if "--help" in args[1:]:
            ctx.meta[_HELP] = True  # ``sympraxis CMD [SUB] --help``
        return super().resolve_command(ctx, args)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "demo":
            ctx.meta[_DEMO] = True
        try:
            ctx.ensure_object(ScriptInfo).load_app()
        except NoAppException as exc:
            if cmd_name == "plugins":  # `plugins new` writes files: it needs no configured app
                return _OfflinePlugins("plugins", message=exc.format_message())
            raise click.ClickException(exc.format_message()) from None
        return super().get_command(ctx, cmd_name)


class _OfflinePlugins(click.Group):
    """The ``plugins`` group when the app cannot start: ``new`` works, the rest say why not."""

    def __init__(self, name: str, *, message: str) -> None:
        super().__init__(name, help=plugins_group.help)
        self.message = message

    def list_commands(self, ctx: click.Context) -> list[str]:
        return ["new"]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "new":
            return plugins_new
        raise click.ClickException(self.message)


@click.group(cls=SympraxisGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Sympraxis: civic participation for municipalities."""


db_group = click.Group("db", help="Database schema (Alembic).")


@db_group.command("upgrade")
@click.argument("target", default="heads")
@with_appcontext
def db_upgrade(target: str) -> None:
    """Bring the core and every installed plugin's branch to TARGET (default: heads)."""
    from core.migrate import upgrade

    upgrade(current_app._get_current_object(), target)
    click.echo("database is at " + target)


@db_group.command("downgrade")
@click.argument("target")
@with_appcontext
def db_downgrade(target: str) -> None:
    """Downgrade to TARGET (e.g. a revision id or ``testplugin@base``) and say what was undone."""
    from alembic.util import CommandError

    from core.migrate import downgrade

    try:
        undone = downgrade(current_app._get_current_object(), target)
    except CommandError as exc:
        raise click.ClickException(f"cannot downgrade to {target}: {exc}") from exc
    if undone:
        click.echo(f"undid {len(undone)} revision(s): {', '.join(undone)}")
    else:
        click.echo(f"nothing to undo: the database is already at {target}")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--plugin", help="Write into this plugin's own branch and folder, comparing only its tables.")
@click.option("--head", default="core@head")
@click.option("--branch-label")
@click.option("--version-path")
@with_appcontext
def db_revision(
    message: str, plugin: str | None, head: str, branch_label: str | None, version_path: str | None
) -> None:
    """Autogenerate a revision (developers); vendors use ``--plugin NAME``."""
    from core.migrate import revision

    try:
        script = revision(
            current_app._get_current_object(), message, head, branch_label, version_path, plugin=plugin
        )
    except LookupError as exc:
        raise click.ClickException(str(exc.args[0])) from exc
    for rev in script if isinstance(script, list) else [script]:
        if rev is not None:
            click.echo(f"wrote {rev.path}")


@db_group.command("citus-plan")
@with_appcontext
def db_citus_plan() -> None:
    """Print the Citus calls for the current schema (reference tables, then tables distributed by
    tenant_id, colocated); exits 1, naming them, if keys would stop the distribution."""
    from core import citus
    from core.extensions import db

    with db.engine.connect() as conn:
        result = citus.report(conn)
    for line in result["plan"]:
        click.echo(line)
    if result["problems"]:
        for problem in result["problems"]:
            click.echo(f"-- BLOCKED: {problem}", err=True)
        raise SystemExit(1)


@db_group.command("check-migrations")
@click.option("--base", required=True, help="git ref of the release now in production")
@click.option("--root", default=".", help="the repository")
def db_check_migrations(base: str, root: str) -> None:
    """Fail if a migration added since BASE drops or renames a column or table that BASE's code
    still uses (the old servers keep serving while it runs)."""
    from core.migration_safety import check_repository

    problems = check_repository(root, base)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo(f"migrations since {base} are safe to run while {base} serves")


plugins_group = click.Group("plugins", help="Installed plugins and their state per municipality.")


@plugins_group.command("list")
@with_appcontext
def plugins_list() -> None:
    """Installed plugins, and those refused at start-up with the reason."""
    from core.plugins import registry

    reg = registry()
    for name, p in sorted(reg.plugins.items()):
        kind = "built-in" if p.builtin else "plugin"
        click.echo(
            f"{name:20} {p.manifest.version:10} {kind:9} core {p.manifest.core_api}  {p.manifest.title}"
        )
    for r in reg.refused:
        click.echo(f"{r.name:20} REFUSED: {r.reason}")


@plugins_group.command("new")
@click.argument("name")
@click.option(
    "--directory",
    "-d",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="The folder to create (default: ./sympraxis-NAME).",
)
@click.option("--title", default=None, help="The plugin's title in the catalogue and menu.")
def plugins_new(name: str, directory: str | None, title: str | None) -> None:
    """Generate a new plugin distribution NAME: package, entry point, manifest, model, migration,
    API, pages, settings, translations (el, bg, ro, en) and tests that already pass.

    Needs no configured app (no secret key, no database): it only writes files."""
    from pathlib import Path

    from core.plugins import registry
    from core.scaffold import ScaffoldError, generate, installed_plugins

    taken = installed_plugins()
    info = click.get_current_context().find_object(ScriptInfo)
    try:  # also the plugins of the configured groups (and those refused), when the app starts
        reg = registry(info.load_app()) if info is not None else None
    except NoAppException:
        reg = None
    if reg is not None:
        taken |= set(reg.plugins) | {r.name for r in reg.refused}
    target = Path(directory or f"sympraxis-{name.replace('_', '-')}")
    try:
        generate(name, target, title=title, taken=taken)
    except ScaffoldError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"{name}: a new plugin in {target}")
    click.echo(f"  .venv/bin/pip install -e {target}      # then: sympraxis db upgrade")
    click.echo(f"  cd {target} && pytest                  # isolation, migrations, API conformance")


def _require_upgraded_schema() -> None:
    """Refuse, with what to run instead, to change data in a database that lacks revisions of
    the installed core or plugins (a traceback about a missing table helps nobody)."""
    from core.migrate import pending_revisions

    pending = pending_revisions(current_app._get_current_object())
    if pending:
        raise click.ClickException(
            f"the database lacks {len(pending)} revision(s) of the installed core and plugins "
            f"({', '.join(pending)}): run `sympraxis db upgrade` first, then run this command again"
        )


def _tenant_id(slug: str) -> int:
    from core.extensions import db
    from core.tenancy import Tenant

    tid = db.session.execute(sa.select(Tenant.id).where(Tenant.slug == slug)).scalar_one_or_none()
    if tid is None:
        raise click.ClickException(f"no municipality with slug {slug!r}")
    return tid


@plugins_group.command("enable")
@click.argument("tenant")
@click.argument("plugin")
@with_appcontext
def plugins_enable(tenant: str, plugin: str) -> None:
    """Enable PLUGIN for the municipality TENANT (its slug)."""
    from core.plugin_state import PluginStateError, enable_plugin

    _require_upgraded_schema()
    tenant_id = _tenant_id(tenant)
    try:
        _switch(tenant_id, plugin, "module.enabled", lambda: enable_plugin(tenant_id, plugin))
    except PluginStateError as exc:
        raise click.ClickException(f"{exc} {exc.messages or ''}".strip()) from exc
    click.echo(f"{plugin} enabled for {tenant}")


@plugins_group.command("disable")
@click.argument("tenant")
@click.argument("plugin")
@with_appcontext
def plugins_disable(tenant: str, plugin: str) -> None:
    """Disable PLUGIN for TENANT (its data stays)."""
    from core.plugin_state import PluginStateError, disable_plugin

    tenant_id = _tenant_id(tenant)
    try:
        _switch(tenant_id, plugin, "module.disabled", lambda: disable_plugin(tenant_id, plugin))
    except PluginStateError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{plugin} disabled for {tenant}")


def _switch(tenant_id: int, plugin: str, action: str, switch: Callable[[], Any]) -> None:
    """Switch, audit (in the same transaction), commit, then let the plugins (billing) follow, as the
    operator's console and the municipality's admin do. On an error nothing is committed: the app
    context's teardown rolls the session back."""
    from core.extensions import db
    from core.plugin_state import announce_plugins_changed
    from core.plugins import audit

    switch()
    audit(action, tenant_id, {"plugin": plugin, "via": "command line"})
    db.session.commit()
    announce_plugins_changed(tenant_id)


accounts_group = click.Group("accounts", help="Platform accounts.")


@accounts_group.command("create-operator")
@click.option("--email", prompt=True)
@click.option("--name", default="Operator")
@click.password_option()
@with_appcontext
def create_operator(email: str, name: str, password: str) -> None:
    """Create an operator, enrolled in two-step verification at once.

    The key is printed here, to whoever runs the command on the server, so that nobody who only
    learns the password can enrol an authenticator of their own at first sign-in.
    """
    import pyotp

    from core.accounts.services.common import AccountError
    from core.accounts.services.signup import create_account
    from core.accounts.services.totp import totp_uri
    from core.extensions import db
    from core.tenancy import utcnow

    try:
        account = create_account(email, password, name, verified=True, is_operator=True)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    secret = pyotp.random_base32()
    account.totp_secret = secret
    account.totp_enabled_at = utcnow()
    db.session.commit()
    click.echo(f"operator {email} created")
    click.echo(f"two-step verification key (add it to an authenticator app now): {secret}")
    click.echo(f"  {totp_uri(account, secret)}")


notifications_group = click.Group("notifications", help="People's notifications (daily digest).")


@notifications_group.command("digest")
@with_appcontext
def notifications_digest() -> None:
    """Send each person's daily digest now (celery beat runs ``core.notification_digest`` daily;
    with jobs inline, as in the demo, run this from cron)."""
    from core.notifications.services import send_digests

    click.echo(f"{send_digests()} digest(s) sent")


def init_cli(app: Flask, reg: PluginRegistry) -> None:
    for group in (db_group, plugins_group, accounts_group, notifications_group):
        if group.name not in app.cli.commands:
            app.cli.add_command(group)
    for commands in reg.pm.hook.sympraxis_cli_commands():
        for command in commands or []:
            app.cli.add_command(command)
