"""Outgoing mail: SMTP in production and tests, an outbox folder in the demo."""

from __future__ import annotations

import datetime as dt
import os
import re
import smtplib
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app


@dataclass
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/octet-stream"


@dataclass
class Mail:
    to: list[str]
    subject: str
    text: str
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    reply_to: str | None = None
    #: Where the recipient stops this kind of mail (a notification's): the footer links it and
    #: the ``List-Unsubscribe`` header carries it (RFC 2369: a page that confirms by a button).
    unsubscribe_url: str | None = None


def build_message(mail: Mail) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    msg["To"] = ", ".join(mail.to)
    # user text (an organisation's name) can reach a subject: never let it break the header
    msg["Subject"] = " ".join(mail.subject.split())
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    msg["Message-ID"] = make_msgid(domain=current_app.config["PLATFORM_APEX"])
    if mail.reply_to:
        msg["Reply-To"] = mail.reply_to
    if mail.unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"  # a page that asks, then stops them
    msg.set_content(mail.text)
    if mail.html:
        msg.add_alternative(mail.html, subtype="html")
    for att in mail.attachments:
        maintype, _, subtype = att.mimetype.partition("/")
        msg.add_attachment(
            att.content, maintype=maintype, subtype=subtype, filename=att.filename, params=_params(att)
        )
    return msg


def _params(att: Attachment) -> dict[str, str]:
    """Content-Type parameters: text is UTF-8 (calendar programs otherwise read «Σχέδιο» as
    Latin-1), and an iCalendar file names its METHOD as RFC 6047 asks."""
    if not att.mimetype.startswith("text/"):
        return {}
    params = {"charset": "utf-8"}
    if att.mimetype == "text/calendar":
        method = re.search(rb"^METHOD:([A-Z]+)\r?$", att.content, re.MULTILINE)
        if method:
            params["method"] = method.group(1).decode()
    return params


def deliver(mail: Mail) -> None:
    """Send now, through the configured backend (called by the mail job)."""
    msg = build_message(mail)
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "outbox":
        folder = current_app.config.get("MAIL_OUTBOX_DIR") or os.path.join(
            current_app.instance_path, "outbox"
        )
        os.makedirs(folder, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        with open(os.path.join(folder, f"{stamp}-{uuid.uuid4().hex[:8]}.eml"), "wb") as fh:
            fh.write(bytes(msg))
        return
    if backend != "smtp":
        raise ValueError(f"unknown MAIL_BACKEND {backend!r}")
    cfg = current_app.config
    smtp_class = smtplib.SMTP_SSL if cfg.get("MAIL_USE_SSL") else smtplib.SMTP  # 465 vs STARTTLS
    with smtp_class(cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]), timeout=10) as smtp:
        if cfg["MAIL_USE_TLS"] and not cfg.get("MAIL_USE_SSL"):
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(msg)


def send_mail(mail: Mail) -> None:
    """Send a mail once the caller's transaction commits (never if it rolls back): a
    ``core.send_mail`` job through the outbox (see :func:`core.jobs.enqueue`). Every mail gets
    an HTML part in the municipality's colours when it has none (:mod:`core.mail_layout`) and the
    footer naming its sender and linking the notices that apply (:mod:`core.legal.footer`)."""
    from core.db import active_tenant_id
    from core.jobs import enqueue
    from core.legal.footer import add_footer
    from core.mail_layout import branded_html

    mail = Mail(**{**mail.__dict__, "attachments": list(mail.attachments)})
    if mail.html is None:
        mail.html = branded_html(mail.subject, mail.text)
    mail = add_footer(mail)

    enqueue(
        "core.send_mail",
        tenant_id=None,
        payload={
            "usage_tenant_id": active_tenant_id(),  # counted as this municipality's mail when sent
            "to": mail.to,
            "subject": mail.subject,
            "text": mail.text,
            "html": mail.html,
            "reply_to": mail.reply_to,
            "unsubscribe_url": mail.unsubscribe_url,
            "attachments": [
                {"filename": a.filename, "content": a.content.hex(), "mimetype": a.mimetype}
                for a in mail.attachments
            ],
        },
    )


#: The name the toolkit gives it: send_mail() always waits for the commit.
send_mail_after_commit = send_mail


def _send_mail_job(payload: dict) -> None:
    from core import usage

    deliver(
        Mail(
            to=payload["to"],
            subject=payload["subject"],
            text=payload["text"],
            html=payload.get("html"),
            reply_to=payload.get("reply_to"),
            unsubscribe_url=payload.get("unsubscribe_url"),
            attachments=[
                Attachment(a["filename"], bytes.fromhex(a["content"]), a["mimetype"])
                for a in payload.get("attachments", [])
            ],
        )
    )
    usage.count(payload.get("usage_tenant_id"), "mail_sent")
