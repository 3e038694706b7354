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


def test_retention_purges_only_surveys_closed_before_the_cutoff_and_once(app, town, account_factory):
    import datetime as dt

    from plugins.surveys.models import Invitation

    person = account_factory(memberships={town: "member"})
    old = make_survey(
        app, town, title="Old", anonymous=False, opens=-dt.timedelta(days=400), closes=-dt.timedelta(days=300)
    )
    recent = make_survey(
        app, town, title="Recent", anonymous=False, opens=-dt.timedelta(days=10), closes=-dt.timedelta(days=1)
    )
    with app.app_context(), tenant_context(town.id):
        for ids in (old, recent):
            db.session.add(Response(survey_id=ids["survey"], account_id=person.id, answers={}))
            db.session.add(
                Invitation(
                    survey_id=ids["survey"],
                    email=f"guest-{ids['survey']}@example.org",
                    token_hash=str(ids["survey"]).replace("-", "")[:64],
                )
            )
        db.session.commit()
        cutoff = (dt.datetime.now(dt.UTC) - dt.timedelta(days=180)).replace(
            tzinfo=None
        )  # naive, as the job gives it
        assert services.purge_attributed(cutoff) == 1
        assert services.purge_invitations(cutoff) == 1
        assert (
            services.purge_attributed(cutoff) == 0 and services.purge_invitations(cutoff) == 0
        )  # twice: nothing more
        rows = dict(db.session.execute(sa.select(Response.survey_id, Response.account_id)).all())
        emails = dict(db.session.execute(sa.select(Invitation.survey_id, Invitation.email)).all())
        db.session.rollback()
        db.session.remove()
    assert rows == {old["survey"]: None, recent["survey"]: person.id}
    assert emails[recent["survey"]] == f"guest-{recent['survey']}@example.org"
    assert emails[old["survey"]].startswith("erased-")


def test_an_invited_guest_gets_and_erases_their_data(app, town):
    from plugins.surveys.models import Invitation

    ids = make_survey(app, town, title="By invitation", audience="invited")
    with app.app_context(), tenant_context(town.id):
        db.session.add(Invitation(survey_id=ids["survey"], email="guest@example.org", token_hash="g" * 64))
        db.session.commit()
        assert services.export_guest_data("guest@example.org")["invitations"][0]["survey"] == "By invitation"
        assert services.export_guest_data("nobody@example.org") is None
        services.erase_guest_data("guest@example.org")
        db.session.commit()
        assert services.export_guest_data("guest@example.org") is None
        (kept,) = db.session.execute(sa.select(Invitation)).scalars().all()
        assert kept.token_hash == "g" * 64 and kept.email.startswith("erased-")
        db.session.remove()
