"""iCalendar (RFC 5545 / iTIP RFC 5546) for sessions: invites, cancellations, feeds.

What calendar clients need to get right:
- UID never changes for a session, so updates replace instead of duplicating.
- SEQUENCE rises with every change of time, place or status; clients ignore
  an update whose SEQUENCE is not higher.
- A cancellation is METHOD:CANCEL with STATUS:CANCELLED, or a ghost remains.
- Times carry TZID=Europe/Amsterdam with a matching VTIMEZONE, so a session
  stays at 10:00 local time on both sides of a daylight-saving change.
- Feeds are METHOD:PUBLISH without ATTENDEE properties (RFC 5546, 3.2.1).
- An invite's ORGANIZER is the person's own signed reply address
  (`reply_address`), so the answer a calendar app sends comes back to Circle.
- Someone on the waitlist is TENTATIVE, never ACCEPTED, until they get a place.
- A cancelled session is TRANSP:TRANSPARENT: it no longer blocks the time.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Event, vCalAddress, vText

from circle.accounts.models import User
from circle.itip import calendar_for, reply_address, uid_domain
from circle.meetings.models import Answer, Meeting, Rsvp, waitlist_position
from circle.timezones import AMSTERDAM, utc_to_local
from circle.urls import external_url

PARTSTAT = {
    Answer.GOING: "ACCEPTED",
    Answer.MAYBE: "TENTATIVE",
    Answer.NOT_GOING: "DECLINED",
}


def meeting_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.id}@{uid_domain()}"


def _organizer(meeting: Meeting, attendee: User | None) -> vCalAddress:
    """The hosting adviser's name, at the attendee's own reply address (or, in a
    feed, at Circle's organiser address)."""
    if attendee is not None:
        email = reply_address(meeting.id, attendee.id)
    else:
        email = current_app.config["CALENDAR_ORGANIZER_EMAIL"]
    address = vCalAddress(f"mailto:{email}")
    host = meeting.hosts[0] if meeting.hosts else None
    address.params["cn"] = vText(host.name if host else "Circle")
    return address


def _partstat(rsvp: Rsvp | None) -> str:
    if rsvp is None:
        return "NEEDS-ACTION"
    if rsvp.is_waitlisted:
        return "TENTATIVE"  # waiting for a place is not a place
    return PARTSTAT[rsvp.response]


def _attendee(user: User, rsvp: Rsvp | None, *, cancelled: bool) -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email}")
    address.params["cn"] = vText(user.name)
    address.params["role"] = vText("REQ-PARTICIPANT")
    address.params["partstat"] = vText(_partstat(rsvp))
    address.params["rsvp"] = vText("FALSE" if cancelled else "TRUE")
    return address


def _waitlist_line(user: User, rsvp: Rsvp | None) -> str | None:
    if rsvp is None or not rsvp.is_waitlisted:
        return None
    with force_locale(user.language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _(
            "You are on the waitlist (number %(position)s). You will get a new "
            "invitation when a place is free.",
            position=waitlist_position(rsvp),
        )


def _description(meeting: Meeting, page_url: str, waitlist: str | None) -> str:
    parts = [waitlist] if waitlist else []
    if meeting.online_url:
        parts.append(f"Online: {meeting.online_url}")
    if meeting.agenda:
        parts.append(meeting.agenda.strip())
    parts.append(page_url)
    return "\n\n".join(parts)


def meeting_event(
    meeting: Meeting,
    *,
    dtstamp: datetime,
    attendee: User | None = None,
    rsvp: Rsvp | None = None,
    cancelled: bool | None = None,
) -> Event:
    """The session as a VEVENT; `cancelled` overrides its status for one person
    (a CANCEL to someone no longer invited, or who said no)."""
    if cancelled is None:
        cancelled = meeting.is_cancelled
    page_url = external_url("meetings.detail", meeting_id=meeting.id)
    waitlist = _waitlist_line(attendee, rsvp) if attendee is not None else None
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", dtstamp)
    event.add("sequence", meeting.sequence)
    event.add("dtstart", utc_to_local(meeting.starts_at, AMSTERDAM))
    event.add("dtend", utc_to_local(meeting.ends_at, AMSTERDAM))
    event.add("summary", meeting.title)
    event.add("description", _description(meeting, page_url, waitlist))
    if meeting.location:
        event.add("location", meeting.location)
    event.add("url", meeting.online_url or page_url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    event.add("last-modified", meeting.updated_at)
    event.add("organizer", _organizer(meeting, attendee))
    if attendee is not None:
        event.add("attendee", _attendee(attendee, rsvp, cancelled=cancelled))
    return event


def meeting_to_ical(
    meeting: Meeting,
    *,
    attendee: User | None = None,
    rsvp: Rsvp | None = None,
    dtstamp: datetime | None = None,
    cancel: bool = False,
) -> bytes:
    """The invite for one person: REQUEST, or CANCEL once the session is
    cancelled or, with `cancel`, for this person only."""
    cancelled = cancel or meeting.is_cancelled
    calendar = calendar_for("CANCEL" if cancelled else "REQUEST")
    calendar.add_component(
        meeting_event(
            meeting,
            dtstamp=dtstamp or meeting.updated_at,
            attendee=attendee,
            rsvp=rsvp,
            cancelled=cancelled,
        )
    )
    return calendar.to_ical()


def feed_to_ical(meetings: Iterable[Meeting], *, name: str) -> bytes:
    """A subscription feed: every session, cancelled ones included, no attendees."""
    calendar = calendar_for("PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Amsterdam")
    calendar.add(
        "refresh-interval", timedelta(hours=1), parameters={"value": "DURATION"}
    )
    calendar.add("x-published-ttl", "PT1H")
    for meeting in meetings:
        calendar.add_component(meeting_event(meeting, dtstamp=meeting.updated_at))
    return calendar.to_ical()
