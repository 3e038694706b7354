"""The noticeboard plugin: a page, an API, a model, a permission, a menu entry."""

import datetime as dt
import os

import sqlalchemy as sa
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from core.toolkit import (
    ApiBlueprint,
    Blueprint,
    BlueprintSpec,
    NavItem,
    PluginManifest,
    db,
    hookimpl,
    lazy_gettext,
    render_template,
    require_permission,
)
from noticeboard.models import Notice

ui = Blueprint("noticeboard", __name__, template_folder="templates")
api = ApiBlueprint("noticeboard_api", __name__, description="The municipality's notices.")


class UTCDateTime(fields.DateTime):
    """Columns hold naive UTC; the API writes the offset, as OpenAPI's ``date-time`` requires."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.replace(tzinfo=dt.UTC).isoformat()


class NoticeSchema(Schema):
    id = fields.UUID(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(load_default="", validate=validate.Length(max=10_000))
    posted_at = UTCDateTime(dump_only=True)


def latest_notices() -> list[Notice]:
    """The current municipality's notices, newest first (the tenant filter is automatic)."""
    return list(db.session.execute(sa.select(Notice).order_by(Notice.posted_at.desc())).scalars())


@ui.get("/")
def index():
    return render_template("noticeboard/index.html", notices=latest_notices())


@api.route("/notices")
class Notices(MethodView):
    @api.response(200, NoticeSchema(many=True))
    def get(self):
        """The municipality's notices, newest first."""
        return latest_notices()

    @api.arguments(NoticeSchema)
    @api.response(201, NoticeSchema)
    @require_permission("noticeboard.post")
    def post(self, data):
        """Post a notice (staff, with a personal access token)."""
        notice = Notice(title=data["title"], body=data["body"])
        db.session.add(notice)
        db.session.commit()
        return notice


@hookimpl
def sympraxis_manifest():
    return PluginManifest(name="noticeboard", title="Notice board", version="0.1.0", core_api=">=1.1,<2")


@hookimpl
def sympraxis_blueprints(app):
    return [BlueprintSpec(ui, "ui"), BlueprintSpec(api, "api")]  # /noticeboard/ and /api/v1/noticeboard/


@hookimpl
def sympraxis_migration_dirs():
    return [os.path.join(os.path.dirname(__file__), "migrations", "versions")]


@hookimpl
def sympraxis_permissions():
    return {"noticeboard.post": "staff"}


@hookimpl
def sympraxis_navigation(tenant, account):
    return [NavItem(label=lazy_gettext("Notices"), url="/noticeboard/", order=40)]
