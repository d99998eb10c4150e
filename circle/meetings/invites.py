"""Who a session is for, and the invite each of them is mailed: one person, one mail.

Every change that calendar clients must see (scheduled, moved, cancelled, a
place given) mails each person their own invite, listing only them.
"""

from datetime import datetime

import sqlalchemy as sa

from circle import audiences
from circle.accounts.models import User
from circle.extensions import db
from circle.mail import Alternative, Attachment, mail_person
from circle.meetings.ical import meeting_to_ical
from circle.meetings.models import Meeting, Rsvp
from circle.notifications.models import NotificationKind
from circle.notifications.services import tell
from circle.urls import external_url


def invitees(meeting: Meeting) -> list[User]:
    """Everyone a session is for (its audience, without oversight), by name."""
    audience = audiences.invited(audiences.meeting_audience(meeting))
    return list(db.session.scalars(audiences.people(audience)))


def mail_invite(
    meeting: Meeting,
    user: User,
    template: str,
    subject,
    *,
    rsvp: Rsvp | None,
    now: datetime,
    kind: NotificationKind | None = None,
) -> bool:
    """One person, one mail: the invite lists only them (clients ignore others').

    `rsvp` is their answer, if any: the invite carries it as their PARTSTAT.
    Invitations, changes and cancellations are essential; a reminder passes its
    `kind`, so it goes only to people who want reminders by e-mail.
    """
    if not user.is_active:
        return False
    ics = meeting_to_ical(meeting, attendee=user, rsvp=rsvp, dtstamp=now)
    method = "CANCEL" if meeting.is_cancelled else "REQUEST"
    return mail_person(
        user,
        template,
        subject=subject,
        kind=kind,
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
    )


def mail_invitees(
    meeting: Meeting,
    template: str,
    subject,
    *,
    now: datetime,
    notice: NotificationKind | None = None,
) -> None:
    """Mail everyone the session is for, each with their own invite.

    With `notice` (a change or cancellation) each also finds it in their
    notifications, unless they switched session notices off.
    """
    answers = {
        rsvp.user_id: rsvp
        for rsvp in db.session.scalars(
            sa.select(Rsvp).where(Rsvp.meeting_id == meeting.id)
        )
    }
    for user in invitees(meeting):
        rsvp = answers.get(user.id)
        if mail_invite(meeting, user, template, subject, rsvp=rsvp, now=now) and (
            rsvp is not None and rsvp.reminded_sequence is not None
        ):
            # They have this version now: the reminder job must not repeat it.
            rsvp.reminded_sequence = meeting.sequence
        if notice is not None:
            tell(user, notice, meeting=meeting, now=now, mailed_already=True)
