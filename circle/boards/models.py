"""A board of a session, its columns and cards, votes, and its change log.

Every change raises the board's `version` inside the transaction that makes it
and is written to `board_changes`; clients apply changes in version order and,
after a reconnect, ask for everything after the last version they saw.
"""

import enum
import secrets
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circle.accounts.models import Organisation, User
from circle.database import UTCDateTime, enum_column, utcnow
from circle.extensions import db
from circle.meetings.models import Meeting
from circle.timezones import utc_to_local

#: The largest id an INTEGER column holds. No row has an id outside 1..MAX_ID,
#: and PostgreSQL answers a lookup of one with an error instead of no row.
MAX_ID = 2**31 - 1

#: Letters and digits nobody mistakes for each other when reading them off a
#: projector (no 0/O, 1/I/L); six of them give 30^6 ≈ 729 million codes.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ2345679"
CODE_LENGTH = 6


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


#: Columns a new board starts with (Dutch, English).
DEFAULT_COLUMNS = [
    ("Tips voor gemeenten", "Tips for municipalities"),
    ("Tips voor initiatieven", "Tips for initiatives"),
    ("Vragen", "Questions"),
]

#: The columns of each board an adviser can start from (BoardForm names them).
TEMPLATES = {
    "tips": DEFAULT_COLUMNS,
    "works": [
        ("Wat werkt", "What works"),
        ("Wat niet", "What doesn't"),
        ("Vragen", "Questions"),
    ],
    "start-stop": [("Start", "Start"), ("Stop", "Stop"), ("Doorgaan", "Continue")],
    "empty": [("Ideeën", "Ideas")],
}


class Phase(enum.StrEnum):
    """The optional steps of a facilitated round; each allows members one thing
    (circle.boards.rules.PHASE_ALLOWS)."""

    WRITE = "write"
    GROUP = "group"
    VOTE = "vote"
    DISCUSS = "discuss"


class BoardTemplate(db.Model):
    """A board's columns and settings an adviser saved for their programme."""

    __tablename__ = "board_templates"
    __table_args__ = (sa.UniqueConstraint("programme_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    #: The column titles, in order.
    columns: Mapped[list] = mapped_column(sa.JSON)
    is_anonymous: Mapped[bool] = mapped_column(default=False)
    is_blurred: Mapped[bool] = mapped_column(default=False)
    vote_budget: Mapped[int | None]
    members_group: Mapped[bool] = mapped_column(default=False)
    #: Whether boards made from it start in the writing phase.
    phases: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Board(db.Model):
    __tablename__ = "boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    #: Short code people type (or scan as a QR code) to open the board.
    code: Mapped[str] = mapped_column(sa.String(12), unique=True, default=new_code)
    is_locked: Mapped[bool] = mapped_column(default=False)
    #: Names are never shown, not even to advisers, nor exported.
    is_anonymous: Mapped[bool] = mapped_column(default=False)
    #: Cards are hidden from other participants until the adviser reveals them.
    is_blurred: Mapped[bool] = mapped_column(default=False)
    #: Votes per person; None is one vote per card, without a total limit.
    vote_budget: Mapped[int | None]
    timer_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Whether the board locks itself when the timer runs out.
    timer_locks: Mapped[bool] = mapped_column(default=False)
    #: The round's current step; None when the board runs without phases.
    phase: Mapped[Phase | None] = mapped_column(enum_column(Phase), nullable=True)
    #: Members may group cards too (advisers always can).
    members_group: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )
    #: Raised by one for every change; the order every client applies.
    version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    columns: Mapped[list["BoardColumn"]] = relationship(
        back_populates="board", order_by="(BoardColumn.position, BoardColumn.id)"
    )

    def is_closed(self, now: datetime) -> bool:
        """Read-only: locked, or the timer ran out on a board that locks with it."""
        expired = (
            self.timer_locks
            and self.timer_ends_at is not None
            and now >= self.timer_ends_at
        )
        return self.is_locked or expired


class BoardColumn(db.Model):
    __tablename__ = "board_columns"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(
        sa.ForeignKey("boards.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(default=0)
    #: Removed columns stay (their cards keep a home in exports) but are not shown.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    board: Mapped[Board] = relationship(back_populates="columns")


class Card(db.Model):
    __tablename__ = "cards"
    __table_args__ = (
        # A retried write carries the same key: it can never make a second card.
        sa.UniqueConstraint("board_id", "client_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(
        sa.ForeignKey("boards.id", ondelete="CASCADE"), index=True
    )
    column_id: Mapped[int] = mapped_column(
        sa.ForeignKey("board_columns.id", ondelete="CASCADE")
    )
    #: Kept to let authors edit their own cards; never shown on anonymous boards.
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: A name typed by an adviser adding a card for someone in the room.
    on_behalf_of: Mapped[str] = mapped_column(sa.String(120), default="")
    text: Mapped[str] = mapped_column(sa.Text)
    position: Mapped[float] = mapped_column(default=0.0)
    client_key: Mapped[str] = mapped_column(sa.String(64))
    is_hidden: Mapped[bool] = mapped_column(default=False)
    is_pinned: Mapped[bool] = mapped_column(default=False)
    promoted_post_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("posts.id", ondelete="SET NULL")
    )
    #: The card this one is grouped under (a cluster's first card); None for a
    #: card on its own or the first card of a cluster.
    cluster_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cards.id", ondelete="SET NULL"), index=True
    )
    #: The cluster's title, kept on its first card.
    cluster_title: Mapped[str] = mapped_column(
        sa.String(120), default="", server_default=""
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    board: Mapped[Board] = relationship()
    column: Mapped[BoardColumn] = relationship()
    author: Mapped[User | None] = relationship()
    #: Loaded with the card (one query for all cards of a page or a state).
    comments: Mapped[list["CardComment"]] = relationship(
        order_by="CardComment.id", viewonly=True, lazy="selectin"
    )


class CardComment(db.Model):
    """A short reply under a card; shown by the card's own rules (blur, anonymity)."""

    __tablename__ = "card_comments"
    __table_args__ = (sa.UniqueConstraint("board_id", "client_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cards.id", ondelete="CASCADE"), index=True
    )
    board_id: Mapped[int] = mapped_column(
        sa.ForeignKey("boards.id", ondelete="CASCADE")
    )
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(sa.Text)
    client_key: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")


class Vote(db.Model):
    __tablename__ = "card_votes"

    card_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    board_id: Mapped[int] = mapped_column(
        sa.ForeignKey("boards.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChangeKind(enum.StrEnum):
    CARD = "card"
    COLUMN = "column"
    BOARD = "board"


class BoardChange(db.Model):
    """What changed at each version: which card, column or the board's settings."""

    __tablename__ = "board_changes"
    __table_args__ = (sa.UniqueConstraint("board_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(
        sa.ForeignKey("boards.id", ondelete="CASCADE")
    )
    version: Mapped[int]
    kind: Mapped[ChangeKind] = mapped_column(enum_column(ChangeKind))
    #: The card or column id (None for board settings).
    object_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BoardAction(db.Model):
    """What a card or cluster turned into: someone does something by a date.

    The owner is one person or one organisation (a municipality) of the
    session; an organisation's action shows in its case.
    """

    __tablename__ = "board_actions"
    __table_args__ = (
        sa.CheckConstraint(
            "(owner_user_id IS NULL) != (owner_organisation_id IS NULL)",
            name="one_owner",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(
        sa.ForeignKey("boards.id", ondelete="CASCADE"), index=True
    )
    card_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cards.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(sa.Text)
    owner_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    owner_organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    due_on: Mapped[date]
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    board: Mapped[Board] = relationship()
    owner_user: Mapped[User | None] = relationship(foreign_keys=[owner_user_id])
    owner_organisation: Mapped[Organisation | None] = relationship()

    @property
    def is_overdue(self) -> bool:
        """Still open after its date (in Dutch time)."""
        return self.done_at is None and self.due_on < utc_to_local(utcnow()).date()

    @property
    def owner_name(self) -> str:
        if self.owner_user is not None:
            return self.owner_user.name
        return self.owner_organisation.name if self.owner_organisation else ""


class Presence(db.Model):
    """Who has the board open now, one row per connection (any server process)."""

    __tablename__ = "board_presence"

    sid: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    board_id: Mapped[int] = mapped_column(
        sa.ForeignKey("boards.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


def get_row(model: type[db.Model], row_id: int, **options):
    """The row of `model` with this id, or None, also for ids no row can have."""
    return db.session.get(model, row_id, **options) if 1 <= row_id <= MAX_ID else None
