"""Answers that calendar apps send by e-mail (iTIP REPLY, RFC 5546 section 3.2.3).

Someone clicks "Accepteren" in Outlook: Outlook mails a METHOD:REPLY to the
invite's ORGANIZER, which is that person's signed reply address
(`reply_address`). `receive` reads such a mail and sets the answer through
`answers.respond`, exactly as the web form does (capacity, waitlist,
promotion, the invite for a new place). The address must be genuine, the
event must be that session, the ATTENDEE and the sender must be that person,
and the SEQUENCE must be the session's current one; everything else is
recorded with its outcome (`CalendarReply`) and changes nothing. Mails reach
`receive` through `flask circle inbox` (circle.meetings.inbox). Answers to an intake
conversation come the same way and are recorded for the application
(circle.intake.calendar).
"""

import email
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

import sqlalchemy as sa
from icalendar import Calendar

from circle.accounts.models import User
from circle.errors import ServiceError
from circle.extensions import db
from circle.intake import calendar as intake_calendar
from circle.itip import parse_reply_address
from circle.meetings.answers import respond, rsvp_of
from circle.meetings.ical import meeting_uid
from circle.meetings.models import (
    Answer,
    CalendarReply,
    Meeting,
    ReplyOutcome,
)

log = logging.getLogger(__name__)

ANSWERS = {
    "ACCEPTED": Answer.GOING,
    "TENTATIVE": Answer.MAYBE,
    "DECLINED": Answer.NOT_GOING,
}
REFUSED = {
    ReplyOutcome.BAD_TOKEN,
    ReplyOutcome.WRONG_SESSION,
    ReplyOutcome.WRONG_ATTENDEE,
    ReplyOutcome.WRONG_SENDER,
    ReplyOutcome.UNREADABLE,
}
#: Headers that name the mailbox a message was delivered to (IMAP, forwards).
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "To", "Cc")


def calendar_parts(message: EmailMessage) -> list[bytes]:
    """The iCalendar bodies of a mail: text/calendar parts and .ics attachments."""
    found = []
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = (part.get_filename() or "").lower()
        if part.get_content_type() in (
            "text/calendar",
            "application/ics",
        ) or filename.endswith(".ics"):
            payload = part.get_payload(decode=True)
            if payload:
                found.append(payload)
    return found


def _reply_target(message: EmailMessage, recipients: Iterable[str]):
    addresses = list(recipients)
    if not addresses:  # not from an SMTP envelope: read the headers
        for header in RECIPIENT_HEADERS:
            addresses += [a for _, a in getaddresses(message.get_all(header, []))]
    for address in addresses:
        target = parse_reply_address(address)
        if target is not None:
            return target
    return None


@dataclass
class SessionAnswerTarget:
    """A session, as `_decide` checks and answers it (see IntakeAnswerTarget)."""

    meeting: Meeting
    uid: str
    sequence: int
    closed: bool

    def mark(self, record: CalendarReply) -> None:
        record.meeting_id = self.meeting.id

    def apply(self, user: User, partstat: str, note: str, now: datetime) -> None:
        current = rsvp_of(self.meeting, user)
        note = note or (current.note if current else "")
        respond(
            self.meeting,
            user,
            ANSWERS[partstat],
            note=note,
            now=now,
            from_calendar=True,
        )


def _session_target(meeting_id: int, *, now: datetime) -> SessionAnswerTarget | None:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        return None
    return SessionAnswerTarget(
        meeting=meeting,
        uid=meeting_uid(meeting),
        sequence=meeting.sequence,
        closed=meeting.is_cancelled or meeting.starts_at <= now,
    )


def _address(value) -> str:
    text = str(value)
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.strip().lower()


def _parse(parts: list[bytes]):
    """The first calendar with a VEVENT: (METHOD, VEVENT), or None if unreadable."""
    for body in parts:
        try:
            calendar = Calendar.from_ical(body)
        except ValueError:
            continue
        events = calendar.walk("VEVENT")
        if events:
            return str(calendar.get("METHOD", "")).upper(), events[0]
    return None


def _attendee(event, user: User):
    """The event's ATTENDEE line for this person, or None."""
    attendees = event.get("ATTENDEE", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    if len(attendees) != 1:
        # A REPLY carries the answering attendee only (RFC 5546, 3.2.3).
        return None
    attendee = attendees[0]
    return attendee if _address(attendee) == user.email.lower() else None


def _decide(
    record: CalendarReply,
    message: EmailMessage,
    recipients: Iterable[str],
    parts: list[bytes],
    now: datetime,
) -> ReplyOutcome:
    reference = _reply_target(message, recipients)
    if reference is None:
        return ReplyOutcome.BAD_TOKEN
    user = db.session.get(User, reference.user_id)
    if reference.kind == "intake":
        target = intake_calendar.answer_target(reference.object_id, now=now)
    else:
        target = _session_target(reference.object_id, now=now)
    if target is None or user is None:
        return ReplyOutcome.BAD_TOKEN
    target.mark(record)
    record.user_id = user.id
    if record.message_id and db.session.scalar(
        sa.select(CalendarReply.id).where(
            CalendarReply.message_id == record.message_id,
            CalendarReply.user_id == user.id,
        )
    ):
        return ReplyOutcome.DUPLICATE
    parsed = _parse(parts)
    if parsed is None:
        return ReplyOutcome.UNREADABLE
    method, event = parsed
    record.method = method[:20]
    if method == "COUNTER":
        return ReplyOutcome.COUNTER
    if method != "REPLY":
        return ReplyOutcome.UNSUPPORTED
    # The part before the @ names the session; the host part follows BASE_URL,
    # which a separate inbox process may not share.
    if str(event.get("UID", "")).partition("@")[0] != target.uid.partition("@")[0]:
        return ReplyOutcome.WRONG_SESSION
    attendee = _attendee(event, user)
    if attendee is None:
        return ReplyOutcome.WRONG_ATTENDEE
    if record.sender != user.email.lower():
        return ReplyOutcome.WRONG_SENDER
    partstat = str(attendee.params.get("PARTSTAT", "")).upper()
    record.partstat = partstat[:20]
    try:
        # Absent means 0 (RFC 5546: SEQUENCE is required when above 0).
        record.sequence = int(event.get("SEQUENCE", 0))
    except (TypeError, ValueError):
        return ReplyOutcome.UNREADABLE
    if target.closed:
        return ReplyOutcome.CLOSED
    if record.sequence < target.sequence:
        return ReplyOutcome.OLD_SEQUENCE
    if record.sequence > target.sequence:
        return ReplyOutcome.UNKNOWN_SEQUENCE
    if partstat not in ANSWERS:
        return ReplyOutcome.UNSUPPORTED
    comment = str(event.get("COMMENT", "")).strip()[:500]
    try:
        target.apply(user, partstat, comment, now)
    except ServiceError:
        return ReplyOutcome.CLOSED
    return ReplyOutcome.APPLIED


def receive(
    raw: bytes, *, now: datetime, recipients: Iterable[str] = ()
) -> ReplyOutcome | None:
    """Handle one inbound mail; the caller commits. None: no calendar part.

    `recipients` are the SMTP envelope's; without them (a mailbox) the
    Delivered-To, X-Original-To, To and Cc headers are read.
    """
    message = email.message_from_bytes(raw, policy=policy.default)
    sender = parseaddr(str(message.get("From", "")))[1].strip().lower()
    parts = calendar_parts(message)
    if not parts:
        log.info("Ignored a mail from %s without a calendar part", sender)
        return None
    record = CalendarReply(
        received_at=now,
        message_id=str(message.get("Message-ID", "")).strip()[:300],
        sender=sender[:320],
    )
    record.outcome = _decide(record, message, recipients, parts, now)
    db.session.add(record)
    level = logging.WARNING if record.outcome in REFUSED else logging.INFO
    log.log(
        level,
        "Calendar reply from %s for %s, person %s: %s",
        sender,
        f"intake {record.application_id}"
        if record.application_id
        else f"session {record.meeting_id}",
        record.user_id,
        record.outcome.value,
    )
    return record.outcome
