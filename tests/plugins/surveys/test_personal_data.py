"""Attributed answers are in "download my data"; "delete my account" removes the person from them
and deletes their drafts and the record of having answered, while the results keep the answers."""

import json

import sqlalchemy as sa

from core.toolkit import Account, db, tenant_context
from plugins.surveys import services
from plugins.surveys.models import Draft, Participation, Response
from tests.plugins.surveys.conftest import make_survey


def test_download_my_data_then_delete_my_account(app, town, account_factory, apex_client, sign_in):
    person = account_factory(name="Zoe Respondent", memberships={town: "member"})
    attributed = make_survey(
        app, town, title="Named survey", anonymous=False, questions=[("short_text", "Your idea?", {})]
    )
    anonymous = make_survey(app, town, title="Secret survey", questions=[("short_text", "Your fear?", {})])
    with app.app_context(), tenant_context(town.id):
        account = db.session.get(Account, person.id)
        for ids, text in ((attributed, "More benches"), (anonymous, "Dark streets")):
            survey = services.get_survey(ids["survey"])
            services.submit(survey, services.Respondent(account), {f"q-{ids['questions'][0]}": text})
        db.session.commit()
        db.session.remove()
    with app.app_context(), tenant_context(town.id):
        secret = db.session.execute(
            sa.select(Response).where(Response.survey_id == anonymous["survey"])
        ).scalar_one()
        # nothing ties the anonymous answer to the moment the person answered
        assert secret.account_id is None and secret.id.version == 4
        assert (secret.submitted_at.hour, secret.submitted_at.minute, secret.submitted_at.second) == (0, 0, 0)
        db.session.remove()
    sign_in(apex_client, person)
    exported = json.loads(apex_client.get("/account/export").data)
    (entry,) = [m for m in exported["municipalities"] if m["slug"] == town.slug]
    mine = entry["plugins"]["surveys"]
    assert mine["answers"] == [
        {
            "survey": "Named survey",
            "submitted_at": mine["answers"][0]["submitted_at"],
            "answers": {"Your idea?": "More benches"},
        }
    ]
    assert "Dark streets" not in json.dumps(exported)  # anonymous: not linked to the person
    assert sorted(s["survey"] for s in mine["surveys_answered"]) == ["Named survey", "Secret survey"]

    deleted = apex_client.post("/account/delete", data={"confirm": "y", "password": person.password})
    assert deleted.status_code == 302
    with app.app_context(), tenant_context(town.id):
        answers = db.session.execute(sa.select(Response.account_id, Response.answers)).all()
        assert sorted(
            a[str(q)]
            for _id, a in answers
            for q in (attributed["questions"][0], anonymous["questions"][0])
            if str(q) in a
        ) == ["Dark streets", "More benches"]
        assert all(account_id is None for account_id, _a in answers)
        assert db.session.execute(sa.select(sa.func.count()).select_from(Participation)).scalar_one() == 0
        assert db.session.execute(sa.select(sa.func.count()).select_from(Draft)).scalar_one() == 0
        db.session.remove()
