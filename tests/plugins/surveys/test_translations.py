"""A survey translated into the municipality's other languages: staff enter the whole survey per
language (page and API); a person reads it in their language, piece by piece falling back to the
survey's own; answers in every language count together."""

import re

from core.toolkit import Account, db, tenant_context
from plugins.surveys import services
from plugins.surveys.models import Kind
from tests.plugins.surveys.conftest import bearer, field, make_survey

QUESTIONS = [
    (Kind.SINGLE, "Χρησιμοποιείτε το κέντρο;", {"options": ["Ναι", "Όχι"], "required": True}),
    (Kind.LONG_TEXT, "Γιατί όχι;", {"show_if": (0, "Όχι"), "help": "Με λίγα λόγια."}),
    (
        Kind.LIKERT,
        "Συμφωνείτε;",
        {"options": ["Διαφωνώ", "Συμφωνώ"], "rows": ["Είναι κοντά", "Είναι ανοιχτό"]},
    ),
]


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_staff_translate_a_survey_and_answers_pool_across_languages(
    app, town, account_factory, tenant_client, sign_in
):
    ids = make_survey(app, town, title="Ανάγκες της γειτονιάς", questions=QUESTIONS, results_public=True)
    q = [str(i) for i in ids["questions"]]
    staff = tenant_client(town)
    sign_in(staff, account_factory(memberships={town: "staff"}))
    page = staff.get(f"/surveys/{ids['survey']}").get_data(as_text=True)
    assert f"/surveys/{ids['survey']}/translations/bg" in page and "/translations/el" not in page
    url = f"/surveys/{ids['survey']}/translations/bg"
    form = staff.get(url).get_data(as_text=True)
    data = {
        "csrf_token": _csrf(form),
        "title": "",
        "introduction": "Въпроси за квартала.",
        f"p-{q[0]}": "Използвате ли центъра?",
        f"o-{q[0]}-0": "Да",
        f"o-{q[0]}-1": "Не",
        f"p-{q[1]}": "Защо не?",
        f"p-{q[2]}": "Съгласни ли сте?",
        f"o-{q[2]}-1": "Съгласен съм",  # "Διαφωνώ" left blank: shown in Greek
        f"r-{q[2]}-0": "Близо е",
    }
    refused = staff.post(url, data=data)
    assert refused.status_code == 409
    assert "Δώστε τίτλο στην έρευνα." in refused.get_data(as_text=True)
    assert 'value="Използвате ли центъра?"' in refused.get_data(as_text=True)  # the form comes back filled
    assert staff.post(url, data={**data, "title": "Нуждите на квартала"}).status_code == 302
    assert staff.get(f"/surveys/{ids['survey']}/translations/de").status_code == 404

    bulgarian = account_factory(memberships={town: "member"}, locale="bg")
    greek = account_factory(memberships={town: "member"}, locale="el")
    client = tenant_client(town)
    sign_in(client, bulgarian)
    answer = client.get(f"/surveys/{ids['survey']}/answer?lang=bg").get_data(as_text=True)
    assert "<h1>Нуждите на квартала</h1>" in answer
    assert "Използвате ли центъра?" in answer
    assert re.search(rf'name="{field(ids, 0)}" value="Όχι"> Не<', answer)  # the value stays the original
    assert (
        "Διαφωνώ" in answer and "Съгласен съм" in answer and "Близо е" in answer and "Είναι ανοιχτό" in answer
    )
    assert "Με λίγα λόγια." in answer  # no Bulgarian hint given: the original
    with app.app_context(), tenant_context(town.id):
        survey = services.get_survey(ids["survey"])
        for person, choice in ((bulgarian, "Όχι"), (greek, "Όχι")):
            services.submit(
                survey, services.Respondent(db.session.get(Account, person.id)), {field(ids, 0): choice}
            )
        db.session.commit()
        _total, items = services.results(survey, public=False)
        assert [(b.label, b.count) for b in items[0].bars] == [("Ναι", 0), ("Όχι", 2)]
        db.session.remove()


def test_the_api_writes_and_reads_a_translation(app, town, account_factory, access_token, tenant_client):
    ids = make_survey(app, town, questions=QUESTIONS)
    client = tenant_client(town)
    staff = bearer(access_token, account_factory(memberships={town: "staff"}), town)
    member = bearer(access_token, account_factory(memberships={town: "member"}), town)
    url = f"/api/v1/surveys/surveys/{ids['survey']}/translations/ro"
    body = {
        "title": "Nevoile cartierului",
        "questions": [
            {"question_id": str(ids["questions"][0]), "prompt": "Folosiți centrul?", "options": ["Da", "Nu"]}
        ],
    }
    assert client.put(url, json=body, headers=member).status_code == 403
    assert client.get(url, headers=staff).status_code == 404
    saved = client.put(url, json=body, headers=staff)
    assert saved.status_code == 200, saved.get_json()
    got = client.get(url, headers=staff).get_json()
    first = next(x for x in got["questions"] if x["question_id"] == str(ids["questions"][0]))
    assert got["title"] == "Nevoile cartierului" and first["options"] == ["Da", "Nu"]
    assert client.put(url.replace("/ro", "/de"), json=body, headers=staff).status_code == 404
    assert client.put(url, json={**body, "title": ""}, headers=staff).status_code == 422


def test_a_template_survey_comes_translated_into_the_municipalitys_other_languages(app, town):
    import datetime as dt

    from plugins.surveys.starters import STARTERS

    with app.app_context(), tenant_context(town.id):
        now = dt.datetime.now(dt.UTC)
        survey = services.create_from_starter(
            "satisfaction", "el", account=None, opens_at=now, closes_at=now + dt.timedelta(days=1)
        )
        assert sorted(services.translations_of(survey)) == ["bg", "en", "ro"]  # el is the survey's own
        questions = services.questions_of(survey)
        title, _intro, shown = services.localized(survey, questions, "bg")
        spec = STARTERS["satisfaction"]
        assert title == spec["title"]["bg"] and survey.title == spec["title"]["el"]
        conditional = questions[3]
        assert shown[conditional.id].prompt == spec["questions"][3]["prompt"]["bg"]
        # the condition names the Bulgarian option, the value stays the Greek original
        assert shown[conditional.id].show_if_label == spec["questions"][2]["options"]["bg"][1]
        assert conditional.show_if_value == spec["questions"][2]["options"]["el"][1]
        db.session.rollback()
        db.session.remove()


def _save_bulgarian(staff, url: str, q: list[str], title: str = "Нуждите на квартала") -> None:
    form = staff.get(url).get_data(as_text=True)
    data = {
        "csrf_token": _csrf(form),
        "title": title,
        f"p-{q[0]}": "Използвате ли центъра?",
        f"o-{q[0]}-0": "Да",
        f"o-{q[0]}-1": "Не",
        f"p-{q[1]}": "Защо не?",
        f"p-{q[2]}": "Съгласни ли сте?",
    }
    assert staff.post(url, data=data).status_code == 302


def test_a_translation_is_out_of_date_once_the_original_changes_until_saved_again(
    app, town, account_factory, tenant_client, sign_in, access_token
):
    ids = make_survey(app, town, title="Ανάγκες της γειτονιάς", questions=QUESTIONS)
    q = [str(i) for i in ids["questions"]]
    staff_account = account_factory(memberships={town: "staff"})
    staff = tenant_client(town)
    sign_in(staff, staff_account)
    survey_page, url = f"/surveys/{ids['survey']}?lang=en", f"/surveys/{ids['survey']}/translations/bg"
    _save_bulgarian(staff, url, q)
    page = staff.get(survey_page).get_data(as_text=True)
    assert "translated" in page and "out of date" not in page
    assert "out of date" not in staff.get(url + "?lang=en").get_data(as_text=True)
    api = f"/api/v1/surveys/surveys/{ids['survey']}/translations/bg"
    as_staff = bearer(access_token, staff_account, town)
    assert tenant_client(town).get(api, headers=as_staff).get_json()["stale"] is False

    with app.app_context(), tenant_context(town.id):  # staff reword the first question
        survey = services.get_survey(ids["survey"])
        first = services.get_question(survey, ids["questions"][0])
        services.save_question(
            survey,
            first,
            kind=first.kind,
            prompt="Πηγαίνετε συχνά στο κέντρο;",
            options=first.options,
            required=True,
        )
        db.session.commit()
        db.session.remove()
    page = staff.get(survey_page).get_data(as_text=True)
    assert "out of date" in page and "1 question changed since it was translated:" in page
    assert "“Πηγαίνετε συχνά στο κέντρο;”" in page and "“Γιατί όχι;”" not in page
    form = staff.get(url + "?lang=en").get_data(as_text=True)
    assert "This translation is out of date." in form and f'href="#tq-{q[0]}"' in form
    marked = re.findall(r'survey-translation-changed" id="tq-([^"]+)"', form)
    assert marked == [q[0]]  # only the question that changed is marked
    got = tenant_client(town).get(api, headers=as_staff).get_json()
    assert got["stale"] is True and got["changed_questions"] == [q[0]] and got["survey_changed"] is False

    # people reading Bulgarian get the new original of that question, the rest still translated
    bulgarian = tenant_client(town)
    sign_in(bulgarian, account_factory(memberships={town: "member"}, locale="bg"))
    answer = bulgarian.get(f"/surveys/{ids['survey']}/answer?lang=bg").get_data(as_text=True)
    assert "Πηγαίνετε συχνά στο κέντρο;" in answer and "Използвате ли центъра?" not in answer
    assert re.search(rf'name="{field(ids, 0)}" value="Όχι"> Όχι<', answer)  # its options too
    assert "Съгласни ли сте?" in answer and "<h1>Нуждите на квартала</h1>" in answer

    _save_bulgarian(staff, url, q)  # saved again: up to date
    page = staff.get(survey_page).get_data(as_text=True)
    assert "out of date" not in page and "translated" in page
    assert tenant_client(town).get(api, headers=as_staff).get_json()["stale"] is False
    answer = bulgarian.get(f"/surveys/{ids['survey']}/answer?lang=bg").get_data(as_text=True)
    assert "Използвате ли центъра?" in answer

    # the title, then a question removed: out of date again, and said so
    changed = tenant_client(town).patch(
        f"/api/v1/surveys/surveys/{ids['survey']}", json={"title": "Η γειτονιά μας"}, headers=as_staff
    )
    assert changed.status_code == 200
    page = staff.get(survey_page).get_data(as_text=True)
    assert "out of date" in page and "The title or the introduction changed since it was translated." in page
    answer = bulgarian.get(f"/surveys/{ids['survey']}/answer?lang=bg").get_data(as_text=True)
    assert "<h1>Η γειτονιά μας</h1>" in answer and "Използвате ли центъра?" in answer
    assert (
        tenant_client(town)
        .delete(f"/api/v1/surveys/surveys/{ids['survey']}/questions/{q[1]}", headers=as_staff)
        .status_code
        == 204
    )
    page = staff.get(survey_page).get_data(as_text=True)
    assert "1 question removed since it was translated." in page
    greek = staff.get(f"/surveys/{ids['survey']}?lang=el").get_data(as_text=True)
    assert "out of date" not in greek  # in the staff's language


def test_a_translation_saved_before_fingerprints_is_not_flagged(app, town):
    ids = make_survey(app, town, questions=QUESTIONS)
    with app.app_context(), tenant_context(town.id):
        survey = services.get_survey(ids["survey"])
        saved = services.save_translation(survey, "ro", title="Nevoile cartierului")
        assert not services.staleness(survey, saved, services.questions_of(survey)).stale
        saved.sources = {}  # as the migration leaves the translations saved before it
        first = services.questions_of(survey)[0]
        first.prompt = "Altceva"
        db.session.flush()
        assert not services.staleness(survey, saved, services.questions_of(survey)).stale
        db.session.rollback()
        db.session.remove()
