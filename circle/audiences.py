"""Who takes part where: each audience defined once, in SQL.

An audience is a set of (person, place, reason) rows. The same definition
answers the three questions Circle asks about it:

- may this person read it?  `exists(...)` -> the permission facts in
  circle.permissions (`is_enrolled`, `takes_part_in_group`);
- who is told?              `people(...)` -> recipient lists (mentions, replies,
  invitations);
- what may this person read? `*_ids_of(user)` / `readable_*(user)` -> list,
  calendar and search scopes.

A programme's audience is its admins, advisers, the advisers and active members
of its groups, and the people of the municipalities it accepted (also before
they are placed in a group). A group's audience is its active members, its
advisers, and the programme's advisers and admins. Threads and sessions take
the audience of the group or programme they belong to; a session adds its hosts.

Reasons: admins and programme advisers see a group's content by OVERSIGHT; they
may read it and be mentioned, but are not invited to each of its sessions.
"""

import enum

import sqlalchemy as sa

from circle.accounts.models import OrganisationStatus, Role, User
from circle.groups.models import Group, Membership, MembershipStatus, group_advisers
from circle.intake.models import Application, ApplicationStatus
from circle.meetings.models import Meeting, meeting_hosts
from circle.programmes.models import Programme, programme_advisers
from circle.threads.models import Thread


class Reason(enum.StrEnum):
    MEMBER = "member"
    ADVISER = "adviser"
    HOST = "host"
    #: Admins and programme advisers looking after a group: they read, but are
    #: not invited to its sessions.
    OVERSIGHT = "oversight"


def _row(user, place, reason: Reason, *, user_id, place_id) -> sa.Select:
    """One branch of an audience, narrowed to a person and/or a place."""
    query = sa.select(
        user.label("user_id"),
        place.label("place_id"),
        sa.literal(reason.value).label("reason"),
    )
    if user_id is not None:
        query = query.where(user == user_id)
    if place_id is not None:
        query = query.where(place == place_id)
    return query


def group_audience(
    *, user_id: int | None = None, group_id: int | None = None
) -> sa.CompoundSelect:
    """(user_id, place_id=group id, reason): who takes part in which group."""
    return sa.union(*_group_rows(user_id=user_id, group_id=group_id))


def _group_rows(*, user_id: int | None, group_id: int | None) -> list[sa.Select]:
    narrow = {"user_id": user_id, "place_id": group_id}
    members = _row(
        Membership.user_id, Membership.group_id, Reason.MEMBER, **narrow
    ).where(Membership.status == MembershipStatus.ACTIVE)
    advisers = _row(
        group_advisers.c.user_id, group_advisers.c.group_id, Reason.ADVISER, **narrow
    )
    programme_staff = _row(
        programme_advisers.c.user_id, Group.id, Reason.OVERSIGHT, **narrow
    ).join(Group, Group.programme_id == programme_advisers.c.programme_id)
    admins = (
        _row(User.id, Group.id, Reason.OVERSIGHT, **narrow)
        .select_from(User)
        .join(Group, sa.true())
        .where(User.role == Role.ADMIN)
    )
    return [members, advisers, programme_staff, admins]


def programme_audience(
    *, user_id: int | None = None, programme_id: int | None = None
) -> sa.CompoundSelect:
    """(user_id, place_id=programme id, reason): who is enrolled in which programme."""
    return sa.union(*_programme_rows(user_id=user_id, programme_id=programme_id))


def _programme_rows(
    *, user_id: int | None, programme_id: int | None
) -> list[sa.Select]:
    narrow = {"user_id": user_id, "place_id": programme_id}
    members = (
        _row(Membership.user_id, Group.programme_id, Reason.MEMBER, **narrow)
        .join(Group, Group.id == Membership.group_id)
        .where(Membership.status == MembershipStatus.ACTIVE)
    )
    # Only people the organisation has approved, with a verified address:
    # claiming to work for an accepted municipality grants nothing.
    accepted = (
        _row(User.id, Application.programme_id, Reason.MEMBER, **narrow)
        .select_from(User)
        .join(Application, Application.organisation_id == User.organisation_id)
        .where(
            Application.status == ApplicationStatus.ACCEPTED,
            User.organisation_status == OrganisationStatus.ACTIVE,
            User.email_verified_at.is_not(None),
        )
    )
    group_staff = _row(
        group_advisers.c.user_id, Group.programme_id, Reason.ADVISER, **narrow
    ).join(Group, Group.id == group_advisers.c.group_id)
    programme_staff = _row(
        programme_advisers.c.user_id,
        programme_advisers.c.programme_id,
        Reason.ADVISER,
        **narrow,
    )
    admins = (
        _row(User.id, Programme.id, Reason.OVERSIGHT, **narrow)
        .select_from(User)
        .join(Programme, sa.true())
        .where(User.role == Role.ADMIN)
    )
    return [members, accepted, group_staff, programme_staff, admins]


def _scope_rows(programme_id: int, group_id: int | None) -> list[sa.Select]:
    """A group's audience, or a programme's for what belongs to no group."""
    if group_id is not None:
        return _group_rows(user_id=None, group_id=group_id)
    return _programme_rows(user_id=None, programme_id=programme_id)


def thread_audience(thread: Thread) -> sa.CompoundSelect:
    """Who may read a conversation: the audience of its group or programme."""
    return sa.union(*_scope_rows(thread.programme_id, thread.group_id))


def meeting_audience(meeting: Meeting) -> sa.CompoundSelect:
    """Who a session is for: its group's or programme's audience and its hosts."""
    scope = _scope_rows(meeting.programme_id, meeting.group_id)
    hosts = _row(
        meeting_hosts.c.user_id,
        meeting_hosts.c.meeting_id,
        Reason.HOST,
        user_id=None,
        place_id=meeting.id,
    )
    return sa.union(*scope, hosts)


def invited(audience: sa.CompoundSelect) -> sa.Select:
    """The rows of an audience that are invited (everyone but oversight)."""
    rows = audience.subquery()
    return sa.select(rows.c.user_id).where(rows.c.reason != Reason.OVERSIGHT.value)


def people(audience: sa.CompoundSelect | sa.Select) -> sa.Select:
    """The existing accounts in an audience, by name (deleted people are never told)."""
    rows = audience.subquery()
    return (
        sa.select(User)
        .where(User.id.in_(sa.select(rows.c.user_id)), User.deleted_at.is_(None))
        .order_by(User.name, User.id)
    )


def exists(audience: sa.CompoundSelect) -> sa.Exists:
    return sa.exists(audience.subquery())


# -- scopes: what one person may read ------


def group_ids_of(user: User) -> sa.Select:
    """Groups whose members' content the person may read."""
    rows = group_audience(user_id=user.id).subquery()
    return sa.select(rows.c.place_id)


def programme_ids_of(user: User) -> sa.Select:
    """Programmes whose programme-wide content the person may read."""
    rows = programme_audience(user_id=user.id).subquery()
    return sa.select(rows.c.place_id)


def in_scope(user: User, programme_column, group_column) -> sa.ColumnElement:
    """A where-clause for anything scoped to a group or else its whole programme
    (threads, sessions, the search index)."""
    return sa.or_(
        group_column.in_(group_ids_of(user)),
        sa.and_(group_column.is_(None), programme_column.in_(programme_ids_of(user))),
    )


def readable_threads(user: User) -> sa.ColumnElement:
    """A where-clause: the conversations the person may read."""
    return in_scope(user, Thread.programme_id, Thread.group_id)


def visible_meetings(user: User) -> sa.ColumnElement:
    """A where-clause: the sessions the person may see (their scope, or hosted)."""
    hosted = sa.select(meeting_hosts.c.meeting_id).where(
        meeting_hosts.c.user_id == user.id
    )
    return sa.or_(
        in_scope(user, Meeting.programme_id, Meeting.group_id),
        Meeting.id.in_(hosted),
    )


def invited_meetings(user: User) -> sa.ColumnElement:
    """A where-clause: the sessions the person is invited to (their groups' and
    programmes' as a member or adviser, not by oversight, and those they host)."""
    groups = group_audience(user_id=user.id).subquery()
    programmes = programme_audience(user_id=user.id).subquery()
    hosted = sa.select(meeting_hosts.c.meeting_id).where(
        meeting_hosts.c.user_id == user.id
    )
    return sa.or_(
        Meeting.group_id.in_(
            sa.select(groups.c.place_id).where(
                groups.c.reason != Reason.OVERSIGHT.value
            )
        ),
        sa.and_(
            Meeting.group_id.is_(None),
            Meeting.programme_id.in_(
                sa.select(programmes.c.place_id).where(
                    programmes.c.reason != Reason.OVERSIGHT.value
                )
            ),
        ),
        Meeting.id.in_(hosted),
    )
