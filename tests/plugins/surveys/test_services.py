"""The rules: the window at its edges, conditional questions, every question type's validation,
results with small-number suppression, the CSV export and the references other plugins resolve."""

import csv
import datetime as dt
import io

import pytest

from core.toolkit import Reference, RuleViolation, db, resolve_references, tenant_context
from plugins.surveys import services
from plugins.surveys.models import Kind, Response
from tests.plugins.surveys.conftest import QUESTIONS, make_survey


@pytest.fixture
def ctx(app, town):
    with app.app_context(), tenant_context(town.id):
        yield
        db.session.rollback()
        db.session.remove()


def _survey(ids):
    return services.get_survey(ids["survey"], include_unpublished=True)


def _typed(ids, **answers):
    """Typed answers by question index: {0: "Yes"} -> {"q-<id>": "Yes"}; keys like "3-other" too."""
    out = {}
    for key, value in answers.items():
        index, _, suffix = key.removeprefix("a").partition("_")
        out[f"q-{ids['questions'][int(index)]}" + (f"-{suffix}" if suffix else "")] = value
    return out


def test_the_window_is_open_from_its_first_moment_to_just_before_it_closes(app, town, ctx):
    ids = make_survey(app, town)
    survey = _survey(ids)
    who = services.Respondent(account=None)
    survey.audience = "public"
    for moment, expected in (
        (survey.opens_at - dt.timedelta(microseconds=1), "upcoming"),
        (survey.opens_at, "open"),
        (survey.closes_at - dt.timedelta(microseconds=1), "open"),
        (survey.closes_at, "closed"),
    ):
        assert services.state(survey, moment) == expected
    with pytest.raises(RuleViolation) as refused:
        services.check_may_answer(survey, who, now=survey.closes_at)
    assert refused.value.code == "closed"
    with pytest.raises(RuleViolation) as refused:
        services.check_may_answer(survey, who, now=survey.opens_at - dt.timedelta(seconds=1))
    assert refused.value.code == "not_open"
    services.check_may_answer(survey, who, now=survey.opens_at)  # open at its first moment
    survey.published = False
    with pytest.raises(RuleViolation) as refused:
        services.check_may_answer(survey, who, now=survey.opens_at)
    assert refused.value.code == "not_open"  # a draft is not "closed"


def test_a_conditional_question_counts_only_when_its_condition_is_met(app, town, ctx):
    ids = make_survey(app, town)
    questions = services.questions_of(_survey(ids))
    # "Why not?" is required, but only for those who answered "No"
    answers = services.validate_answers(questions, _typed(ids, a0="Yes", a1="ignored text", a2="4"))
    assert str(ids["questions"][1]) not in answers  # hidden: neither required nor kept
    with pytest.raises(services.AnswerErrors) as failed:
        services.validate_answers(questions, _typed(ids, a0="No", a2="4"))
    assert set(failed.value.errors) == {str(ids["questions"][1])}
    answers = services.validate_answers(questions, _typed(ids, a0="No", a1="Too far away", a2="4"))
    assert answers[str(ids["questions"][1])] == "Too far away"


def test_each_type_is_checked_and_kept_in_its_clean_shape(app, town, ctx):
    ids = make_survey(app, town)
    questions = services.questions_of(_survey(ids))
    typed = _typed(
        ids,
        a0="Yes",
        a2="5",
        a3=["Transport", services.OTHER],
        a3_other="A ramp",
        a4_r0="Agree",
        a4_r1="Disagree",
        a5_o0="2",
        a5_o1="3",
        a5_o2="1",
        a6="3",
        a7="2026-11-30",
    )
    answers = services.validate_answers(questions, typed)
    q = [str(i) for i in ids["questions"]]
    assert answers[q[2]] == 5
    assert answers[q[3]] == ["Transport", "A ramp"]
    assert answers[q[4]] == {"It is near": "Agree", "It is open late": "Disagree"}
    assert answers[q[5]] == ["Schools", "Parks", "Roads"]
    assert answers[q[6]] == 3 and answers[q[7]] == "2026-11-30"
    bad = _typed(
        ids,
        a2="6",  # a rating out of 1-5
        a3=["Teleport"],  # not an option
        a5_o2="2",  # two options ranked second
        a6="21",  # above the maximum
        a7="30/11/2026",
    )
    with pytest.raises(services.AnswerErrors) as failed:
        services.validate_answers(questions, {**typed, **bad})
    assert set(failed.value.errors) == {q[2], q[3], q[5], q[6], q[7]}
    # the API's shape goes through the same checks
    assert services.validate_answers(questions, services.typed_from_clean(questions, answers)) == answers


def test_public_results_hide_small_counts(app, town, ctx):
    ids = make_survey(app, town, questions=QUESTIONS[:3] + [QUESTIONS[3]])
    survey = _survey(ids)
    q = [str(i) for i in ids["questions"]]
    for i in range(7):
        db.session.add(
            Response(
                survey_id=survey.id,
                answers={q[0]: "Yes" if i < 6 else "No", q[2]: 4, q[3]: ["Transport"]}
                if i
                else {q[0]: "Yes", q[2]: 2},
            )
        )
    db.session.flush()
    total, public = services.results(survey, public=True)
    assert total == 7
    single = public[0]
    assert [(b.label, b.count) for b in single.bars] == [("Yes", 6), ("No", None)]  # 1 "No": hidden
    assert single.bars[1].percent is None
    assert public[2].average == pytest.approx((2 + 4 * 6) / 7)
    multiple = public[3]  # answered by 6: shown; "Other" chosen by nobody
    assert [(b.label, b.count) for b in multiple.bars] == [
        ("Transport", 6),
        ("Childcare", 0),
        (services.OTHER, 0),
    ]
    _total, staff = services.results(survey, public=False)
    assert [(b.label, b.count) for b in staff[0].bars] == [("Yes", 6), ("No", 1)]
    db.session.add(Response(survey_id=survey.id, answers={q[0]: "No", q[1]: "Too far"}))
    db.session.flush()
    _total, public = services.results(survey, public=True)
    assert public[1].suppressed and public[1].texts == []  # one free-text answer: not shown
    _total, staff = services.results(survey, public=False)
    assert [str(t) for t in staff[1].texts] == ["Too far"]


def test_written_answers_are_public_only_once_staff_publish_them(app, town, ctx):
    ids = make_survey(app, town, questions=[QUESTIONS[0], (Kind.SHORT_TEXT, "An idea?", {})])
    survey = _survey(ids)
    q = [str(i) for i in ids["questions"]]
    ideas = [f"Idea {i}" for i in range(6)]
    for idea in ideas:
        db.session.add(Response(survey_id=survey.id, answers={q[0]: "Yes", q[1]: idea}))
    db.session.flush()
    _total, public = services.results(survey, public=True)
    assert public[1].texts == []  # moderated: nothing until staff choose
    _total, staff = services.results(survey, public=False)
    chosen = next(t for t in staff[1].texts if t.text == "Idea 3")
    services.publish_text(survey, chosen.response_id, q[1], publish=True)
    services.publish_text(survey, chosen.response_id, q[1], publish=True)  # twice: still once
    _total, public = services.results(survey, public=True)
    assert [str(t) for t in public[1].texts] == ["Idea 3"]
    services.publish_text(survey, chosen.response_id, q[1], publish=False)
    assert services.results(survey, public=True)[1][1].texts == []


def test_the_csv_export_has_a_line_per_response_and_never_a_formula(app, town, ctx):
    ids = make_survey(app, town, questions=QUESTIONS[:2] + [QUESTIONS[4]], anonymous=False)
    survey = _survey(ids)
    q = [str(i) for i in ids["questions"]]
    db.session.add(
        Response(
            survey_id=survey.id, answers={q[0]: "No", q[1]: "=HYPERLINK(1)", q[2]: {"It is near": "Agree"}}
        )
    )
    db.session.flush()
    rows = list(csv.reader(io.StringIO("".join(services.csv_rows(survey)).lstrip("\ufeff"))))
    assert rows[0][-4:] == [
        "Do you use the community centre?",
        "Why not?",
        "Do you agree?: It is near",
        "Do you agree?: It is open late",
    ]
    assert len(rows) == 2
    assert rows[1][-4:] == ["No", "'=HYPERLINK(1)", "Agree", ""]


def test_a_condition_can_only_point_back(app, town, ctx):
    ids = make_survey(app, town, questions=QUESTIONS[:1])
    survey = _survey(ids)
    later = services.save_question(survey, None, kind="short_text", prompt="Later")
    with pytest.raises(RuleViolation) as refused:
        services.save_question(
            survey,
            services.get_question(survey, ids["questions"][0]),
            kind="single",
            prompt="First",
            options="A\nB",
            show_if_id=later.id,
            show_if_value="x",
        )
    assert refused.value.field == "show_if_id"


def test_other_plugins_link_a_published_survey(app, town, tenant_client):
    ids = make_survey(app, town, title="Linked survey")
    draft = make_survey(app, town, title="Not yet", published=False)
    with app.app_context(), tenant_context(town.id):
        refs = [
            Reference("surveys", "survey", str(ids["survey"])),
            Reference("surveys", "survey", str(draft["survey"])),
        ]
        found = resolve_references(refs, tenant=town)
        db.session.remove()
    assert [v.title for v in found.values()] == ["Linked survey"]
    assert found[refs[0]].url.endswith(f"/surveys/{ids['survey']}")


def test_template_surveys_come_in_the_municipalitys_language(app, town, ctx):
    now = dt.datetime.now(dt.UTC)
    for locale, title in (("bg", "Как оценявате срещата?"), ("ro", "Cum vi s-a părut întâlnirea?")):
        survey = services.create_from_starter(
            "satisfaction", locale, account=None, opens_at=now, closes_at=now + dt.timedelta(days=1)
        )
        questions = services.questions_of(survey)
        assert survey.title == title and len(questions) == 5
        assert (
            questions[3].show_if_id == questions[2].id
            and questions[3].show_if_value == questions[2].options[1]
        )


def _queries(fn):
    import sqlalchemy as sa

    seen = []

    def count(*_args, **_kw):
        seen.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_results_and_export_take_the_same_queries_for_10_or_200_responses(app, town, account_factory, ctx):
    people = [account_factory(memberships={town: "member"}).id for _ in range(12)]
    ids = make_survey(app, town, anonymous=False)
    survey = _survey(ids)
    q = [str(i) for i in ids["questions"]]
    counts = []
    for n, answering in ((10, people[:2]), (200, people)):  # more people: still no query per person
        db.session.execute(db.delete(Response).where(Response.survey_id == survey.id))
        for i in range(n):
            db.session.add(
                Response(
                    survey_id=survey.id,
                    account_id=answering[i % len(answering)],
                    answers={
                        q[0]: "Yes",
                        q[2]: 3,
                        q[3]: ["Transport", "Bikes"],
                        q[4]: {"It is near": "Agree"},
                    },
                )
            )
        db.session.flush()
        db.session.expire_all()
        counts.append(
            (
                _queries(lambda: services.results(survey, public=False)),
                _queries(lambda: list(services.csv_rows(survey))),
            )
        )
    assert counts[0] == counts[1], counts
    assert len(list(services.csv_rows(survey))) == 201


def test_every_template_builds_in_every_language(app, town, ctx):
    from plugins.surveys.starters import STARTERS

    now = dt.datetime.now(dt.UTC)
    for key in STARTERS:
        sizes = set()
        for locale in ("el", "bg", "ro", "en"):
            survey = services.create_from_starter(
                key, locale, account=None, opens_at=now, closes_at=now + dt.timedelta(days=1)
            )
            sizes.add(tuple((q.kind, len(q.options), len(q.rows)) for q in services.questions_of(survey)))
        assert len(sizes) == 1, key  # the same questions, options and statements in each language


def test_two_questions_cross_tabulated_hide_small_cells_in_public(app, town, ctx):
    ids = make_survey(app, town, questions=[QUESTIONS[0], QUESTIONS[2]])
    survey = _survey(ids)
    q = [str(i) for i in ids["questions"]]
    pairs = [("Yes", 5)] * 6 + [("No", 1)] * 2 + [("Yes", 1)]
    for single, rating in pairs:
        db.session.add(Response(survey_id=survey.id, answers={q[0]: single, q[1]: rating}))
    db.session.add(Response(survey_id=survey.id, answers={q[0]: "No"}))  # one of the two: left out
    db.session.flush()
    staff = services.crosstab(survey, q[0], q[1], public=False)
    assert staff.total == 9 and staff.row_labels == ["Yes", "No"] and staff.column_labels == list("12345")
    assert staff.cells == [[1, 0, 0, 0, 6], [2, 0, 0, 0, 0]]
    public = services.crosstab(survey, q[0], q[1], public=True)
    assert public.cells == [[None, 0, 0, 0, 6], [None, 0, 0, 0, 0]]
    assert services.crosstab(survey, q[0], q[0], public=True) is None
