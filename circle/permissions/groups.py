"""Regional learning groups: forming them, joining, moderating members."""

from __future__ import annotations

from typing import TYPE_CHECKING

from circle.accounts.models import Role, User
from circle.permissions.facts import (
    is_admin_user,
    is_group_adviser,
    is_group_member,
    is_programme_adviser,
    signed_in,
    takes_part_in_group,
)

if TYPE_CHECKING:
    from circle.groups.models import Group, Membership
    from circle.programmes.models import Programme


__all__ = [
    "can_manage_groups",
    "can_edit_group",
    "can_moderate_group",
    "can_view_group",
    "can_view_group_members",
    "can_request_to_join",
    "can_leave_group",
    "can_decide_membership",
]


def can_manage_groups(user: User, programme: Programme) -> bool:
    return is_admin_user(user) or is_programme_adviser(user, programme)


def can_edit_group(user: User, group: Group) -> bool:
    return can_manage_groups(user, group.programme) or is_group_adviser(user, group)


def can_moderate_group(user: User, group: Group) -> bool:
    """Approve and decline join requests, remove members."""
    return is_admin_user(user) or is_group_adviser(user, group)


def can_view_group(user: User, group: Group) -> bool:
    # A group's name, region and advisers are visible so people can ask to join.
    return signed_in(user)


def can_view_group_members(user: User, group: Group) -> bool:
    return takes_part_in_group(user, group)


def can_request_to_join(user: User, group: Group) -> bool:
    """Someone who acts for their organisation (approved, address confirmed)."""
    return (
        signed_in(user)
        and user.role in (Role.PARTICIPANT, Role.INITIATOR)
        and user.acts_for_organisation
    )


def can_leave_group(user: User, group: Group) -> bool:
    return is_group_member(user, group)


def can_decide_membership(user: User, membership: Membership) -> bool:
    return can_moderate_group(user, membership.group)
