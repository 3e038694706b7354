"""The OpenAPI document says what the API really answers: errors are problem documents.

Every error on ``/api/`` is an RFC 9457 ``application/problem+json`` document (``core.errors``), but
flask-smorest documents errors as ``application/json`` with its own ``Error`` schema, and knows
nothing of the answers the platform gives before a view runs. This apispec plugin, added to the
application's spec, rewrites each operation's responses as they are registered (core and plugin
blueprints alike):

- every error response (4xx, 5xx) is documented as ``application/problem+json`` with the
  ``Problem`` schema, keeping its description;
- every operation documents ``404`` (an unknown or archived host, a plugin not enabled for this
  municipality, or an id that is not there);
- every write documents ``401`` (no personal access token), ``403`` (no permission, or a suspended
  municipality), ``409`` (a rule refused it), ``422`` (invalid input) and ``400`` (a body that
  cannot be read);
- flask-smorest's catch-all ``default`` response is dropped, so the status codes are checked;
- the ``X-Pagination`` header of a paginated list (``@api.paginate()``) is documented as what it
  is, a JSON object in a header (``content: application/json``): flask-smorest gives it a plain
  object ``schema``, which OpenAPI reads as comma-separated ``key,value`` pairs, so that every
  paginated operation failed the conformance run;
- every free-text string (schemas and query parameters) says it cannot contain NUL, which
  PostgreSQL cannot store and ``core.input_guard`` refuses.
"""

from __future__ import annotations

import http
from typing import Any

from apispec import BasePlugin

PROBLEM_JSON = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
#: ECMA-262 (OpenAPI) pattern: any text without a NUL character
NO_NUL_PATTERN = "^[^\\u0000]*$"

PLATFORM_RESPONSES: dict[int, str] = {
    404: "Not found: an unknown host, a plugin not enabled for this municipality, or no such item.",
}
WRITE_RESPONSES: dict[int, str] = {
    400: "The request body could not be read.",
    401: "A personal access token is required to write through the API.",
    403: "Not allowed: missing permission, or the municipality is suspended.",
    # a RuleViolation (core.rules): any write's service may refuse what the schema admits
    409: "A rule refused the request (the input is valid; ``detail`` says which rule, ``code`` names it).",
    422: "The input is not valid; ``errors`` says which fields and why.",
}


PAGINATION_HEADER_NAME = "X-Pagination"
PAGINATION_HEADER: dict[str, Any] = {
    "description": "Pagination metadata, a JSON object.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    name: {"type": "integer"}
                    for name in (
                        "total",
                        "total_pages",
                        "first_page",
                        "last_page",
                        "page",
                        "previous_page",
                        "next_page",
                    )
                },
            }
        }
    },
}


def problem_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": dict(PROBLEM_REF)}}}


#: The integers the input guard lets through (core.input_guard: 64-bit, what the database holds)
INT64_MAX = 2**63 - 1


def document_input_guard(schema: Any) -> None:
    """Say in a JSON schema what the input guard refuses before any view (in place): free-text
    strings get :data:`NO_NUL_PATTERN`, integers without bounds get the 64-bit range."""
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "string" and not ({"pattern", "enum", "format"} & set(schema)):
        schema["pattern"] = NO_NUL_PATTERN
    if schema.get("type") == "integer":
        schema.setdefault("minimum", -INT64_MAX)
        schema.setdefault("maximum", INT64_MAX)
    for key in ("properties", "patternProperties"):
        for sub in (schema.get(key) or {}).values():
            document_input_guard(sub)
    for key in ("items", "additionalProperties"):
        document_input_guard(schema.get(key))
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key) or ():
            document_input_guard(sub)


class ProblemResponsesPlugin(BasePlugin):
    """Document errors as problem documents, and the platform's own answers on every operation."""

    def schema_helper(self, name: str, definition: dict, **kwargs: Any) -> dict:
        document_input_guard(definition)
        return definition

    def operation_helper(
        self, path: str | None = None, operations: dict | None = None, **kwargs: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters") or ():
                if isinstance(parameter, dict):
                    document_input_guard(parameter.get("schema"))
            responses = operation.setdefault("responses", {})
            responses.pop("default", None)
            documented = {int(code): code for code in responses if str(code).isdigit()}
            for code, key in documented.items():
                if code >= 400:
                    responses[key] = problem_response(_description(responses[key], code))
                elif isinstance(responses[key], dict):
                    headers = responses[key].get("headers") or {}
                    if PAGINATION_HEADER_NAME in headers:
                        headers[PAGINATION_HEADER_NAME] = PAGINATION_HEADER
            extra = dict(PLATFORM_RESPONSES)
            if method.lower() in WRITE_METHODS:
                extra.update(WRITE_RESPONSES)
            for code, description in extra.items():
                if code not in documented:
                    responses[code] = problem_response(description)


def _description(response: Any, code: int) -> str:
    """The operation's own description; for a bare reference (``"UNPROCESSABLE_ENTITY"``) ours."""
    if isinstance(response, dict) and response.get("description"):
        return response["description"]
    return {**PLATFORM_RESPONSES, **WRITE_RESPONSES}.get(code) or http.HTTPStatus(code).phrase


def install(api: Any) -> None:
    """Add the plugin to a flask-smorest ``Api``'s spec (before any blueprint is registered)."""
    plugin = ProblemResponsesPlugin()
    plugin.init_spec(api.spec)
    api.spec.plugins.append(plugin)
