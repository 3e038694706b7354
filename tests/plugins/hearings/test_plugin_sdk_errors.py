"""A hearings rule violation is the toolkit's RuleViolation: one that no view catches is still
answered by the platform's handlers, not a 500."""

from core.toolkit import RuleViolation
from plugins.hearings.common import HearingsError


def test_hearings_error_is_a_rule_violation_with_status_and_field():
    exc = HearingsError("closed", 409, "body")
    assert isinstance(exc, RuleViolation)
    assert (exc.status, exc.field, exc.field_name, exc.message) == (409, "body", "body", "closed")
    assert HearingsError("bad").status == 422
