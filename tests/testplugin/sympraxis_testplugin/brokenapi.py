"""A plugin whose API answers a status its document does not list: the conformance run must catch it.

Not an entry point; the tests load it with ``register_test_plugin({"brokenapi": ...})``.
"""

from flask.views import MethodView
from marshmallow import Schema, fields

from core.toolkit import ApiBlueprint, BlueprintSpec, PluginManifest, abort, hookimpl

api = ApiBlueprint("brokenapi_api", __name__, description="An API that breaks its own document.")


class ThingSchema(Schema):
    name = fields.String()


@api.route("/things")
class Things(MethodView):
    @api.response(200, ThingSchema(many=True))
    def get(self):
        """Documented as a list; answers 409, which the document never mentions."""
        abort(409)


@hookimpl
def sympraxis_manifest():
    return PluginManifest(name="brokenapi", title="Broken API", version="0.1.0", core_api=">=1.0,<2")


@hookimpl
def sympraxis_blueprints(app):
    return [BlueprintSpec(api, "api")]
