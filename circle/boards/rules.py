"""What every board write checks before it changes anything, and its refusal.

Who may write (access, the lock, advisers only), which card or column an id
names on this board, and what a text or a setting may be. A refusal is a
BoardError whose `code` clients act on (docs/realtime.md) and whose `message`
people read.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from circle.accounts.models import User
from circle.boards.models import Board, BoardColumn, Card, Phase, get_row
from circle.database import lock_and_reload
from circle.errors import ServiceError
from circle.extensions import db
from circle.limits import (
    MAX_BOARD_TITLE,
    MAX_CARD_TEXT,
    MAX_CLUSTER_TITLE,
    MAX_COLUMN_TITLE,
    MAX_COMMENT_TEXT,
    MAX_ON_BEHALF_OF,
    MAX_TIMER_MINUTES,
)
from circle.permissions import can_change_card, can_moderate_board, can_view_board

#: What an adviser may do to a card.
CARD_ACTIONS = ("hide", "restore", "pin", "unpin")
BOARD_NOT_FOUND = _l("This board does not exist or is not for you.")
CARD_GONE = _l("That card is no longer on the board.")
NOT_ON_BOARD = _l("That column is not on this board.")
NO_CARD_TEXT = _l("A card needs text.")
CARD_TOO_LONG = _l("A card can be at most %(max)s characters.", max=MAX_CARD_TEXT)
COLUMN_TITLE_RULE = _l(
    "A column needs a title of at most %(max)s characters.", max=MAX_COLUMN_TITLE
)
NO_TITLE = _l("Give the board a title.")
BOARD_TITLE_TOO_LONG = _l(
    "The board's title can be at most %(max)s characters.", max=MAX_BOARD_TITLE
)
NAME_TOO_LONG = _l("That name is too long.")
VOTE_BUDGET_RULE = _l("Votes per person: empty, or 1 to 100.")
TIMER_RULE = _l("The timer runs 1 to %(max)s minutes.", max=MAX_TIMER_MINUTES)
NO_COMMENT_TEXT = _l("A reply needs text.")
COMMENT_TOO_LONG = _l(
    "A reply can be at most %(max)s characters.", max=MAX_COMMENT_TEXT
)
CLUSTER_TITLE_TOO_LONG = _l(
    "A group's title can be at most %(max)s characters.", max=MAX_CLUSTER_TITLE
)

#: What members may do in each phase (advisers may always do everything).
#: "write" is adding, editing, moving and deleting one's own cards.
PHASE_ALLOWS = {
    None: {"write", "vote", "comment"},
    Phase.WRITE: {"write", "comment"},
    Phase.GROUP: {"group", "comment"},
    Phase.VOTE: {"vote"},
    Phase.DISCUSS: {"comment"},
}
#: Why something is refused in a phase, for the person who tried.
PHASE_REFUSALS = {
    "write": _l("Writing cards is closed in this phase of the board."),
    "vote": _l("Voting is not open in this phase of the board."),
    "comment": _l("Replies are closed in this phase of the board."),
    "group": _l("Only the adviser groups cards on this board now."),
}


class BoardError(ServiceError):
    """A refused board action; `code` is stable for clients, `message` is for people."""

    def __init__(self, code: str, message, field: str | None = None):
        super().__init__(message, field)
        self.code = code


def lock(board: Board) -> None:
    """Serialise writers on this board, then work with its latest settings."""
    lock_and_reload(db.session, board)


def member_may(board: Board, what: str) -> bool:
    """Whether members may do `what` (write, vote, comment, group) now."""
    allowed = PHASE_ALLOWS[board.phase]
    if board.phase is None and board.members_group:
        allowed = allowed | {"group"}
    return what in allowed


def writable(board: Board, by: User, now: datetime, what: str = "write") -> bool:
    """Check access, the lock and the phase; returns whether `by` moderates
    this board (advisers are held by neither lock nor phase)."""
    if not can_view_board(by, board):
        raise BoardError("not_found", BOARD_NOT_FOUND)
    moderator = can_moderate_board(by, board)
    if moderator:
        return True
    if board.is_closed(now):
        raise BoardError(
            "locked", _l("The board is locked: it can be read, not changed.")
        )
    if not member_may(board, what):
        raise BoardError("phase", PHASE_REFUSALS[what])
    return False


def require_moderator(board: Board, by: User) -> None:
    if not can_moderate_board(by, board):
        raise BoardError("forbidden", _l("Only the session's advisers can do this."))


def column_of(board: Board, column_id: int) -> BoardColumn:
    """A live column of this board; any other id is an invalid request."""
    column = get_row(BoardColumn, column_id)
    if column is None or column.board_id != board.id or column.deleted_at is not None:
        raise BoardError("invalid", NOT_ON_BOARD, "column_id")
    return column


def card_on(board: Board, card_id: int) -> Card:
    """A card still on this board; any other id is not found."""
    card = get_row(Card, card_id)
    if card is None or card.board_id != board.id or card.deleted_at is not None:
        raise BoardError("not_found", CARD_GONE, "card_id")
    return card


def changeable_card(board: Board, card_id: int, by: User, now: datetime) -> Card:
    """Lock the board and return the card, if `by` may change it now."""
    lock(board)
    writable(board, by, now, "write")
    card = card_on(board, card_id)
    if not can_change_card(by, card):
        raise BoardError("forbidden", _l("You can only change your own cards."))
    return card


def _text(text: str, limit: int, field: str, empty, too_long) -> str:
    text = text.strip()
    if not text or len(text) > limit:
        raise BoardError("invalid", too_long if text else empty, field)
    return text


def card_text(text: str) -> str:
    """The text of a card, without surrounding spaces; it may hold line breaks."""
    return _text(text, MAX_CARD_TEXT, "text", NO_CARD_TEXT, CARD_TOO_LONG)


def comment_text(text: str) -> str:
    return _text(text, MAX_COMMENT_TEXT, "text", NO_COMMENT_TEXT, COMMENT_TOO_LONG)


def _optional_text(text: str, limit: int, field: str, too_long) -> str:
    text = text.strip()
    if len(text) > limit:
        raise BoardError("invalid", too_long, field)
    return text


def cluster_title(title: str) -> str:
    """A group's title; empty is fine (the group is then named by its count)."""
    return _optional_text(title, MAX_CLUSTER_TITLE, "title", CLUSTER_TITLE_TOO_LONG)


def column_title(title: str) -> str:
    return _text(title, MAX_COLUMN_TITLE, "title", COLUMN_TITLE_RULE, COLUMN_TITLE_RULE)


def board_title(title: str) -> str:
    return _text(title, MAX_BOARD_TITLE, "title", NO_TITLE, BOARD_TITLE_TOO_LONG)


def name_in_room(name: str) -> str:
    """The name of someone in the room an adviser adds a card for ("" for none)."""
    return _optional_text(name, MAX_ON_BEHALF_OF, "on_behalf_of", NAME_TOO_LONG)


def vote_budget(budget: int | None) -> int | None:
    """Votes per person: None for one per card without a total, or 1 to 100."""
    if budget is not None and not 1 <= budget <= 100:
        raise BoardError("invalid", VOTE_BUDGET_RULE, "vote_budget")
    return budget


def timer_minutes(minutes: int | None) -> int | None:
    """A countdown of 1 to MAX_TIMER_MINUTES minutes, or None for none."""
    if minutes is not None and not 1 <= minutes <= MAX_TIMER_MINUTES:
        raise BoardError("invalid", TIMER_RULE, "timer_minutes")
    return minutes
