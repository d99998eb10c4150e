"""Facts the rules are built on: who is signed in, staff, an adviser or member of what.

Membership facts come from circle.audiences and are remembered for the rest of
the request, since a page asks them for every item it shows."""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import g, has_request_context

from circle import audiences
from circle.accounts.models import Organisation, Role, User
from circle.extensions import db

if TYPE_CHECKING:
    from circle.groups.models import Group
    from circle.programmes.models import Programme


__all__ = [
    "signed_in",
    "is_staff",
    "is_admin_user",
    "memo",
    "forget_facts",
    "is_programme_adviser",
    "is_group_adviser",
    "is_group_member",
    "takes_part_in_group",
    "is_enrolled",
    "acts_for",
    "advises_organisation",
    "exists",
]


def signed_in(user: User) -> bool:
    return bool(user) and user.is_authenticated


def is_staff(user: User) -> bool:
    return signed_in(user) and user.role in (Role.ADMIN, Role.ADVISER)


def is_admin_user(user: User) -> bool:
    return signed_in(user) and user.is_admin


def acts_for(user: User, organisation_id: int | None) -> bool:
    """A verified, approved member of this organisation (claiming it is not enough)."""
    return (
        signed_in(user)
        and organisation_id is not None
        and user.organisation_id == organisation_id
        and user.acts_for_organisation
    )


def forget_facts() -> None:
    """Forget the facts remembered so far: a service just changed who takes part."""
    if has_request_context():
        g.pop("circle_facts", None)


def memo(fact):
    """Remember a fact for the rest of the request.

    A page asks the same question for every post or card on it ("is this person
    a member of the group?"); the answer cannot change while it renders.
    """

    @wraps(fact)
    def remembered(user, obj):
        if not has_request_context() or not signed_in(user) or obj.id is None:
            return fact(user, obj)
        cache = g.setdefault("circle_facts", {})
        key = (fact.__name__, user.id, obj.id)
        if key not in cache:
            cache[key] = fact(user, obj)
        return cache[key]

    return remembered


@memo
def is_programme_adviser(user: User, programme: Programme) -> bool:
    from circle.programmes.models import programme_advisers

    if not (signed_in(user) and user.is_adviser):
        return False
    return exists(
        sa.select(programme_advisers.c.user_id).where(
            programme_advisers.c.programme_id == programme.id,
            programme_advisers.c.user_id == user.id,
        )
    )


@memo
def is_group_adviser(user: User, group: Group) -> bool:
    from circle.groups.models import group_advisers

    if not (signed_in(user) and user.is_adviser):
        return False
    return exists(
        sa.select(group_advisers.c.user_id).where(
            group_advisers.c.group_id == group.id, group_advisers.c.user_id == user.id
        )
    )


@memo
def is_group_member(user: User, group: Group) -> bool:
    from circle.groups.models import Membership, MembershipStatus

    if not signed_in(user):
        return False
    return exists(
        sa.select(Membership.id).where(
            Membership.group_id == group.id,
            Membership.user_id == user.id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    )


@memo
def takes_part_in_group(user: User, group: Group) -> bool:
    """In the group's audience: members, its advisers, programme advisers, admins."""
    if not signed_in(user):
        return False
    return exists(audiences.group_audience(user_id=user.id, group_id=group.id))


@memo
def is_enrolled(user: User, programme: Programme) -> bool:
    """In the programme's audience (see circle.audiences)."""
    if not signed_in(user):
        return False
    return exists(
        audiences.programme_audience(user_id=user.id, programme_id=programme.id)
    )


def exists(query) -> bool:
    """Whether `query` has a row. For a UNION (an audience), whether any of its
    parts has one: the database stops at the first, without building the union."""
    parts = query.selects if isinstance(query, sa.CompoundSelect) else [query]
    return bool(db.session.scalar(sa.select(sa.or_(*(p.exists() for p in parts)))))


@memo
def advises_organisation(user: User, organisation: Organisation) -> bool:
    """An adviser of a programme the organisation has applied to."""
    from circle.intake.models import Application
    from circle.programmes.models import programme_advisers

    if not (signed_in(user) and user.is_adviser):
        return False
    return exists(
        sa.select(Application.id)
        .join(
            programme_advisers,
            programme_advisers.c.programme_id == Application.programme_id,
        )
        .where(
            Application.organisation_id == organisation.id,
            programme_advisers.c.user_id == user.id,
        )
    )
