"""Core pages: the apex and municipality home pages, health checks, the demo outbox."""

from __future__ import annotations

import os
from email import policy
from email.parser import BytesParser

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, jsonify, render_template, send_from_directory
from flask_login import current_user

from core.extensions import csrf, db, limiter
from core.page_cache import anonymous_page
from core.plugins import enabled_plugins, registry
from core.tenancy import current_tenant

bp = Blueprint("core", __name__)


@bp.get("/")
@anonymous_page
def home():
    tenant = current_tenant()
    if tenant is None:
        return render_template("core/apex_home.html")
    widgets = []
    reg = registry()
    account = current_user if current_user.is_authenticated else None
    for name in sorted(enabled_plugins(tenant)):
        try:
            for result in reg.only("sympraxis_dashboard_items", {name})(tenant=tenant, account=account):
                widgets.extend(result or [])
        except Exception as exc:  # a broken widget must not take the page down
            reg.record_error(name, "sympraxis_dashboard_items", exc)
    widgets.sort(key=lambda w: (w.order, w.title))
    return render_template("core/tenant_home.html", widgets=widgets)


@bp.get("/municipalities")
def municipalities():
    """The directory of municipalities (the apex only): find yours, go to its site."""
    from flask import request

    from core import directory
    from core.input_guard import int_arg

    if current_tenant() is not None:
        abort(404)
    query = (request.args.get("q") or "").strip()[:MAX_QUERY_LENGTH]
    choices = directory.countries()
    country = (request.args.get("country") or "").upper()
    if country not in choices:
        country = ""
    page = int_arg("page", 1, maximum=10_000)
    listed, total = directory.municipalities(query, country, page)
    pages = max(1, -(-total // directory.PAGE_SIZE))
    return render_template(
        "core/municipalities.html",
        listed=listed,
        total=total,
        page=page,
        pages=pages,
        query=query,
        country=country,
        countries=choices,
    )


@bp.get("/theme.css")
@limiter.exempt
def theme():
    """The branding colours (``?p=&a=``, from the page's link): immutable, so cached for a year."""
    from flask import request

    from core.templating import theme_css

    response = current_app.response_class(
        theme_css(request.args.get("p"), request.args.get("a")), mimetype="text/css"
    )
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """The process is up (no dependencies checked)."""
    return jsonify(status="ok")


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """The process can serve: the database answers."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:
        current_app.logger.exception("readiness check failed")
        return jsonify(status="unavailable", database="unreachable"), 503
    finally:
        db.session.rollback()
    return jsonify(status="ok", database="ok")


def _outbox_dir() -> str:
    return current_app.config.get("MAIL_OUTBOX_DIR") or os.path.join(current_app.instance_path, "outbox")


@bp.get("/dev/outbox")
def outbox():
    """The demo's mail, readable in the browser. Only with DEMO_MODE on."""
    if not current_app.config["DEMO_MODE"]:
        abort(404)
    folder = _outbox_dir()
    messages = []
    if os.path.isdir(folder):
        for name in sorted(os.listdir(folder), reverse=True)[:200]:
            if not name.endswith(".eml"):
                continue
            with open(os.path.join(folder, name), "rb") as fh:
                msg = BytesParser(policy=policy.default).parse(fh)
            body = msg.get_body(preferencelist=("plain",))
            messages.append(
                {
                    "file": name,
                    "to": msg["To"],
                    "subject": msg["Subject"],
                    "date": msg["Date"],
                    "body": body.get_content() if body else "",
                }
            )
    return render_template("core/outbox.html", messages=messages)


@bp.get("/dev/outbox/<path:name>")
def outbox_file(name: str):
    if not current_app.config["DEMO_MODE"]:
        abort(404)
    return send_from_directory(_outbox_dir(), name, mimetype="text/plain")


csrf.exempt(healthz)
csrf.exempt(readyz)


MAX_QUERY_LENGTH = 200
#: Results per page, and how deep the pages go: every plugin is asked for enough hits to fill the
#: page asked for, so a deeper page costs more; ten pages of twenty is more than anyone reads.
SEARCH_PAGE_SIZE = 20
SEARCH_MAX_PAGE = 10


@bp.get("/search")
def search():
    """Search the municipality: every enabled plugin answers for its own content (hook), the hits
    are merged by rank and paginated."""
    from flask import request

    from core.input_guard import int_arg

    tenant = current_tenant()
    if tenant is None:
        abort(404)
    query = (request.args.get("q") or "").strip()
    page = int_arg("page", 1, maximum=SEARCH_MAX_PAGE)
    error = None
    hits = []
    if len(query) > MAX_QUERY_LENGTH:
        from flask_babel import gettext as _

        error = _("Use at most %(n)d characters.", n=MAX_QUERY_LENGTH)
    elif query:
        reg = registry()
        wanted = page * SEARCH_PAGE_SIZE + 1  # one more than the page: is there a next one?
        for name in sorted(enabled_plugins(tenant)):
            try:
                for result in reg.only("sympraxis_search", {name})(tenant=tenant, query=query, limit=wanted):
                    hits.extend((result or [])[:wanted])
            except Exception as exc:  # one plugin's search failing leaves the others' results
                db.session.rollback()
                reg.record_error(name, "sympraxis_search", exc)
        hits.sort(key=lambda hit: -hit.rank)  # stable: a plugin's own order stays among equals
    first = (page - 1) * SEARCH_PAGE_SIZE
    has_next = len(hits) > first + SEARCH_PAGE_SIZE and page < SEARCH_MAX_PAGE
    status = 422 if error else 200
    return render_template(
        "core/search.html",
        query=query,
        hits=hits[first : first + SEARCH_PAGE_SIZE],
        error=error,
        page=page,
        has_next=has_next,
        first_number=first + 1,
    ), status
