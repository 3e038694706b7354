"""The surveys' schemas each have a name of their own in the OpenAPI document (apispec warned
"Multiple schemas resolved to the name SurveyWrite" and renamed one ``SurveyWrite1`` when the
PATCH body reused the write schema with ``partial=True``); the PATCH body's fields are optional."""


def test_the_document_names_every_surveys_schema_once(town, tenant_client):
    document = tenant_client(town).get("/api/v1/openapi.json").json
    schemas = document["components"]["schemas"]
    assert not [name for name in schemas if name.startswith("Survey") and name[-1].isdigit()]
    assert "title" in schemas["SurveyWrite"]["required"]
    assert "required" not in schemas["SurveyPatch"]
    patch = document["paths"]["/api/v1/surveys/surveys/{survey_id}"]["patch"]
    body = patch["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/SurveyPatch")
