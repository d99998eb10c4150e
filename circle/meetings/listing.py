"""Session lists a page at a time: upcoming first, soonest first, then the past.

At national scale an adviser or admin sees thousands of sessions; the lists
show 25 with a pager, and look up the person's answers for those 25 only.
"""

from datetime import datetime

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload

from circle.accounts.models import User
from circle.extensions import db
from circle.meetings.models import Meeting, Rsvp
from circle.pagination import paginate

SESSIONS_PER_PAGE = 25


def session_page(
    query: sa.Select, user: User, *, page: int, now: datetime
) -> tuple[Pagination, dict[int, Rsvp]]:
    """One page of `query`'s sessions and the person's answers to them."""
    upcoming = Meeting.ends_at >= now
    ordered = query.options(joinedload(Meeting.group)).order_by(
        sa.case((upcoming, 0), else_=1),
        sa.case((upcoming, Meeting.starts_at)),
        Meeting.starts_at.desc(),
        Meeting.id,
    )
    pagination = paginate(ordered, page, SESSIONS_PER_PAGE)
    ids = [meeting.id for meeting in pagination.items]
    answers = {
        rsvp.meeting_id: rsvp
        for rsvp in db.session.scalars(
            sa.select(Rsvp).where(Rsvp.user_id == user.id, Rsvp.meeting_id.in_(ids))
        )
    }
    return pagination, answers
