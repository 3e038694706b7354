"""The API, at ``/api/v1/surveys/``: surveys and their questions for everyone who may see them,
results when public (or for staff), and answering with a personal access token. A broken rule
answers 409 (403 when it is about who asks) as problem+json; 422 only for what the schemas refuse."""

import base64
import binascii

from flask.views import MethodView

from core.toolkit import ApiBlueprint, abort, current_account, db, gettext, has_permission, require_permission
from plugins.surveys import schemas, services
from plugins.surveys.models import Kind

api = ApiBlueprint(
    "surveys_api",
    __name__,
    description="The municipality's surveys: questions, answering and results at a glance.",
)

MANAGE = "surveys.manage"
RULE = (
    "A rule refuses it (closed, answered already, an answer that does not fit its question); "
    "`detail` says which, `code` names it, `errors` gives the message per question id."
)


def _survey_dict(s, *, questions=None) -> dict:
    data = {
        "id": s.id,
        "title": s.title,
        "introduction": s.introduction,
        "state": services.state(s),
        "opens_at": s.opens_at,
        "closes_at": s.closes_at,
        "audience": s.audience,
        "anonymous": s.anonymous,
        "on_behalf": s.on_behalf,
        "results_public": s.results_public,
    }
    if questions is not None:
        data["questions"] = [_question_dict(q) for q in questions]
    return data


def _question_dict(q) -> dict:
    return {
        "id": q.id,
        "position": q.position,
        "kind": q.kind,
        "prompt": q.prompt,
        "help": q.help,
        "required": q.required,
        "options": q.options,
        "rows": q.rows,
        "allow_other": q.allow_other,
        "min_value": q.min_value,
        "max_value": q.max_value,
        "show_if_id": q.show_if_id,
        "show_if_value": q.show_if_value,
    }


def _clean(answers: list[dict], files: dict | None = None) -> dict:
    """The API's answers in the services' clean shape, ``{question id: value}`` (a file's value:
    the id it was stored under, in ``files``)."""
    clean = {}
    for a in answers:
        if a.get("file") is not None:
            value = (files or {}).get(str(a["question_id"]))
        elif a["rows"]:
            value = {r["statement"]: r["option"] for r in a["rows"]}
        elif a["choices"]:
            value = a["choices"]
        elif a["number"] is not None:
            value = a["number"]
        else:
            value = a["value"]
        if value is not None:
            clean[str(a["question_id"])] = value
    return clean


def _store_files(survey, questions, who, answers: list[dict]) -> dict:
    """The files of an API answer, stored as pending (refused: 413, 415 or 422 problem+json)."""
    by_id = {str(q.id): q for q in questions}
    stored = {}
    for a in answers:
        given = a.get("file")
        if given is None:
            continue
        question = by_id.get(str(a["question_id"]))
        if question is None or question.kind != Kind.FILE:
            raise services.AnswerErrors(
                {str(a["question_id"]): gettext("This question does not take a file.")}
            )
        try:
            data = base64.b64decode(given["content"], validate=True)
        except (binascii.Error, ValueError):
            raise services.AnswerErrors({str(question.id): gettext("The file is not base64.")}) from None
        stored[str(question.id)] = str(services.store_upload(survey, question, who, given["name"], data).id)
    return stored


def _bar(b) -> dict:
    return {"label": b.label, "count": b.count, "percent": b.percent}


@api.route("/surveys")
class Surveys(MethodView):
    @api.response(200, schemas.SurveySchema(many=True))
    def get(self):
        """Published surveys (drafts too for staff), the latest to close first (a municipality
        runs a few a year: the list is whole)."""
        items = services.list_surveys(include_unpublished=has_permission(MANAGE))
        return [_survey_dict(s) for s in items]

    @api.arguments(schemas.SurveyWriteSchema)
    @api.response(201, schemas.SurveyDetailSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def post(self, data):
        """Create a survey (staff); add its questions with ``POST …/questions``."""
        survey = services.save_survey(None, account=current_account(), **data)
        answer = _survey_dict(survey, questions=[])
        db.session.commit()
        return answer


@api.route("/surveys/<uuid:survey_id>")
class SurveyItem(MethodView):
    @api.response(200, schemas.SurveyDetailSchema)
    def get(self, survey_id):
        """A survey with its questions, in order."""
        found = services.get_survey(survey_id, include_unpublished=has_permission(MANAGE))
        return _survey_dict(found, questions=services.questions_of(found))

    @api.arguments(schemas.SurveyPatchSchema(partial=True))
    @api.response(200, schemas.SurveyDetailSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def patch(self, data, survey_id):
        """Change a survey (staff): only the fields given. Whether answers are anonymous cannot
        change once someone has answered (409)."""
        found = services.get_survey(survey_id, include_unpublished=True)
        fields = {
            name: getattr(found, name)
            for name in (
                "title",
                "introduction",
                "opens_at",
                "closes_at",
                "audience",
                "organisation_ids",
                "anonymous",
                "on_behalf",
                "published",
                "results_public",
            )
        }
        services.save_survey(found, account=current_account(), **{**fields, **data})
        answer = _survey_dict(found, questions=services.questions_of(found))
        db.session.commit()
        return answer


@api.route("/surveys/<uuid:survey_id>/questions")
class SurveyQuestions(MethodView):
    @api.arguments(schemas.QuestionWriteSchema)
    @api.response(201, schemas.QuestionSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def post(self, data, survey_id):
        """Add a question at the end (staff). Choices, ranking and the Likert scale need two
        options or more, a Likert matrix its statements; a condition points at an earlier question."""
        found = services.get_survey(survey_id, include_unpublished=True)
        question = services.save_question(found, None, **data)
        answer = _question_dict(question)
        db.session.commit()
        return answer


@api.route("/surveys/<uuid:survey_id>/questions/<uuid:question_id>")
class SurveyQuestion(MethodView):
    @api.response(204)
    @require_permission(MANAGE)
    def delete(self, survey_id, question_id):
        """Remove a question (staff); the questions that depended on it are then always shown."""
        found = services.get_survey(survey_id, include_unpublished=True)
        services.delete_question(services.get_question(found, question_id))
        db.session.commit()


@api.route("/surveys/<uuid:survey_id>/results")
class SurveyResults(MethodView):
    @api.response(200, schemas.ResultsSchema)
    def get(self, survey_id):
        """Counts, percentages and averages per question, when the results are public (staff:
        always). Public results hide counts below the municipality's threshold (at least 5)."""
        manager = has_permission(MANAGE)
        found = services.get_survey(survey_id, include_unpublished=manager)
        if not services.may_see_results(found, manager):
            abort(404)
        total, items = services.results(found, public=not manager)
        return {
            "responses": total,
            "questions": [
                {
                    "question_id": r.question.id,
                    "prompt": r.question.prompt,
                    "kind": r.question.kind,
                    "answered": r.answered,
                    "suppressed": r.suppressed,
                    "average": r.average,
                    "bars": [_bar(b) for b in r.bars],
                    "matrix": [{"statement": row, "bars": [_bar(b) for b in bars]} for row, bars in r.matrix],
                }
                for r in items
            ],
        }


def _written_question(survey_id, question_id, manager: bool):
    found = services.get_survey(survey_id, include_unpublished=manager)
    if not services.may_see_results(found, manager):
        abort(404)
    question = services.get_question(found, question_id)
    if not services.has_written_answers(question):
        abort(404)
    return found, question


@api.route("/surveys/<uuid:survey_id>/questions/<uuid:question_id>/answers")
class SurveyWrittenAnswers(MethodView):
    @api.arguments(schemas.WrittenAnswersQuerySchema, location="query")
    @api.response(200, schemas.WrittenAnswerSchema(many=True))
    @api.paginate(page=1, page_size=50, max_page_size=200)
    def get(self, query, survey_id, question_id, pagination_parameters):
        """Every written answer to a text question (or the "other" of a choice), in the order they
        came: staff all of them (or ``show`` published or unpublished ones); the public, when the
        results are public, the ones staff published. 404 for a question without written answers."""
        manager = has_permission(MANAGE)
        found, question = _written_question(survey_id, question_id, manager)
        size = pagination_parameters.page_size
        listed = services.written_answers(
            found,
            question,
            public=not manager,
            show=query["show"],
            page=pagination_parameters.page,
            per_page=size,
        )
        pagination_parameters.item_count = listed.total
        return [
            {
                "position": listed.first + i,
                "response_id": t.response_id,
                "text": t.text,
                "published": t.published,
            }
            for i, t in enumerate(listed.items)
        ]


@api.route("/surveys/<uuid:survey_id>/questions/<uuid:question_id>/answers/<uuid:response_id>/published")
class SurveyWrittenAnswerPublished(MethodView):
    @api.response(204)
    @require_permission(MANAGE)
    def put(self, survey_id, question_id, response_id):
        """Show one written answer in the public results (staff); 404 if that response did not
        answer that question."""
        found, question = _written_question(survey_id, question_id, True)
        services.publish_text(found, response_id, question.id, publish=True)
        db.session.commit()

    @api.response(204)
    @require_permission(MANAGE)
    def delete(self, survey_id, question_id, response_id):
        """Hide a written answer from the public results again (staff)."""
        found, question = _written_question(survey_id, question_id, True)
        services.publish_text(found, response_id, question.id, publish=False)
        db.session.commit()


@api.route("/surveys/<uuid:survey_id>/responses")
class SurveyResponses(MethodView):
    @api.arguments(schemas.ResponseCreateSchema)
    @api.response(201, schemas.ResponseSchema)
    @api.alt_response(409, description=RULE)
    @api.alt_response(413, description="A file is larger than the municipality accepts.")
    @api.alt_response(415, description="A file is not a PDF, PNG or JPEG (by its content).")
    def post(self, data, survey_id):
        """Answer a survey as the token's owner (once). Surveys by invitation are answered through
        the mailed link only (403)."""
        found = services.get_survey(survey_id)
        account = current_account()
        if account is None:
            abort(401)
        who = services.Respondent(account, None)
        services.check_may_answer(found, who)
        questions = services.questions_of(found)
        files = _store_files(found, questions, who, data["answers"])
        typed = services.typed_from_clean(questions, _clean(data["answers"], files))
        response = services.submit(
            found, who, typed, organisation_id=data["organisation_id"], receipt=data["receipt"]
        )
        answer = {"id": response.id, "survey_id": found.id, "submitted_at": response.submitted_at}
        db.session.commit()
        return answer


#: the types a file answer can have (found from its content when it was sent)
FILE_TYPES = ("application/pdf", "image/png", "image/jpeg")


@api.route("/surveys/<uuid:survey_id>/files")
class SurveyFiles(MethodView):
    @api.response(200, schemas.FileSchema(many=True))
    @require_permission(MANAGE)
    def get(self, survey_id):
        """The files sent as answers (staff), per question in the order they came, the first 200
        of each question (without their content: download each by its id)."""
        found = services.get_survey(survey_id, include_unpublished=True)
        return [
            {
                "id": f.id,
                "question_id": f.question_id,
                "response_id": f.response_id,
                "filename": f.filename,
                "content_type": f.content_type,
                "size": f.size,
                "created_at": f.created_at,
            }
            for files in services.files_listed(found).values()
            for f in files
        ]


@api.route("/surveys/<uuid:survey_id>/files/<uuid:file_id>")
class SurveyFile(MethodView):
    @api.response(
        200,
        description="The file, always as an attachment, of the type its content was found to be.",
        content_type="application/pdf",
    )
    @api.doc(
        responses={
            "200": {
                "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in FILE_TYPES}
            }
        }
    )
    @require_permission(MANAGE)
    def get(self, survey_id, file_id):
        """Download a file sent as an answer (staff, as on the results page): 404 for a file of
        another survey, still pending, or of another municipality."""
        found = services.get_file(services.get_survey(survey_id, include_unpublished=True), file_id)
        return services.file_download(found)


def _translation_dict(t, survey) -> dict:
    behind = services.staleness(survey, t, services.questions_of(survey))
    return {
        "locale": t.locale,
        "title": t.title,
        "introduction": t.introduction,
        "questions": [{"question_id": k, **v} for k, v in (t.texts or {}).items()],
        "stale": behind.stale,
        "survey_changed": behind.survey,
        "changed_questions": [q.id for q in behind.changed],
    }


@api.route("/surveys/<uuid:survey_id>/translations/<string(length=2):locale>")
class SurveyTranslationItem(MethodView):
    @api.response(200, schemas.TranslationSchema)
    @require_permission(MANAGE)
    def get(self, survey_id, locale):
        """The survey in one of the municipality's other languages (staff)."""
        found = services.get_survey(survey_id, include_unpublished=True)
        translation = services.get_translation(found, locale)
        if translation is None:
            abort(404)
        return _translation_dict(translation, found)

    @api.arguments(schemas.TranslationSchema)
    @api.response(200, schemas.TranslationSchema)
    @api.alt_response(409, description=RULE)
    @require_permission(MANAGE)
    def put(self, data, survey_id, locale):
        """Enter the whole survey in one of the municipality's other languages (staff): people
        whose language it is read it so; answers count together. 404 for another language."""
        found = services.get_survey(survey_id, include_unpublished=True)
        texts = {str(q.pop("question_id")): q for q in data["questions"]}
        saved = services.save_translation(
            found, locale, title=data["title"], introduction=data["introduction"], texts=texts
        )
        answer = _translation_dict(saved, found)
        db.session.commit()
        return answer
