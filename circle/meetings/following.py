"""Calendars follow membership: whoever joins or leaves a group or programme
gets the invites or the cancellations of its sessions ahead.

Services wrap a membership change in `circle.signals.taking_part_changes`,
which calls `follow` here: it notes the
sessions ahead each person is invited to before the change and after it, and
mails the difference in the same transaction: one mail listing the new
sessions (one invite file per session), and a METHOD:CANCEL for each session
they are no longer invited to, which removes it from their calendar. Their feed
follows by itself (it lists what they may see).
"""

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.orm import selectinload

from circle import audiences
from circle.accounts.models import User
from circle.extensions import db
from circle.mail import Alternative, Attachment, mail_person
from circle.meetings.answers import promote_waitlist
from circle.meetings.ical import meeting_to_ical
from circle.meetings.invites import mail_invite
from circle.meetings.models import Meeting, MeetingStatus, Rsvp
from circle.permissions.facts import forget_facts
from circle.signals import taking_part_will_change
from circle.urls import external_url

REQUEST = {"method": "REQUEST"}


def invited_ahead(user: User, *, now: datetime) -> set[int]:
    """The scheduled sessions ahead that the person is invited to."""
    return set(
        db.session.scalars(
            sa.select(Meeting.id).where(
                audiences.invited_meetings(user),
                Meeting.status == MeetingStatus.SCHEDULED,
                Meeting.starts_at > now,
            )
        )
    )


@taking_part_will_change.connect
def follow(people: list[User], *, now: datetime):
    """Note the sessions ahead of each person; the returned callable mails what
    changed once the change is made (`circle.signals.taking_part_changes`)."""
    people = [person for person in people if person.id is not None]
    before = {person.id: invited_ahead(person, now=now) for person in people}

    def finish() -> None:
        db.session.flush()
        forget_facts()  # memoised permission facts may predate the change
        for person in people:
            after = invited_ahead(person, now=now)
            gone, new = before[person.id] - after, after - before[person.id]
            if gone:
                uninvite(person, gone, now=now)
            if new:
                invite_to_planned(person, new, now=now)
            if gone or new:
                person.calendar_changed_at = now

    return finish


def _meetings(ids: Iterable[int]) -> list[Meeting]:
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .where(Meeting.id.in_(list(ids)))
            .options(selectinload(Meeting.hosts))
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )


def uninvite(person: User, meeting_ids: Iterable[int], *, now: datetime) -> None:
    """A CANCEL for each session; a place the person held goes to the waitlist."""
    for meeting in _meetings(meeting_ids):
        rsvp = db.session.scalar(
            sa.select(Rsvp).where(
                Rsvp.meeting_id == meeting.id, Rsvp.user_id == person.id
            )
        )
        mail_invite(
            meeting,
            person,
            "meeting_uninvited",
            _l("No longer invited: %(title)s", title=meeting.title),
            rsvp=rsvp,
            now=now,
            cancel=True,
        )
        if rsvp is not None:
            had_place = rsvp.has_place
            db.session.delete(rsvp)
            db.session.flush()
            if had_place:
                promote_waitlist(meeting, now=now)


def invite_to_planned(person: User, meeting_ids: Iterable[int], *, now) -> None:
    """One mail listing the sessions already planned, with one invite per session."""
    meetings = _meetings(meeting_ids)
    files = [
        meeting_to_ical(meeting, attendee=person, dtstamp=now) for meeting in meetings
    ]
    attachments = [
        Attachment(
            f"invite-{meeting.id}.ics",
            body,
            "application",
            "ics",
            {"method": "REQUEST"},
        )
        for meeting, body in zip(meetings, files, strict=True)
    ]
    # With a single session the mail is an invite itself, as any other.
    alternatives = (
        [
            Alternative(
                files[0].decode(), "calendar", {"method": "REQUEST", "charset": "utf-8"}
            )
        ]
        if len(files) == 1
        else []
    )
    mail_person(
        person,
        "meeting_invitations",
        subject=_PlannedSubject(len(meetings), meetings[0].title),
        meetings=meetings,
        links={
            meeting.id: external_url("meetings.detail", meeting_id=meeting.id)
            for meeting in meetings
        },
        alternatives=alternatives,
        attachments=attachments,
    )


class _PlannedSubject:
    """Translated when the mail is rendered, in the recipient's language."""

    def __init__(self, count: int, title: str):
        self.count, self.title = count, title

    def __str__(self) -> str:
        if self.count == 1:
            return str(_l("Invitation: %(title)s", title=self.title))
        return ngettext(
            "Invitation: %(num)s session", "Invitations: %(num)s sessions", self.count
        )
