"""Actions: a card or a cluster an adviser turns into something one person or
one organisation of the session does by a date.

An action shows on its owner's home page (a person's own, and their
organisation's), in the case of an owning municipality, and in its group's list
of actions; its owner or the session's advisers mark it done.
"""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from circle.accounts.models import Organisation, User
from circle.boards.forms import ACTION_TEXT_RULE
from circle.boards.models import Board, BoardAction, Card
from circle.boards.rules import CARD_GONE, BoardError
from circle.extensions import db
from circle.limits import MAX_CARD_TEXT
from circle.meetings.invites import invitees
from circle.meetings.models import Meeting
from circle.permissions import can_complete_action, can_create_action
from circle.timezones import utc_to_local


@dataclass(frozen=True)
class Owner:
    """Someone an action can be for: "u<id>" a person, "o<id>" an organisation."""

    key: str
    name: str


def owners(board: Board) -> list[Owner]:
    """The organisations of the session's people, then the people, by name."""
    people = invitees(board.meeting)
    organisation_ids = {p.organisation_id for p in people if p.organisation_id}
    organisations = db.session.scalars(
        sa.select(Organisation)
        .where(Organisation.id.in_(organisation_ids))
        .order_by(Organisation.name)
    )
    return [Owner(f"o{o.id}", o.name) for o in organisations] + [
        Owner(f"u{p.id}", p.name) for p in people
    ]


def create_action(
    card: Card, *, owner: str, due_on: date, text: str, by: User, now: datetime
) -> BoardAction:
    board = card.board
    if not can_create_action(by, board):
        raise BoardError("forbidden", _l("Only the session's advisers can do this."))
    if card.deleted_at is not None or card.is_hidden:
        raise BoardError("not_found", CARD_GONE)
    if owner not in {choice.key for choice in owners(board)}:
        raise BoardError(
            "invalid", _l("Choose someone who takes part in the session."), "owner"
        )
    if due_on < utc_to_local(now).date():
        raise BoardError("invalid", _l("The due date has passed."), "due_on")
    text = (text or "").strip()
    if not text or len(text) > MAX_CARD_TEXT:
        raise BoardError("invalid", ACTION_TEXT_RULE, "text")
    owner_id = int(owner[1:])
    action = BoardAction(
        board=board,
        card_id=card.id,
        text=text,
        owner_user_id=owner_id if owner[0] == "u" else None,
        owner_organisation_id=owner_id if owner[0] == "o" else None,
        due_on=due_on,
        created_by_id=by.id,
        created_at=now,
    )
    db.session.add(action)
    db.session.flush()
    return action


def set_done(action: BoardAction, done: bool, *, by: User, now: datetime) -> None:
    if not can_complete_action(by, action):
        raise BoardError(
            "forbidden", _l("Only its owner or the session's advisers can do this.")
        )
    action.done_at = now if done else None
    action.done_by_id = by.id if done else None


def _listing() -> sa.Select:
    return (
        sa.select(BoardAction)
        .options(
            joinedload(BoardAction.owner_user),
            joinedload(BoardAction.owner_organisation),
            joinedload(BoardAction.board).joinedload(Board.meeting),
        )
        .order_by(BoardAction.done_at.is_not(None), BoardAction.due_on, BoardAction.id)
    )


def open_actions_for(user: User) -> list[BoardAction]:
    """What this person, or the organisation they act for, still has to do."""
    mine = BoardAction.owner_user_id == user.id
    if user.acts_for_organisation:
        mine = sa.or_(mine, BoardAction.owner_organisation_id == user.organisation_id)
    return list(
        db.session.scalars(_listing().where(mine, BoardAction.done_at.is_(None)))
    )


def organisation_actions(organisation_id: int, programme_id: int) -> list[BoardAction]:
    """An organisation's actions in a programme (its case shows them), open first."""
    return list(
        db.session.scalars(
            _listing()
            .join(BoardAction.board)
            .join(Board.meeting)
            .where(
                BoardAction.owner_organisation_id == organisation_id,
                Meeting.programme_id == programme_id,
            )
        )
    )


def board_actions(board: Board) -> list[BoardAction]:
    return list(db.session.scalars(_listing().where(BoardAction.board_id == board.id)))


def group_actions(group_id: int, *, done: bool) -> list[BoardAction]:
    """The actions from the boards of a group's sessions, open or done."""
    state = BoardAction.done_at.is_not(None) if done else BoardAction.done_at.is_(None)
    return list(
        db.session.scalars(
            _listing()
            .join(BoardAction.board)
            .join(Board.meeting)
            .where(Meeting.group_id == group_id, state)
        )
    )
