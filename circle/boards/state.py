"""What a board looks like to one person: its state, its changes since a version.

Serialisation lives here once, so the page, the socket events, the broadcasts and
the exports show each card by the same rules (hidden, blurred, anonymous).
"""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from circle.accounts.models import User
from circle.boards.models import (
    Board,
    BoardChange,
    BoardColumn,
    Card,
    CardComment,
    ChangeKind,
    Vote,
)
from circle.extensions import db
from circle.permissions import can_moderate_board

#: Further behind than this, a reconnecting client gets the whole board instead.
MAX_CATCH_UP = 500


@dataclass(frozen=True)
class Viewer:
    """Who a payload is for: it decides what of each card they may see."""

    user_id: int | None
    is_moderator: bool

    @classmethod
    def of(cls, user: User, board: Board) -> "Viewer":
        return cls(user.id, can_moderate_board(user, board))


STAFF = Viewer(None, True)
MEMBERS = Viewer(None, False)


def live_columns(board: Board) -> list[BoardColumn]:
    return list(
        db.session.scalars(
            sa.select(BoardColumn)
            .where(BoardColumn.board_id == board.id, BoardColumn.deleted_at.is_(None))
            .order_by(BoardColumn.position, BoardColumn.id)
        )
    )


# -- votes ------


def _vote_counts(board: Board, card_ids=None) -> dict[int, int]:
    query = sa.select(Vote.card_id, sa.func.count()).where(Vote.board_id == board.id)
    if card_ids is not None:
        query = query.where(Vote.card_id.in_(card_ids))
    return dict(db.session.execute(query.group_by(Vote.card_id)).all())


def vote_count(card: Card) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Vote).where(Vote.card_id == card.id)
    )


def has_voted(card: Card, user_id: int) -> bool:
    return db.session.get(Vote, (card.id, user_id)) is not None


def _my_votes(board: Board, viewer: Viewer) -> set[int]:
    if viewer.user_id is None:
        return set()
    return set(
        db.session.scalars(
            sa.select(Vote.card_id).where(
                Vote.board_id == board.id, Vote.user_id == viewer.user_id
            )
        )
    )


def votes_left(board: Board, user_id: int) -> int | None:
    if board.vote_budget is None:
        return None
    used = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Vote)
        .where(Vote.board_id == board.id, Vote.user_id == user_id)
    )
    return max(board.vote_budget - used, 0)


# -- serialising ------


def serialize_card(
    card: Card, board: Board, viewer: Viewer, votes: int = 0, voted: bool = False
) -> dict:
    """The card as `viewer` may see it (the same rules for pages, events, exports)."""
    if card.deleted_at is not None or (card.is_hidden and not viewer.is_moderator):
        return {"id": card.id, "removed": True}
    mine = viewer.user_id is not None and card.author_id == viewer.user_id
    data = {
        "id": card.id,
        "column_id": card.column_id,
        "position": card.position,
        "votes": votes,
        "pinned": card.is_pinned,
        # Which group a card is in is structure, not content: blurred cards
        # keep their place in it.
        "cluster_id": card.cluster_id,
    }
    if board.is_blurred and not (viewer.is_moderator or mine):
        data["blurred"] = True
        return data
    data["text"] = card.text
    if card.cluster_title:
        data["cluster_title"] = card.cluster_title
    if not board.is_anonymous:
        data["author"] = card.on_behalf_of or (card.author.name if card.author else "")
    data["comments"] = [
        _serialize_comment(comment, board, viewer) for comment in card.comments
    ]
    if viewer.user_id is not None:
        data["mine"] = mine
        data["voted"] = voted
    # What only advisers see, only when it is so: then an ordinary card looks
    # the same to advisers and members and is broadcast once to both rooms.
    if viewer.is_moderator and card.is_hidden:
        data["hidden"] = True
    if viewer.is_moderator and card.promoted_post_id is not None:
        data["promoted"] = True
    return data


def _serialize_comment(comment: CardComment, board: Board, viewer: Viewer) -> dict:
    data = {"id": comment.id, "text": comment.text}
    if not board.is_anonymous:
        data["author"] = comment.author.name if comment.author else ""
    if viewer.user_id is not None:
        data["mine"] = comment.author_id == viewer.user_id
    return data


def serialize_column(column: BoardColumn) -> dict:
    if column.deleted_at is not None:
        return {"id": column.id, "removed": True}
    return {"id": column.id, "title": column.title, "position": column.position}


def serialize_settings(board: Board) -> dict:
    return {
        "id": board.id,
        "title": board.title,
        "locked": board.is_locked,
        "anonymous": board.is_anonymous,
        "blurred": board.is_blurred,
        "vote_budget": board.vote_budget,
        "timer_ends_at": board.timer_ends_at.isoformat()
        if board.timer_ends_at
        else None,
        "timer_locks": board.timer_locks,
        "phase": board.phase.value if board.phase else None,
        "members_group": board.members_group,
    }


def _cards(board: Board, ids=None) -> list[Card]:
    query = (
        sa.select(Card)
        .where(Card.board_id == board.id)
        .options(joinedload(Card.author))
        .order_by(Card.is_pinned.desc(), Card.position, Card.id)
    )
    if ids is not None:
        query = query.where(Card.id.in_(ids))
    else:
        query = query.where(Card.deleted_at.is_(None))
    return list(db.session.scalars(query))


def board_state(board: Board, viewer: Viewer) -> dict:
    """Everything a client needs to draw the board, at the current version."""
    cards = _cards(board)
    counts = _vote_counts(board)
    mine = _my_votes(board, viewer)
    serialized = [
        serialize_card(card, board, viewer, counts.get(card.id, 0), card.id in mine)
        for card in cards
    ]
    return {
        "version": board.version,
        "full": True,
        "board": serialize_settings(board),
        "columns": [serialize_column(column) for column in live_columns(board)],
        "cards": [card for card in serialized if not card.get("removed")],
        "votes_left": votes_left(board, viewer.user_id) if viewer.user_id else None,
    }


def changes_since(board: Board, since: int | None, viewer: Viewer) -> dict:
    """Exactly what changed after `since`, as the current state of each thing;
    the whole board without a version, or for one it cannot catch up from."""
    if since is None or since < 0 or since > board.version:
        return board_state(board, viewer)
    rows = list(
        db.session.execute(
            sa.select(BoardChange.kind, BoardChange.object_id)
            .where(BoardChange.board_id == board.id, BoardChange.version > since)
            .order_by(BoardChange.version)
            .limit(MAX_CATCH_UP + 1)
        )
    )
    if len(rows) > MAX_CATCH_UP or any(kind == ChangeKind.BOARD for kind, _ in rows):
        # A settings change (blur, reveal, anonymity) changes how every card
        # looks to this viewer, not only the cards that changed: send them all.
        return board_state(board, viewer)
    card_ids = {oid for kind, oid in rows if kind == ChangeKind.CARD}
    column_ids = {oid for kind, oid in rows if kind == ChangeKind.COLUMN}
    counts = _vote_counts(board, card_ids)
    mine = _my_votes(board, viewer)
    cards = _cards(board, card_ids) if card_ids else []
    columns = (
        list(
            db.session.scalars(
                sa.select(BoardColumn).where(BoardColumn.id.in_(column_ids))
            )
        )
        if column_ids
        else []
    )
    return {
        "version": board.version,
        "full": False,
        "board": serialize_settings(board)
        if any(kind == ChangeKind.BOARD for kind, _ in rows)
        else None,
        "columns": [serialize_column(column) for column in columns],
        "cards": [
            serialize_card(card, board, viewer, counts.get(card.id, 0), card.id in mine)
            for card in cards
        ],
        "votes_left": votes_left(board, viewer.user_id) if viewer.user_id else None,
    }
