"""The /boards Socket.IO namespace (protocol in docs/realtime.md).

Every handler: check the payload's shape, check permission through
circle.permissions (inside the service), call one service, commit, then
broadcast and acknowledge. Nothing is broadcast before it is committed.
"""

from functools import wraps

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import Namespace, join_room, leave_room

from circle.boards import services as boards
from circle.boards.broadcast import NAMESPACE, publish, publish_presence, room
from circle.boards.models import Board
from circle.boards.presence import arrive, depart, present
from circle.boards.services import BoardError
from circle.boards.state import (
    Viewer,
    board_state,
    changes_since,
    has_voted,
    serialize_card,
    vote_count,
    votes_left,
)
from circle.database import utcnow
from circle.extensions import db, socketio
from circle.permissions import can_view_board


def _refusal(code: str, message) -> dict:
    return {"ok": False, "error": code, "message": str(message)}


def _int(data: dict, name: str) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise BoardError(
            "invalid", _("The request is incomplete: reload the page."), name
        )
    return value


def _board(data) -> Board:
    if not isinstance(data, dict):
        raise BoardError("invalid", _("The request is incomplete: reload the page."))
    board = db.session.get(Board, _int(data, "board_id"))
    if board is None or not can_view_board(current_user, board):
        # Another group's board is answered like one that does not exist.
        raise BoardError("not_found", _("This board does not exist or is not for you."))
    return board


def handler(function):
    """Turn refusals into error acknowledgements; roll back anything half-done."""

    @wraps(function)
    def wrapper(self, data=None):
        # A fresh app context per event, as for an HTTP request: its own database
        # session and its own per-request permission facts.
        with current_app.app_context():
            try:
                return function(self, data)
            except BoardError as error:
                db.session.rollback()
                return _refusal(error.code, error.message)
            finally:
                db.session.remove()

    return wrapper


class BoardNamespace(Namespace):
    def on_connect(self, auth=None):
        # Anonymous visitors cannot open a live connection at all.
        return current_user.is_authenticated

    def on_disconnect(self, reason=None):
        with current_app.app_context():
            try:
                left = depart(request.sid)
                db.session.commit()
                for board_id in left:
                    board = db.session.get(Board, board_id)
                    if board is not None:
                        publish_presence(board)
            finally:
                db.session.remove()

    @handler
    def on_join(self, data):
        """Open a board: full state, or only what changed since `version`."""
        board = _board(data)
        viewer = Viewer.of(current_user, board)
        join_room(room(board.id, viewer.is_moderator))
        arrive(board, current_user, request.sid, now=utcnow())
        db.session.commit()
        since = data.get("version")
        if isinstance(since, int) and not isinstance(since, bool):
            state = changes_since(board, since, viewer)
        else:
            state = board_state(board, viewer)
        publish_presence(board)
        return {"ok": True, "moderator": viewer.is_moderator, **state}

    @handler
    def on_sync(self, data):
        board = _board(data)
        since = data.get("version")
        if not isinstance(since, int) or isinstance(since, bool):
            since = -1
        return {
            "ok": True,
            **changes_since(board, since, Viewer.of(current_user, board)),
        }

    @handler
    def on_leave(self, data):
        board = _board(data)
        leave_room(room(board.id, True))
        leave_room(room(board.id, False))
        depart(request.sid)
        db.session.commit()
        publish_presence(board)
        return {"ok": True}

    @handler
    def on_presence(self, data):
        board = _board(data)
        arrive(board, current_user, request.sid, now=utcnow())
        db.session.commit()
        return {"ok": True, **present(board, now=utcnow())}

    def _write(self, board: Board, written: boards.Written) -> dict:
        db.session.commit()
        card = written.card
        reply = {"ok": True, "version": board.version}
        if card is None:
            publish(board, written.versions)
        else:
            votes = vote_count(card)
            publish(board, written.versions, card=card, votes=votes)
            reply["card"] = serialize_card(
                card,
                board,
                Viewer.of(current_user, board),
                votes,
                has_voted(card, current_user.id),
            )
        reply["votes_left"] = votes_left(board, current_user.id)
        return reply

    @handler
    def on_card_add(self, data):
        board = _board(data)
        written = boards.add_card(
            board,
            column_id=data.get("column_id"),
            text=data.get("text"),
            key=data.get("key"),
            on_behalf_of=data.get("on_behalf_of") or "",
            by=current_user,
            now=utcnow(),
        )
        return self._write(board, written)

    @handler
    def on_card_edit(self, data):
        board = _board(data)
        written = boards.edit_card(
            board, data.get("card_id"), data.get("text"), by=current_user, now=utcnow()
        )
        return self._write(board, written)

    @handler
    def on_card_move(self, data):
        board = _board(data)
        written = boards.move_card(
            board,
            data.get("card_id"),
            column_id=data.get("column_id"),
            position=data.get("position"),
            by=current_user,
            now=utcnow(),
        )
        return self._write(board, written)

    @handler
    def on_card_delete(self, data):
        board = _board(data)
        written = boards.delete_card(
            board, data.get("card_id"), by=current_user, now=utcnow()
        )
        return self._write(board, written)

    @handler
    def on_card_vote(self, data):
        board = _board(data)
        written = boards.toggle_vote(
            board, data.get("card_id"), by=current_user, now=utcnow()
        )
        return self._write(board, written)

    @handler
    def on_card_moderate(self, data):
        board = _board(data)
        reason = data.get("reason") or ""
        if not isinstance(reason, str):
            raise BoardError(
                "invalid", _("The request is incomplete: reload the page.")
            )
        written = boards.moderate_card(
            board,
            data.get("card_id"),
            data.get("action"),
            reason=reason,
            by=current_user,
            now=utcnow(),
        )
        return self._write(board, written)

    @handler
    def on_board_update(self, data):
        board = _board(data)
        written = boards.update_board(
            board, data.get("settings"), by=current_user, now=utcnow()
        )
        return self._write(board, written)

    @handler
    def on_column_add(self, data):
        board = _board(data)
        written = boards.add_column(
            board, data.get("title"), by=current_user, now=utcnow()
        )
        return self._write(board, written)

    @handler
    def on_column_change(self, data):
        board = _board(data)
        written = boards.change_column(
            board,
            data.get("column_id"),
            title=data.get("title"),
            position=data.get("position"),
            remove=data.get("remove") is True,
            by=current_user,
            now=utcnow(),
        )
        return self._write(board, written)


namespace = BoardNamespace(NAMESPACE)


def register() -> None:
    """Have every socketio.init_app serve the namespace (tests build many apps)."""
    if namespace not in socketio.namespace_handlers:
        namespace._set_socketio(socketio)
        socketio.namespace_handlers.append(namespace)
