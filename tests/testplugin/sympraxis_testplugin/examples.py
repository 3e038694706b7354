"""The docs examples plugin: one working implementation of each hook the test plugin leaves out.

The hook reference (``docs/hooks.md``) shows, for every hook, its implementation in
``plugin.py`` or, failing that, here; ``tests/core/test_docs_examples.py`` loads this module with
``register_test_plugin`` and checks that each example does what the docs say. Not an entry point.
"""

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from markupsafe import escape

from core.toolkit import (
    DashboardItem,
    Membership,
    PluginManifest,
    SearchHit,
    TextQuery,
    cross_tenant_read,
    db,
    hookimpl,
    job,
    tenant_context,
    tenants_with_plugin,
    url_for,
)
from sympraxis_testplugin.models import Note

EVENTS: list[tuple] = []


@hookimpl
def sympraxis_manifest():
    return PluginManifest(
        name="docsexamples",
        title="Docs examples",
        version="1.0.0",
        core_api=">=1.1,<2",
        requires=("testplugin",),
    )


@hookimpl
def sympraxis_apex_dashboard_items(account):
    # only the municipalities the account is a member of, through the reviewed cross-tenant read
    with cross_tenant_read():
        count = db.session.execute(
            sa.select(sa.func.count())
            .select_from(Note)
            .where(
                Note.tenant_id.in_(sa.select(Membership.tenant_id).where(Membership.account_id == account.id))
            )
            .execution_options(all_tenants=True)
        ).scalar_one()
    return [DashboardItem(title="Notes where you take part", html=f"<p>{count} notes</p>", order=60)]


@hookimpl
def sympraxis_tenant_plugins_changed(tenant_id):
    EVENTS.append(("plugins_changed", tenant_id))


@hookimpl
def sympraxis_search(tenant, query, limit):
    # TextQuery: full-text search in the municipality's language (accents and case folded,
    # stems as prefixes) on PostgreSQL, a plain folded match on SQLite; snippet() is safe HTML
    q = TextQuery(query)
    document = q.document(Note.title, Note.body)
    rank = q.rank(document).label("rank")
    rows = db.session.execute(
        sa.select(Note, q.headline(Note.body), rank)
        .where(q.matches(document))
        .order_by(rank.desc())
        .limit(limit)
    )
    return [
        SearchHit(
            title=n.title,
            url=url_for("testplugin.show", note_id=n.id),
            snippet=q.snippet(headline),
            rank=r,
            kind="Note",
        )
        for n, headline, r in rows
    ]


@hookimpl
def sympraxis_activity_items(tenant, limit):
    notes = db.session.execute(sa.select(Note).order_by(Note.created_at.desc()).limit(limit)).scalars()
    return [
        {"at": n.created_at, "title": n.title, "url": url_for("testplugin.show", note_id=n.id)} for n in notes
    ]


DEMO_NOTE = {"el": "Καλώς ήρθατε", "bg": "Добре дошли", "ro": "Bun venit"}


@hookimpl
def sympraxis_demo_data(tenant):
    title = DEMO_NOTE.get(tenant.default_locale, "Welcome")
    exists = db.session.execute(sa.select(Note.id).where(Note.title == title)).first()
    if exists is None:  # the demo seed runs again on every `make demo`: add once
        db.session.add(Note(title=title, body="demo"))


@hookimpl
def sympraxis_audit(action, tenant_id, details, actor):
    EVENTS.append(("audit", action, tenant_id, getattr(actor, "id", None)))


def _signed_by(email):
    """Notes a guest left with their address (a paper form typed in: "From: <address>")."""
    marker = f"from: {email}"
    return [n for n in db.session.execute(sa.select(Note)).scalars() if marker in n.body.lower()]


@hookimpl
def sympraxis_export_guest_data(email, tenant):
    notes = _signed_by(email)
    return {"notes": [{"title": n.title, "body": n.body} for n in notes]} if notes else None


@hookimpl
def sympraxis_erase_guest_data(email, tenant):
    for note in _signed_by(email):
        note.body = "From: [erased]"  # the note stays, without the person
    db.session.flush()


@hookimpl
def sympraxis_export_account_data(account):
    # this plugin's one platform-wide record: the actions it heard of (kept in memory here)
    actions = [e[1] for e in EVENTS if e[0] == "audit" and e[3] == account.id]
    return {"actions_heard": actions} if actions else None


@hookimpl
def sympraxis_erase_account_data(account):
    EVENTS[:] = [e for e in EVENTS if not (e[0] == "audit" and e[3] == account.id)]


@job("docsexamples.tidy")
def tidy(payload):
    """Per municipality: strip the notes' titles (runs inside the payload's tenant)."""
    for note in db.session.execute(sa.select(Note)).scalars():
        note.title = note.title.strip()
    # write inside this tenant: inline (demo, tests) the next job of a fan-out shares the session
    db.session.flush()


@job("docsexamples.tidy_all")
def tidy_all(payload):
    """Periodic, with no tenant: fan out one job per municipality that has the plugin on."""
    from core.toolkit import enqueue

    for tenant_id in tenants_with_plugin("docsexamples"):
        enqueue("docsexamples.tidy", tenant_id, {})


@hookimpl
def sympraxis_periodic_jobs():
    return {"docsexamples.tidy_all": 3600.0}


@click.group("docsexamples", help="The docs examples plugin.")
def cli():
    pass


@cli.command("count")
@with_appcontext  # a plain click command runs without the application: ask for its context
def count_command():
    """Print each municipality's number of notes."""
    for tenant_id in tenants_with_plugin("docsexamples"):
        with tenant_context(tenant_id):
            n = db.session.execute(sa.select(sa.func.count()).select_from(Note)).scalar_one()
        click.echo(f"{tenant_id}: {n}")


@hookimpl
def sympraxis_cli_commands():
    return [cli]


@hookimpl
def sympraxis_app_ready(app):
    @app.template_filter("note_badge")
    def note_badge(title):
        return escape(title).upper()
