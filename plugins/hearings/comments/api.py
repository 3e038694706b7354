"""JSON API of comments: a consultation's comments a page at a time, and posting one."""

from __future__ import annotations

from flask.views import MethodView

from core.toolkit import (
    current_account,
    db,
    has_permission,
    require_permission,
)
from plugins.hearings.api_blueprint import _consultation, _fail, api
from plugins.hearings.comments import schemas, services
from plugins.hearings.common import HearingsError, iso_local
from plugins.hearings.consultations import services as consultations_services
from plugins.hearings.outcomes import services as outcomes_services


def _comment_dict(cm, show_answers: bool) -> dict:
    """``show_answers``: staff, or the outcome is published (answers are not public before)."""
    status = "withdrawn" if cm.withdrawn_at else "hidden" if cm.hidden_at else "published"
    return {
        "id": cm.id,
        "article_id": cm.article_id,
        "parent_id": cm.parent_id,
        "version": cm.version,
        "author": cm.author_name,
        "organisation": cm.organisation_name,
        "body": cm.body if status == "published" or status == "hidden" else None,
        "status": status,
        "hidden_reason": cm.hidden_reason,
        "created_at": iso_local(cm.created_at),
        "edited_at": iso_local(cm.edited_at),
        "outcome": cm.outcome if show_answers else None,
        "outcome_reason": cm.outcome_reason if show_answers else None,
    }


@api.route("/consultations/<uuid:cid>/comments")
class ConsultationComments(MethodView):
    @api.response(200, schemas.CommentSchema(many=True))
    @api.paginate(page=1, page_size=100, max_page_size=500)
    def get(self, cid, pagination_parameters):
        """The comments, oldest first, a page at a time (``page``, ``page_size`` ≤ 500; the total is
        in the ``X-Pagination`` header): published ones for everyone; your own hidden ones (with
        the reason) for you; all for moderators. The register has them all in one file."""
        c = _consultation(cid)
        comments, total = services.comments_page(
            c,
            current_account(),
            has_permission("hearings.moderate"),
            pagination_parameters.first_item,
            pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        show_answers = outcomes_services.answers_public(c) or has_permission("hearings.manage")
        return [_comment_dict(cm, show_answers) for cm in comments]

    @api.arguments(schemas.CommentCreateSchema)
    @api.response(201, schemas.CommentSchema)
    @require_permission("hearings.participate")
    def post(self, data, cid):
        """Comment (members, with a personal access token), optionally on behalf of an organisation."""
        c = _consultation(cid)
        try:
            cm = services.post_comment(
                c,
                current_account(),
                data["body"],
                article_id=data["article_id"],
                parent_id=data["parent_id"],
                organisation_id=data["organisation_id"],
            )
        except HearingsError as exc:
            _fail(exc)
        data = _comment_dict(cm, False)  # before the commit expires it; a new comment has no answer yet
        db.session.commit()
        return data


@api.route("/consultations/<uuid:cid>/threads")
class ConsultationThreads(MethodView):
    @api.arguments(schemas.ThreadQuerySchema, location="query")
    @api.response(200, schemas.ThreadSchema(many=True))
    @api.paginate(page=1, page_size=services.THREADS_PER_PAGE, max_page_size=100)
    def get(self, query, cid, pagination_parameters):
        """One article's comments a page of threads at a time (a first comment with its replies,
        oldest first, as the consultation page shows them: its "more" link loads the next page
        here): ``article_id`` an article of the current draft, left out for the comments on the
        whole draft; the number of threads is in the ``X-Pagination`` header."""
        c = _consultation(cid)
        key = query["article_id"]
        try:
            if key is not None:
                consultations_services.current_article(c, key)
        except HearingsError as exc:
            _fail(exc)
        found = services.article_comment_pages(
            c,
            current_account(),
            has_permission("hearings.moderate"),
            consultations_services.current_article_map(c),
            key=key,
            page=pagination_parameters.page,
            per_page=pagination_parameters.page_size,
        )[key]
        pagination_parameters.item_count = found.thread_count
        show_answers = outcomes_services.answers_public(c) or has_permission("hearings.manage")
        return [_thread_dict(cv, show_answers) for cv in found.threads]


def _thread_dict(cv, show_answers: bool) -> dict:
    data = {**_comment_dict(cv.comment, show_answers), "register_number": cv.comment.register_number}
    data["replies"] = [
        {**_comment_dict(r.comment, show_answers), "register_number": r.comment.register_number}
        for r in cv.replies
    ]
    return data
