"""What plugins add to pages they do not own: template slots on core pages, and static assets.

**Template slots** (after Indico's ``template_hook``): a core page calls
``{{ template_slot("tenant.home") }}`` where plugins may add HTML; each plugin answers through
the ``sympraxis_template_slot`` hook. The slots are listed in :data:`SLOTS`.

**Static assets**: a plugin's files in a ``static/`` folder beside its plugin module are served at
``/assets/<plugin>/<path>``, outside the plugin's blueprints (so no per-request guard, no
session), with a content hash in the URL: ``{{ asset_url("volunteers", "volunteers.css") }}``
gives ``/assets/volunteers/volunteers.css?v=3f2a…``, cached by browsers for a year and changed
whenever the file changes. Add CSS or JS to a page in its ``{% block head %}``.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from flask import Blueprint, Flask, abort, request, send_from_directory
from markupsafe import Markup

#: Slot name -> the core page that renders it, and when the hook is called there.
SLOTS = {
    "tenant.home": "the municipality's home page, after the widgets (plugins enabled there)",
    "account.profile": "the account page on the apex, after the profile form (every installed plugin)",
    "apex.dashboard": "the NGO dashboard on the apex, after the widgets (every installed plugin)",
}

ONE_YEAR = 365 * 24 * 3600

bp = Blueprint("assets", __name__)


def template_slot(slot: str, **context: Any) -> Markup:
    """The HTML plugins add to ``slot``, one plugin at a time: one that raises is skipped and
    recorded for the operator, the page still renders. On a municipality's host only the
    plugins enabled there are asked; on the apex every installed plugin is."""
    from core.permissions import current_account
    from core.plugins import enabled_plugins, registry
    from core.tenancy import current_tenant

    tenant = current_tenant()
    reg = registry()
    names = enabled_plugins(tenant) if tenant is not None else set(reg.plugins)
    account = current_account()
    parts: list[Markup] = []
    for name in sorted(names):
        try:
            for html in reg.only("sympraxis_template_slot", {name})(
                slot=slot, tenant=tenant, account=account, context=context
            ):
                if html:
                    parts.append(Markup(html))  # noqa: S704 - the plugin vouches for its markup
        except Exception as exc:
            reg.record_error(name, "sympraxis_template_slot", exc)
    return Markup("\n").join(parts)


def _static_folder(plugin: str) -> str | None:
    from core.plugins import registry

    loaded = registry().plugins.get(plugin)
    if loaded is None or not getattr(loaded.module, "__file__", None):
        return None
    folder = os.path.join(os.path.dirname(loaded.module.__file__), "static")
    return folder if os.path.isdir(folder) else None


_digests: dict[tuple[str, float, int], str] = {}


def _digest(path: str) -> str:
    stat = os.stat(path)
    key = (path, stat.st_mtime, stat.st_size)
    if key not in _digests:
        with open(path, "rb") as f:
            _digests[key] = hashlib.sha256(f.read()).hexdigest()[:12]
    return _digests[key]


def asset_url(plugin: str, filename: str) -> str:
    """The URL of a plugin's static file with its content hash (a template global)."""
    folder = _static_folder(plugin)
    path = os.path.join(folder, filename) if folder else None
    if path is None or not os.path.isfile(path):
        raise FileNotFoundError(f"plugin {plugin!r} has no static file {filename!r}")
    return f"/assets/{plugin}/{filename}?v={_digest(path)}"


@bp.get("/assets/<plugin>/<path:filename>")
def asset(plugin: str, filename: str):
    folder = _static_folder(plugin)
    if folder is None:
        abort(404)
    response = send_from_directory(folder, filename, max_age=0)
    response.headers.pop("Set-Cookie", None)
    path = os.path.join(folder, filename)
    if request.args.get("v") == _digest(path):
        response.cache_control.public = True
        response.cache_control.max_age = ONE_YEAR
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response


def init_app(app: Flask) -> None:
    from core.references import reference_link

    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        template_slot=template_slot, asset_url=asset_url, reference_link=reference_link
    )
