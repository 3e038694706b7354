"""schemathesis over /api/v1/openapi.json: no server error, every response as documented.

Generated requests (valid and invalid) go through the real application (WSGI) with the Host header
of a municipality that has every installed plugin on, and of the apex; each case is sent signed out
and with a staff member's personal access token (on the apex also with an operator's, so the
operator API's successes are reached), so both the refusals and the successes are checked against
the document (status codes, content types, schemas, headers, and that a request valid by the
document is accepted).
"""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

#: Examples per operation and generation mode (hypothesis's default is 100; this keeps the module
#: under two minutes on two shared cores).
EXAMPLES = 30


def _make_site(app):
    from core.accounts.services.memberships import join_tenant
    from core.accounts.services.signup import create_account
    from core.accounts.services.tokens import create_access_token
    from core.extensions import db
    from core.plugin_state import enable_plugin
    from core.plugins import registry
    from core.tenancy import invalidate_tenant_cache, utcnow
    from core.tenant_admin import NewTenant, create_tenant

    slug = f"api-{uuid.uuid4().hex[:8]}"
    with app.app_context():
        row = create_tenant(
            NewTenant(
                slug=slug,
                name="API Town",
                country="GR",
                default_locale="el",
                locales=["el", "en"],
                timezone="Europe/Athens",
            )
        )
        db.session.commit()
        invalidate_tenant_cache()
        for name in registry().switchable_names():
            enable_plugin(row.id, name, None)
        account = create_account(f"{slug}@example.org", "correct horse battery", "API Staff", verified=True)
        join_tenant(account, row.id, "staff")
        _token, tenant_secret = create_access_token(account, "schemathesis", row.id)
        _token, apex_secret = create_access_token(account, "schemathesis", None)
        operator = create_account(
            f"{slug}-operator@example.org",
            "correct horse battery",
            "API Operator",
            verified=True,
            is_operator=True,
        )
        operator.totp_secret, operator.totp_enabled_at = "JBSWY3DPEHPK3PXP", utcnow()
        _token, operator_secret = create_access_token(operator, "schemathesis", None)
        db.session.commit()
        db.session.remove()
    return f"{slug}.localhost", tenant_secret, apex_secret, operator_secret


@pytest.fixture(scope="module")
def site(app):
    return _make_site(app)


@pytest.fixture(scope="module")
def tenant_schema(app, site):
    host, *_secrets = site
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers={"Host": host})


@pytest.fixture(scope="module")
def apex_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers={"Host": "localhost"})


FAST = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: report the first failing example
)


def exercise(schema, header_sets: list[dict[str, str]], seen: dict[str, set[int]]) -> list[str]:
    """Valid and invalid examples for every operation, each sent with every header set; the failures.

    (schemathesis's pytest integration does not support pytest 9, so hypothesis is driven here.)
    """
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the document lists no operation"
    for operation in operations:
        for mode in GenerationMode:

            @FAST
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                for headers in header_sets:
                    response = case.call_and_validate(headers=headers)
                    seen.setdefault(case.operation.label, set()).add(response.status_code)

            try:
                run()
            except Unsatisfiable:
                # no invalid request exists for an operation without parameters or body
                assert mode is GenerationMode.NEGATIVE, operation.label
            except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report
                failures.append(f"{operation.label} [{mode.value}]: {type(exc).__name__}: {exc}")
    return failures


def test_municipality_api_matches_its_document(tenant_schema, site):
    host, secret, *_apex = site
    seen: dict[str, set[int]] = {}
    failures = exercise(
        tenant_schema, [{"Host": host}, {"Host": host, "Authorization": f"Bearer {secret}"}], seen
    )
    assert not failures, "\n\n".join(failures)
    # the run reached the successes as well as the refusals
    assert 200 in seen["GET /api/v1/tenant"]
    assert {200, 401} <= seen["GET /api/v1/me"]
    assert {201, 401, 422} <= seen["POST /api/v1/testplugin/notes"], seen
    assert 404 in seen["GET /api/v1/testplugin/notes/{note_id}"]


def test_apex_api_matches_its_document(apex_schema, site):
    """Issue 10 item 24: the operator API was never reached with an operator's token here, and
    schemathesis found requests valid by the document that the onboarding refused (an email
    without "@", an unknown plan or time zone, a default language outside the languages…)."""
    _host, _secret, apex_secret, operator_secret = site
    seen: dict[str, set[int]] = {}
    failures = exercise(
        apex_schema,
        [
            {"Host": "localhost"},
            {"Host": "localhost", "Authorization": f"Bearer {apex_secret}"},
            {"Host": "localhost", "Authorization": f"Bearer {operator_secret}"},
        ],
        seen,
    )
    assert not failures, "\n\n".join(failures)
    assert {200, 401, 403} <= seen["GET /api/v1/operator/tenants"], seen
    assert 201 in seen["POST /api/v1/operator/tenants"], seen
    assert seen["GET /api/v1/tenant"] == {404}  # the apex is not a municipality
    assert {200, 401} <= seen["GET /api/v1/me"]
    assert seen["GET /api/v1/testplugin/notes"] == {404}  # plugins answer on municipalities' hosts only


def test_errors_are_documented_as_problem_documents(client_for, tenant_factory):
    tenant = tenant_factory(plugins=["testplugin"])
    document = client_for(tenant.primary_host).get("/api/v1/openapi.json").json
    errors = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            assert "default" not in responses, (method, path)  # status codes are checked, not waved through
            assert "404" in responses, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert {"401", "403", "422"} <= set(responses), (method, path)
            for code, response in responses.items():
                if int(code) >= 400:
                    errors += 1
                    assert set(response["content"]) == {"application/problem+json"}, (method, path, code)
                    assert response["content"]["application/problem+json"]["schema"] == {
                        "$ref": "#/components/schemas/Problem"
                    }
    assert errors >= 8
    # and what is documented is what is sent
    response = client_for(tenant.primary_host).get(f"/api/v1/testplugin/notes/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 404
