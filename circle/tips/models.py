"""A tip, who wrote it and whether they agree to be named, where it came from,
and a session's short report.

A tip is published beyond its programme only with every author's consent
(named or anonymous); cards from anonymous boards are never attributed.
"""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circle.accounts.models import User
from circle.database import UTCDateTime, enum_column, utcnow
from circle.extensions import db
from circle.programmes.models import Principle, Programme, Theme


class TipAudience(enum.StrEnum):
    """Who does what ("wie doet wat")."""

    MUNICIPALITY = "municipality"
    INITIATIVE = "initiative"
    FUND = "fund"
    TOGETHER = "together"

    @property
    def label(self) -> str:
        return str(AUDIENCE_LABELS[self])


AUDIENCE_LABELS = {
    TipAudience.MUNICIPALITY: _l("For municipalities"),
    TipAudience.INITIATIVE: _l("For initiatives"),
    TipAudience.FUND: _l("For funds"),
    TipAudience.TOGETHER: _l("Together"),
}


class TipStatus(enum.StrEnum):
    DRAFT = "draft"
    PROGRAMME = "programme"  # published in the programme
    PUBLIC = "public"  # published to everyone (with the authors' consent)

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    TipStatus.DRAFT: _l("Draft"),
    TipStatus.PROGRAMME: _l("Published in the programme"),
    TipStatus.PUBLIC: _l("Published to everyone"),
}


class Consent(enum.StrEnum):
    ASKED = "asked"
    NAMED = "named"
    ANONYMOUS = "anonymous"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return str(CONSENT_LABELS[self])


CONSENT_LABELS = {
    Consent.ASKED: _l("Not answered yet"),
    Consent.NAMED: _l("Agrees, with name"),
    Consent.ANONYMOUS: _l("Agrees, without name"),
    Consent.DECLINED: _l("Does not agree"),
}


tip_themes = sa.Table(
    "tip_themes",
    db.metadata,
    sa.Column("tip_id", sa.ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "theme_id", sa.ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True
    ),
)
tip_principles = sa.Table(
    "tip_principles",
    db.metadata,
    sa.Column("tip_id", sa.ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "principle_id",
        sa.ForeignKey("principles.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class Tip(db.Model):
    __tablename__ = "tips"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    #: Markdown, rendered sanitised.
    text: Mapped[str] = mapped_column(sa.Text)
    audience: Mapped[TipAudience] = mapped_column(
        enum_column(TipAudience), default=TipAudience.TOGETHER
    )
    status: Mapped[TipStatus] = mapped_column(
        enum_column(TipStatus), default=TipStatus.DRAFT, index=True
    )
    #: The votes its cards had when harvested, then raised by hand if wanted.
    score: Mapped[int] = mapped_column(default=0)
    #: Where it came from (each may be gone later; the tip stays).
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    board_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("boards.id", ondelete="SET NULL")
    )
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="SET NULL"), index=True
    )
    thread_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="SET NULL")
    )
    case_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    programme: Mapped[Programme] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=tip_themes, order_by=Theme.id)
    principles: Mapped[list[Principle]] = relationship(
        secondary=tip_principles, order_by=Principle.position
    )
    authors: Mapped[list["TipAuthor"]] = relationship(
        back_populates="tip",
        cascade="all, delete-orphan",
        order_by="TipAuthor.position",
    )

    @property
    def is_public(self) -> bool:
        """Visible to everyone: published so, and no author holds it back (a
        deleted account's name is gone, so it holds nothing back)."""
        return self.status == TipStatus.PUBLIC and all(
            author.consent in (Consent.NAMED, Consent.ANONYMOUS)
            or author.user.deleted_at is not None
            for author in self.authors
        )

    @property
    def inside_names(self) -> list[str]:
        """Who wrote it, as the programme's own people see it."""
        return [a.user.name for a in self.authors if a.user.deleted_at is None]

    @property
    def public_names(self) -> list[str]:
        """The names that may stand under it outside the programme."""
        return [
            author.user.name
            for author in self.authors
            if author.consent == Consent.NAMED and author.user.deleted_at is None
        ]


class TipAuthor(db.Model):
    """Someone who wrote (a card of) a tip, and what they agreed to."""

    __tablename__ = "tip_authors"

    tip_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    #: None until publication to everyone asks for it.
    consent: Mapped[Consent | None] = mapped_column(enum_column(Consent))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tip: Mapped[Tip] = relationship(back_populates="authors")
    user: Mapped[User] = relationship()


class TipCard(db.Model):
    """A board card a tip was made of (several after a merge)."""

    __tablename__ = "tip_cards"

    tip_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True
    )
    card_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True, unique=True
    )


class ReportStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class SessionReport(db.Model):
    """The short report ("kort verslag") of a session, written by its advisers."""

    __tablename__ = "session_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), unique=True
    )
    #: Markdown, rendered sanitised.
    body: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[ReportStatus] = mapped_column(
        enum_column(ReportStatus), default=ReportStatus.DRAFT
    )
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User | None] = relationship()
    attachments: Mapped[list["ReportAttachment"]] = relationship(
        cascade="all, delete-orphan", order_by="ReportAttachment.id"
    )


class ReportAttachment(db.Model):
    """A file with a report, such as the session's slides (stored as posts' are)."""

    __tablename__ = "report_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("session_reports.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
