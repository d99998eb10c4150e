"""Sending committed board changes to the rooms, through the message queue if any.

Advisers and members may get different payloads (hidden cards, blurred cards),
so a change goes to the staff room and the members room separately when they
differ, and as one message to both when they do not. With
SOCKETIO_MESSAGE_QUEUE set, `socketio.emit` reaches every server process.
"""

import threading

import sqlalchemy as sa
from flask import current_app

from circle.boards.models import Board, BoardChange, BoardColumn, Card, ChangeKind
from circle.boards.presence import present
from circle.boards.state import (
    MEMBERS,
    STAFF,
    serialize_card,
    serialize_column,
    serialize_settings,
    vote_count,
)
from circle.database import utcnow
from circle.extensions import db, socketio

NAMESPACE = "/boards"


def room(board_id: int, staff: bool) -> str:
    return f"board:{board_id}:{'staff' if staff else 'members'}"


def prepare(
    board: Board, versions: list[int], *, card: Card | None = None, votes=None
) -> list[tuple[dict, str | list[str]]]:
    """The `change` events of these versions, (payload, room or rooms) for
    advisers and for members: built before the commit, from what is loaded, so
    that sending them after it costs no queries. What both may see alike goes
    to both rooms in one message.

    A write passes the card it changed (and its vote count), so the usual single
    change costs no further queries either.
    """
    if not versions:
        return []
    rows = (
        [(version, ChangeKind.CARD, card.id) for version in versions]
        if card
        else [
            (row.version, row.kind, row.object_id)
            for row in db.session.scalars(
                sa.select(BoardChange)
                .where(
                    BoardChange.board_id == board.id, BoardChange.version.in_(versions)
                )
                .order_by(BoardChange.version)
            )
        ]
    )
    events = []
    for version, kind, object_id in rows:
        payload = {"board_id": board.id, "version": version, "kind": kind.value}
        if kind == ChangeKind.CARD:
            changed = card if card is not None else db.session.get(Card, object_id)
            count = votes if votes is not None else vote_count(changed)
        if kind == ChangeKind.CARD:
            staff = {**payload, "card": serialize_card(changed, board, STAFF, count)}
            members = {
                **payload,
                "card": serialize_card(changed, board, MEMBERS, count),
            }
        elif kind == ChangeKind.COLUMN:
            column = serialize_column(db.session.get(BoardColumn, object_id))
            staff = members = {**payload, "column": column}
        else:
            # Blur, anonymity or a reveal change what every card shows.
            settings = serialize_settings(board)
            staff = members = {**payload, "board": settings, "resync": True}
        if staff == members:  # one message (one pass through the queue) for both
            events.append((members, [room(board.id, True), room(board.id, False)]))
        else:
            events.append((staff, room(board.id, True)))
            events.append((members, room(board.id, False)))
    return events


def send(events: list[tuple[dict, str | list[str]]]) -> None:
    """Emit prepared changes; only ever after they are committed."""
    for event, to in events:
        socketio.emit("change", event, to=to, namespace=NAMESPACE)


def publish(
    board: Board, versions: list[int], *, card: Card | None = None, votes=None
) -> None:
    """Emit one `change` event per committed version, to advisers and members."""
    send(prepare(board, versions, card=card, votes=votes))


#: Joins and leaves are told at most once per interval per board: a room of 100
#: people joining at once is then a handful of presence messages, not the 5,000
#: of telling everyone about every join.
PRESENCE_INTERVAL = 1.0
_presence_due: set[tuple[int, int]] = set()
_presence_lock = threading.Lock()


def presence_changed(board_id: int) -> None:
    """Someone came or went: tell the board who is here, once the interval is up."""
    app = current_app._get_current_object()
    key = (id(app), board_id)
    with _presence_lock:
        if key in _presence_due:
            return  # already due: that message will include this change too
        _presence_due.add(key)
    socketio.start_background_task(_publish_presence_later, app, key)


def _publish_presence_later(app, key: tuple[int, int]) -> None:
    socketio.sleep(PRESENCE_INTERVAL)
    with _presence_lock:
        _presence_due.discard(key)
    with app.app_context():
        try:
            board = db.session.get(Board, key[1])
            if board is not None:
                publish_presence(board)
        except Exception:  # a board or database gone meanwhile: nothing to tell
            app.logger.warning("Presence for board %s not sent", key[1], exc_info=True)
        finally:
            db.session.remove()


def publish_presence(board: Board) -> None:
    payload = present(board, now=utcnow())
    both = [room(board.id, True), room(board.id, False)]
    socketio.emit("presence", payload, to=both, namespace=NAMESPACE)
