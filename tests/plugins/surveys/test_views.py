"""The pages and the API as people use them: staff build a survey from a template, members
answer (an error keeps every answer typed, a draft resumes), once; invitations by mail work once;
results are public only when staff say so; the raw export is for staff."""

import re

import sqlalchemy as sa

from core.toolkit import db, tenant_context
from plugins.surveys.models import Draft, Question, Response, Survey
from tests.plugins.surveys.conftest import bearer, field, make_survey


def _csrf(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_staff_build_a_survey_from_a_template_in_the_municipalitys_language(
    town, account_factory, tenant_client, sign_in, app
):
    staff = account_factory(memberships={town: "staff"})
    client = tenant_client(town)
    sign_in(client, staff)
    assert client.get("/surveys/new").status_code == 200
    made = client.post("/surveys/new", data={"starter": "satisfaction", "create": "y"})
    assert made.status_code == 302
    with app.app_context(), tenant_context(town.id):
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        assert survey.title == "Πώς σας φάνηκε η συνάντηση;" and not survey.published
        count = db.session.execute(sa.select(sa.func.count()).select_from(Question)).scalar_one()
        db.session.remove()
    assert count == 5
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "Θα συμμετείχατε ξανά;" in page


def test_members_cannot_manage(town, account_factory, tenant_client, sign_in, app):
    ids = make_survey(app, town)
    member = account_factory(memberships={town: "member"})
    client = tenant_client(town)
    sign_in(client, member)
    assert client.get("/surveys/new").status_code == 403
    assert client.get(f"/surveys/{ids['survey']}/results.csv").status_code == 403
    assert client.get(f"/surveys/{ids['survey']}/results").status_code == 404  # results not public


def test_an_error_keeps_every_answer_and_the_draft_resumes(
    town, account_factory, tenant_client, sign_in, app
):
    ids = make_survey(app, town)
    member = account_factory(memberships={town: "member"})
    client = tenant_client(town)
    sign_in(client, member)
    form = client.get(f"/surveys/{ids['survey']}/answer")
    assert form.status_code == 200
    typed = {
        "csrf_token": _csrf(form),
        field(ids, 0): "No",  # then "Why not?" is required, and left empty
        field(ids, 2): "4",
        field(ids, 3): ["Childcare", "__other__"],
        field(ids, 3, "-other"): "A ramp at the door",
        field(ids, 6): "two",  # not a number
        "action": "submit",
    }
    failed = client.post(f"/surveys/{ids['survey']}/answer", data=typed)
    assert failed.status_code == 422
    page = failed.get_data(as_text=True)
    assert "A ramp at the door" in page and 'value="two"' in page
    assert page.count('aria-invalid="true"') == 2
    resumed = client.get(f"/surveys/{ids['survey']}/answer").get_data(as_text=True)
    assert "A ramp at the door" in resumed  # saved as a draft on the error
    typed.update({field(ids, 1): "Too far", field(ids, 6): "2", "csrf_token": _csrf(failed)})
    done = client.post(f"/surveys/{ids['survey']}/answer", data=typed)
    assert done.status_code == 302
    again = client.post(f"/surveys/{ids['survey']}/answer", data=typed)
    assert again.status_code == 409
    with app.app_context(), tenant_context(town.id):
        answers = db.session.execute(sa.select(Response.answers)).scalars().all()
        drafts = db.session.execute(sa.select(sa.func.count()).select_from(Draft)).scalar_one()
        db.session.remove()
    assert len(answers) == 1 and drafts == 0
    assert answers[0][str(ids["questions"][3])] == ["Childcare", "A ramp at the door"]


def test_signed_out_people_are_sent_to_sign_in_for_a_members_survey(town, tenant_client, app):
    ids = make_survey(app, town)
    answer = tenant_client(town).get(f"/surveys/{ids['survey']}/answer")
    assert answer.status_code == 302 and "/auth/signin" in answer.headers["Location"]


def test_invitation_links_work_once(town, account_factory, tenant_client, sign_in, app, mail_outbox):
    ids = make_survey(
        app, town, audience="invited", questions=[("rating5", "How was it?", {"required": True})]
    )
    staff = account_factory(memberships={town: "staff"})
    admin = tenant_client(town)
    sign_in(admin, staff)
    page = admin.get(f"/surveys/{ids['survey']}/invitations")
    sent = admin.post(
        f"/surveys/{ids['survey']}/invitations",
        data={"csrf_token": _csrf(page), "addresses": "Ana@Example.org\nnot-an-address"},
    )
    assert sent.status_code == 409 and "not-an-address" in sent.get_data(as_text=True)
    sent = admin.post(
        f"/surveys/{ids['survey']}/invitations",
        data={"csrf_token": _csrf(page), "addresses": "Ana@Example.org"},
    )
    assert sent.status_code == 302
    mail = mail_outbox.wait_for(lambda m: m["To"] == "ana@example.org")
    link = re.search(r"https?://\S+/surveys/invitation/\S+", mail_outbox.body(mail)).group(0)
    path = link.split(town.primary_host, 1)[1].split(":", 1)[-1]
    path = path[path.index("/surveys/") :]
    guest = tenant_client(town)
    opened = guest.get(path)
    assert opened.status_code == 302
    form = guest.get(opened.headers["Location"])
    assert form.status_code == 200
    done = guest.post(
        opened.headers["Location"],
        data={"csrf_token": _csrf(form), f"q-{ids['questions'][0]}": "5", "action": "submit"},
    )
    assert done.status_code == 302
    assert guest.get(path).status_code == 409  # used
    other = tenant_client(town)
    assert other.get(path).status_code == 409
    assert tenant_client(town).get(f"/surveys/{ids['survey']}/answer").status_code == 403  # no invitation


def test_results_are_public_only_when_staff_publish_them(town, tenant_client, app):
    ids = make_survey(
        app, town, results_public=True, questions=[("single", "Yes or no?", {"options": ["Yes", "No"]})]
    )
    with app.app_context(), tenant_context(town.id):
        for answer in ["Yes"] * 6 + ["No"] * 2:
            db.session.add(Response(survey_id=ids["survey"], answers={str(ids["questions"][0]): answer}))
        db.session.commit()
        db.session.remove()
    page = tenant_client(town).get(f"/surveys/{ids['survey']}/results?lang=en")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "8 responses" in text and "75 %" in text and "<svg" in text
    assert ">2<" not in text  # the two "No" are fewer than 5: hidden
    romanian = tenant_client(town).get(f"/surveys/{ids['survey']}/results?lang=ro").get_data(as_text=True)
    assert "8 răspunsuri" in romanian  # Romanian's plural forms (and "de" from 20 on)


def test_the_api_answers_once_per_person(town, account_factory, access_token, tenant_client, app):
    ids = make_survey(app, town, questions=[("rating10", "Recommend us?", {"required": True})])
    member = account_factory(memberships={town: "member"})
    headers = bearer(access_token, member, town)
    client = tenant_client(town)
    url = f"/api/v1/surveys/surveys/{ids['survey']}/responses"
    wrong = client.post(
        url, json={"answers": [{"question_id": str(ids["questions"][0]), "number": 11}]}, headers=headers
    )
    assert wrong.status_code == 409 and str(ids["questions"][0]) in wrong.get_json()["errors"]
    assert (
        client.post(
            url, json={"answers": [{"question_id": str(ids["questions"][0]), "number": 9}]}, headers=headers
        ).status_code
        == 201
    )
    again = client.post(
        url, json={"answers": [{"question_id": str(ids["questions"][0]), "number": 9}]}, headers=headers
    )
    assert again.status_code == 409 and again.get_json()["code"] == "answered"


def test_an_organisations_survey_is_answered_by_their_members_on_their_behalf(
    town, account_factory, tenant_client, sign_in, app
):
    from core.toolkit import Affiliation, Organisation, OrganisationMember

    member = account_factory(memberships={town: "member"})
    outsider = account_factory(memberships={town: "member"})
    with app.app_context():
        ngo = Organisation(name="Roma Mediators")
        db.session.add(ngo)
        db.session.flush()
        db.session.add(OrganisationMember(organisation_id=ngo.id, account_id=member.id))
        with tenant_context(town.id):
            db.session.add(Affiliation(organisation_id=ngo.id, status="approved"))
            db.session.flush()
        db.session.commit()
        ngo_id = ngo.id
        db.session.remove()
    ids = make_survey(
        app,
        town,
        audience="organisations",
        organisation_ids=[ngo_id],
        on_behalf=True,
        questions=[("short_text", "Your main need?", {"required": True})],
    )
    stranger = tenant_client(town)
    sign_in(stranger, outsider)
    assert stranger.get(f"/surveys/{ids['survey']}/answer").status_code == 403
    client = tenant_client(town)
    sign_in(client, member)
    form = client.get(f"/surveys/{ids['survey']}/answer")
    assert "Roma Mediators" in form.get_data(as_text=True)
    done = client.post(
        f"/surveys/{ids['survey']}/answer",
        data={
            "csrf_token": _csrf(form),
            field(ids, 0): "A meeting room",
            "organisation_id": str(ngo_id),
            "action": "submit",
        },
    )
    assert done.status_code == 302
    with app.app_context(), tenant_context(town.id):
        (row,) = db.session.execute(sa.select(Response.organisation_id, Response.account_id)).all()
        db.session.remove()
    assert row == (ngo_id, None)  # anonymous: the organisation, not the person


def test_staff_build_and_publish_a_survey_through_the_api(town, account_factory, access_token, tenant_client):
    staff = account_factory(memberships={town: "staff"})
    member = account_factory(memberships={town: "member"})
    client = tenant_client(town)
    as_staff, as_member = bearer(access_token, staff, town), bearer(access_token, member, town)
    window = {"opens_at": "2026-01-01T08:00:00+00:00", "closes_at": "2099-01-01T08:00:00+00:00"}
    assert (
        client.post(
            "/api/v1/surveys/surveys", json={"title": "By API", **window}, headers=as_member
        ).status_code
        == 403
    )
    made = client.post("/api/v1/surveys/surveys", json={"title": "By API", **window}, headers=as_staff)
    assert made.status_code == 201
    survey = made.get_json()["id"]
    backwards = {"opens_at": window["closes_at"], "closes_at": window["opens_at"]}
    refused = client.patch(f"/api/v1/surveys/surveys/{survey}", json=backwards, headers=as_staff)
    assert refused.status_code == 409 and refused.get_json()["code"] == "closes_before_opening"
    one_option = {"kind": "single", "prompt": "Pick", "options": ["Only"]}
    assert (
        client.post(
            f"/api/v1/surveys/surveys/{survey}/questions", json=one_option, headers=as_staff
        ).status_code
        == 409
    )
    question = client.post(
        f"/api/v1/surveys/surveys/{survey}/questions",
        json={"kind": "single", "prompt": "Pick", "options": ["A", "B"], "required": True},
        headers=as_staff,
    ).get_json()
    assert client.get(f"/api/v1/surveys/surveys/{survey}", headers=as_member).status_code == 404  # a draft
    for not_a_boolean in (1, "true", "yes", None):  # JSON true/false only, as the document says
        refused = client.patch(
            f"/api/v1/surveys/surveys/{survey}", json={"published": not_a_boolean}, headers=as_staff
        )
        assert refused.status_code == 422, not_a_boolean
        assert "published" in refused.get_json()["errors"]["json"], refused.get_json()
    assert (
        client.get(f"/api/v1/surveys/surveys/{survey}", headers=as_member).status_code == 404
    )  # still a draft
    published = client.patch(f"/api/v1/surveys/surveys/{survey}", json={"published": True}, headers=as_staff)
    assert published.status_code == 200 and published.get_json()["state"] == "open"
    assert published.get_json()["title"] == "By API"  # the fields not given are kept
    answer = {"answers": [{"question_id": question["id"], "value": "B"}]}
    assert (
        client.post(f"/api/v1/surveys/surveys/{survey}/responses", json=answer, headers=as_member).status_code
        == 201
    )
    results = client.get(f"/api/v1/surveys/surveys/{survey}/results", headers=as_staff).get_json()
    assert results["responses"] == 1
    assert [(b["label"], b["count"]) for b in results["questions"][0]["bars"]] == [("A", 0), ("B", 1)]


def test_a_receipt_is_mailed_in_the_persons_language(
    town, account_factory, tenant_client, sign_in, app, mail_outbox
):
    ids = make_survey(
        app, town, title="Παιδικές χαρές", questions=[("rating5", "How was it?", {"required": True})]
    )
    member = account_factory(memberships={town: "member"}, locale="bg")
    client = tenant_client(town)
    sign_in(client, member)
    form = client.get(f"/surveys/{ids['survey']}/answer")
    done = client.post(
        f"/surveys/{ids['survey']}/answer",
        data={"csrf_token": _csrf(form), field(ids, 0): "3", "receipt": "y", "action": "submit"},
    )
    assert done.status_code == 302
    mail = mail_outbox.wait_for(lambda m: m["To"] == member.email)
    assert "Отговорите ви са записани" in mail["Subject"]
    assert "„Παιδικές χαρές“" in mail_outbox.body(mail)


def test_anonymity_cannot_change_once_people_have_answered(app, town):
    from core.toolkit import RuleViolation
    from plugins.surveys import services

    ids = make_survey(app, town, questions=[("short_text", "Idea?", {})])
    with app.app_context(), tenant_context(town.id):
        survey = services.get_survey(ids["survey"])
        fields = {
            "title": survey.title,
            "opens_at": survey.opens_at,
            "closes_at": survey.closes_at,
            "published": True,
        }
        services.save_survey(survey, account=None, anonymous=False, **fields)  # nobody has answered: allowed
        services.save_survey(survey, account=None, anonymous=True, **fields)
        db.session.add(Response(survey_id=survey.id, answers={}))
        db.session.flush()
        try:
            services.save_survey(survey, account=None, anonymous=False, **fields)
        except RuleViolation as exc:
            assert exc.code == "anonymity_fixed"
        else:
            raise AssertionError("people were told their answers were anonymous")
        db.session.rollback()
        db.session.remove()


def test_staff_publish_one_written_answer(town, account_factory, tenant_client, sign_in, app):
    ids = make_survey(app, town, results_public=True, questions=[("short_text", "An idea?", {})])
    with app.app_context(), tenant_context(town.id):
        rows = [
            Response(survey_id=ids["survey"], answers={str(ids["questions"][0]): f"Idea {i}"})
            for i in range(5)
        ]
        db.session.add_all(rows)
        db.session.commit()
        chosen = str(rows[2].id)
        db.session.remove()
    staff = account_factory(memberships={town: "staff"})
    member = account_factory(memberships={town: "member"})
    data = {"response_id": chosen, "question_id": str(ids["questions"][0]), "publish": "y"}
    url = f"/surveys/{ids['survey']}/results"
    other = tenant_client(town)
    sign_in(other, member)
    assert (
        other.post(
            url + "/texts", data={**data, "csrf_token": _csrf(other.get(f"/surveys/{ids['survey']}/answer"))}
        ).status_code
        == 403
    )
    client = tenant_client(town)
    sign_in(client, staff)
    page = client.get(url)
    assert "Idea 4" in page.get_data(as_text=True)  # staff read every answer
    assert client.post(url + "/texts", data={**data, "csrf_token": _csrf(page)}).status_code == 302
    public = tenant_client(town).get(url).get_data(as_text=True)
    assert "Idea 2" in public and "Idea 4" not in public


def test_visitors_answer_a_public_survey_signed_out_a_few_times_an_hour(
    town, tenant_client, app, monkeypatch
):
    import uuid

    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", True)  # off for the session's other tests
    monkeypatch.setitem(app.config, "RATELIMIT_KEY_PREFIX", f"surveys-{uuid.uuid4().hex}")
    ids = make_survey(
        app, town, audience="public", questions=[("rating5", "How was it?", {"required": True})]
    )
    client = tenant_client(town)
    form = client.get(f"/surveys/{ids['survey']}/answer")
    assert form.status_code == 200 and "Save and finish later" not in form.get_data(as_text=True)
    incomplete = {"csrf_token": _csrf(form), "action": "submit"}
    for _ in range(5):  # mistakes do not count
        assert client.post(f"/surveys/{ids['survey']}/answer", data=incomplete).status_code == 422
    data = {**incomplete, field(ids, 0): "5"}
    statuses = [client.post(f"/surveys/{ids['survey']}/answer", data=data).status_code for _ in range(6)]
    assert statuses == [302] * 5 + [429]
    with app.app_context(), tenant_context(town.id):
        accounts = db.session.execute(sa.select(Response.account_id)).scalars().all()
        db.session.remove()
    assert accounts == [None] * 5


def test_the_home_page_and_the_search_find_open_surveys(town, tenant_client, app):
    make_survey(app, town, title="Playgrounds of the old town")
    make_survey(app, town, title="Not published yet", published=False)
    client = tenant_client(town)
    home = client.get("/?lang=en").get_data(as_text=True)
    assert "1 survey is open" in home and "Playgrounds of the old town" in home
    assert "Not published yet" not in home
    found = client.get("/search?q=playgrounds&lang=en").get_data(as_text=True)
    assert "Playgrounds of the old town" in found
    assert "Not published yet" not in client.get("/search?q=published&lang=en").get_data(as_text=True)
