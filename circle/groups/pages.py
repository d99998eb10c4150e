"""What a group's pages show: its members, requests waiting, recent changes.

Each is one query (or a count), so a group page costs the same with five
members as with fifty.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from circle.accounts.models import User
from circle.cases.models import Case
from circle.extensions import db
from circle.groups.models import Group, Membership, MembershipStatus


def pending_count(group: Group) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Membership)
        .where(
            Membership.group_id == group.id,
            Membership.status == MembershipStatus.PENDING,
        )
    )


def pending_requests(group: Group) -> list[Membership]:
    return list(
        db.session.scalars(
            sa.select(Membership)
            .where(
                Membership.group_id == group.id,
                Membership.status == MembershipStatus.PENDING,
            )
            .options(joinedload(Membership.user).joinedload(User.organisation))
            .order_by(Membership.created_at)
        )
    )


@dataclass
class DirectoryEntry:
    membership: Membership
    user: User
    case: Case | None


def member_directory(group: Group) -> list[DirectoryEntry]:
    """Active members with their organisation and its project, in one query."""
    rows = db.session.execute(
        sa.select(Membership, User, Case)
        .join(User, User.id == Membership.user_id)
        .outerjoin(
            Case,
            sa.and_(
                Case.organisation_id == User.organisation_id,
                Case.programme_id == group.programme_id,
                Case.application_id.is_not(None),
            ),
        )
        .where(
            Membership.group_id == group.id,
            Membership.status == MembershipStatus.ACTIVE,
        )
        .options(joinedload(User.organisation))
        .order_by(User.name)
    )
    return [DirectoryEntry(membership, user, case) for membership, user, case in rows]


def recent_activity(group: Group, limit: int = 10) -> list[Membership]:
    """The latest joins and departures (reasons stay with the advisers)."""
    return list(
        db.session.scalars(
            sa.select(Membership)
            .where(
                Membership.group_id == group.id,
                Membership.status.in_(
                    [
                        MembershipStatus.ACTIVE,
                        MembershipStatus.LEFT,
                        MembershipStatus.REMOVED,
                    ]
                ),
                Membership.decided_at.is_not(None),
            )
            .options(joinedload(Membership.user))
            .order_by(Membership.decided_at.desc(), Membership.id.desc())
            .limit(limit)
        )
    )
