"""Outgoing e-mail: one place that builds, renders and delivers every message.

Services queue mail with `queue_mail`; it is delivered only after the database
transaction commits, so nobody receives a link to something that was rolled
back. Without `MAIL_SERVER` messages go to the log (development). Every
delivered message is also announced on the `message_sent` signal.
"""

import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from blinker import Namespace
from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from circle.extensions import db

log = logging.getLogger("circle.mail")
message_sent = Namespace().signal("message-sent")


@dataclass
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str
    params: dict = field(default_factory=dict)


@dataclass
class Alternative:
    """An extra body part beside text and HTML, e.g. text/calendar; method=REQUEST."""

    content: str
    subtype: str
    params: dict = field(default_factory=dict)


def build_message(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    *,
    to_name: str | None = None,
    alternatives: Iterable[Alternative] = (),
    attachments: Iterable[Attachment] = (),
) -> EmailMessage:
    config = current_app.config
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = config["MAIL_DEFAULT_SENDER"]
    msg["To"] = formataddr((to_name, to)) if to_name else to
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="circle")
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for alternative in alternatives:
        msg.add_alternative(
            alternative.content, subtype=alternative.subtype, params=alternative.params
        )
    for attachment in attachments:
        msg.add_attachment(
            attachment.content,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
            params=attachment.params,
        )
    return msg


def render_mail(
    template: str,
    *,
    to: str,
    to_name: str | None,
    language: str | None,
    subject,
    alternatives: Iterable[Alternative] = (),
    attachments: Iterable[Attachment] = (),
    **context,
) -> EmailMessage:
    """Render emails/<template>.txt and .html in the recipient's language."""
    language = language or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(language):
        context.update(recipient_name=to_name, language=language)
        return build_message(
            to,
            str(subject),
            render_template(f"emails/{template}.txt", **context),
            render_template(f"emails/{template}.html", **context),
            to_name=to_name,
            alternatives=alternatives,
            attachments=attachments,
        )


def mail_person(
    user, template: str, subject, *, account_mail: bool = False, **context
) -> bool:
    """Queue `emails/<template>` for one person, in their language.

    The one way services write to a person: deleted and deactivated accounts get
    nothing, and an address nobody has verified yet gets only account mails
    (`account_mail`: the verification and password links, which prove the
    address themselves). Returns whether a mail was queued.
    """
    if not user.is_active or not (account_mail or user.is_verified):
        return False
    queue_mail(
        db.session,
        render_mail(
            template,
            to=user.email,
            to_name=user.name,
            language=user.language,
            subject=subject,
            **context,
        ),
    )
    return True


def deliver(msg: EmailMessage) -> None:
    """Send now: through SMTP when configured, otherwise to the log."""
    config = current_app.config
    if config["MAIL_SERVER"]:
        smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
        with smtp_class(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
        ) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(msg)
    else:
        log.info("E-mail (not sent: no MAIL_SERVER configured)\n%s", describe(msg))
    message_sent.send(current_app._get_current_object(), message=msg)


def describe(msg: EmailMessage) -> str:
    """A readable rendering for the development log: headers, text, part types."""
    body = msg.get_body(("plain",))
    calendars = [
        part.get_content()
        for part in msg.walk()
        if part.get_content_type() == "text/calendar"
    ]
    parts = [
        part.get_content_type()
        + (f" ({part.get_filename()})" if part.get_filename() else "")
        for part in msg.walk()
        if not part.is_multipart()
    ]
    return "\n".join(
        [
            f"To: {msg['To']}",
            f"Subject: {msg['Subject']}",
            f"Parts: {', '.join(parts)}",
            "",
            body.get_content() if body is not None else "",
            *calendars,
        ]
    )


def queue_mail(session: Session, msg: EmailMessage) -> None:
    """Deliver `msg` once `session` commits; drop it if the session rolls back."""
    session.info.setdefault("circle_mail", []).append(msg)


@event.listens_for(Session, "after_commit")
def _deliver_queued(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT was released; the real transaction is still open
    for msg in session.info.pop("circle_mail", []):
        try:
            deliver(msg)
        except (OSError, smtplib.SMTPException):
            # The data is saved; a mail server hiccup must not become an error page.
            log.exception("Could not deliver e-mail to %s", msg["To"])


@event.listens_for(Session, "after_rollback")
def _drop_queued(session: Session) -> None:
    if session.in_nested_transaction():
        return  # only a SAVEPOINT was rolled back; services queue mail outside them
    session.info.pop("circle_mail", None)


def discard_queued(session: Session) -> None:
    """Drop the mail queued so far in this transaction (the demo seed sends none)."""
    session.info.pop("circle_mail", None)
