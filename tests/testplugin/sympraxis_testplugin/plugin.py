"""Hook implementations of the test plugin: a page, an API route, a model, a setting, a nav item.

Every hook of ``core.hookspecs`` that the tests exercise has an implementation here, and the
plugin documentation takes its examples from this file.
"""

import os

import sqlalchemy as sa
from flask.views import MethodView
from markupsafe import Markup, escape
from marshmallow import Schema, fields, validate

from core.toolkit import (
    ApiBlueprint,
    Blueprint,
    BlueprintSpec,
    DashboardItem,
    LegalBasis,
    Linkable,
    Mail,
    NavItem,
    NotificationKind,
    PersonalDataDeclaration,
    PluginManifest,
    RetentionRule,
    RuleViolation,
    current_tenant,
    db,
    gettext,
    hookimpl,
    lazy_gettext,
    notify,
    plugin_settings,
    render_template,
    require_permission,
    resolve_references,
    url_for,
)
from sympraxis_testplugin.models import Note, NoteLink

ui = Blueprint("testplugin", __name__, template_folder="templates")
api = ApiBlueprint("testplugin_api", __name__, description="Test plugin notes.")
EVENTS: list[tuple[str, int]] = []


class SettingsSchema(Schema):
    greeting = fields.String(load_default="Hello", validate=validate.Length(min=1, max=50))
    max_notes = fields.Integer(load_default=10, validate=validate.Range(min=1, max=1000))
    broken_widget = fields.Boolean(load_default=False)
    broken_navigation = fields.Boolean(load_default=False)


class NoteSchema(Schema):
    id = fields.UUID(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(load_default="")


@ui.get("/")
def index():
    notes = db.session.execute(sa.select(Note).order_by(Note.created_at)).scalars().all()
    return render_template("testplugin/index.html", notes=notes, settings=plugin_settings("testplugin"))


@ui.get("/links")
def links():
    """Each note's links to other plugins' objects, resolved at render time (plain text when the
    target plugin is off here)."""
    rows = db.session.execute(sa.select(NoteLink).order_by(NoteLink.created_at)).scalars().all()
    resolved = resolve_references([r.target for r in rows])
    return render_template("testplugin/links.html", links=rows, resolved=resolved)


@ui.post("/<uuid:note_id>/publish")
@require_permission("testplugin.publish")
def publish(note_id):
    """Publish a note: admins, or members an admin granted ``testplugin.publish``."""
    note = db.session.execute(sa.select(Note).where(Note.id == note_id)).scalar_one_or_none()
    if note is None:
        from flask import abort

        abort(404)
    if not note.body.strip():
        raise RuleViolation(gettext("An empty note cannot be published."), code="empty_note")
    return "published"


@ui.get("/<uuid:note_id>")
def show(note_id):
    note = db.session.execute(sa.select(Note).where(Note.id == note_id)).scalar_one_or_none()
    if note is None:
        from flask import abort

        abort(404)
    return render_template("testplugin/index.html", notes=[note], settings=plugin_settings("testplugin"))


@api.route("/notes")
class Notes(MethodView):
    @api.response(200, NoteSchema(many=True))
    def get(self):
        """The current municipality's notes."""
        return db.session.execute(sa.select(Note).order_by(Note.created_at)).scalars().all()

    @api.arguments(NoteSchema)
    @api.response(201, NoteSchema)
    @api.alt_response(403, description="Only the municipality's staff may add notes.")
    @require_permission("testplugin.write")
    @api.alt_response(409, description="The municipality has reached its limit of notes.")
    def post(self, data):
        """Add a note (staff)."""
        count = db.session.execute(sa.select(sa.func.count()).select_from(Note)).scalar_one()
        if count >= plugin_settings("testplugin")["max_notes"]:
            raise RuleViolation(gettext("This municipality has reached its limit of notes."), field="title")
        note = Note(title=data["title"], body=data["body"])
        db.session.add(note)
        db.session.commit()
        return note


@api.route("/notes/<uuid:note_id>")
class NoteItem(MethodView):
    @api.response(200, NoteSchema)
    @api.alt_response(404, description="No such note in this municipality.")
    def get(self, note_id):
        """One note."""
        from flask import abort

        note = db.session.execute(sa.select(Note).where(Note.id == note_id)).scalar_one_or_none()
        if note is None:
            abort(404)
        return note


@hookimpl
def sympraxis_manifest():
    return PluginManifest(name="testplugin", title="Test plugin", version="1.0.0", core_api=">=1.0,<2")


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
    return {"testplugin.write": "staff"}


@hookimpl
def sympraxis_grantable_permissions():
    return {"testplugin.publish": lazy_gettext("Publish notes")}


@hookimpl
def sympraxis_resolve_references(tenant, kind, ids):
    if kind != "note":
        return {}
    import uuid

    wanted = []
    for ident in ids:
        try:
            wanted.append(uuid.UUID(ident))
        except ValueError:
            continue
    notes = db.session.execute(sa.select(Note).where(Note.id.in_(wanted))).scalars()
    return {
        str(n.id): Linkable(title=n.title, url=url_for("testplugin.show", note_id=n.id), status="note")
        for n in notes
    }


@hookimpl
def sympraxis_template_slot(slot, tenant, account, context):
    if slot == "tenant.home":
        return f'<p class="testplugin-slot">{escape(tenant.name)}: test plugin slot</p>'
    if slot in ("account.profile", "apex.dashboard") and account is not None:
        return f'<p class="testplugin-slot">{escape(slot)} for {escape(account.display_name)}</p>'
    return None


@hookimpl
def sympraxis_navigation(tenant, account):
    if plugin_settings("testplugin")["broken_navigation"]:
        raise RuntimeError("navigation failure for the test")
    return [NavItem(label="Test notes", url="/testplugin/", order=50)]


@hookimpl
def sympraxis_dashboard_items(tenant, account):
    if plugin_settings("testplugin")["broken_widget"]:
        raise RuntimeError("widget failure for the test")
    count = db.session.execute(sa.select(sa.func.count()).select_from(Note)).scalar_one()
    return [DashboardItem(title="Test notes", html=f"<p>{count} notes</p>")]


@hookimpl
def sympraxis_tenant_enabled(tenant, settings):
    EVENTS.append(("enabled", tenant.id))


@hookimpl
def sympraxis_tenant_disabled(tenant):
    EVENTS.append(("disabled", tenant.id))


@hookimpl
def sympraxis_export_personal_data(account, tenant):
    return {"tenant": current_tenant().slug if current_tenant() else tenant.slug, "notes": []}


@hookimpl
def sympraxis_erase_personal_data(account, tenant):
    EVENTS.append(("erased", tenant.id))


def _purge_old_notes(cutoff):
    """Notes written before ``cutoff`` go (their tags and links with them)."""
    return db.session.execute(sa.delete(Note).where(Note.created_at < cutoff)).rowcount


@hookimpl
def sympraxis_retention_rules():
    return [
        RetentionRule(
            key="testplugin.notes",
            label=lazy_gettext("Notes"),
            description=lazy_gettext("deleted %(days)d days after they were written"),
            default_days=365,
            min_days=30,
            purge=_purge_old_notes,
        )
    ]


@hookimpl
def sympraxis_personal_data_declarations():
    # every kind of personal data the plugin stores; the privacy notices and the records of
    # processing are generated from this list (texts through lazy_gettext, shown to people)
    return [
        PersonalDataDeclaration(
            kind="testplugin.notes",
            title=lazy_gettext("Notes"),
            categories=(lazy_gettext("title and text of the note"),),
            data_subjects=(lazy_gettext("members who write notes"),),
            purpose=lazy_gettext("To keep the notes the municipality's members share."),
            legal_basis=LegalBasis.PUBLIC_TASK,
            retention_days=365,
            retention_setting="testplugin.notes",  # the retention rule above, enforced by its purge
        )
    ]


DEMO_TITLES = {"el": "Σημείωση επίδειξης", "bg": "Демонстрационна бележка", "ro": "Notă demonstrativă"}


@hookimpl
def sympraxis_demo_data(tenant):
    db.session.add(Note(title=DEMO_TITLES.get(tenant.default_locale, "Demo note"), body="demo"))


@hookimpl
def sympraxis_notification_kinds():
    # each person chooses how these reach them; the plugin sends with notify(), never send_mail()
    return [
        NotificationKind(
            "testplugin.note_published",
            lazy_gettext("A note is published"),
            lazy_gettext("When a note you wrote is published."),
            default="digest",
        )
    ]


def tell_author(account_id, note_title):
    """Inside the municipality: now, in tonight's digest or not at all, as the author chose."""
    return notify(account_id, "testplugin.note_published", Mail(to=[], subject=note_title, text=note_title))


@hookimpl
def sympraxis_my_activity(tenant, account):
    # the links the person made here, on their "My activity" page (escape what people wrote)
    from sympraxis_testplugin.models import NoteLink

    titles = db.session.execute(
        sa.select(NoteLink.target_title).where(NoteLink.author_id == account.id).limit(20)
    ).scalars()
    items = Markup("").join(Markup("<li>{}</li>").format(t) for t in titles)
    if not items:
        return []
    return [DashboardItem(title=gettext("My links"), html=Markup("<ul>{}</ul>").format(items), order=50)]
