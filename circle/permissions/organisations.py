"""Who decides who acts for an organisation."""

from __future__ import annotations

from circle.accounts.models import Organisation, User
from circle.permissions.facts import (
    acts_for,
    advises_organisation,
    is_admin_user,
    is_staff,
    signed_in,
)

__all__ = [
    "can_decide_organisation_member",
    "can_decide_organisation",
    "can_view_organisation_requests",
]


def can_decide_organisation_member(user: User, person: User) -> bool:
    """Approve or decline someone's request to act for their organisation: an
    approved colleague, an adviser of a programme it applied to, or an admin."""
    if not signed_in(user) or person.organisation is None or person.id == user.id:
        return False
    return (
        is_admin_user(user)
        or acts_for(user, person.organisation_id)
        or advises_organisation(user, person.organisation)
    )


def can_decide_organisation(user: User, organisation: Organisation) -> bool:
    """Approve a self-registered municipality before it can apply: staff."""
    return is_staff(user)


def can_view_organisation_requests(user: User) -> bool:
    return is_staff(user) or (signed_in(user) and user.acts_for_organisation)
