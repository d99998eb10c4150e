"""Answers to a session (RSVP): going, maybe or not, the waitlist and its order.

Capacity is checked with the session's row locked (`lock_row`), so concurrent
"going" answers can never overfill it. Whoever gets a place is mailed the invite.
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from circle.accounts.models import User
from circle.database import lock_row
from circle.errors import ServiceError
from circle.extensions import db
from circle.meetings.invites import mail_invite
from circle.meetings.models import Answer, Meeting, Rsvp
from circle.permissions import can_manage_meeting, can_rsvp

# -- counting places ------


def going_count(meeting: Meeting) -> int:
    """Places taken: "going" answers that are not on the waitlist."""
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
    """Who waits for a place, first come first served."""
    return list(
        db.session.scalars(
            sa.select(Rsvp)
            .where(Rsvp.meeting_id == meeting.id, Rsvp.waitlisted_at.is_not(None))
            .options(joinedload(Rsvp.user))
            .order_by(Rsvp.waitlisted_at, Rsvp.id)
        )
    )


def rsvp_of(meeting: Meeting, user: User) -> Rsvp | None:
    """The person's answer to the session, if they gave one."""
    return db.session.scalar(
        sa.select(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.user_id == user.id)
    )


def _has_room(meeting: Meeting) -> bool:
    return meeting.capacity is None or going_count(meeting) < meeting.capacity


# -- answering and the waitlist ------


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
    from_calendar: bool = False,
) -> Rsvp:
    """Answer for `user` (an adviser may answer for someone: `by`).

    The person's calendar follows: a new place mails the invite, a place on
    the waitlist a tentative one with its number, and giving a place up on the
    web an update that frees the time (`from_calendar`: their calendar app
    answered itself and needs no update).
    """
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
        promote_waitlist(meeting, now=now)
        if not from_calendar:
            _mail_released(meeting, user, rsvp, now=now)
    if rsvp.has_place and not had_place:
        _mail_place(
            meeting,
            rsvp,
            "meeting_invitation",
            _l("Invitation: %(title)s", title=meeting.title),
            now=now,
        )
    elif rsvp.is_waitlisted and not was_waiting:
        mail_invite(
            meeting,
            user,
            "meeting_waitlisted",
            _l("On the waitlist: %(title)s", title=meeting.title),
            rsvp=rsvp,
            now=now,
        )
    return rsvp


def _mail_place(meeting: Meeting, rsvp: Rsvp, template: str, subject, *, now) -> None:
    """The invite for a new place (the reminder still comes, as a reminder)."""
    mail_invite(meeting, rsvp.user, template, subject, rsvp=rsvp, now=now)


def _mail_released(meeting: Meeting, user: User, rsvp: Rsvp | None, *, now) -> None:
    """Someone gave up their place on the web: their calendar no longer holds
    the time. "Not going" cancels the event for them (what Outlook and Google
    do for an attendee who declined); "maybe" or no answer updates it."""
    mail_invite(
        meeting,
        user,
        "meeting_released",
        _l("Your place is free again: %(title)s", title=meeting.title),
        rsvp=rsvp,
        now=now,
        cancel=rsvp is not None and rsvp.response == Answer.NOT_GOING,
    )


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
        promote_waitlist(meeting, now=now)
        _mail_released(meeting, user, None, now=now)


def promote_waitlist(meeting: Meeting, *, now: datetime) -> list[Rsvp]:
    """Give freed places to the waitlist, first come first served; mail each."""
    promoted = []
    for rsvp in waitlist(meeting):
        if not _has_room(meeting):
            break
        rsvp.waitlisted_at = None
        rsvp.updated_at = now
        db.session.flush()
        promoted.append(rsvp)
        _mail_place(
            meeting,
            rsvp,
            "meeting_promoted",
            _l("You have a place: %(title)s", title=meeting.title),
            now=now,
        )
    return promoted
