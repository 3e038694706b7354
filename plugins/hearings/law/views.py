"""The page that says which consultation law applies here and what it asks."""

from __future__ import annotations

from core.toolkit import render_template, utcnow
from plugins.hearings.blueprint import bp
from plugins.hearings.common import to_local
from plugins.hearings.law import services
from plugins.hearings.law.rules import DOCUMENT_TYPES, document_label
from plugins.hearings.settings import settings


@bp.get("/law")
def law_rules():
    rules = services.rule_set()
    year = to_local(utcnow()).year
    cal = services.calendar()
    holidays = {y: cal.holidays_in(y) for y in (year, year + 1)} if rules.notice_working_days else {}
    return render_template(
        "hearings/law.html",
        rules=rules,
        holidays=holidays,
        overridden=(settings().get("law_rule_set") or "country") != "country",
        override_reason=settings().get("law_rule_set_reason") or "",
        document_label=document_label,
        document_types=DOCUMENT_TYPES,
    )
