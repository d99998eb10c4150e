"""Scheduling sessions, which sessions a person sees, and attendance afterwards.

Every change that calendar clients must see raises the session's SEQUENCE and
mails each invitee their own invite (`invites`). Answers and the waitlist are in
`answers`, reminders in `reminders`, calendar tokens in `feeds`.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from circle import audiences
from circle.accounts.models import User
from circle.database import lock_row
from circle.errors import ServiceError
from circle.extensions import db
from circle.groups.models import Group
from circle.limits import MAX_MEETING_CAPACITY
from circle.meetings.answers import going_count, promote_waitlist
from circle.meetings.invites import invitees, mail_invitees
from circle.meetings.models import Answer, Meeting, MeetingKind, MeetingStatus, Rsvp
from circle.notifications.models import NotificationKind
from circle.permissions import can_manage_meeting, can_schedule_meetings
from circle.programmes.models import Programme
from circle.programmes.services import advisers_by_ids
from circle.timezones import utc_to_local


class OutsideProgrammeDates(ServiceError):
    """The session falls outside the programme's dates; allowed once confirmed."""


@dataclass
class MeetingData:
    kind: str
    title: str
    agenda: str
    starts_at: datetime
    ends_at: datetime
    location: str
    online_url: str
    capacity: int | None
    host_ids: list[int]


# -- who sees what ------


def visible_meetings_query(user: User) -> sa.Select:
    """Sessions the person may see: their groups', their programmes', their own."""
    return sa.select(Meeting).where(audiences.visible_meetings(user))


def _listed(
    query: sa.Select, upcoming_after: datetime | None, limit: int | None
) -> list[Meeting]:
    """In time order; only those not yet over, and at most `limit`, when asked."""
    if upcoming_after is not None:
        query = query.where(Meeting.ends_at >= upcoming_after)
    query = query.order_by(Meeting.starts_at, Meeting.id).limit(limit)
    return list(db.session.scalars(query))


def meetings_for(
    user: User, *, upcoming_after: datetime | None = None, limit: int | None = None
) -> list[Meeting]:
    """The sessions the person may see (their calendar feed lists these)."""
    query = visible_meetings_query(user).options(
        selectinload(Meeting.hosts),
        joinedload(Meeting.group),
        joinedload(Meeting.programme),
    )
    return _listed(query, upcoming_after, limit)


def group_meetings(
    group: Group, *, upcoming_after: datetime | None = None, limit: int | None = None
) -> list[Meeting]:
    """The group's own sessions (not the programme-wide ones)."""
    query = (
        sa.select(Meeting)
        .where(Meeting.group_id == group.id)
        .options(selectinload(Meeting.hosts))
    )
    return _listed(query, upcoming_after, limit)


# -- scheduling ------


def _validate(
    programme: Programme, data: MeetingData, *, now: datetime, confirmed: bool
):
    try:
        kind = MeetingKind(data.kind)
    except ValueError:
        raise ServiceError(
            _l("Choose a kind of session from the list."), "kind"
        ) from None
    if data.ends_at <= data.starts_at:
        raise ServiceError(_l("The session must end after it starts."), "ends_at")
    if data.starts_at < now:
        raise ServiceError(_l("The session must start in the future."), "starts_at")
    if data.capacity is not None and not 1 <= data.capacity <= MAX_MEETING_CAPACITY:
        raise ServiceError(
            _l("The capacity must be between 1 and %(max)s.", max=MAX_MEETING_CAPACITY),
            "capacity",
        )
    if data.online_url and not data.online_url.startswith(("https://", "http://")):
        raise ServiceError(
            _l("The online link must start with https://."), "online_url"
        )
    if not data.location and not data.online_url:
        raise ServiceError(_l("Give a place, an online link, or both."), "location")
    # The programme's dates are Dutch calendar days, not UTC ones.
    outside = (
        utc_to_local(data.starts_at).date() < programme.starts_on
        or utc_to_local(data.ends_at).date() > programme.ends_on
    )
    if outside and not confirmed:
        raise OutsideProgrammeDates(
            _l(
                "This session falls outside the programme's dates "
                "(%(start)s – %(end)s). Tick the box to schedule it anyway.",
                start=programme.starts_on.isoformat(),
                end=programme.ends_on.isoformat(),
            ),
            "confirm_outside",
        )
    return kind


def _apply(meeting: Meeting, data: MeetingData, kind: MeetingKind) -> None:
    meeting.kind = kind
    meeting.title = data.title
    meeting.agenda = data.agenda
    meeting.starts_at = data.starts_at
    meeting.ends_at = data.ends_at
    meeting.location = data.location
    meeting.online_url = data.online_url
    meeting.capacity = data.capacity
    meeting.hosts = advisers_by_ids(data.host_ids)


def schedule_meeting(
    programme: Programme,
    group: Group | None,
    data: MeetingData,
    *,
    by: User,
    now: datetime,
    confirmed: bool = False,
) -> Meeting:
    if group is not None and group.programme_id != programme.id:
        raise ServiceError(_l("Choose a group of the same programme."))
    if not can_schedule_meetings(by, programme, group):
        raise ServiceError(_l("You may not schedule sessions here."))
    kind = _validate(programme, data, now=now, confirmed=confirmed)
    meeting = Meeting(programme=programme, group=group, created_at=now, updated_at=now)
    _apply(meeting, data, kind)
    if not meeting.hosts and by.is_adviser:
        meeting.hosts = [by]  # whoever schedules hosts, unless others were chosen
    db.session.add(meeting)
    db.session.flush()
    mail_invitees(
        meeting,
        "meeting_invitation",
        _l("Invitation: %(title)s", title=meeting.title),
        now=now,
    )
    return meeting


def update_meeting(
    meeting: Meeting,
    data: MeetingData,
    *,
    by: User,
    now: datetime,
    confirmed: bool = False,
) -> bool:
    """Save changes; returns whether invitees were sent an update."""
    if not can_manage_meeting(by, meeting):
        raise ServiceError(_l("You may not change this session."))
    if meeting.is_cancelled:
        raise ServiceError(_l("This session has been cancelled."))
    lock_row(db.session, Meeting, meeting.id)
    kind = _validate(meeting.programme, data, now=now, confirmed=confirmed)
    going = going_count(meeting)
    if data.capacity is not None and data.capacity < going:
        raise ServiceError(
            _l(
                "%(going)s people are going; the capacity cannot be lower.", going=going
            ),
            "capacity",
        )
    before = (meeting.starts_at, meeting.ends_at, meeting.location, meeting.online_url)
    _apply(meeting, data, kind)
    meeting.updated_at = now
    changed = before != (
        meeting.starts_at,
        meeting.ends_at,
        meeting.location,
        meeting.online_url,
    )
    if changed:
        meeting.sequence += 1
    promoted = promote_waitlist(meeting, now=now)
    if changed:
        mail_invitees(
            meeting,
            "meeting_invitation",
            _l("Changed: %(title)s", title=meeting.title),
            now=now,
            notice=NotificationKind.SESSION_CHANGED,
            # Their "you have a place" mail carries this version already.
            skip={rsvp.user_id for rsvp in promoted},
        )
    return changed


def cancel_meeting(meeting: Meeting, *, reason: str, by: User, now: datetime) -> None:
    if not can_manage_meeting(by, meeting):
        raise ServiceError(_l("You may not change this session."))
    if meeting.is_cancelled:
        raise ServiceError(_l("This session has been cancelled."))
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancel_reason = reason
    meeting.sequence += 1
    meeting.updated_at = now
    mail_invitees(
        meeting,
        "meeting_invitation",
        _l("Cancelled: %(title)s", title=meeting.title),
        now=now,
        notice=NotificationKind.SESSION_CANCELLED,
    )


# -- attendance ------


def record_attendance(
    meeting: Meeting, attended_user_ids: set[int], *, by: User, now: datetime
) -> None:
    if not can_manage_meeting(by, meeting):
        raise ServiceError(_l("You may not change this session."))
    if meeting.starts_at > now:
        raise ServiceError(
            _l("Attendance can be recorded once the session has started.")
        )
    if meeting.is_cancelled:
        raise ServiceError(_l("This session has been cancelled."))
    allowed = {user.id for user in invitees(meeting)}
    unknown = attended_user_ids - allowed
    if unknown:
        raise ServiceError(_l("Only people invited to this session can attend it."))
    rsvps = {rsvp.user_id: rsvp for rsvp in meeting.rsvps}
    for user_id in allowed:
        rsvp = rsvps.get(user_id)
        present = user_id in attended_user_ids
        if rsvp is None and not present:
            continue
        if rsvp is None:
            rsvp = Rsvp(
                meeting=meeting,
                user_id=user_id,
                response=Answer.GOING,
                created_at=now,
            )
            db.session.add(rsvp)
        rsvp.attended = present
        rsvp.updated_at = now
