"""Board writes: cards, votes, moderation, settings, columns and promotion.

Each write first passes the checks of circle.boards.rules, under the board's row
lock; it then raises `board.version` and logs a BoardChange in the same
transaction, so the version order is the order of the database and every client
can apply changes in that order. The acting user and the time are arguments;
nothing here commits.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from circle.accounts.models import User
from circle.boards import rules, templates
from circle.boards.models import (
    Board,
    BoardChange,
    BoardColumn,
    Card,
    ChangeKind,
    Phase,
    Vote,
)
from circle.boards.rules import BoardError
from circle.boards.state import live_columns, votes_left
from circle.extensions import db
from circle.limits import MAX_BOARD_TITLE, MAX_COLUMNS
from circle.meetings.models import Meeting
from circle.moderation import services as audit
from circle.permissions import can_create_board, can_view_board

#: The on/off settings of `update_board`, each with the attribute it sets.
FLAGS = {
    "locked": "is_locked",
    "anonymous": "is_anonymous",
    "blurred": "is_blurred",
    "timer_locks": "timer_locks",
    "members_group": "members_group",
}
SETTINGS = {*FLAGS, "title", "vote_budget", "timer_minutes", "phase"}


@dataclass
class Written:
    """What a write did: the card it changed (if any) and the versions it made;
    for a new card also that it has no votes yet (nothing to count)."""

    card: Card | None
    versions: list[int]
    fresh: bool = False


def record(board: Board, kind: ChangeKind, object_id: int | None, now: datetime) -> int:
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


def wrote(board: Board, card: Card, now: datetime) -> Written:
    return Written(card, [record(board, ChangeKind.CARD, card.id, now)])


def _audit(board: Board, action: str, target: str, *, by: User, now: datetime, **kw):
    """Note an adviser's decision in the audit log of the board's programme."""
    meeting = board.meeting
    audit.record(
        action,
        target,
        by=by,
        programme_id=meeting.programme_id,
        group_id=meeting.group_id,
        now=now,
        **kw,
    )


# -- creating ------


def create_board(
    meeting: Meeting, title: str, *, by: User, now: datetime, template: str = "tips"
) -> Board:
    """A board with the template's columns and settings; a built-in template's
    columns in the language of the one creating it."""
    if not can_create_board(by, meeting):
        raise BoardError("forbidden", _l("You may not add boards to this session."))
    english = (by.language or str(get_locale() or "nl")) == "en"
    titles, settings = templates.columns_and_settings(
        template, meeting.programme_id, english=english
    )
    title = (title or "").strip() or meeting.title
    board = Board(
        meeting=meeting, title=title[:MAX_BOARD_TITLE], created_at=now, **settings
    )
    db.session.add(board)
    for position, column_title in enumerate(titles):
        db.session.add(BoardColumn(board=board, title=column_title, position=position))
    db.session.flush()
    return board


def board_for_code(code: str, *, by: User) -> Board:
    """The board a typed or scanned code opens for this person.

    Spaces, dashes and lower case are forgiven; a code that exists but is for
    a board the person may not see gets the same answer as a wrong one.
    """
    cleaned = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    board = db.session.scalar(sa.select(Board).where(Board.code == cleaned))
    if board is None or not can_view_board(by, board):
        raise BoardError(
            "not_found",
            _l("No board of yours has this code. Check it and try again."),
            "code",
        )
    return board


def meeting_boards(meeting: Meeting) -> list[Board]:
    return list(
        db.session.scalars(
            sa.select(Board).where(Board.meeting_id == meeting.id).order_by(Board.id)
        )
    )


# -- cards and votes ------


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
    """A card at the end of its column. A write with the `key` of an earlier one
    (a retry after a lost acknowledgement) returns that card instead."""
    rules.lock(board)
    existing = db.session.scalar(
        sa.select(Card).where(Card.board_id == board.id, Card.client_key == key)
    )
    if existing is not None:
        return Written(existing, [])
    moderator = rules.writable(board, by, now)
    text = rules.card_text(text)
    column = rules.column_of(board, column_id)
    behalf = rules.name_in_room(on_behalf_of)
    if behalf and not moderator:
        raise BoardError("forbidden", _l("Only advisers add cards for someone else."))
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
    set_committed_value(card, "comments", [])  # a new card has no replies
    return Written(card, [record(board, ChangeKind.CARD, card.id, now)], fresh=True)


def edit_card(
    board: Board, card_id: int, text: str, *, by: User, now: datetime
) -> Written:
    card = rules.changeable_card(board, card_id, by, now)
    card.text = rules.card_text(text)
    card.updated_at = now
    return wrote(board, card, now)


def move_card(
    board: Board,
    card_id: int,
    *,
    column_id: int,
    position: float,
    by: User,
    now: datetime,
) -> Written:
    """Move a card; a group's first card takes the group along, any other card
    of a group leaves it (dragging a card out is how a group is undone)."""
    card = rules.changeable_card(board, card_id, by, now)
    card.column = rules.column_of(board, column_id)
    card.position = float(position)
    card.updated_at = now
    card.cluster_id = None
    members = db.session.scalars(
        sa.select(Card).where(Card.cluster_id == card.id, Card.deleted_at.is_(None))
    )
    versions = [record(board, ChangeKind.CARD, card.id, now)]
    for member in members:
        member.column_id = card.column.id
        versions.append(record(board, ChangeKind.CARD, member.id, now))
    return Written(card if len(versions) == 1 else None, versions)


def delete_card(board: Board, card_id: int, *, by: User, now: datetime) -> Written:
    """Delete a card; when it led a group, the group's next card leads it now."""
    card = rules.changeable_card(board, card_id, by, now)
    card.deleted_at = now
    members = list(
        db.session.scalars(
            sa.select(Card)
            .where(Card.cluster_id == card.id, Card.deleted_at.is_(None))
            # A hidden card would take the group out of members' sight.
            .order_by(Card.is_hidden, Card.position, Card.id)
        )
    )
    if not members:
        return wrote(board, card, now)
    lead = members[0]
    lead.cluster_id, lead.cluster_title = None, card.cluster_title
    for member in members[1:]:
        member.cluster_id = lead.id
    versions = [record(board, ChangeKind.CARD, card.id, now)]
    versions += [record(board, ChangeKind.CARD, each.id, now) for each in members]
    return Written(None, versions)


def toggle_vote(board: Board, card_id: int, *, by: User, now: datetime) -> Written:
    """One vote per person per card; a second click takes it back."""
    rules.lock(board)
    rules.writable(board, by, now, "vote")
    card = rules.card_on(board, card_id)
    if card.is_hidden:
        raise BoardError("not_found", rules.CARD_GONE, "card_id")
    vote = db.session.get(Vote, (card.id, by.id))
    if vote is not None:
        db.session.delete(vote)
    elif votes_left(board, by.id) == 0:
        raise BoardError(
            "no_votes_left",
            _l("You have used all %(count)s of your votes.", count=board.vote_budget),
        )
    else:
        db.session.add(
            Vote(card_id=card.id, user_id=by.id, board_id=board.id, created_at=now)
        )
    db.session.flush()
    return wrote(board, card, now)


# -- moderation and settings ------


def moderate_card(
    board: Board,
    card_id: int,
    action: str,
    *,
    reason: str = "",
    by: User,
    now: datetime,
) -> Written:
    """hide / restore (written to the audit log), pin / unpin."""
    rules.lock(board)
    rules.require_moderator(board, by)
    card = rules.card_on(board, card_id)
    if action not in rules.CARD_ACTIONS:
        raise BoardError("invalid", _l("Unknown action."), "action")
    if action in ("hide", "restore"):
        card.is_hidden = action == "hide"
        summary = f"{board.title}: {card.text[:200]}"
        _audit(board, f"card.{action}", f"card:{card.id}", by=by, now=now,
               reason=reason[:2000], summary=summary)  # fmt: skip
    else:
        card.is_pinned = action == "pin"
    card.updated_at = now
    return wrote(board, card, now)


def update_board(board: Board, settings: dict, *, by: User, now: datetime) -> Written:
    """Change the SETTINGS named in `settings`; the others stay as they are."""
    rules.lock(board)
    rules.require_moderator(board, by)
    if not settings or set(settings) - SETTINGS:
        raise BoardError("invalid", _l("Unknown board setting."))
    for flag, attribute in FLAGS.items():
        if flag in settings:
            setattr(board, attribute, settings[flag])
    if "title" in settings:
        board.title = rules.board_title(settings["title"])
    if "phase" in settings:
        board.phase = Phase(settings["phase"]) if settings["phase"] else None
    if "vote_budget" in settings:
        board.vote_budget = rules.vote_budget(settings["vote_budget"])
    if "timer_minutes" in settings:
        minutes = rules.timer_minutes(settings["timer_minutes"])
        board.timer_ends_at = now + timedelta(minutes=minutes) if minutes else None
        if minutes:
            # A new countdown reopens a board its previous countdown had closed.
            board.is_locked = settings.get("locked", False)
    if "locked" in settings:
        action = "board.lock" if board.is_locked else "board.unlock"
        _audit(board, action, f"board:{board.id}", by=by, now=now, summary=board.title)
    return Written(None, [record(board, ChangeKind.BOARD, None, now)])


# -- columns ------


def add_column(board: Board, title: str, *, by: User, now: datetime) -> Written:
    rules.lock(board)
    rules.require_moderator(board, by)
    columns = live_columns(board)
    if len(columns) >= MAX_COLUMNS:
        raise BoardError(
            "invalid", _l("A board has at most %(max)s columns.", max=MAX_COLUMNS)
        )
    column = BoardColumn(
        board=board,
        title=rules.column_title(title),
        position=(max((c.position for c in columns), default=-1) + 1),
    )
    db.session.add(column)
    db.session.flush()
    return Written(None, [record(board, ChangeKind.COLUMN, column.id, now)])


def change_column(
    board: Board,
    column_id: int,
    *,
    title: str | None = None,
    position: int | None = None,
    remove: bool = False,
    by: User,
    now: datetime,
) -> Written:
    """Rename, move or remove a column; a board keeps at least one."""
    rules.lock(board)
    rules.require_moderator(board, by)
    column = rules.column_of(board, column_id)
    if title is not None:
        column.title = rules.column_title(title)
    if position is not None:
        column.position = position
    if remove:
        if len(live_columns(board)) <= 1:
            raise BoardError("invalid", _l("A board keeps at least one column."))
        column.deleted_at = now
    return Written(None, [record(board, ChangeKind.COLUMN, column.id, now)])
