"""The rule sets: what each country's law asks of a consultation, as data.

- Romania, Law 52/2003 on decisional transparency (republished after Law 281/2013), art. 7: the
  draft is announced at least 30 working days before it is adopted, with its «notă de
  fundamentare» or «referat de aprobare», and written recommendations are taken for at least 10
  calendar days; the urgent procedure (art. 7(13)) may shorten the notice, with the reason stated.
  A legally constituted association or another authority may ask for a public debate.
- Bulgaria, Law on Normative Acts, art. 26: the draft is published with its «мотиви» or
  «доклад» and the «предварителна оценка на въздействието»; proposals are taken for at least 30
  days, in exceptional cases at least 14 with the reasons stated; before adoption the «справка»
  of the proposals received, with the reasons for those not accepted, is published.
- Greece: the municipality's own minimum (default 14 days, as opengov.gr practice), no documents
  required; the report on the consultation follows it.

A municipality gets the rule set of its country; its admin may choose another, with a reason,
in the module settings (kept in the audit log with the settings).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.toolkit import lazy_gettext as _l

#: Document types an attachment can have, with their labels (what the law calls them).
DOCUMENT_TYPES = {
    "other": _l("Other document"),
    "ro_substantiation_note": _l("Substantiation note (notă de fundamentare)"),
    "ro_approval_report": _l("Approval report (referat de aprobare)"),
    "bg_motives": _l("Reasons (мотиви)"),
    "bg_report": _l("Report (доклад)"),
    "bg_impact_assessment": _l("Preliminary impact assessment (предварителна оценка на въздействието)"),
}

#: How a legal form of the register is called.
REGISTER_FORMS = {
    "ro_register": _l("Register of proposals, suggestions and opinions"),
    "bg_spravka": _l("Summary of the proposals received, with the reasons for those not accepted"),
    "gr_report": _l("Report on the consultation"),
}


@dataclass(frozen=True)
class RuleSet:
    """What one country's law asks of a consultation."""

    code: str
    #: The shortest period for comments, in calendar days.
    min_days: int
    #: Shorter with a stated reason, down to this many days (None: no exception).
    exception_min_days: int | None = None
    #: Working days between the announcement and the adoption (None: no such rule).
    notice_working_days: int | None = None
    #: The notice may be shortened with a stated reason (Romania's urgent procedure).
    notice_exception: bool = False
    #: Each group: one document of one of its types must be attached before opening.
    required_documents: tuple[tuple[str, ...], ...] = ()
    #: The legal form of the register and of the report on the consultation.
    register_form: str = "gr_report"
    #: Romania: requests for a public debate and the annual report on decisional transparency.
    debates: bool = False
    #: The name of the law, for messages.
    law: str = ""
    document_types: tuple[str, ...] = field(default=("other",))

    @property
    def title(self) -> str:
        return str(RULE_SET_TITLES.get(self.code, self.code))


RULE_SET_TITLES = {
    "RO": _l("Romania: Law 52/2003 on decisional transparency"),
    "BG": _l("Bulgaria: Law on Normative Acts, art. 26"),
    "GR": _l("Greece: the municipality's minimum period"),
}

ROMANIA = RuleSet(
    code="RO",
    min_days=10,
    notice_working_days=30,
    notice_exception=True,
    required_documents=(("ro_approval_report", "ro_substantiation_note"),),
    register_form="ro_register",
    debates=True,
    law="Legea nr. 52/2003",
    document_types=("ro_approval_report", "ro_substantiation_note", "other"),
)
BULGARIA = RuleSet(
    code="BG",
    min_days=30,
    exception_min_days=14,
    required_documents=(("bg_motives", "bg_report"), ("bg_impact_assessment",)),
    register_form="bg_spravka",
    law="ЗНА",
    document_types=("bg_motives", "bg_report", "bg_impact_assessment", "other"),
)
GREECE_DEFAULT_DAYS = 14


def greece(min_days: int = GREECE_DEFAULT_DAYS) -> RuleSet:
    """Greece, and any country without a rule set of its own: the municipality's minimum."""
    return RuleSet(code="GR", min_days=min_days, register_form="gr_report")


def rule_set_for(code: str, minimum_days: int = GREECE_DEFAULT_DAYS) -> RuleSet:
    """The rule set of a country code (``RO``, ``BG``; anything else: the municipality's minimum)."""
    code = (code or "").upper()
    if code == "RO":
        return ROMANIA
    if code == "BG":
        return BULGARIA
    return greece(minimum_days)


def document_label(code: str) -> str:
    return str(DOCUMENT_TYPES.get(code, DOCUMENT_TYPES["other"]))
