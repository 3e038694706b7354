"""The blueprint of every JSON API of the platform (``core.toolkit.ApiBlueprint``)."""

from __future__ import annotations

import functools

import flask_smorest
from flask import request
from flask_babel import gettext as _

#: The largest integer the document's ``integer`` admits (OpenAPI clients and schemathesis take it
#: as int64); a page number beyond it is refused rather than read as a page past the end.
INT64_MAX = 2**63 - 1


class ApiBlueprint(flask_smorest.Blueprint):
    """flask-smorest's ``Blueprint``, for the core's APIs and every plugin's.

    Its responses are marshmallow's own ``Schema.dump`` of the declared schemas. (A compiled form
    of those dumps, through marshmallow's private API, was removed; see ``benchmarks/README.md``.)

    ``paginate`` is flask-smorest's, with one rule added: ``page`` and ``page_size`` beyond a
    64-bit integer are a 422 (flask-smorest reads any size of integer, and a list answered such a
    page with an empty 200 that the document does not allow).
    """

    def paginate(self, pager=None, *, page=None, page_size=None, max_page_size=None):
        decorator = super().paginate(pager, page=page, page_size=page_size, max_page_size=max_page_size)

        def wrap(func):
            paginated = decorator(func)

            @functools.wraps(paginated)
            def guarded(*args, **kwargs):
                for name in ("page", "page_size"):
                    digits = (request.args.get(name) or "").strip().lstrip("+-")
                    if digits.isdigit() and (len(digits) > 19 or int(digits) > INT64_MAX):
                        flask_smorest.abort(
                            422,
                            messages={"query": {name: [_("Must be a whole number of at most 19 digits.")]}},
                        )
                return paginated(*args, **kwargs)

            return guarded

        return wrap
