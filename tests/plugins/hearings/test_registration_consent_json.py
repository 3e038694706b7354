"""The registration API's consent is a JSON boolean: ``1`` or ``"yes"`` is refused (422, problem+json),
not taken as consent to keep a person's accessibility needs."""

from tests.plugins.hearings.conftest import make_meeting


def test_consent_must_be_json_true(app, world, tenant_client, access_token):
    mid = make_meeting(app, world.tenant, capacity=5)
    api = tenant_client(world.tenant)
    auth = {"Authorization": f"Bearer {access_token(world.member, world.tenant)}"}
    url = f"/api/v1/hearings/meetings/{mid}/registrations"
    for sloppy in (1, "true", "yes"):
        r = api.post(
            url, json={"accessibility": ["step_free"], "accessibility_consent": sloppy}, headers=auth
        )
        assert r.status_code == 422 and r.mimetype == "application/problem+json", (sloppy, r.json)
    ok = api.post(url, json={"accessibility": ["step_free"], "accessibility_consent": True}, headers=auth)
    assert ok.status_code == 201, ok.get_data(as_text=True)
