"""The role matrix: every page of the plugin, for a visitor, a member, a moderator, staff and an
admin, and a member granted ``surveys.manage``."""

import pytest

from tests.plugins.surveys.conftest import make_survey

ROLES = ("visitor", "member", "moderator", "staff", "admin")
#: path -> the status each role gets (the answering form sends a visitor to sign in: 302)
MATRIX = {
    "/surveys/": (200, 200, 200, 200, 200),
    "/surveys/{id}": (200, 200, 200, 200, 200),
    "/surveys/{id}/answer": (302, 200, 200, 200, 200),
    "/surveys/{draft}": (404, 404, 404, 200, 200),
    "/surveys/{id}/results": (404, 404, 404, 200, 200),  # results not public
    "/surveys/{id}/results/questions/{text}/answers": (404, 404, 404, 200, 200),
    "/surveys/{public}/results/questions/{public_text}/answers": (200, 200, 200, 200, 200),
    "/surveys/new": (401, 403, 403, 200, 200),
    "/surveys/{id}/edit": (401, 403, 403, 200, 200),
    "/surveys/{id}/questions/new": (401, 403, 403, 200, 200),
    "/surveys/{id}/invitations": (401, 403, 403, 200, 200),
    "/surveys/{id}/results.csv": (401, 403, 403, 200, 200),
}


@pytest.fixture
def world(app, town, account_factory):
    ids = make_survey(app, town)
    draft = make_survey(app, town, title="A draft", published=False)
    public = make_survey(app, town, title="Results public", results_public=True)
    people = {role: account_factory(memberships={town: role}) for role in ROLES[1:]}
    return {
        "id": ids["survey"],
        "text": ids["questions"][1],
        "draft": draft["survey"],
        "public": public["survey"],
        "public_text": public["questions"][1],
        "people": people,
    }


def _client(tenant_client, sign_in, town, world, role):
    client = tenant_client(town)
    if role != "visitor":
        sign_in(client, world["people"][role])
    return client


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_each_role_as_the_matrix_says(role, world, town, tenant_client, sign_in):
    client = _client(tenant_client, sign_in, town, world, role)
    got = {}
    for template, expected in MATRIX.items():
        path = template.format(**{k: v for k, v in world.items() if k != "people"})
        got[template] = (client.get(path).status_code, expected[ROLES.index(role)])
    wrong = {path: pair for path, pair in got.items() if pair[0] != pair[1]}
    assert not wrong, wrong


def test_a_member_granted_the_permission_manages_surveys(
    app, world, town, tenant_client, sign_in, account_factory
):
    import re

    admin = tenant_client(town)
    sign_in(admin, world["people"]["admin"])
    member = world["people"]["member"]
    page = admin.get("/admin/permissions").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    granted = admin.post(
        "/admin/permissions",
        data={"account_id": str(member.id), "permission": "surveys.manage", "csrf_token": token},
    )
    assert granted.status_code == 302
    client = _client(tenant_client, sign_in, town, world, "member")
    assert client.get("/surveys/new").status_code == 200
    export = client.get(f"/surveys/{world['id']}/results.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert export.get_data(as_text=True).lstrip("\ufeff").startswith("Απάντηση,")  # streamed, in Greek
