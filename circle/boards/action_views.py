"""Actions from boards: made from a card on the board page, marked done where
they are listed (home page, case, the group's list)."""

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from circle.accounts.views import safe_next
from circle.boards import actions, bp
from circle.boards.forms import ActionForm
from circle.boards.models import Board, BoardAction, Card
from circle.database import utcnow
from circle.extensions import db
from circle.forms_util import flash_form_errors, perform
from circle.groups.models import Group
from circle.permissions import (
    can_complete_action,
    can_create_action,
    can_view_board,
    can_view_group_actions,
)


def action_form(board: Board) -> ActionForm:
    """The form with the session's people and organisations as owners."""
    form = ActionForm()
    form.owner.choices = [SelectChoice("", _("Choose…"))] + [
        SelectChoice(owner.key, owner.name) for owner in actions.owners(board)
    ]
    return form


@bp.route("/cards/<int:card_id>/action", methods=["POST"])
def make_action(card_id: int):
    card = db.get_or_404(Card, card_id)
    board = card.board
    if not can_view_board(current_user, board):
        abort(404)
    if not can_create_action(current_user, board):
        abort(403)
    form = action_form(board)
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        perform(
            lambda: actions.create_action(
                card,
                owner=form.owner.data,
                due_on=form.due_on.data,
                text=form.text.data,
                by=current_user,
                now=utcnow(),
            ),
            _("The action is on the owner's list."),
        )
    return redirect(url_for("boards.detail", board_id=board.id, _anchor="actions"))


@bp.route("/actions/<int:action_id>/done", methods=["POST"])
def action_done(action_id: int):
    action = db.get_or_404(BoardAction, action_id)
    if not can_complete_action(current_user, action):
        abort(404 if not can_view_board(current_user, action.board) else 403)
    done = request.form.get("done") == "1"
    perform(
        lambda: actions.set_done(action, done, by=current_user, now=utcnow()),
        _("Marked as done.") if done else _("Open again."),
    )
    return redirect(safe_next(url_for("main.home")))


@bp.route("/groups/<int:group_id>/actions")
def group_actions(group_id: int):
    group = db.get_or_404(Group, group_id)
    if not can_view_group_actions(current_user, group):
        abort(404)
    return render_template(
        "boards/actions.html",
        group=group,
        open_actions=actions.group_actions(group.id, done=False),
        done_actions=actions.group_actions(group.id, done=True),
    )
