"""A board of a session, its columns and cards, votes, and its change log.

Every change raises the board's `version` inside the transaction that makes it
and is written to `board_changes`; clients apply changes in version order and,
after a reconnect, ask for everything after the last version they saw.
"""

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circle.accounts.models import User
from circle.database import UTCDateTime, enum_column, utcnow
from circle.extensions import db
from circle.meetings.models import Meeting

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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    board: Mapped[Board] = relationship()
    column: Mapped[BoardColumn] = relationship()
    author: Mapped[User | None] = relationship()


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


def get_row(model: type[db.Model], row_id: int):
    """The row of `model` with this id, or None, also for ids no row can have."""
    return db.session.get(model, row_id) if 1 <= row_id <= MAX_ID else None
