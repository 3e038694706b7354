"""Editing notices and the controller's details, and the accessibility feedback from first report
to the answer (all inside the active municipality: the ORM and RLS walls keep each to its own)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from core.accounts.models import Account, Membership, Role
from core.extensions import db
from core.legal import notices
from core.legal.models import (
    AccessibilityFeedback,
    AssessmentMethod,
    Conformance,
    FeedbackStatus,
    LegalNotice,
    LegalSettings,
)
from core.mail import Mail, send_mail
from core.plugins import audit
from core.tenancy import TenantInfo, external_url, utcnow

MAX_EMAIL = 254
MAX_MESSAGE = 5000
MAX_ANSWER = 10_000
MAX_NAME = 200
MAX_URL = 500


class LegalError(ValueError):
    """Input that cannot be kept; ``field`` names the form field, ``problems`` every reason."""

    def __init__(self, message: str, field: str | None = None, problems: list[str] | None = None):
        super().__init__(message)
        self.field = field
        self.problems = problems or [message]


# --- the controller's details -------------------------------------------------------------------


@dataclass
class SettingsInput:
    legal_name: str = ""
    address: str = ""
    email: str = ""
    phone: str = ""
    dpo_name: str = ""
    dpo_email: str = ""
    dpo_phone: str = ""
    accessibility_email: str = ""
    conformance: str = Conformance.PARTIAL.value
    assessed_on: dt.date | None = None
    assessment_method: str = AssessmentMethod.SELF.value
    reviewed_on: dt.date | None = None


LIMITS = {"legal_name": 300, "address": 500, "phone": 50, "dpo_name": 200, "dpo_phone": 50}


def _email(value: str, field: str) -> str:
    """An address as the accounts check it (the same rule and message)."""
    value = (value or "").strip().lower()
    if not value or len(value) > MAX_EMAIL or "@" not in value[1:-1] or " " in value:
        raise LegalError(_("Enter a valid email address of at most %(n)d characters.", n=MAX_EMAIL), field)
    return value


def _optional_email(value: str, field: str) -> str | None:
    return _email(value, field) if (value or "").strip() else None


def save_settings(tenant_id: int, data: SettingsInput, actor: Any) -> LegalSettings:
    """Store the municipality's controller identity and accessibility facts (audited)."""
    clean: dict[str, Any] = {}
    for name, limit in LIMITS.items():
        value = (getattr(data, name) or "").strip()
        if len(value) > limit:
            raise LegalError(_("Use at most %(n)d characters.", n=limit), name)
        clean[name] = value or None
    for name in ("email", "dpo_email", "accessibility_email"):
        clean[name] = _optional_email(getattr(data, name), name)
    if data.conformance not in set(Conformance):
        raise LegalError(_("Choose a compliance status."), "conformance")
    if data.assessment_method not in set(AssessmentMethod):
        raise LegalError(_("Choose how the accessibility was assessed."), "assessment_method")
    today = utcnow().date()
    for name in ("assessed_on", "reviewed_on"):
        value = getattr(data, name)
        if value is not None and value > today:
            raise LegalError(_("The date cannot be in the future."), name)
        clean[name] = value
    if clean["assessed_on"] and clean["reviewed_on"] and clean["reviewed_on"] < clean["assessed_on"]:
        raise LegalError(_("A review cannot come before the statement was prepared."), "reviewed_on")
    clean["conformance"], clean["assessment_method"] = data.conformance, data.assessment_method
    row = notices.settings_row()
    if row is None:
        row = LegalSettings()
        db.session.add(row)
    for name, value in clean.items():
        setattr(row, name, value)
    db.session.flush()
    audit("legal.settings", tenant_id, {"fields": sorted(k for k, v in clean.items() if v)}, actor=actor)
    return row


# --- notices ------------------------------------------------------------------------------------


def _check_kind_locale(kind: str, locale: str) -> None:
    if kind not in notices.KINDS or locale not in notices.SHIPPED_LOCALES:
        raise LookupError((kind, locale))


def save_notice(tenant_id: int, kind: str, locale: str, body: str, actor: Any) -> LegalNotice:
    """Keep the municipality's own text of a notice (Markdown); refused if the law's facts are gone."""
    _check_kind_locale(kind, locale)
    body = (body or "").replace("\r\n", "\n")
    problems = notices.check_body(kind, body)
    if problems:
        raise LegalError(problems[0], "body", problems)
    row = notices.edited_notice(kind, locale)
    if row is None:
        row = LegalNotice(kind=kind, locale=locale, body=body)
        db.session.add(row)
    row.body = body
    row.updated_at = utcnow()
    row.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit("legal.notice_saved", tenant_id, {"kind": kind, "locale": locale, "chars": len(body)}, actor=actor)
    return row


def reset_notice(tenant_id: int, kind: str, locale: str, actor: Any) -> bool:
    """Back to the shipped template (the edit is deleted); False if there was none."""
    _check_kind_locale(kind, locale)
    row = notices.edited_notice(kind, locale)
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    audit("legal.notice_reset", tenant_id, {"kind": kind, "locale": locale}, actor=actor)
    return True


# --- accessibility feedback ---------------------------------------------------------------------


@dataclass
class FeedbackInput:
    email: str = ""
    message: str = ""
    name: str = ""
    page_url: str = ""


def submit_feedback(
    tenant: TenantInfo, data: FeedbackInput, locale: str, account: Any = None
) -> AccessibilityFeedback:
    """Record a report and tell the municipality's staff (mail after commit, in their language)."""
    message = (data.message or "").strip()
    if not message:
        raise LegalError(_("Describe the problem you met."), "message")
    if len(message) > MAX_MESSAGE:
        raise LegalError(_("Use at most %(n)d characters.", n=MAX_MESSAGE), "message")
    name = (data.name or "").strip()
    if len(name) > MAX_NAME:
        raise LegalError(_("Use at most %(n)d characters.", n=MAX_NAME), "name")
    page_url = (data.page_url or "").strip()
    if len(page_url) > MAX_URL:
        raise LegalError(_("Use at most %(n)d characters.", n=MAX_URL), "page_url")
    email = _email(data.email, "email")
    feedback = AccessibilityFeedback(
        name=name or None,
        email=email,
        locale=notices.notice_locale(locale),
        page_url=page_url or None,
        message=message,
        account_id=getattr(account, "id", None),
        status=FeedbackStatus.RECEIVED.value,
    )
    db.session.add(feedback)
    db.session.flush()
    _tell_staff(tenant, feedback)
    return feedback


def staff_to_notify() -> list[Account]:
    """The municipality's staff and admins with an address (who answer accessibility feedback)."""
    return list(
        db.session.execute(
            sa.select(Account)
            .join(Membership, Membership.account_id == Account.id)
            .where(
                Membership.role.in_([Role.STAFF.label, Role.ADMIN.label]),
                Account.email.is_not(None),
                Account.erased_at.is_(None),
            )
            .order_by(Account.id)
        ).scalars()
    )


def _tell_staff(tenant: TenantInfo, feedback: AccessibilityFeedback) -> None:
    url = external_url(tenant.primary_host or tenant.host, f"/admin/legal/feedback/{feedback.id}")
    for person in staff_to_notify():
        with force_locale(person.locale or tenant.default_locale or "en"):
            send_mail(
                Mail(
                    to=[person.email],
                    subject=_(
                        "Accessibility feedback %(ref)s for %(name)s",
                        ref=feedback.reference,
                        name=tenant.name,
                    ),
                    text=_(
                        "Someone reported a problem with the accessibility of %(name)s:\n\n%(message)s\n\n"
                        "Answer it here (the answer is mailed to the sender): %(url)s",
                        name=tenant.name,
                        message=feedback.message,
                        url=url,
                    ),
                    reply_to=feedback.email,
                )
            )


def feedback_list(open_only: bool = False) -> list[AccessibilityFeedback]:
    """The municipality's feedback, open reports first and the oldest of them first."""
    query = sa.select(AccessibilityFeedback)
    if open_only:
        query = query.where(AccessibilityFeedback.status != FeedbackStatus.ANSWERED.value)
    order = sa.case((AccessibilityFeedback.status == FeedbackStatus.ANSWERED.value, 1), else_=0)
    return list(db.session.execute(query.order_by(order, AccessibilityFeedback.created_at)).scalars())


def open_feedback_count() -> int:
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(AccessibilityFeedback)
        .where(AccessibilityFeedback.status != FeedbackStatus.ANSWERED.value)
    ).scalar_one()


def get_feedback(feedback_id: uuid.UUID) -> AccessibilityFeedback | None:
    return db.session.execute(
        sa.select(AccessibilityFeedback).where(AccessibilityFeedback.id == feedback_id)
    ).scalar_one_or_none()


def mark_in_progress(tenant_id: int, feedback: AccessibilityFeedback, actor: Any) -> None:
    if feedback.status == FeedbackStatus.ANSWERED:
        raise LegalError(_("This report has already been answered."))
    feedback.status = FeedbackStatus.IN_PROGRESS.value
    db.session.flush()
    audit("legal.feedback_in_progress", tenant_id, {"feedback": feedback.reference}, actor=actor)


def answer_feedback(tenant: TenantInfo, feedback: AccessibilityFeedback, answer: str, actor: Any) -> None:
    """Record the answer and mail it to the sender, in the language they wrote in."""
    answer = (answer or "").strip()
    if not answer:
        raise LegalError(_("Write the answer."), "answer")
    if len(answer) > MAX_ANSWER:
        raise LegalError(_("Use at most %(n)d characters.", n=MAX_ANSWER), "answer")
    if feedback.status == FeedbackStatus.ANSWERED:
        raise LegalError(_("This report has already been answered."), "answer")
    feedback.answer = answer
    feedback.status = FeedbackStatus.ANSWERED.value
    feedback.answered_at = utcnow()
    feedback.answered_by_id = getattr(actor, "id", None)
    db.session.flush()
    if feedback.email:
        with force_locale(feedback.locale):
            send_mail(
                Mail(
                    to=[feedback.email],
                    subject=_("Answer to your accessibility feedback %(ref)s", ref=feedback.reference),
                    text=_(
                        "Thank you for your message about the accessibility of %(name)s.\n\n"
                        "%(answer)s\n\nYour message:\n%(message)s",
                        name=tenant.name,
                        answer=answer,
                        message=feedback.message,
                    ),
                )
            )
    audit("legal.feedback_answered", tenant.id, {"feedback": feedback.reference}, actor=actor)


# --- personal data: "download my data" and erasure ----------------------------------------------


def export_personal_data(account: Account) -> list[dict[str, Any]]:
    """The account's feedback in the active municipality (for "download my data")."""
    rows = db.session.execute(
        sa.select(AccessibilityFeedback).where(AccessibilityFeedback.account_id == account.id)
    ).scalars()
    return [
        {
            "reference": f.reference,
            "sent_at": f.created_at,
            "message": f.message,
            "page": f.page_url,
            "status": f.status,
            "answer": f.answer,
            "answered_at": f.answered_at,
        }
        for f in rows
    ]


def erase_personal_data(account: Account) -> None:
    """Delete the account's feedback in the active municipality (nothing a law asks to keep once
    answered), and forget it as the one who answered."""
    db.session.execute(sa.delete(AccessibilityFeedback).where(AccessibilityFeedback.account_id == account.id))
    db.session.execute(
        sa.update(AccessibilityFeedback)
        .where(AccessibilityFeedback.answered_by_id == account.id)
        .values(answered_by_id=None)
    )
    db.session.execute(
        sa.update(LegalNotice).where(LegalNotice.updated_by_id == account.id).values(updated_by_id=None)
    )
