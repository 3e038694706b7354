"""Mails that tell people what staff decided about what they wrote (issue 16 §2): the published
outcome of a consultation to everyone who commented, and a hidden comment to its author with the
reason. Each in the recipient's language (the municipality's when it does not offer theirs),
queued in the caller's transaction (sent once it commits, never if it rolls back)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale

from core.toolkit import Account, Mail, NotificationKind, db, external_url, notify
from core.toolkit import gettext as _
from core.toolkit import lazy_gettext as _l
from plugins.hearings.common import _host, mail_locale
from plugins.hearings.models import Comment, Consultation

#: What hearings mails as notifications (each person chooses: immediately, daily digest, off).
#: Transactional, and so always sent: a registration's confirmation, change, cancellation and
#: promotion from the waiting list, "you are already registered", the feedback request after a
#: meeting the person attended (sent once, on their registration).
OPENED = "hearings.consultation_opened"
CLOSING = "hearings.consultation_closing"
OUTCOME = "hearings.outcome_published"
MODERATED = "hearings.comment_moderated"
MEETING_REMINDER = "hearings.meeting_reminder"
MEETING_FEEDBACK = "hearings.meeting_feedback"
NOTIFICATION_KINDS = (
    NotificationKind(
        OPENED,
        _l("A consultation I follow opens"),
        _l("When the municipality opens a consultation for comments (you follow its consultations)."),
    ),
    NotificationKind(
        CLOSING,
        _l("A consultation I follow is closing soon"),
        _l("Two days before the comments close."),
    ),
    NotificationKind(
        OUTCOME,
        _l("The outcome of a consultation I commented on"),
        _l("When the municipality publishes its answers to the comments."),
    ),
    NotificationKind(
        MODERATED,
        _l("Moderation of my comments"),
        _l("When the moderators hide one of your comments, with the reason."),
    ),
    NotificationKind(
        MEETING_REMINDER,
        _l("Reminders of meetings I registered for"),
        _l("The day before a meeting or workshop you registered for."),
    ),
    NotificationKind(
        MEETING_FEEDBACK,
        _l("Questions about meetings I took part in"),
        _l("When a meeting or workshop you registered for ends: how it went, in two minutes."),
    ),
)


def notify_account(account_id: int, kind: str, subject: str, text: str, attachments=()) -> str:
    """A hearings notification to one account (its settings decide: now, digest, off)."""
    return notify(account_id, kind, Mail(to=[], subject=subject, text=text, attachments=list(attachments)))


def _people(where) -> list[tuple[int, str, str, str | None]]:
    """``(account id, email, name, language)`` of the accounts that wrote the comments ``where``
    selects."""
    rows = db.session.execute(
        sa.select(Account.id, Account.email, Account.display_name, Account.locale)
        .join(Comment, Comment.account_id == Account.id)
        .where(where, Account.email.is_not(None), Account.erased_at.is_(None))
        .distinct()
    )
    return sorted({(account_id, email, name or "", locale) for account_id, email, name, locale in rows})


def mail_outcome_published(c: Consultation) -> int:
    """One mail to each person who commented (withdrawn comments excepted): the outcome is out,
    with the link to the answers."""
    link = external_url(_host(), f"/hearings/consultations/{c.id}/outcome")
    people = _people(sa.and_(Comment.consultation_id == c.id, Comment.withdrawn_at.is_(None)))
    for account_id, _email, name, locale in people:
        with force_locale(mail_locale(locale)):
            text = "\n\n".join(
                [
                    _("Hello %(name)s,", name=name) if name else _("Hello,"),
                    _(
                        "The municipality has published the outcome of the consultation “%(title)s”: "
                        "its answer to each comment, what was taken up and the reasons for what was not.",
                        title=c.title,
                    ),
                    link,
                ]
            )
            notify(
                account_id,
                OUTCOME,
                Mail(to=[], subject=_("Outcome published: %(title)s", title=c.title), text=text),
            )
    return len(people)


def mail_comment_hidden(comment: Comment, reason: str) -> bool:
    """To the author of a comment the moderators hid: which comment, why, and the rules."""
    people = _people(Comment.id == comment.id) if comment.account_id is not None else []
    if not people:
        return False
    c = db.session.get(Consultation, (comment.tenant_id, comment.consultation_id))
    account_id, _email, name, locale = people[0]
    with force_locale(mail_locale(locale)):
        excerpt = comment.body if len(comment.body) <= 300 else comment.body[:300].rsplit(" ", 1)[0] + " …"
        text = "\n\n".join(
            [
                _("Hello %(name)s,", name=name) if name else _("Hello,"),
                _("The moderators have hidden your comment on “%(title)s”.", title=c.title),
                excerpt,
                _("Reason: %(reason)s", reason=reason),
                _("The moderation rules: %(link)s", link=external_url(_host(), "/legal/moderation")),
            ]
        )
        notify(
            account_id,
            MODERATED,
            Mail(to=[], subject=_("Your comment was hidden: %(title)s", title=c.title), text=text),
        )
    return True
