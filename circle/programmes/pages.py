"""Everything the programme page shows, in a fixed number of queries."""

from datetime import date

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from circle.accounts.models import User
from circle.database import utcnow
from circle.extensions import db
from circle.groups.models import Group, Membership, MembershipStatus
from circle.intake.models import Application, ApplicationStatus
from circle.meetings.models import Meeting
from circle.meetings.services import visible_meetings_query
from circle.permissions import can_review_applications
from circle.programmes.models import Programme
from circle.programmes.timeline import Point, build_timeline
from circle.templating import format_when
from circle.timezones import utc_to_local
from circle.tips.models import ReportStatus, SessionReport


def groups_with_counts(programme_id: int) -> list[tuple[Group, int]]:
    """The programme's groups with their number of active members."""
    counts = (
        sa.select(Membership.group_id, sa.func.count().label("members"))
        .where(Membership.status == MembershipStatus.ACTIVE)
        .group_by(Membership.group_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Group, sa.func.coalesce(counts.c.members, 0))
        .outerjoin(counts, counts.c.group_id == Group.id)
        .where(Group.programme_id == programme_id)
        .options(joinedload(Group.region), selectinload(Group.advisers))
        .order_by(Group.name)
    )
    return [(group, members) for group, members in rows]


def organisation_application(programme: Programme, user: User) -> Application | None:
    """The newest application of the user's organisation to this programme."""
    if not user.is_authenticated or not user.acts_for_organisation:
        return None
    return db.session.scalar(
        sa.select(Application)
        .where(
            Application.programme_id == programme.id,
            Application.organisation_id == user.organisation_id,
        )
        .order_by(Application.id.desc())
        .limit(1)
    )


def application_counts(programme_id: int) -> dict[ApplicationStatus, int]:
    rows = db.session.execute(
        sa.select(Application.status, sa.func.count())
        .where(Application.programme_id == programme_id)
        .group_by(Application.status)
    )
    return {status: count for status, count in rows}


#: The programme page lists this many upcoming sessions; /my/sessions has the rest.
NEXT_SESSIONS = 10


def visible_programme_meetings(
    programme: Programme, user: User, *, programme_wide: bool = False, after=None
) -> list[Meeting]:
    """The programme's sessions this person may open, in time order.

    `programme_wide` keeps the sessions for the whole programme (kick-off,
    closing) and those of the person's own groups, for the timeline; `after`
    keeps the next NEXT_SESSIONS from then.
    A national programme has hundreds of group sessions: the page stays the
    same size however many there are.
    """
    if not user.is_authenticated:
        return []
    query = (
        visible_meetings_query(user)
        .where(Meeting.programme_id == programme.id)
        .options(joinedload(Meeting.group))
        .order_by(Meeting.starts_at, Meeting.id)
    )
    if programme_wide:
        own_groups = sa.select(Membership.group_id).where(
            Membership.user_id == user.id,
            Membership.status == MembershipStatus.ACTIVE,
        )
        query = query.where(
            sa.or_(Meeting.group_id.is_(None), Meeting.group_id.in_(own_groups))
        )
    if after is not None:
        query = query.where(Meeting.ends_at >= after).limit(NEXT_SESSIONS)
    return list(db.session.scalars(query))


def programme_overview(programme: Programme, user: User, *, today: date) -> dict:
    programme = db.session.scalar(
        sa.select(Programme)
        .where(Programme.id == programme.id)
        .options(
            selectinload(Programme.phases),
            selectinload(Programme.themes),
            selectinload(Programme.advisers),
        )
    )
    reviewer = can_review_applications(user, programme)
    sessions = visible_programme_meetings(programme, user, after=utcnow())
    milestones = visible_programme_meetings(programme, user, programme_wide=True)
    reported = set(
        db.session.scalars(
            sa.select(SessionReport.meeting_id).where(
                SessionReport.meeting_id.in_([meeting.id for meeting in milestones]),
                SessionReport.status == ReportStatus.PUBLISHED,
            )
        )
    )
    report_suffix = " – " + _("report")
    points = [
        Point(
            label=f"{meeting.title} ({format_when(meeting.starts_at)})"
            + (report_suffix if meeting.id in reported else ""),
            on=utc_to_local(meeting.starts_at).date(),
            x=0,
            # A session with a published report leads to it on the timeline.
            url=url_for("meetings.detail", meeting_id=meeting.id)
            + ("#report" if meeting.id in reported else ""),
            is_cancelled=meeting.is_cancelled,
        )
        for meeting in milestones
    ]
    return {
        "programme": programme,
        "timeline": build_timeline(programme, today=today, sessions=points),
        "sessions": sessions,
        "groups": groups_with_counts(programme.id),
        "application": organisation_application(programme, user),
        "application_counts": application_counts(programme.id) if reviewer else {},
        "today": today,
    }
