"""Live boards follow the permissions: who loses access leaves the board at once.

When a person is removed from a group, leaves it, logs out, changes or resets
their password, or deletes their account, `circle.signals.access_lost` is sent
inside that transaction. Here the person's open board connections (the
presence rows, shared by every server process) are checked against the rules
as they now stand; those that may no longer see their board are forgotten in
the same transaction, and once it commits their sockets leave the board's rooms
and are told why. Sockets of a person who signed out are disconnected outright,
so a copied cookie cannot reconnect them. With a message queue configured, the
leave and disconnect reach sockets on every server process.
"""

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from circle.accounts.models import User
from circle.boards.broadcast import NAMESPACE, room
from circle.boards.models import Board, Presence
from circle.extensions import db, socketio
from circle.permissions import can_view_board
from circle.signals import access_lost

PENDING = "circle_board_revocations"


@access_lost.connect
def _access_lost(user_id: int, *, signed_out: bool = False, **extra) -> None:
    revoke_board_access(user_id, signed_out=signed_out)


def revoke_board_access(user_id: int, *, signed_out: bool = False) -> int:
    """Forget the person's board connections they may no longer have; the
    sockets leave after the commit. Returns how many connections lose a board."""
    db.session.flush()
    if has_app_context():
        # Facts remembered earlier in this request predate the change.
        g.pop("circle_facts", None)
    user = db.session.get(User, user_id)
    rows = list(
        db.session.scalars(sa.select(Presence).where(Presence.user_id == user_id))
    )
    lost = []
    for presence in rows:
        board = db.session.get(Board, presence.board_id)
        allowed = (
            user is not None
            and user.is_active
            and not signed_out
            and board is not None
            and can_view_board(user, board)
        )
        if not allowed:
            lost.append((presence.sid, presence.board_id, signed_out))
            db.session.delete(presence)
    if lost:
        db.session.info.setdefault(PENDING, []).extend(lost)
    return len(lost)


def _leave(sid: str, board_id: int, signed_out: bool) -> None:
    server = socketio.server
    if server is None:
        return
    for staff in (True, False):
        server.leave_room(sid, room(board_id, staff), namespace=NAMESPACE)
    if signed_out:
        # No message: the client tries once to connect again and is refused.
        server.disconnect(sid, namespace=NAMESPACE)
    else:
        server.emit(
            "access_revoked", {"board_id": board_id}, to=sid, namespace=NAMESPACE
        )


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    for sid, board_id, signed_out in session.info.pop(PENDING, []):
        _leave(sid, board_id, signed_out)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(PENDING, None)
