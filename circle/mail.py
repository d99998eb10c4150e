"""Outgoing e-mail: one place that builds and renders every message and queues it.

Services mail a person with `mail_person`. The message is written to the outbox
(circle.outbox) in the same transaction as the change that causes it, so it
exists exactly when the change does, and a worker delivers it after the commit
with retries (circle.outbox.delivery). Without `MAIL_SERVER` the worker writes
messages to the log (development). Every delivered message is announced on the
`message_sent` signal.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from email.header import Header
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from circle.extensions import db
from circle.notifications.models import NotificationKind, Topic
from circle.notifications.preferences import choice_for, unsubscribe_url
from circle.outbox import delivery
from circle.outbox.delivery import message_sent  # noqa: F401  (tests listen to it)
from circle.outbox.models import OutboxMessage
from circle.templating import rendering_email
from circle.urls import external_url


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


class EncodedSubject(str):
    """A subject folded by `email.header` (RFC 2047) instead of the default policy.

    The default folder of Python 3.11 writes an empty encoded-word
    (`=?utf-8?q??=`) into some long non-ASCII subjects, which mail clients show
    as garbage; `email.header` never does. The policy takes a value with a
    `name` and a `fold` method as it is.
    """

    def __new__(cls, value: str):
        subject = super().__new__(cls, value)
        subject.name = "Subject"
        return subject

    def fold(self, *, policy) -> str:
        encoded = Header(str(self), "utf-8", header_name=self.name).encode(
            linesep=policy.linesep
        )
        return f"{self.name}: {encoded}{policy.linesep}"


def one_line(text: str) -> str:
    """Any run of whitespace, line breaks and U+2028/U+2029 included, as one space:
    a header may not contain a line break."""
    return " ".join(str(text).split())


def build_message(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    *,
    to_name: str | None = None,
    alternatives: Iterable[Alternative] = (),
    attachments: Iterable[Attachment] = (),
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    config = current_app.config
    msg = EmailMessage()
    subject = one_line(subject)
    msg["Subject"] = subject if subject.isascii() else EncodedSubject(subject)
    msg["From"] = config["MAIL_DEFAULT_SENDER"]
    msg["To"] = formataddr((one_line(to_name), to)) if to_name else to
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(
        domain=urlsplit(config["BASE_URL"]).hostname or "circle"
    )
    for name, value in (headers or {}).items():
        msg[name] = value
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
    headers: dict[str, str] | None = None,
    **context,
) -> EmailMessage:
    """Render emails/<template>.txt and .html in the recipient's language.

    With `unsubscribe_url` in the context both end with the unsubscribe footer.
    """
    language = language or current_app.config["BABEL_DEFAULT_LOCALE"]
    marker = rendering_email.set(True)
    try:
        with force_locale(language):
            context.update(recipient_name=to_name, language=language)
            text = render_template(f"emails/{template}.txt", **context)
            if context.get("unsubscribe_url"):
                text += "\n" + render_template("emails/_unsubscribe.txt", **context)
            html = render_template(f"emails/{template}.html", **context)
            subject = str(subject)
    finally:
        rendering_email.reset(marker)
    return build_message(
        to,
        subject,
        text,
        html,
        to_name=to_name,
        alternatives=alternatives,
        attachments=attachments,
        headers=headers,
    )


def mail_person(
    user,
    template: str,
    subject,
    *,
    kind: NotificationKind | Topic | None = None,
    account_mail: bool = False,
    **context,
) -> bool:
    """Queue `emails/<template>` for one person, in their language.

    The one way services write to a person: deleted and deactivated accounts get
    nothing, and an address nobody has verified yet gets only account mails
    (`account_mail`: the verification and password links, which prove the
    address themselves). Without `kind` the mail is essential (invitations,
    cancellations, account mail) and always sent. With `kind` it is sent only
    when the person chose e-mail for its topic, and it carries a one-click
    unsubscribe link (List-Unsubscribe, RFC 8058) and a footer. Returns whether a
    mail was queued.
    """
    if not user.is_active or not (account_mail or user.is_verified):
        return False
    headers = {}
    topic = kind.topic if isinstance(kind, NotificationKind) else kind
    if topic is not None:
        if not choice_for(user, topic).mails:
            return False
        link = unsubscribe_url(user, topic)
        headers = {
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        context.update(
            unsubscribe_url=link,
            unsubscribe_topic=topic,
            settings_url=external_url("notifications.settings"),
        )
    queue_mail(
        db.session,
        render_mail(
            template,
            to=user.email,
            to_name=user.name,
            language=user.language,
            subject=subject,
            headers=headers,
            **context,
        ),
        template=template,
    )
    return True


def queue_mail(session: Session, msg: EmailMessage, *, template: str = "") -> None:
    """Write `msg` to the outbox in `session`'s transaction: it is delivered once
    the transaction commits, and never if it rolls back."""
    row = OutboxMessage.of(msg, template=template)
    session.add(row)
    session.info.setdefault("circle_outbox", []).append(row)


@event.listens_for(Session, "after_commit")
def _deliver_queued(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT was released; the real transaction is still open
    if session.info.pop("circle_outbox", None):
        delivery.committed()


@event.listens_for(Session, "after_rollback")
def _forget_queued(session: Session) -> None:
    if session.in_nested_transaction():
        return  # only a SAVEPOINT was rolled back; services queue mail outside them
    session.info.pop("circle_outbox", None)


def discard_queued(session: Session) -> None:
    """Take the mail queued so far in this transaction out of the outbox again
    (the demo seed sends none)."""
    for row in session.info.pop("circle_outbox", []):
        if row in session.new:
            session.expunge(row)
        else:
            session.delete(row)
