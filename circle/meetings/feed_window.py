"""What a calendar feed covers, and its validator from one aggregate query.

A feed lists the sessions of the past three months and everything ahead:
calendar apps keep what they once received, so older sessions stay in
people's calendars while the feed stays the same size year after year. The
ETag comes from an aggregate over the same window (how many sessions, which,
their sequence numbers and last change), so the hourly poll of a calendar app
is answered with 304 from one indexed query, without loading any session.
"""

import hashlib
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from circle.extensions import db
from circle.meetings.models import Meeting

#: How far back a feed reaches.
FEED_PAST = timedelta(days=92)
#: Part of every feed ETag: raise it when the feed's layout changes.
FEED_FORMAT = 3


def feed_window(query: sa.Select, *, now: datetime) -> sa.Select:
    return query.where(Meeting.ends_at >= now - FEED_PAST)


def _as_datetime(value) -> datetime | None:
    if isinstance(value, str):  # SQLite returns an aggregate's datetime as text
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def feed_etag(
    query: sa.Select,
    name: str,
    *,
    now: datetime,
    changed_at: datetime | None = None,
) -> tuple[str, datetime | None]:
    """The feed's validator and last change, without loading its sessions.

    `query` is every session the feed may list; one aggregate over it counts
    those inside the window and finds the newest change of anything that
    decides the feed's content: a session's own change, a session leaving the
    window (its end plus FEED_PAST), and `changed_at` (when the person joined
    or left a group). So Last-Modified never goes back, even when the newest
    session drops out of the feed.
    """
    cutoff = now - FEED_PAST
    inside = Meeting.ends_at >= cutoff

    def within(column):
        return sa.case((inside, column), else_=0)

    count, ids, sequences, last, left = db.session.execute(
        query.with_only_columns(
            sa.func.coalesce(sa.func.sum(within(1)), 0),
            sa.func.coalesce(sa.func.sum(within(Meeting.id)), 0),
            sa.func.coalesce(sa.func.sum(within(Meeting.sequence)), 0),
            sa.func.max(Meeting.updated_at),
            sa.func.max(sa.case((Meeting.ends_at < cutoff, Meeting.ends_at))),
        ).order_by(None)
    ).one()
    last, left = _as_datetime(last), _as_datetime(left)
    candidates = [last, changed_at and _as_datetime(changed_at)]
    if left is not None:
        candidates.append(left + FEED_PAST)
    newest = max((stamp for stamp in candidates if stamp is not None), default=None)
    stamp = f"{FEED_FORMAT}|{name}|{count}|{ids}|{sequences}|{newest}"
    return hashlib.sha256(stamp.encode()).hexdigest(), newest


def feed_meetings(window: sa.Select) -> list[Meeting]:
    query = window.options(
        selectinload(Meeting.hosts),
        joinedload(Meeting.group),
        joinedload(Meeting.programme),
    ).order_by(Meeting.starts_at, Meeting.id)
    return list(db.session.scalars(query))
