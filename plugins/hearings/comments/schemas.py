"""marshmallow schemas of comments (explicit fields)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from plugins.hearings.models import Outcome


class CommentSchema(Schema):
    id = fields.UUID(required=True)
    article_id = fields.UUID(allow_none=True, required=True)
    parent_id = fields.UUID(allow_none=True, required=True)
    version = fields.Integer(required=True)
    author = fields.String(required=True)
    organisation = fields.String(allow_none=True, required=True)
    body = fields.String(allow_none=True, required=True)
    status = fields.String(required=True, metadata={"description": "published, hidden or withdrawn"})
    hidden_reason = fields.String(allow_none=True, required=True)
    created_at = fields.String(required=True)
    edited_at = fields.String(allow_none=True, required=True)
    outcome = fields.String(
        allow_none=True, required=True, validate=validate.OneOf([o.value for o in Outcome])
    )
    outcome_reason = fields.String(allow_none=True, required=True)


class CommentCreateSchema(Schema):
    body = fields.String(required=True)
    article_id = fields.UUID(load_default=None, allow_none=True)
    parent_id = fields.UUID(load_default=None, allow_none=True)
    organisation_id = fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "Comment on behalf of this organisation"}
    )


class ThreadQuerySchema(Schema):
    article_id = fields.UUID(
        load_default=None,
        metadata={"description": "An article of the current draft; left out: comments on the whole draft."},
    )


class ReplySchema(CommentSchema):
    register_number = fields.Integer(allow_none=True, required=True)


class ThreadSchema(ReplySchema):
    replies = fields.List(fields.Nested(ReplySchema), required=True)
