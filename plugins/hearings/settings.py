"""The per-municipality settings of the hearings plugin: the schema and the read."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from core.toolkit import (
    plugin_settings,
)

NAME = "hearings"


def settings() -> dict[str, Any]:
    return plugin_settings(NAME)


class SettingsSchema(Schema):
    """Per-municipality settings (``plugin_settings("hearings")``)."""

    guests_may_register = fields.Boolean(
        load_default=True,
        metadata={"description": "Whether people without an account may register (by email)."},
    )
    comment_max_length = fields.Integer(
        load_default=5000,
        validate=validate.Range(min=100, max=50000),
        metadata={"description": "Longest comment, in characters."},
    )
    comments_per_hour = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=1000),
        metadata={"description": "How many comments one account may write in an hour."},
    )
    feedback_public = fields.Boolean(
        load_default=False, metadata={"description": "Whether meeting feedback results are public."}
    )
