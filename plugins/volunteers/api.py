"""The API, at ``/api/v1/volunteers/``: reads for everyone, writes with a personal access token."""

from flask.views import MethodView

from core.toolkit import ApiBlueprint, require_permission
from plugins.volunteers import services
from plugins.volunteers.schemas import ItemSchema

api = ApiBlueprint("volunteers_api", __name__, description="Volunteering.")


@api.route("/items")
class Items(MethodView):
    @api.response(200, ItemSchema(many=True))
    def get(self):
        """The municipality's items, newest first."""
        return services.latest_items()

    @api.arguments(ItemSchema)
    @api.response(201, ItemSchema)
    @require_permission("volunteers.manage")
    def post(self, data):
        """Add an item (staff, with a personal access token)."""
        return services.add_item(data["title"], data["body"])
