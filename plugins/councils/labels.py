"""The words shown for the plugin's codes (one place, for forms and pages)."""

from core.toolkit import lazy_gettext as _l

KINDS = {
    "public_council": _l("Public council to the mayor"),
    "consultation_committee": _l("Municipal consultation committee"),
    "thematic_committee": _l("Thematic committee"),
    "youth_council": _l("Youth council"),
    "other": _l("Other body"),
}
CATEGORIES = {
    "ngo": _l("NGOs"),
    "business": _l("Business"),
    "citizen": _l("Citizens"),
    "expert": _l("Experts"),
    "ex_officio": _l("Ex officio (municipal staff)"),
}
POSITIONS = {
    "chair": _l("Chair"),
    "vice_chair": _l("Vice-chair"),
    "secretary": _l("Secretary"),
    "member": _l("Member"),
    "alternate": _l("Alternate"),
}
END_REASONS = {
    "term_over": _l("Term over"),
    "resigned": _l("Resigned"),
    "replaced": _l("Replaced"),
    "promoted": _l("Took a seat"),
}
QUORUMS = {"majority": _l("Majority of the seats"), "number": _l("A number of members")}
METHODS = {
    "appointment": _l("Appointment by the mayor or council decision"),
    "election": _l("Election by the nominating organisations"),
}
VOTING_METHODS = {
    "approval": _l("Approval: each organisation approves up to as many candidates as there are seats"),
    "ranked": _l("Ranked choice: each organisation ranks the candidates, counted by instant-runoff"),
}
NOMINATION_STATUSES = {
    "submitted": _l("Submitted"),
    "admitted": _l("Admitted"),
    "rejected": _l("Rejected"),
    "selected": _l("Selected"),
    "not_selected": _l("Not selected"),
    "withdrawn": _l("Withdrawn by the candidate"),
}
PHASES = {
    "draft": _l("Draft"),
    "upcoming": _l("Opens soon"),
    "open": _l("Open for nominations"),
    "screening": _l("Screening"),
    "voting": _l("Voting"),
    "objections": _l("Result published: objections open"),
    "decided": _l("Decided"),
}
CHOICES = {"for": _l("For"), "against": _l("Against"), "abstain": _l("Abstain")}
ADDRESSEES = {"mayor": _l("The mayor"), "municipal_council": _l("The municipal council")}
ANSWERS = {
    "accepted": _l("Accepted in full"),
    "partly": _l("Accepted in part"),
    "not_accepted": _l("Not accepted by the municipality"),
}
OBJECTION_OUTCOMES = {"upheld": _l("Upheld"), "dismissed": _l("Dismissed")}
