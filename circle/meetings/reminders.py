"""Reminders before a session, and a change notice when it moved since.

A scheduled job (circle.jobs) runs this every 15 minutes. A reminder is a
notice of the "sessions" topic: mailed with the invite, put in the summary or
only in Circle, as each person chose.
"""

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from circle.extensions import db
from circle.meetings.invites import mail_invite
from circle.meetings.models import Answer, Meeting, MeetingStatus, Rsvp
from circle.notifications.models import NotificationKind
from circle.notifications.services import tell


def send_reminders(*, now: datetime) -> dict[str, int]:
    """Remind everyone with a place, once; a session moved since gets a change notice.

    Safe to run as often as you like: `reminded_sequence` remembers which
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
        tell(
            rsvp.user,
            NotificationKind.SESSION_REMINDER,
            meeting=meeting,
            now=now,
            mail=_invite_mailer(meeting, rsvp, template, subject, now=now),
        )
        sent[key] += 1
    return sent


def _invite_mailer(meeting: Meeting, rsvp: Rsvp, template: str, subject, *, now):
    """A reminder's own e-mail: the invite, so the calendar entry is current."""

    def mail(notice) -> bool:
        return mail_invite(
            meeting,
            rsvp.user,
            template,
            subject,
            rsvp=rsvp,
            now=now,
            kind=NotificationKind.SESSION_REMINDER,
        )

    return mail
