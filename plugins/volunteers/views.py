"""The pages, at ``/volunteers/`` (404 in a municipality that has not enabled the plugin)."""

from core.toolkit import Blueprint, render_template
from plugins.volunteers import services

ui = Blueprint("volunteers", __name__, template_folder="templates")


@ui.get("/")
def index():
    return render_template("volunteers/index.html", items=services.latest_items())
