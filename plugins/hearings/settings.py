"""The per-municipality settings of the hearings plugin: the schema and the read."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from core.toolkit import (
    gettext,
    plugin_settings,
)
from core.toolkit import lazy_gettext as _l

NAME = "hearings"


def settings() -> dict[str, Any]:
    return plugin_settings(NAME)


class SettingsSchema(Schema):
    """Per-municipality settings (``plugin_settings("hearings")``)."""

    guests_may_register = fields.Boolean(
        load_default=True,
        metadata={
            "title": _l("Guests may register"),
            "description": _l("Whether people without an account may register (by email)."),
        },
    )
    comment_max_length = fields.Integer(
        load_default=5000,
        validate=validate.Range(min=100, max=50000),
        metadata={"title": _l("Longest comment"), "description": _l("Longest comment, in characters.")},
    )
    comments_per_hour = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=1000),
        metadata={
            "title": _l("Comments per hour"),
            "description": _l("How many comments one account may write in an hour."),
        },
    )
    feedback_public = fields.Boolean(
        load_default=False,
        metadata={
            "title": _l("Public feedback results"),
            "description": _l("Whether meeting feedback results are public."),
        },
    )
    law_rule_set = fields.String(
        load_default="country",
        validate=validate.OneOf(["country", "RO", "BG", "GR"]),
        metadata={
            "title": _l("Consultation law"),
            "description": _l(
                "Normally the rules of the municipality's country; another country's rules need a reason below."
            ),
            # what the dropdown shows for each stored code
            "choice_labels": {
                "country": _l("The rules of the municipality's country"),
                "RO": _l("Romania's rules"),
                "BG": _l("Bulgaria's rules"),
                "GR": _l("Greece's rules"),
            },
        },
    )
    law_rule_set_reason = fields.String(
        load_default="",
        validate=validate.Length(max=1000),
        metadata={
            "title": _l("Reason for not following the country's rules"),
            "description": _l(
                "Required when the consultation law is not the country's; kept in the audit log."
            ),
        },
    )
    consultation_minimum_days = fields.Integer(
        load_default=14,
        validate=validate.Range(min=1, max=365),
        metadata={
            "title": _l("Shortest consultation, in days"),
            "description": _l(
                "Greece, and countries without rules of their own: the municipality's minimum."
            ),
        },
    )
    extra_holidays = fields.String(
        load_default="",
        validate=validate.Length(max=2000),
        metadata={
            "title": _l("Extra days off"),
            "description": _l(
                "Days that are not working days beyond the public holidays, as 2027-12-31, separated by commas."
            ),
        },
    )

    @validates("extra_holidays")
    def _days(self, value: str, **_kw) -> None:
        from plugins.hearings.law.calendar import parse_extra_days

        try:
            parse_extra_days(value)
        except ValueError:
            raise ValidationError(gettext("Write each day as 2027-12-31, separated by commas.")) from None

    @validates_schema
    def _reason(self, data: dict[str, Any], **_kw) -> None:
        if (
            data.get("law_rule_set", "country") != "country"
            and not (data.get("law_rule_set_reason") or "").strip()
        ):
            raise ValidationError(
                gettext("Give the reason for not following the rules of the municipality's country."),
                "law_rule_set_reason",
            )
