"""Every authorisation rule in one place: `can_<verb>_<noun>(user, obj) -> bool`.

Views, templates (through the `can` context processor) and socket handlers all
call these functions; nothing compares ids or roles inline.
"""

from circle.accounts.models import Invitation, Role, User


def _is_staff(user: User) -> bool:
    return user.is_authenticated and user.role in (Role.ADMIN, Role.ADVISER)


def invitable_roles(user: User) -> list[Role]:
    """Admins may bring in anyone; advisers bring in participants and initiators."""
    if not user.is_authenticated:
        return []
    if user.is_admin:
        return list(Role)
    if user.is_adviser:
        return [Role.PARTICIPANT, Role.INITIATOR]
    return []


def can_invite_people(user: User) -> bool:
    return _is_staff(user)


def can_invite_role(user: User, role: Role) -> bool:
    return role in invitable_roles(user)


def can_revoke_invitation(user: User, invitation: Invitation) -> bool:
    if not _is_staff(user):
        return False
    return user.is_admin or invitation.invited_by_id == user.id


#: Exposed to templates as `can.<name>(...)`.
RULES = {
    name: rule
    for name, rule in globals().items()
    if name.startswith("can_") and callable(rule)
}
