"""The ``Problem`` schema of the OpenAPI document admits every member a rule's problem document
carries: ``code`` included (it was missing, so a 409 with a code failed the conformance run)."""

from core.rules import RuleViolation


def test_a_rule_violations_problem_document_fits_the_documented_schema(app, tenant_factory, client_for):
    tenant = tenant_factory()
    document = client_for(tenant.primary_host).get("/api/v1/openapi.json").get_json()
    problem = document["components"]["schemas"]["Problem"]
    extra = RuleViolation("The shift is full.", field="shift", code="shift_full").problem_extra()
    assert set(extra) <= set(problem["properties"])
    assert problem["properties"]["code"]["type"] == "string"
