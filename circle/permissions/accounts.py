"""Who may bring people in."""

from __future__ import annotations

from circle.accounts.models import Invitation, Role, User
from circle.permissions.facts import is_admin_user, is_staff

__all__ = [
    "invitable_roles",
    "can_invite_people",
    "can_invite_role",
    "can_revoke_invitation",
]


def invitable_roles(user: User) -> list[Role]:
    """Admins may bring in anyone; advisers bring in participants and initiators."""
    if is_admin_user(user):
        return list(Role)
    if is_staff(user):
        return [Role.PARTICIPANT, Role.INITIATOR]
    return []


def can_invite_people(user: User) -> bool:
    return is_staff(user)


def can_invite_role(user: User, role: Role) -> bool:
    return role in invitable_roles(user)


def can_revoke_invitation(user: User, invitation: Invitation) -> bool:
    if not is_staff(user):
        return False
    return user.is_admin or invitation.invited_by_id == user.id
