"""Who has a board open: one row per connection, shared by every server process."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from circle.accounts.models import User
from circle.boards.models import Board, Presence
from circle.extensions import db

#: A connection not heard from for this long (no heartbeat) no longer counts.
PRESENCE_WINDOW = timedelta(seconds=90)


def arrive(board: Board, user: User, sid: str, *, now: datetime) -> None:
    presence = db.session.get(Presence, sid)
    if presence is None:
        db.session.add(
            Presence(sid=sid, board_id=board.id, user_id=user.id, seen_at=now)
        )
    else:
        presence.board_id, presence.seen_at = board.id, now


def depart(sid: str) -> list[int]:
    """Forget a connection; returns the boards it was on."""
    boards = list(
        db.session.scalars(sa.select(Presence.board_id).where(Presence.sid == sid))
    )
    db.session.execute(sa.delete(Presence).where(Presence.sid == sid))
    return boards


def present(board: Board, *, now: datetime) -> dict:
    """Who is here now; on anonymous boards only how many."""
    rows = db.session.scalars(
        sa.select(Presence)
        .where(Presence.board_id == board.id, Presence.seen_at >= now - PRESENCE_WINDOW)
        .options(joinedload(Presence.user))
    )
    people = {row.user_id: row.user.name for row in rows}
    names = sorted(people.values())
    return {
        "board_id": board.id,
        "count": len(names),
        "names": [] if board.is_anonymous else names,
    }
