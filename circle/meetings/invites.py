"""Who a session is for, and the invite each of them is mailed: one person, one mail.

Every change that calendar clients must see (scheduled, moved, cancelled, a
place given) mails each person their own invite, listing only them.
"""

from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from circle import audiences
from circle.accounts.models import User
from circle.extensions import db
from circle.mail import Alternative, Attachment, mail_person
from circle.meetings.ical import meeting_to_ical
from circle.meetings.models import Meeting, Rsvp, waitlist_position
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
    cancel: bool = False,
) -> bool:
    """One person, one mail: the invite lists only them (clients ignore others').

    `rsvp` is their answer, if any: the invite carries it as their PARTSTAT.
    With `cancel` it is a CANCEL for this person only (no longer invited, or
    not going). Invitations, changes and cancellations are essential; a
    reminder passes its `kind`, so it goes only to people who want reminders
    by e-mail.
    """
    if not user.is_active:
        return False
    ics = meeting_to_ical(meeting, attendee=user, rsvp=rsvp, dtstamp=now, cancel=cancel)
    method = "CANCEL" if meeting.is_cancelled or cancel else "REQUEST"
    return mail_person(
        user,
        template,
        subject=subject,
        kind=kind,
        meeting=meeting,
        rsvp=rsvp,
        personal_cancel=cancel,
        waitlist_position=waitlist_position(rsvp)
        if rsvp is not None and rsvp.is_waitlisted
        else None,
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


def in_reminder_window(meeting: Meeting, now: datetime) -> bool:
    """Whether reminders for the session are due: a mail with its invite sent
    now is the reminder, and the reminder job must not send the same version
    again."""
    return meeting.starts_at - current_app.config["REMINDER_BEFORE"] <= now


def mail_invitees(
    meeting: Meeting,
    template: str,
    subject,
    *,
    now: datetime,
    notice: NotificationKind | None = None,
    skip: set[int] = frozenset(),
) -> None:
    """Mail everyone the session is for, each with their own invite.

    With `notice` (a change or cancellation) each also finds it in their
    notifications, unless they switched session notices off. `skip`: people
    who were just mailed this version otherwise.
    """
    answers = {
        rsvp.user_id: rsvp
        for rsvp in db.session.scalars(
            sa.select(Rsvp).where(Rsvp.meeting_id == meeting.id)
        )
    }
    reminding = in_reminder_window(meeting, now)
    for user in invitees(meeting):
        if user.id in skip:
            continue
        rsvp = answers.get(user.id)
        mailed = mail_invite(meeting, user, template, subject, rsvp=rsvp, now=now)
        if (
            mailed
            and rsvp is not None
            and rsvp.has_place
            and (reminding or rsvp.reminded_sequence is not None)
        ):
            rsvp.reminded_sequence = meeting.sequence
        if notice is not None:
            tell(user, notice, meeting=meeting, now=now, mailed_already=True)
