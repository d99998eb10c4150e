"""Tips, their publication and consent, and session reports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from circle.accounts.models import User
from circle.permissions.facts import is_admin_user, is_enrolled, is_staff, signed_in
from circle.permissions.meetings import (
    can_manage_meeting,
    can_moderate_board,
    can_view_board,
    can_view_meeting,
)

if TYPE_CHECKING:
    from circle.boards.models import Board
    from circle.meetings.models import Meeting
    from circle.programmes.models import Programme
    from circle.tips.models import SessionReport, Tip


__all__ = [
    "can_harvest_board",
    "can_manage_tips",
    "can_view_tips",
    "can_view_tip",
    "can_view_tip_origin",
    "can_answer_consent",
    "can_write_report",
    "can_view_report",
]


def can_harvest_board(user: User, board: Board) -> bool:
    """Turn a board's cards into tips: the board's advisers."""
    return can_moderate_board(user, board)


def can_manage_tips(user: User, programme: Programme) -> bool:
    """Edit, merge and publish the programme's tips: its admins and advisers."""
    return is_admin_user(user) or (is_staff(user) and is_enrolled(user, programme))


def can_view_tips(user: User, programme: Programme) -> bool:
    """The library inside the programme: everyone taking part in it."""
    return signed_in(user) and (is_admin_user(user) or is_enrolled(user, programme))


def can_view_tip(user: User, tip: Tip) -> bool:
    if tip.is_public:
        return True  # also without login: the public bundle links it
    if tip.status.value == "draft":
        return can_manage_tips(user, tip.programme)
    return can_view_tips(user, tip.programme)


def can_view_tip_origin(user: User, tip: Tip, board: Board | None) -> bool:
    """The link back to the board or session: only for who may see it."""
    return board is not None and signed_in(user) and can_view_board(user, board)


def can_answer_consent(user: User, tip: Tip) -> bool:
    return signed_in(user) and any(author.user_id == user.id for author in tip.authors)


def can_write_report(user: User, meeting: Meeting) -> bool:
    return can_manage_meeting(user, meeting)


def can_view_report(user: User, report: SessionReport, meeting: Meeting) -> bool:
    if report.status.value == "published":
        return can_view_meeting(user, meeting)
    return can_write_report(user, meeting)
