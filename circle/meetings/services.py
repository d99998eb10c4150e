"""Scheduling sessions, RSVP with waitlist, attendance, reminders and calendar tokens.

Capacity is checked with the session's row locked (`lock_row`), so concurrent
"going" answers can never overfill it. Every change that calendar clients must
see raises the session's SEQUENCE and mails each invitee their own invite.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from circle import audiences
from circle.accounts.models import User, hash_token
from circle.database import lock_row
from circle.errors import ServiceError
from circle.extensions import db
from circle.groups.models import Group
from circle.limits import MAX_MEETING_CAPACITY
from circle.mail import Alternative, Attachment, queue_mail, render_mail
from circle.meetings.ical import meeting_to_ical
from circle.meetings.models import (
    Answer,
    CalendarToken,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Rsvp,
)
from circle.permissions import (
    can_manage_meeting,
    can_rsvp,
    can_schedule_meetings,
)
from circle.programmes.models import Programme
from circle.programmes.services import advisers_by_ids
from circle.timezones import utc_to_local
from circle.urls import external_url


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


# -- who is invited, who sees what ------


def invitees(meeting: Meeting) -> list[User]:
    """Everyone a session is for (its audience, without oversight), by name."""
    audience = audiences.invited(audiences.meeting_audience(meeting))
    return list(db.session.scalars(audiences.people(audience)))


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
    query = visible_meetings_query(user).options(
        selectinload(Meeting.hosts),
        joinedload(Meeting.group),
        joinedload(Meeting.programme),
    )
    return _listed(query, upcoming_after, limit)


def group_meetings(
    group: Group, *, upcoming_after: datetime | None = None, limit: int | None = None
) -> list[Meeting]:
    query = (
        sa.select(Meeting)
        .where(Meeting.group_id == group.id)
        .options(selectinload(Meeting.hosts))
    )
    return _listed(query, upcoming_after, limit)


# -- counting places ------


def going_count(meeting: Meeting) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Rsvp)
        .where(
            Rsvp.meeting_id == meeting.id,
            Rsvp.response == Answer.GOING,
            Rsvp.waitlisted_at.is_(None),
        )
    )


def waitlist(meeting: Meeting) -> list[Rsvp]:
    return list(
        db.session.scalars(
            sa.select(Rsvp)
            .where(Rsvp.meeting_id == meeting.id, Rsvp.waitlisted_at.is_not(None))
            .options(joinedload(Rsvp.user))
            .order_by(Rsvp.waitlisted_at, Rsvp.id)
        )
    )


def rsvp_of(meeting: Meeting, user: User) -> Rsvp | None:
    return db.session.scalar(
        sa.select(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.user_id == user.id)
    )


def _has_room(meeting: Meeting) -> bool:
    return meeting.capacity is None or going_count(meeting) < meeting.capacity


# -- mail ------


def _mail_invite(
    meeting: Meeting, user: User, template: str, subject, *, now: datetime
):
    """One person, one mail: the invite lists only them (clients ignore others')."""
    if not user.is_active:
        return
    rsvp = rsvp_of(meeting, user)
    ics = meeting_to_ical(meeting, attendee=user, rsvp=rsvp, dtstamp=now)
    method = "CANCEL" if meeting.is_cancelled else "REQUEST"
    queue_mail(
        db.session,
        render_mail(
            template,
            to=user.email,
            to_name=user.name,
            language=user.language,
            subject=subject,
            meeting=meeting,
            rsvp=rsvp,
            link=external_url("meetings.detail", meeting_id=meeting.id),
            alternatives=[
                Alternative(
                    ics.decode(), "calendar", {"method": method, "charset": "utf-8"}
                )
            ],
            attachments=[
                Attachment(
                    "invite.ics" if method == "REQUEST" else "cancel.ics",
                    ics,
                    "application",
                    "ics",
                    {"method": method},
                )
            ],
        ),
    )


def _mail_everyone(meeting: Meeting, template: str, subject, *, now: datetime) -> None:
    for user in invitees(meeting):
        _mail_invite(meeting, user, template, subject, now=now)


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
    _mail_everyone(
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
    _promote_waitlist(meeting, now=now)
    if changed:
        _mail_everyone(
            meeting,
            "meeting_invitation",
            _l("Changed: %(title)s", title=meeting.title),
            now=now,
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
    _mail_everyone(
        meeting,
        "meeting_invitation",
        _l("Cancelled: %(title)s", title=meeting.title),
        now=now,
    )


# -- answers and the waitlist ------


def _check_open(meeting: Meeting, now: datetime) -> None:
    if meeting.is_cancelled:
        raise ServiceError(_l("This session has been cancelled."))
    if meeting.starts_at <= now:
        raise ServiceError(_l("This session has already started or is over."))


def respond(
    meeting: Meeting,
    user: User,
    answer: Answer,
    *,
    note: str = "",
    now: datetime,
    by: User | None = None,
) -> Rsvp:
    """Answer for `user` (an adviser may answer for someone: `by`)."""
    actor = by or user
    if actor is not user and not can_manage_meeting(actor, meeting):
        raise ServiceError(_l("You may not add people to this session."))
    if not can_rsvp(user, meeting):
        raise ServiceError(_l("This session is not for you."))
    _check_open(meeting, now)
    lock_row(db.session, Meeting, meeting.id)
    rsvp = rsvp_of(meeting, user)
    had_place = rsvp is not None and rsvp.has_place
    was_waiting = rsvp is not None and rsvp.is_waitlisted
    # Count before this answer touches the session: it must not count itself.
    seeks_place = answer == Answer.GOING and not had_place and not was_waiting
    room = seeks_place and _has_room(meeting)
    if rsvp is None:
        rsvp = Rsvp(meeting=meeting, user=user, response=answer, created_at=now)
        db.session.add(rsvp)
    rsvp.response = answer
    rsvp.note = note
    rsvp.updated_at = now
    if answer != Answer.GOING:
        rsvp.waitlisted_at = None
    elif seeks_place:
        rsvp.waitlisted_at = None if room else now
    db.session.flush()
    if had_place and not rsvp.has_place:
        _promote_waitlist(meeting, now=now)
    if rsvp.has_place and not had_place:
        _mail_invite(
            meeting,
            user,
            "meeting_invitation",
            _l("Invitation: %(title)s", title=meeting.title),
            now=now,
        )
    return rsvp


def withdraw(meeting: Meeting, user: User, *, now: datetime) -> None:
    """Take one's answer back entirely (also leaves the waitlist)."""
    _check_open(meeting, now)
    lock_row(db.session, Meeting, meeting.id)
    rsvp = rsvp_of(meeting, user)
    if rsvp is None:
        raise ServiceError(_l("You have not answered for this session."))
    had_place = rsvp.has_place
    db.session.delete(rsvp)
    db.session.flush()
    if had_place:
        _promote_waitlist(meeting, now=now)


def _promote_waitlist(meeting: Meeting, *, now: datetime) -> list[Rsvp]:
    """Give freed places to the waitlist, first come first served; mail each."""
    promoted = []
    for rsvp in waitlist(meeting):
        if not _has_room(meeting):
            break
        rsvp.waitlisted_at = None
        rsvp.updated_at = now
        db.session.flush()
        promoted.append(rsvp)
        _mail_invite(
            meeting,
            rsvp.user,
            "meeting_promoted",
            _l("You have a place: %(title)s", title=meeting.title),
            now=now,
        )
    return promoted


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


# -- reminders ------


def send_reminders(*, now: datetime) -> dict[str, int]:
    """Remind everyone with a place, once; a session moved since gets a change notice.

    Safe to run as often as you like (cron): `reminded_sequence` remembers which
    version of the session each person was last told about.
    """
    window_end = now + current_app.config["REMINDER_BEFORE"]
    rows = db.session.scalars(
        sa.select(Rsvp)
        .join(Meeting)
        .where(
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at > now,
            Meeting.starts_at <= window_end,
            Rsvp.response == Answer.GOING,
            Rsvp.waitlisted_at.is_(None),
            sa.or_(
                Rsvp.reminded_sequence.is_(None),
                Rsvp.reminded_sequence < Meeting.sequence,
            ),
        )
        .options(joinedload(Rsvp.meeting), joinedload(Rsvp.user))
        .order_by(Rsvp.id)
    )
    sent = {"reminders": 0, "changes": 0}
    for rsvp in rows:
        meeting = rsvp.meeting
        if rsvp.reminded_sequence is None:
            template, subject, key = (
                "meeting_reminder",
                _l("Reminder: %(title)s", title=meeting.title),
                "reminders",
            )
        else:
            template, subject, key = (
                "meeting_invitation",
                _l("Changed: %(title)s", title=meeting.title),
                "changes",
            )
        rsvp.reminded_sequence = meeting.sequence
        _mail_invite(meeting, rsvp.user, template, subject, now=now)
        sent[key] += 1
    return sent


# -- calendar tokens ------


def _derive_token(user_id: int, nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(
        key, f"calendar:{user_id}:{nonce}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def calendar_token(user: User) -> str | None:
    """The person's feed token; None until they ask for one (a POST makes it)."""
    record = db.session.get(CalendarToken, user.id)
    if record is None:
        return None
    return _derive_token(user.id, record.nonce)


def regenerate_calendar_token(user: User) -> str:
    """A new feed token; the old one (if any) stops working at once."""
    record = db.session.get(CalendarToken, user.id)
    if record is None:
        record = CalendarToken(user_id=user.id)
        db.session.add(record)
    record.nonce = secrets.token_hex(16)
    token = _derive_token(user.id, record.nonce)
    record.token_hash = hash_token(token)
    db.session.flush()
    return token


def feed_links(user: User) -> dict[str, str] | None:
    """The person's subscription URL, as https, webcal and add-to-Google/Outlook;
    None while they have no calendar address yet."""
    token = calendar_token(user)
    if token is None:
        return None
    https_url = external_url("meetings.personal_feed", token=token)
    webcal_url = "webcal://" + https_url.split("://", 1)[1]
    return {
        "https": https_url,
        "webcal": webcal_url,
        "google": "https://calendar.google.com/calendar/render?"
        + urlencode({"cid": webcal_url}),
        "outlook": "https://outlook.live.com/calendar/0/addfromweb?"
        + urlencode({"url": https_url, "name": "Circle"}),
    }


def user_for_calendar_token(token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    record = db.session.scalar(
        sa.select(CalendarToken).where(CalendarToken.token_hash == hash_token(token))
    )
    if record is None or not record.user.is_active:
        return None
    return record.user
