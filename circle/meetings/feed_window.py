"""What a calendar feed covers, and its validator from one aggregate query.

A feed lists the sessions of the past three months and everything ahead:
calendar apps keep what they once received, so older sessions stay in
people's calendars while the feed stays the same size year after year. The
ETag comes from an aggregate over the same window (how many sessions, which,
their sequence numbers and last change), so the hourly poll of a calendar app
is answered with 304 from one indexed query, without loading any session.
"""

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from circle.extensions import db
from circle.meetings.models import Meeting

#: How far back a feed reaches.
FEED_PAST = timedelta(days=92)
#: Part of every feed ETag: raise it when the feed's layout changes.
FEED_FORMAT = 2


def feed_window(query: sa.Select, *, now: datetime) -> sa.Select:
    return query.where(Meeting.ends_at >= now - FEED_PAST)


def feed_etag(window: sa.Select, name: str) -> tuple[str, datetime | None]:
    """The feed's validator and last change, without loading its sessions."""
    count, ids, sequences, last = db.session.execute(
        window.with_only_columns(
            sa.func.count(Meeting.id),
            sa.func.coalesce(sa.func.sum(Meeting.id), 0),
            sa.func.coalesce(sa.func.sum(Meeting.sequence), 0),
            sa.func.max(Meeting.updated_at),
        ).order_by(None)
    ).one()
    if isinstance(last, str):  # SQLite returns an aggregate's datetime as text
        last = datetime.fromisoformat(last)
    stamp = f"{FEED_FORMAT}|{name}|{count}|{ids}|{sequences}|{last}"
    return hashlib.sha256(stamp.encode()).hexdigest(), last


def feed_meetings(window: sa.Select) -> list[Meeting]:
    query = window.options(
        selectinload(Meeting.hosts),
        joinedload(Meeting.group),
        joinedload(Meeting.programme),
    ).order_by(Meeting.starts_at, Meeting.id)
    return list(db.session.scalars(query))
