"""One row per outgoing e-mail, written in the transaction that causes it."""

import email
import email.policy
import enum
from datetime import datetime
from email.message import EmailMessage

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from circle.database import UTCDateTime, enum_column, utcnow
from circle.extensions import db


class OutboxStatus(enum.StrEnum):
    #: Waiting for its first try, or for the next one after a temporary failure.
    QUEUED = "queued"
    SENT = "sent"
    #: The mail server refused it for good, or every try failed.
    FAILED = "failed"
    #: An admin chose not to send it.
    DISCARDED = "discarded"

    @property
    def label(self) -> str:
        return str(OUTBOX_STATUS_LABELS[self])


OUTBOX_STATUS_LABELS = {
    OutboxStatus.QUEUED: _l("Waiting"),
    OutboxStatus.SENT: _l("Sent"),
    OutboxStatus.FAILED: _l("Failed"),
    OutboxStatus.DISCARDED: _l("Discarded"),
}


class OutboxMessage(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The Message-ID header; the same on every try, so receiving servers can
    #: recognise a message a worker sent just before it died.
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Which e-mail template it was rendered from (for the admins' overview).
    template: Mapped[str] = mapped_column(sa.String(60), default="")
    #: The complete message (RFC 5322), rendered in the recipient's language.
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus), default=OutboxStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Not to be tried before this time (backoff after a temporary failure).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: A worker that claimed it sends it before then; after that another may.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(80))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The mail server's last answer (or the connection error).
    last_error: Mapped[str] = mapped_column(sa.Text, default="")

    @classmethod
    def of(cls, msg: EmailMessage, *, template: str = "") -> "OutboxMessage":
        return cls(
            message_id=msg["Message-ID"],
            recipient=msg["To"].addresses[0].addr_spec,
            subject=str(msg["Subject"] or "")[:300],
            template=template,
            content=msg.as_bytes(),
        )

    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.content, policy=email.policy.default)
