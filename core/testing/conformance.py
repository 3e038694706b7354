"""The API conformance run for a plugin's own tests: schemathesis over the plugin's operations.

::

    from core.testing.conformance import assert_api_conforms

    def test_my_api_matches_its_document(app, tenant_factory, account_factory, access_token):
        tenant = tenant_factory(plugins=["myplugin"])
        staff = account_factory(memberships={tenant: "staff"})
        seen = assert_api_conforms(
            app, tenant.primary_host, plugin="myplugin", tokens=[access_token(staff, tenant)]
        )
        assert 201 in seen["POST /api/v1/myplugin/things"]   # the run reached a success

Requests generated from ``/api/v1/openapi.json`` (valid ones and, where the operation has
parameters or a body, invalid ones) go through the application (WSGI) on the municipality's
host, signed out and with each token. Every response must be documented: status code, content
type, schema, headers; never a 500. The function returns the status codes seen per operation, so
a test can prove that the run reached the successes and not only the refusals.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask

#: Examples per operation and generation mode: enough to reach successes and refusals, quick.
DEFAULT_EXAMPLES = 12


def _settings(max_examples: int) -> Any:
    from hypothesis import HealthCheck, Phase, settings

    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: report the first failing example
    )


def api_conformance_failures(
    app: Flask,
    host: str,
    *,
    plugin: str | None = None,
    tokens: Iterable[str] = (),
    max_examples: int = DEFAULT_EXAMPLES,
    seen: dict[str, set[int]] | None = None,
) -> list[str]:
    """Run schemathesis over the operations under ``/api/v1/<plugin>/`` (every operation when
    ``plugin`` is None) on ``host``; return one line per failing operation (empty: conformant).

    ``seen`` (if given) collects the status codes answered per operation label (``"GET /path"``).
    """
    import schemathesis
    from hypothesis import given
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.core.failures import FailureGroup

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers={"Host": host})
    header_sets = [{"Host": host}] + [{"Host": host, "Authorization": f"Bearer {t}"} for t in tokens]
    prefix = f"/api/v1/{plugin}/" if plugin else "/"
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if (op.path.rstrip("/") + "/").startswith(prefix)]
    assert operations, f"the API document lists no operation under {prefix}"
    seen = {} if seen is None else seen
    failures: list[str] = []
    fast = _settings(max_examples)
    for operation in operations:
        for mode in GenerationMode:

            @fast
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                for headers in header_sets:
                    response = case.call_and_validate(headers=headers)
                    seen.setdefault(case.operation.label, set()).add(response.status_code)

            try:
                run()
            except Unsatisfiable:
                # no invalid request exists for an operation without parameters or body
                if mode is not GenerationMode.NEGATIVE:
                    failures.append(f"{operation.label} [{mode.value}]: no valid request can be generated")
            except (Exception, FailureGroup) as exc:  # noqa: BLE001 - collect every operation's failure
                failures.append(f"{operation.label} [{mode.value}]: {type(exc).__name__}: {exc}")
    return failures


def assert_api_conforms(
    app: Flask,
    host: str,
    *,
    plugin: str | None = None,
    tokens: Iterable[str] = (),
    max_examples: int = DEFAULT_EXAMPLES,
) -> dict[str, set[int]]:
    """Fail with every non-conformant operation (see :func:`api_conformance_failures`); return the
    status codes seen per operation."""
    seen: dict[str, set[int]] = {}
    failures = api_conformance_failures(
        app, host, plugin=plugin, tokens=list(tokens), max_examples=max_examples, seen=seen
    )
    assert not failures, "API responses that differ from the document:\n\n" + "\n\n".join(failures)
    return seen


__all__ = ["DEFAULT_EXAMPLES", "api_conformance_failures", "assert_api_conforms"]
