"""Sessions and their live boards."""

from __future__ import annotations

from typing import TYPE_CHECKING

from circle.accounts.models import User
from circle.permissions.facts import is_enrolled, is_staff, signed_in
from circle.permissions.groups import (
    can_manage_groups,
    can_moderate_group,
    can_view_group_members,
)

if TYPE_CHECKING:
    from circle.boards.models import Board, BoardAction, Card
    from circle.groups.models import Group
    from circle.meetings.models import Meeting
    from circle.programmes.models import Programme


__all__ = [
    "can_view_meeting",
    "can_schedule_meetings",
    "can_manage_meeting",
    "can_rsvp",
    "can_view_board",
    "can_moderate_board",
    "can_create_board",
    "can_change_card",
    "can_create_action",
    "can_complete_action",
    "can_view_group_actions",
]


def can_view_meeting(user: User, meeting: Meeting) -> bool:
    if not signed_in(user):
        return False
    if meeting.group_id is not None:
        return can_view_group_members(user, meeting.group) or _hosts(user, meeting)
    return is_enrolled(user, meeting.programme) or _hosts(user, meeting)


def _hosts(user: User, meeting: Meeting) -> bool:
    return signed_in(user) and any(host.id == user.id for host in meeting.hosts)


def can_schedule_meetings(
    user: User, programme: Programme, group: Group | None
) -> bool:
    """Group sessions: the group's advisers; programme-wide: the programme's."""
    if can_manage_groups(user, programme):
        return True
    return group is not None and can_moderate_group(user, group)


def can_manage_meeting(user: User, meeting: Meeting) -> bool:
    """Edit, reschedule, cancel, see the lists, add people, record attendance."""
    return can_schedule_meetings(user, meeting.programme, meeting.group) or (
        is_staff(user) and _hosts(user, meeting)
    )


def can_rsvp(user: User, meeting: Meeting) -> bool:
    return can_view_meeting(user, meeting)


def can_view_board(user: User, board: Board) -> bool:
    return can_view_meeting(user, board.meeting)


def can_moderate_board(user: User, board: Board) -> bool:
    """Settings, columns, hide/pin cards, timer, export, promote."""
    return can_manage_meeting(user, board.meeting)


def can_create_board(user: User, meeting: Meeting) -> bool:
    return can_manage_meeting(user, meeting)


def can_change_card(user: User, card: Card) -> bool:
    """Edit, move or delete: its author, or the board's advisers."""
    if not signed_in(user):
        return False
    return card.author_id == user.id or can_moderate_board(user, card.board)


def can_create_action(user: User, board: Board) -> bool:
    """Turn a card or cluster into an action: the board's advisers."""
    return can_moderate_board(user, board)


def can_complete_action(user: User, action: BoardAction) -> bool:
    """Mark done or open again: its owner (anyone of the owning organisation),
    or the board's advisers."""
    if not signed_in(user):
        return False
    if action.owner_user_id is not None and action.owner_user_id == user.id:
        return True
    owner_organisation = action.owner_organisation_id
    if (
        owner_organisation is not None
        and user.organisation_id == owner_organisation
        and user.acts_for_organisation
    ):
        return True
    return can_moderate_board(user, action.board)


def can_view_group_actions(user: User, group: Group) -> bool:
    """The group's list of actions: whoever sees its sessions."""
    return signed_in(user) and (
        can_view_group_members(user, group) or can_moderate_group(user, group)
    )
