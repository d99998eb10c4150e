"""The audit log: every moderation action, who took it, when and why."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circle.accounts.models import User
from circle.database import UTCDateTime, utcnow
from circle.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: What was done, e.g. "post.hide", "thread.lock", "card.hide".
    action: Mapped[str] = mapped_column(sa.String(40))
    #: What it was done to, e.g. "post:12".
    subject: Mapped[str] = mapped_column(sa.String(60))
    #: A short human description of the subject at the time (a thread title).
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    #: None for decisions outside any programme (organisations and their members).
    programme_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    #: The group whose advisers may read this entry; None for programme-wide items.
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, index=True
    )

    actor: Mapped[User | None] = relationship()
