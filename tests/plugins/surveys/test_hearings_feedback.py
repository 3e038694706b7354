"""A meeting of ``hearings`` takes its post-meeting feedback through a survey made from the
satisfaction template: staff link it by its address (a reference resolved by the surveys plugin),
attendees' feedback links then lead to it; an address that is no published survey of this
municipality is refused with the form kept; with the surveys plugin off, the built-in form is back."""

import datetime as dt
import re

import sqlalchemy as sa

from core.toolkit import db, tenant_context, utcnow_aware
from plugins.hearings.models import Meeting, Registration
from plugins.hearings.registrations.services import registration_token
from plugins.surveys import services
from tests.plugins.hearings.conftest import make_meeting


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def test_the_meetings_feedback_goes_through_the_satisfaction_survey(
    app, tenant_factory, account_factory, tenant_client, sign_in, disable_plugin
):
    town = tenant_factory(plugins=["hearings", "surveys"], locale="el", locales=["el", "en"])
    other = tenant_factory(plugins=["surveys"])
    mid = make_meeting(app, town, capacity=None)
    member = account_factory(memberships={town: "member"})
    client = tenant_client(town)
    sign_in(client, member)
    assert client.post(f"/hearings/meetings/{mid}/register").status_code == 302
    with app.app_context(), tenant_context(town.id):
        meeting = db.session.get(Meeting, (town.id, mid))
        meeting.starts_at, meeting.ends_at = (
            utcnow_aware() - dt.timedelta(hours=3),
            utcnow_aware() - dt.timedelta(hours=1),
        )
        meeting.finished_at = utcnow_aware()
        (reg,) = db.session.execute(sa.select(Registration)).scalars()
        feedback = f"/hearings/registrations/{registration_token(reg)}/feedback"
        now = utcnow_aware()
        survey = services.create_from_starter(
            "satisfaction",
            "el",
            account=None,
            opens_at=now,
            closes_at=now + dt.timedelta(days=14),
            published=True,
            audience="public",
        )
        survey_id = survey.id
        db.session.commit()
        db.session.remove()
    with app.app_context(), tenant_context(other.id):
        now = utcnow_aware()
        elsewhere = services.save_survey(
            None,
            account=None,
            title="Elsewhere",
            opens_at=now,
            closes_at=now + dt.timedelta(days=1),
            published=True,
        ).id
        db.session.commit()
        db.session.remove()
    assert "overall" in client.get(feedback).get_data(as_text=True)  # the built-in form, until linked

    staff = tenant_client(town)
    sign_in(staff, account_factory(memberships={town: "staff"}))
    results = f"/hearings/meetings/{mid}/feedback"
    page = staff.get(results).get_data(as_text=True)
    for wrong in (f"https://elsewhere.example/surveys/{elsewhere}", "not a survey"):
        refused = staff.post(f"{results}/survey", data={"csrf_token": _csrf(page), "survey": wrong})
        assert refused.status_code == 422
        html = refused.get_data(as_text=True)
        assert "Δώστε τη διεύθυνση μιας δημοσιευμένης έρευνας του δήμου." in html
        assert f'value="{wrong}"' in html  # the form comes back as typed
    linked = staff.post(
        f"{results}/survey",
        data={"csrf_token": _csrf(page), "survey": f"https://x.example/surveys/{survey_id}"},
    )
    assert linked.status_code == 302
    assert f"/surveys/{survey_id}" in staff.get(results).get_data(as_text=True)

    sent = client.get(feedback)
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/surveys/{survey_id}")
    assert client.get(f"/surveys/{survey_id}/answer").status_code == 200

    disable_plugin(town, "surveys")  # the survey no longer resolves: the form is back
    assert "overall" in client.get(feedback).get_data(as_text=True)


def _survey(app, tenant, title, **fields):
    with app.app_context(), tenant_context(tenant.id):
        now = utcnow_aware()
        found = services.save_survey(
            None, account=None, title=title, opens_at=now, closes_at=now + dt.timedelta(days=7), **fields
        )
        db.session.commit()
        made = found.id
        db.session.remove()
    return made


def test_the_meeting_api_reads_and_sets_the_feedback_survey(
    app, tenant_factory, account_factory, tenant_client, access_token, disable_plugin
):
    town = tenant_factory(plugins=["hearings", "surveys"], locale="el", locales=["el", "en"])
    other = tenant_factory(plugins=["surveys"])
    mid = make_meeting(app, town, capacity=None)
    survey_id = _survey(app, town, "Ικανοποίηση από το εργαστήριο", published=True, audience="public")
    draft = _survey(app, town, "Not yet", published=False)
    elsewhere = _survey(app, other, "Elsewhere", published=True)
    client = tenant_client(town)
    staff = {"Authorization": f"Bearer {access_token(account_factory(memberships={town: 'staff'}), town)}"}
    member = {"Authorization": f"Bearer {access_token(account_factory(memberships={town: 'member'}), town)}"}
    item, setting = f"/api/v1/hearings/meetings/{mid}", f"/api/v1/hearings/meetings/{mid}/feedback-survey"

    assert client.get(item).get_json()["feedback_survey"] is None
    assert client.put(setting, json={"survey_id": str(survey_id)}).status_code == 401
    assert client.put(setting, json={"survey_id": str(survey_id)}, headers=member).status_code == 403
    for wrong in (elsewhere, draft, mid):  # another municipality's, unpublished, not a survey at all
        refused = client.put(
            setting, json={"survey_id": str(wrong)}, headers={**staff, "Accept-Language": "el"}
        )
        assert refused.status_code == 409 and refused.mimetype == "application/problem+json"
        assert refused.get_json()["detail"] == "Δώστε τη διεύθυνση μιας δημοσιευμένης έρευνας του δήμου."
    assert client.put(setting, json={"survey_id": "nope"}, headers=staff).status_code == 422
    assert client.get(item).get_json()["feedback_survey"] is None  # nothing refused was kept

    linked = client.put(setting, json={"survey_id": str(survey_id)}, headers=staff)
    assert linked.status_code == 200
    shown = linked.get_json()["feedback_survey"]
    assert (shown["id"], shown["title"]) == (str(survey_id), "Ικανοποίηση από το εργαστήριο")
    assert shown["url"].endswith(f"/surveys/{survey_id}")
    assert client.get(item).get_json()["feedback_survey"] == shown  # read by anyone, signed out too
    (listed,) = [m for m in client.get("/api/v1/hearings/meetings").get_json() if m["id"] == str(mid)]
    assert listed["feedback_survey"] == shown

    disable_plugin(town, "surveys")  # no longer resolved: shown as none, as the page falls back
    assert client.get(item).get_json()["feedback_survey"] is None
