"""Mails that tell people what staff decided about what they wrote (issue 16 §2): the published
outcome of a consultation to everyone who commented, and a hidden comment to its author with the
reason. Each in the recipient's language (the municipality's when it does not offer theirs),
queued in the caller's transaction (sent once it commits, never if it rolls back)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale

from core.toolkit import Account, Mail, db, external_url, send_mail
from core.toolkit import gettext as _
from plugins.hearings.common import _host, mail_locale
from plugins.hearings.models import Comment, Consultation


def _people(where) -> list[tuple[str, str, str | None]]:
    """``(email, name, language)`` of the accounts that wrote the comments ``where`` selects."""
    rows = db.session.execute(
        sa.select(Account.email, Account.display_name, Account.locale)
        .join(Comment, Comment.account_id == Account.id)
        .where(where, Account.email.is_not(None), Account.erased_at.is_(None))
        .distinct()
    )
    return sorted({(email, name or "", locale) for email, name, locale in rows})


def mail_outcome_published(c: Consultation) -> int:
    """One mail to each person who commented (withdrawn comments excepted): the outcome is out,
    with the link to the answers."""
    link = external_url(_host(), f"/hearings/consultations/{c.id}/outcome")
    people = _people(sa.and_(Comment.consultation_id == c.id, Comment.withdrawn_at.is_(None)))
    for email, name, locale in people:
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
            send_mail(Mail(to=[email], subject=_("Outcome published: %(title)s", title=c.title), text=text))
    return len(people)


def mail_comment_hidden(comment: Comment, reason: str) -> bool:
    """To the author of a comment the moderators hid: which comment, why, and the rules."""
    people = _people(Comment.id == comment.id) if comment.account_id is not None else []
    if not people:
        return False
    c = db.session.get(Consultation, (comment.tenant_id, comment.consultation_id))
    email, name, locale = people[0]
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
        send_mail(Mail(to=[email], subject=_("Your comment was hidden: %(title)s", title=c.title), text=text))
    return True
