"""Sending committed board changes to the rooms, through the message queue if any.

Advisers and members get different payloads (hidden cards, blurred cards), so
each change goes to the staff room and the members room separately. With
SOCKETIO_MESSAGE_QUEUE set, `socketio.emit` reaches every server process.
"""

import sqlalchemy as sa

from circle.boards import services as boards
from circle.boards.models import Board, BoardChange, Card, ChangeKind, Column
from circle.database import utcnow
from circle.extensions import db, socketio

NAMESPACE = "/boards"


def room(board_id: int, staff: bool) -> str:
    return f"board:{board_id}:{'staff' if staff else 'members'}"


def publish(board: Board, versions: list[int]) -> None:
    """Emit one `change` event per version, to advisers and to members."""
    if not versions:
        return
    rows = list(
        db.session.scalars(
            sa.select(BoardChange)
            .where(BoardChange.board_id == board.id, BoardChange.version.in_(versions))
            .order_by(BoardChange.version)
        )
    )
    for change in rows:
        for viewer, staff in ((boards.STAFF, True), (boards.MEMBERS, False)):
            event = {
                "board_id": board.id,
                "version": change.version,
                "kind": change.kind.value,
            }
            if change.kind == ChangeKind.CARD:
                card = db.session.get(Card, change.object_id)
                votes = boards._vote_counts(board, [card.id]).get(card.id, 0)
                event["card"] = boards.serialize_card(card, board, viewer, votes)
            elif change.kind == ChangeKind.COLUMN:
                event["column"] = boards.serialize_column(
                    db.session.get(Column, change.object_id)
                )
            else:
                event["board"] = boards.serialize_settings(board)
                # Blur, anonymity or a reveal change what every card shows.
                event["resync"] = True
            socketio.emit(
                "change", event, to=room(board.id, staff), namespace=NAMESPACE
            )


def publish_presence(board: Board) -> None:
    payload = boards.present(board, now=utcnow())
    for staff in (True, False):
        socketio.emit(
            "presence", payload, to=room(board.id, staff), namespace=NAMESPACE
        )
