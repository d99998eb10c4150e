"""Which groups and programmes a person can read, as SQL sub-selects.

Lists and searches filter with these, so they agree with the per-object rules
in circle.permissions (can_view_group_members, is_enrolled).
"""

import sqlalchemy as sa

from circle.accounts.models import User
from circle.groups.models import Group, Membership, MembershipStatus, group_advisers
from circle.intake.models import Application, ApplicationStatus
from circle.programmes.models import programme_advisers


def _advised_programmes(user: User) -> sa.Select:
    return sa.select(programme_advisers.c.programme_id).where(
        programme_advisers.c.user_id == user.id
    )


def readable_group_ids(user: User) -> sa.CompoundSelect:
    """Groups whose members' content the person may read."""
    member = sa.select(Membership.group_id).where(
        Membership.user_id == user.id, Membership.status == MembershipStatus.ACTIVE
    )
    hosts = sa.select(group_advisers.c.group_id).where(
        group_advisers.c.user_id == user.id
    )
    advised = sa.select(Group.id).where(
        Group.programme_id.in_(_advised_programmes(user))
    )
    return sa.union(member, hosts, advised)


def enrolled_programme_ids(user: User) -> sa.CompoundSelect:
    """Programmes whose programme-wide content the person may read."""
    via_groups = sa.select(Group.programme_id).where(
        Group.id.in_(readable_group_ids(user))
    )
    accepted = sa.select(Application.programme_id).where(
        Application.organisation_id == user.organisation_id,
        Application.status == ApplicationStatus.ACCEPTED,
    )
    return sa.union(via_groups, _advised_programmes(user), accepted)
