"""Board writes: cards, columns, votes, settings, moderation and promotion.

Each write takes the board's row lock (`lock_row`), raises `board.version` and
logs a BoardChange in the same transaction, so the version order is the order
of the database and every client can apply changes in that order.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from circle.accounts.models import User
from circle.boards.models import (
    DEFAULT_COLUMNS,
    Board,
    BoardChange,
    BoardColumn,
    Card,
    ChangeKind,
    Vote,
)
from circle.boards.state import live_columns, votes_left
from circle.database import lock_row
from circle.errors import ServiceError
from circle.extensions import db
from circle.limits import (
    MAX_CARD_TEXT,
    MAX_COLUMN_TITLE,
    MAX_COLUMNS,
    MAX_TIMER_MINUTES,
)
from circle.meetings.models import Meeting
from circle.moderation import services as audit
from circle.permissions import (
    can_change_card,
    can_create_board,
    can_moderate_board,
    can_view_board,
)
from circle.threads.models import Post, Thread


class BoardError(ServiceError):
    """A refused board action; `code` is stable for clients, `message` is for people."""

    def __init__(self, code: str, message, field: str | None = None):
        super().__init__(message, field)
        self.code = code


# -- creating ------


def create_board(meeting: Meeting, title: str, *, by: User, now: datetime) -> Board:
    if not can_create_board(by, meeting):
        raise BoardError("forbidden", _l("You may not add boards to this session."))
    title = (title or "").strip() or meeting.title
    english = (by.language or str(get_locale() or "nl")) == "en"
    board = Board(meeting=meeting, title=title[:200], created_at=now)
    db.session.add(board)
    for position, (dutch, english_title) in enumerate(DEFAULT_COLUMNS):
        db.session.add(
            BoardColumn(
                board=board,
                title=english_title if english else dutch,
                position=position,
            )
        )
    db.session.flush()
    return board


def meeting_boards(meeting: Meeting) -> list[Board]:
    return list(
        db.session.scalars(
            sa.select(Board).where(Board.meeting_id == meeting.id).order_by(Board.id)
        )
    )


# -- writing ------


def _record(
    board: Board, kind: ChangeKind, object_id: int | None, now: datetime
) -> int:
    board.version += 1
    db.session.add(
        BoardChange(
            board_id=board.id,
            version=board.version,
            kind=kind,
            object_id=object_id,
            created_at=now,
        )
    )
    return board.version


def _lock(board: Board) -> None:
    """Serialise writers on this board, then work with its latest settings."""
    lock_row(db.session, Board, board.id)
    db.session.refresh(board)


def _writable(board: Board, by: User, now: datetime) -> bool:
    """Check access and the lock; returns whether `by` moderates this board."""
    if not can_view_board(by, board):
        raise BoardError(
            "not_found", _l("This board does not exist or is not for you.")
        )
    moderator = can_moderate_board(by, board)
    if board.is_closed(now) and not moderator:
        raise BoardError(
            "locked", _l("The board is locked: it can be read, not changed.")
        )
    return moderator


def _check_text(text) -> str:
    if not isinstance(text, str):
        raise BoardError("invalid", _l("A card needs text."), "text")
    text = text.strip()
    if not text:
        raise BoardError("invalid", _l("A card needs text."), "text")
    if len(text) > MAX_CARD_TEXT:
        raise BoardError(
            "invalid",
            _l("A card can be at most %(max)s characters.", max=MAX_CARD_TEXT),
            "text",
        )
    return text


def _column_of(board: Board, column_id) -> BoardColumn:
    column = (
        db.session.get(BoardColumn, column_id) if isinstance(column_id, int) else None
    )
    if column is None or column.board_id != board.id or column.deleted_at is not None:
        raise BoardError(
            "invalid", _l("That column is not on this board."), "column_id"
        )
    return column


@dataclass
class Written:
    """What a write did: the card, whether it is new, and the versions it made."""

    card: Card | None
    created: bool
    versions: list[int]


def add_card(
    board: Board,
    *,
    column_id: int,
    text: str,
    key: str,
    by: User,
    now: datetime,
    on_behalf_of: str = "",
) -> Written:
    if not isinstance(key, str) or not 8 <= len(key) <= 64:
        raise BoardError(
            "invalid", _l("The request is incomplete: reload the page."), "key"
        )
    _lock(board)
    existing = db.session.scalar(
        sa.select(Card).where(Card.board_id == board.id, Card.client_key == key)
    )
    if existing is not None:  # a retry of a write that already succeeded
        return Written(existing, False, [])
    moderator = _writable(board, by, now)
    text = _check_text(text)
    column = _column_of(board, column_id)
    behalf = (on_behalf_of or "").strip()
    if behalf and not moderator:
        raise BoardError("forbidden", _l("Only advisers add cards for someone else."))
    if len(behalf) > 120:
        raise BoardError("invalid", _l("That name is too long."), "on_behalf_of")
    last = db.session.scalar(
        sa.select(sa.func.max(Card.position)).where(Card.column_id == column.id)
    )
    card = Card(
        board=board,
        column=column,
        author=by,
        on_behalf_of=behalf,
        text=text,
        position=(last or 0) + 1,
        client_key=key,
        created_at=now,
        updated_at=now,
    )
    db.session.add(card)
    db.session.flush()
    return Written(card, True, [_record(board, ChangeKind.CARD, card.id, now)])


def _card_on(board: Board, card_id) -> Card:
    card = db.session.get(Card, card_id) if isinstance(card_id, int) else None
    if card is None or card.board_id != board.id or card.deleted_at is not None:
        raise BoardError(
            "not_found", _l("That card is no longer on the board."), "card_id"
        )
    return card


def _changeable(board: Board, card_id, by: User, now: datetime) -> Card:
    _lock(board)
    _writable(board, by, now)
    card = _card_on(board, card_id)
    if not can_change_card(by, card):
        raise BoardError("forbidden", _l("You can only change your own cards."))
    return card


def edit_card(board: Board, card_id, text, *, by: User, now: datetime) -> Written:
    card = _changeable(board, card_id, by, now)
    card.text = _check_text(text)
    card.updated_at = now
    return Written(card, False, [_record(board, ChangeKind.CARD, card.id, now)])


def move_card(
    board: Board, card_id, *, column_id, position, by: User, now: datetime
) -> Written:
    card = _changeable(board, card_id, by, now)
    column = _column_of(board, column_id)
    if not isinstance(position, int | float) or isinstance(position, bool):
        raise BoardError(
            "invalid", _l("The request is incomplete: reload the page."), "position"
        )
    card.column = column
    card.position = float(position)
    card.updated_at = now
    return Written(card, False, [_record(board, ChangeKind.CARD, card.id, now)])


def delete_card(board: Board, card_id, *, by: User, now: datetime) -> Written:
    card = _changeable(board, card_id, by, now)
    card.deleted_at = now
    return Written(card, False, [_record(board, ChangeKind.CARD, card.id, now)])


def toggle_vote(board: Board, card_id, *, by: User, now: datetime) -> Written:
    """One vote per person per card; a second click takes it back."""
    _lock(board)
    _writable(board, by, now)
    card = _card_on(board, card_id)
    if card.is_hidden:
        raise BoardError(
            "not_found", _l("That card is no longer on the board."), "card_id"
        )
    vote = db.session.get(Vote, (card.id, by.id))
    if vote is not None:
        db.session.delete(vote)
    else:
        if votes_left(board, by.id) == 0:
            raise BoardError(
                "no_votes_left",
                _l(
                    "You have used all %(count)s of your votes.",
                    count=board.vote_budget,
                ),
            )
        db.session.add(
            Vote(card_id=card.id, user_id=by.id, board_id=board.id, created_at=now)
        )
    db.session.flush()
    return Written(card, False, [_record(board, ChangeKind.CARD, card.id, now)])


def _moderator(board: Board, by: User) -> None:
    if not can_moderate_board(by, board):
        raise BoardError("forbidden", _l("Only the session's advisers can do this."))


def moderate_card(
    board: Board, card_id, action: str, *, reason: str = "", by: User, now: datetime
) -> Written:
    """hide / restore (written to the audit log), pin / unpin."""
    _lock(board)
    _moderator(board, by)
    card = _card_on(board, card_id)
    if action not in ("hide", "restore", "pin", "unpin"):
        raise BoardError("invalid", _l("Unknown action."), "action")
    if action in ("hide", "restore"):
        card.is_hidden = action == "hide"
        meeting = board.meeting
        audit.record(
            f"card.{action}",
            f"card:{card.id}",
            by=by,
            programme_id=meeting.programme_id,
            group_id=meeting.group_id,
            reason=(reason or "")[:2000],
            summary=f"{board.title}: {card.text[:200]}",
            now=now,
        )
    else:
        card.is_pinned = action == "pin"
    card.updated_at = now
    return Written(card, False, [_record(board, ChangeKind.CARD, card.id, now)])


SETTINGS = {
    "title",
    "locked",
    "anonymous",
    "blurred",
    "vote_budget",
    "timer_minutes",
    "timer_locks",
}


def update_board(board: Board, settings: dict, *, by: User, now: datetime) -> Written:
    _lock(board)
    _moderator(board, by)
    if not isinstance(settings, dict) or not settings or set(settings) - SETTINGS:
        raise BoardError("invalid", _l("Unknown board setting."))
    for flag, attribute in (
        ("locked", "is_locked"),
        ("anonymous", "is_anonymous"),
        ("blurred", "is_blurred"),
        ("timer_locks", "timer_locks"),
    ):
        if flag in settings:
            if not isinstance(settings[flag], bool):
                raise BoardError("invalid", _l("Unknown board setting."), flag)
            setattr(board, attribute, settings[flag])
    if "title" in settings:
        title = settings["title"]
        if not isinstance(title, str) or not title.strip() or len(title) > 200:
            raise BoardError("invalid", _l("Give the board a title."), "title")
        board.title = title.strip()
    if "vote_budget" in settings:
        budget = settings["vote_budget"]
        if budget is not None and (
            not isinstance(budget, int)
            or isinstance(budget, bool)
            or not 1 <= budget <= 100
        ):
            raise BoardError(
                "invalid", _l("Votes per person: empty, or 1 to 100."), "vote_budget"
            )
        board.vote_budget = budget
    if "timer_minutes" in settings:
        minutes = settings["timer_minutes"]
        if minutes is None:
            board.timer_ends_at = None
        elif (
            not isinstance(minutes, int)
            or isinstance(minutes, bool)
            or not 1 <= minutes <= MAX_TIMER_MINUTES
        ):
            raise BoardError(
                "invalid",
                _l("The timer runs 1 to %(max)s minutes.", max=MAX_TIMER_MINUTES),
                "timer_minutes",
            )
        else:
            board.timer_ends_at = now + timedelta(minutes=minutes)
            # A new countdown reopens a board its previous countdown had closed.
            board.is_locked = bool(settings.get("locked", False))
    if "locked" in settings:
        meeting = board.meeting
        audit.record(
            "board.lock" if board.is_locked else "board.unlock",
            f"board:{board.id}",
            by=by,
            programme_id=meeting.programme_id,
            group_id=meeting.group_id,
            summary=board.title,
            now=now,
        )
    return Written(None, False, [_record(board, ChangeKind.BOARD, None, now)])


def _check_title(title) -> str:
    if (
        not isinstance(title, str)
        or not title.strip()
        or len(title.strip()) > MAX_COLUMN_TITLE
    ):
        raise BoardError(
            "invalid",
            _l(
                "A column needs a title of at most %(max)s characters.",
                max=MAX_COLUMN_TITLE,
            ),
            "title",
        )
    return title.strip()


def add_column(board: Board, title, *, by: User, now: datetime) -> Written:
    _lock(board)
    _moderator(board, by)
    columns = live_columns(board)
    if len(columns) >= MAX_COLUMNS:
        raise BoardError(
            "invalid", _l("A board has at most %(max)s columns.", max=MAX_COLUMNS)
        )
    column = BoardColumn(
        board=board,
        title=_check_title(title),
        position=(max((c.position for c in columns), default=-1) + 1),
    )
    db.session.add(column)
    db.session.flush()
    return Written(None, True, [_record(board, ChangeKind.COLUMN, column.id, now)])


def change_column(
    board: Board,
    column_id,
    *,
    title=None,
    position=None,
    remove=False,
    by: User,
    now: datetime,
) -> Written:
    _lock(board)
    _moderator(board, by)
    column = _column_of(board, column_id)
    if title is not None:
        column.title = _check_title(title)
    if position is not None:
        if not isinstance(position, int) or isinstance(position, bool):
            raise BoardError(
                "invalid", _l("The request is incomplete: reload the page.")
            )
        column.position = position
    if remove:
        if len(live_columns(board)) <= 1:
            raise BoardError("invalid", _l("A board keeps at least one column."))
        column.deleted_at = now
    return Written(None, False, [_record(board, ChangeKind.COLUMN, column.id, now)])


# -- promotion ------


def promote_card(
    card: Card, thread_id: int | None, *, origin_url: str, by: User, now: datetime
) -> Post:
    """Copy a card into the group's conversations, linking back to its board."""
    from circle.threads import services as threads  # threads do not need boards

    board = card.board
    _moderator(board, by)
    meeting = board.meeting
    if card.deleted_at is not None or card.is_hidden:
        raise BoardError("not_found", _l("That card is no longer on the board."))
    origin = f"[{board.title}]({origin_url}) · {meeting.title}"
    body = f"{card.text}\n\n_{_l('From the board')} {origin}_"
    if thread_id:
        thread = db.session.get(Thread, thread_id)
        if thread is None or thread.programme_id != meeting.programme_id:
            raise BoardError("invalid", _l("Choose a conversation from the list."))
        post = threads.reply(thread, threads.PostData(body), by=by, now=now)
    else:
        thread = threads.start_thread(
            meeting.programme,
            threads.ThreadData(
                title=card.text.splitlines()[0][:200],
                group_id=meeting.group_id,
                theme_ids=[],
                case_id=None,
                post=threads.PostData(body),
            ),
            by=by,
            now=now,
        )
        post = thread.posts[0]
    _lock(board)
    card.promoted_post_id = post.id
    _record(board, ChangeKind.CARD, card.id, now)
    return post
