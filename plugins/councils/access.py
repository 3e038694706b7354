"""Who may do what (shared by the pages and the API).

``councils.manage`` (staff) runs everything; ``councils.secretary`` (granted by an admin) runs the
meetings of every council; a council's own sitting secretary or chair runs that council's
meetings; ``councils.nominate`` (members) nominates and votes for an organisation they administer.
"""

from core.toolkit import RuleViolation, current_account, gettext, has_permission
from plugins.councils import services

MANAGE = "councils.manage"
SECRETARY = "councils.secretary"
NOMINATE = "councils.nominate"


def manager() -> bool:
    return has_permission(MANAGE)


def runs_meetings(council_id) -> bool:
    if has_permission(MANAGE) or has_permission(SECRETARY):
        return True
    return services.is_secretary_of(council_id, current_account())


def require_secretary(council_id) -> None:
    if current_account() is None:
        raise RuleViolation(gettext("Sign in first."), status=401)
    if not runs_meetings(council_id):
        raise RuleViolation(
            gettext("Only the council's secretary or the municipality's staff can do this."), status=403
        )


def sees_place(council) -> bool:
    """Where a closed council meets (a room, a video link) is for its members and staff only."""
    if council.public_sessions or runs_meetings(council.id):
        return True
    return services.my_member(council.id, current_account()) is not None


def require_document_editor(doc) -> None:
    """A founding decision is the staff's; a meeting's papers are also its secretary's."""
    if current_account() is None:
        raise RuleViolation(gettext("Sign in first."), status=401)
    if doc.meeting_id is None:
        if not manager():
            raise RuleViolation(gettext("Only the municipality's staff can do this."), status=403)
    else:
        require_secretary(doc.council_id)
