"""The blueprint of every JSON API of the platform (``core.toolkit.ApiBlueprint``)."""

from __future__ import annotations

import flask_smorest


class ApiBlueprint(flask_smorest.Blueprint):
    """flask-smorest's ``Blueprint``, for the core's APIs and every plugin's.

    Its responses are marshmallow's own ``Schema.dump`` of the declared schemas. (A compiled form
    of those dumps, through marshmallow's private API, was removed: side by side with the control
    it gained less than the control's spread, see ``benchmarks/README.md``.)
    """
