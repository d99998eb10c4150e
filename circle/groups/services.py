"""Forming groups, join requests, approvals, leaving and removal.

Capacity is checked under a lock on the group's row (`lock_row`), so two
advisers approving at the same moment can never push a group over capacity.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from circle.accounts.models import OrganisationStatus, Role, User
from circle.database import lock_row
from circle.errors import ServiceError
from circle.extensions import db
from circle.groups.models import (
    OPEN_MEMBERSHIP,
    Group,
    Membership,
    MembershipStatus,
    Region,
)
from circle.limits import MAX_GROUP_CAPACITY
from circle.mail import mail_person
from circle.permissions import (
    can_edit_group,
    can_manage_groups,
    can_moderate_group,
    can_request_to_join,
)
from circle.programmes.models import Programme
from circle.programmes.services import advisers_by_ids
from circle.signals import access_lost, taking_part_changes
from circle.urls import external_url


@dataclass
class GroupData:
    name: str
    description: str
    capacity: int
    region_id: int | None
    adviser_ids: list[int]


def active_count(group: Group) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Membership)
        .where(
            Membership.group_id == group.id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    )


def _check_capacity(capacity: int) -> None:
    if not 1 <= capacity <= MAX_GROUP_CAPACITY:
        raise ServiceError(
            _l("The capacity must be between 1 and %(max)s.", max=MAX_GROUP_CAPACITY),
            "capacity",
        )


def _fill(group: Group, data: GroupData) -> None:
    _check_capacity(data.capacity)
    region = None
    if data.region_id:
        region = db.session.get(Region, data.region_id)
        if region is None:
            raise ServiceError(_l("Choose a region from the list."), "region_id")
    group.name = data.name
    group.description = data.description
    group.capacity = data.capacity
    group.region = region
    group.advisers = advisers_by_ids(data.adviser_ids)


def create_group(programme: Programme, data: GroupData, *, by: User) -> Group:
    if not can_manage_groups(by, programme):
        raise ServiceError(_l("You may not form groups in this programme."))
    group = Group(programme=programme)
    _fill(group, data)
    db.session.add(group)
    db.session.flush()
    return group


def update_group(group: Group, data: GroupData, *, by: User) -> None:
    if not can_edit_group(by, group):
        raise ServiceError(_l("You may not edit this group."))
    lock_row(db.session, Group, group.id)
    members = active_count(group)
    if data.capacity < members:
        raise ServiceError(
            _l(
                "The group has %(members)s members; the capacity cannot be lower.",
                members=members,
            ),
            "capacity",
        )
    _fill(group, data)


def membership_of(group: Group, user: User) -> Membership | None:
    """The person's pending or active membership of the group, if any."""
    return db.session.scalar(
        sa.select(Membership).where(
            Membership.group_id == group.id,
            Membership.user_id == user.id,
            Membership.status.in_(OPEN_MEMBERSHIP),
        )
    )


def _ensure_room(group: Group, needed: int = 1) -> None:
    """Raise unless `needed` more members fit; call with the group's row locked."""
    if active_count(group) + needed > group.capacity:
        raise ServiceError(
            _l(
                "The group is full: all %(capacity)s places are taken.",
                capacity=group.capacity,
            )
        )


def _mail_member(membership: Membership, template: str, subject) -> None:
    mail_person(
        membership.user,
        template,
        subject=subject,
        membership=membership,
        group=membership.group,
        link=external_url("groups.detail", group_id=membership.group.id),
    )


def request_to_join(
    group: Group, user: User, *, message: str, now: datetime
) -> Membership:
    if not can_request_to_join(user, group):
        raise ServiceError(_l("Only participants and initiators can join a group."))
    existing = membership_of(group, user)
    if existing is not None:
        if existing.status == MembershipStatus.ACTIVE:
            raise ServiceError(_l("You are already a member of this group."))
        raise ServiceError(_l("You have already asked to join this group."))
    _ensure_room(group)
    membership = Membership(group=group, user=user, message=message, created_at=now)
    membership.set_status(MembershipStatus.PENDING)
    db.session.add(membership)
    db.session.flush()
    for adviser in group.advisers:
        mail_person(
            adviser,
            "join_request",
            subject=_l(
                "%(name)s asks to join %(group)s", name=user.name, group=group.name
            ),
            membership=membership,
            group=group,
            link=external_url("groups.requests", group_id=group.id),
        )
    return membership


def _decide(membership: Membership, *, by: User) -> None:
    """Lock the group, then make sure the request is still waiting for a decision."""
    if not can_moderate_group(by, membership.group):
        raise ServiceError(_l("You may not decide on requests for this group."))
    lock_row(db.session, Group, membership.group_id)
    db.session.refresh(membership)
    if membership.status != MembershipStatus.PENDING:
        raise ServiceError(_l("This request has already been decided."))


def approve_request(membership: Membership, *, by: User, now: datetime) -> None:
    _decide(membership, by=by)
    _ensure_room(membership.group)
    with taking_part_changes([membership.user], now=now):
        membership.set_status(MembershipStatus.ACTIVE)
    membership.decided_by = by
    membership.decided_at = now
    _mail_member(
        membership,
        "membership_status",
        _l("Welcome to %(group)s", group=membership.group.name),
    )


def decline_request(
    membership: Membership, *, reason: str, by: User, now: datetime
) -> None:
    if not reason:
        raise ServiceError(_l("Give a reason when you decline."), "reason")
    _decide(membership, by=by)
    membership.set_status(MembershipStatus.DECLINED)
    membership.reason = reason
    membership.decided_by = by
    membership.decided_at = now
    _mail_member(
        membership,
        "membership_status",
        _l("Your request to join %(group)s", group=membership.group.name),
    )


def leave_group(group: Group, user: User, *, now: datetime) -> None:
    membership = membership_of(group, user)
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        raise ServiceError(_l("You are not a member of this group."))
    with taking_part_changes([user], now=now):
        membership.set_status(MembershipStatus.LEFT)
    membership.decided_at = now
    access_lost.send(user.id)


def remove_member(
    membership: Membership, *, reason: str, by: User, now: datetime
) -> None:
    if not can_moderate_group(by, membership.group):
        raise ServiceError(_l("You may not remove members from this group."))
    if not reason:
        raise ServiceError(_l("Give a reason for the removal."), "reason")
    if membership.status != MembershipStatus.ACTIVE:
        raise ServiceError(_l("This person is not a member of the group."))
    with taking_part_changes([membership.user], now=now):
        membership.set_status(MembershipStatus.REMOVED)
    membership.reason = reason
    membership.decided_by = by
    membership.decided_at = now
    access_lost.send(membership.user_id)
    _mail_member(
        membership,
        "membership_status",
        _l("You are no longer a member of %(group)s", group=membership.group.name),
    )


def place_organisation(
    group: Group, organisation_id: int, *, by: User, now: datetime
) -> list[Membership]:
    """Place an accepted municipality in a group: its civil servants become members."""
    if not (can_manage_groups(by, group.programme) or can_moderate_group(by, group)):
        raise ServiceError(_l("You may not place municipalities in this group."))
    lock_row(db.session, Group, group.id)
    people = list(
        db.session.scalars(
            sa.select(User).where(
                User.organisation_id == organisation_id,
                User.role == Role.PARTICIPANT,
                # Only the people the municipality has approved.
                User.organisation_status == OrganisationStatus.ACTIVE,
                User.email_verified_at.is_not(None),
                User.deleted_at.is_(None),
            )
        )
    )
    current = {person.id: membership_of(group, person) for person in people}
    joining = [
        person
        for person in people
        if current[person.id] is None
        or current[person.id].status != MembershipStatus.ACTIVE
    ]
    _ensure_room(group, len(joining))
    with taking_part_changes(joining, now=now):
        newcomers = _activate(group, joining, current, by=by, now=now)
    return newcomers


def _activate(group, joining, current, *, by: User, now: datetime) -> list[Membership]:
    newcomers = []
    for person in joining:
        membership = current[person.id] or Membership(
            group=group, user=person, created_at=now
        )
        membership.set_status(MembershipStatus.ACTIVE)
        membership.decided_by = by
        membership.decided_at = now
        db.session.add(membership)
        newcomers.append(membership)
        _mail_member(
            membership,
            "membership_status",
            _l("Welcome to %(group)s", group=group.name),
        )
    db.session.flush()
    return newcomers


def suggested_group(province: str | None, groups: list[Group]) -> Group | None:
    """The first group whose region covers the municipality's province."""
    for group in groups:
        if group.region is not None and province in (group.region.provinces or []):
            return group
    return None
