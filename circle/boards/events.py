"""The /boards Socket.IO namespace (protocol in docs/realtime.md).

Each handler is wrapped by `handles(Model)`, which does what every event needs
once: check the payload against its pydantic model, load the board (answering
"not found" to those who may not see it), and turn any refusal into an error
acknowledgement after rolling back. A handler then calls one service; when it
returns the service's Written, the decorator commits, broadcasts the change and
acknowledges it. Nothing is broadcast before it is committed.
"""

from functools import wraps

from flask import current_app, request
from flask_login import current_user
from flask_socketio import Namespace, join_room, leave_room
from pydantic import ValidationError
from sqlalchemy.orm import joinedload

from circle.accounts.models import User
from circle.boards import access as _access  # noqa: F401  (live boards follow permissions)
from circle.boards import facilitation
from circle.boards import services as boards
from circle.boards.broadcast import NAMESPACE, prepare, presence_changed, room, send
from circle.boards.models import Board, get_row
from circle.boards.payloads import (
    INCOMPLETE,
    BoardUpdate,
    CardAdd,
    CardDelete,
    CardEdit,
    CardGroup,
    CardModerate,
    CardMove,
    CardUngroup,
    CardVote,
    ClusterTitle,
    ColumnAdd,
    ColumnChange,
    CommentAdd,
    CommentDelete,
    Heartbeat,
    Join,
    Leave,
    Payload,
    Sync,
)
from circle.boards.presence import arrive, depart
from circle.boards.rules import BOARD_NOT_FOUND, BoardError
from circle.boards.state import (
    Viewer,
    changes_since,
    has_voted,
    serialize_card,
    vote_count,
    votes_left,
)
from circle.database import utcnow
from circle.extensions import db, socketio
from circle.meetings.models import Meeting
from circle.permissions import can_view_board


def _payload(model: type[Payload], args: tuple) -> Payload:
    if len(args) != 1 or not isinstance(args[0], dict):
        raise BoardError("invalid", INCOMPLETE)
    try:
        return model.model_validate(args[0])
    except ValidationError as error:
        raise BoardError("invalid", model.refusal(error)) from None


def _board(board_id: int) -> Board:
    # What every event's permission checks read of a board, in one query.
    context = [
        joinedload(Board.meeting).joinedload(Meeting.group),
        joinedload(Board.meeting).joinedload(Meeting.programme),
    ]
    board = get_row(Board, board_id, options=context)
    if board is None or not can_view_board(current_user, board):
        # Another group's board is answered like one that does not exist.
        raise BoardError("not_found", BOARD_NOT_FOUND)
    return board


def _acknowledge(board: Board, written: boards.Written, by: User) -> dict:
    """Commit a write, broadcast it, and tell the writer how it went.

    Everything sent is built from the flushed state first (the same rows the
    commit makes permanent), then committed, then sent: nothing is shown before
    it is committed, and nothing is loaded again after the commit.
    """
    card = written.card
    reply = {"ok": True, "version": board.version}
    if card is None:
        events = prepare(board, written.versions)
    else:
        votes = 0 if written.fresh else vote_count(card)
        events = prepare(board, written.versions, card=card, votes=votes)
        viewer = Viewer.of(by, board)
        voted = False if written.fresh else has_voted(card, by.id)
        reply["card"] = serialize_card(card, board, viewer, votes, voted)
    reply["votes_left"] = votes_left(board, by.id)
    db.session.commit()
    send(events)
    return reply


def handles(model: type[Payload]):
    """Run `handler(self, board, payload, by, now)` for a valid payload of `model`.

    It returns its acknowledgement, or the Written of the service it called, which
    is then committed, broadcast and acknowledged here.
    """

    def decorate(function):
        @wraps(function)
        def handler(self, *args):
            # A fresh app context per event, as for an HTTP request: its own
            # database session and its own per-request permission facts.
            with current_app.app_context():
                try:
                    payload = _payload(model, args)
                    board = _board(payload.board_id)
                    # The user itself, not the proxy: a write reads it dozens of times.
                    by, now = current_user._get_current_object(), utcnow()
                    result = function(self, board, payload, by, now)
                    if isinstance(result, boards.Written):
                        return _acknowledge(board, result, by)
                    return result
                except BoardError as error:
                    db.session.rollback()
                    return {
                        "ok": False,
                        "error": error.code,
                        "message": str(error.message),
                    }
                finally:
                    db.session.remove()

        return handler

    return decorate


class BoardNamespace(Namespace):
    def on_connect(self, auth=None):
        # Anonymous visitors, and a browser whose login has ended, cannot open a
        # live connection at all. A fresh app context, as for events, so the
        # person is loaded from this connection's session and nothing else.
        with current_app.app_context():
            try:
                return current_user.is_authenticated
            finally:
                db.session.remove()

    def on_disconnect(self, reason=None):
        with current_app.app_context():
            try:
                left = depart(request.sid)
                db.session.commit()
                for board_id in left:
                    presence_changed(board_id)
            finally:
                db.session.remove()

    # -- reading and presence: the handler answers ------

    @handles(Join)
    def on_join(self, board, join: Join, by, now):
        """Open a board: full state, or only what changed since `version`."""
        viewer = Viewer.of(by, board)
        join_room(room(board.id, viewer.is_moderator))
        arrive(board, by, request.sid, now=now)
        db.session.commit()
        state = changes_since(board, join.version, viewer)
        presence_changed(board.id)
        return {"ok": True, "moderator": viewer.is_moderator, **state}

    @handles(Sync)
    def on_sync(self, board, sync: Sync, by, now):
        return {"ok": True, **changes_since(board, sync.version, Viewer.of(by, board))}

    @handles(Leave)
    def on_leave(self, board, leave: Leave, by, now):
        leave_room(room(board.id, True))
        leave_room(room(board.id, False))
        depart(request.sid)
        db.session.commit()
        presence_changed(board.id)
        return {"ok": True}

    @handles(Heartbeat)
    def on_presence(self, board, beat: Heartbeat, by, now):
        # One row by its key: a heartbeat costs the same on a board of 1,000. Who
        # is here reaches everyone through the (coalesced) `presence` event.
        arrive(board, by, request.sid, now=now)
        db.session.commit()
        return {"ok": True}

    # -- writes: one service each, called with the payload's fields; the decorator
    # commits, broadcasts and acknowledges ------

    @handles(CardAdd)
    def on_card_add(self, board, card: CardAdd, by, now):
        return boards.add_card(board, **card.arguments(), by=by, now=now)

    @handles(CardEdit)
    def on_card_edit(self, board, edit: CardEdit, by, now):
        return boards.edit_card(board, **edit.arguments(), by=by, now=now)

    @handles(CardMove)
    def on_card_move(self, board, move: CardMove, by, now):
        return boards.move_card(board, **move.arguments(), by=by, now=now)

    @handles(CardDelete)
    def on_card_delete(self, board, delete: CardDelete, by, now):
        return boards.delete_card(board, **delete.arguments(), by=by, now=now)

    @handles(CardVote)
    def on_card_vote(self, board, vote: CardVote, by, now):
        return boards.toggle_vote(board, **vote.arguments(), by=by, now=now)

    @handles(CardModerate)
    def on_card_moderate(self, board, moderation: CardModerate, by, now):
        return boards.moderate_card(board, **moderation.arguments(), by=by, now=now)

    @handles(BoardUpdate)
    def on_board_update(self, board, update: BoardUpdate, by, now):
        return boards.update_board(board, **update.arguments(), by=by, now=now)

    @handles(ColumnAdd)
    def on_column_add(self, board, column: ColumnAdd, by, now):
        return boards.add_column(board, **column.arguments(), by=by, now=now)

    @handles(ColumnChange)
    def on_column_change(self, board, change: ColumnChange, by, now):
        return boards.change_column(board, **change.arguments(), by=by, now=now)

    @handles(CardGroup)
    def on_card_group(self, board, group: CardGroup, by, now):
        return facilitation.group_cards(board, **group.arguments(), by=by, now=now)

    @handles(CardUngroup)
    def on_card_ungroup(self, board, ungroup: CardUngroup, by, now):
        return facilitation.ungroup_card(board, **ungroup.arguments(), by=by, now=now)

    @handles(ClusterTitle)
    def on_cluster_title(self, board, title: ClusterTitle, by, now):
        return facilitation.title_cluster(board, **title.arguments(), by=by, now=now)

    @handles(CommentAdd)
    def on_comment_add(self, board, comment: CommentAdd, by, now):
        return facilitation.add_comment(board, **comment.arguments(), by=by, now=now)

    @handles(CommentDelete)
    def on_comment_delete(self, board, delete: CommentDelete, by, now):
        return facilitation.delete_comment(board, **delete.arguments(), by=by, now=now)


# Registered once, at import: socketio.init_app, which create_app calls for every
# app (tests make many), hands this namespace to each server it builds.
socketio.on_namespace(BoardNamespace(NAMESPACE))
