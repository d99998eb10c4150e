"""Telling a person something: a notice in Circle, and e-mail as they chose.

`tell` is how services notify: it honours the person's choice for the kind's
topic (immediately by e-mail, in the summary, only in Circle, or off). The
summary itself is sent by `circle.threads.notifications.send_digests`.
"""

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa

from circle.extensions import db
from circle.mail import mail_person
from circle.notifications.models import Choice, Notification, NotificationKind
from circle.notifications.preferences import choice_for
from circle.urls import external_url

#: Sends the notice's own e-mail (with `kind=` for the preferences); True if sent.
Mailer = Callable[[Notification], bool]


def _about(column, thing) -> sa.ColumnElement:
    return column == thing.id if thing is not None else column.is_(None)


def _fresh_notice(
    user, kind: NotificationKind, *, post, meeting, person, now, tip=None
):
    """The person's notice of this kind about this thing, made unread again if it
    exists (a post hidden twice is one notice, not two)."""
    notice = db.session.scalar(
        sa.select(Notification).where(
            Notification.user_id == user.id,
            Notification.kind == kind,
            _about(Notification.post_id, post),
            _about(Notification.meeting_id, meeting),
            _about(Notification.person_id, person),
            _about(Notification.tip_id, tip),
        )
    )
    if notice is None:
        notice = Notification(user_id=user.id, kind=kind)
        db.session.add(notice)
    notice.user = user
    notice.post, notice.post_id = post, post.id if post else None
    notice.meeting, notice.meeting_id = meeting, meeting.id if meeting else None
    notice.person, notice.person_id = person, person.id if person else None
    notice.tip, notice.tip_id = tip, tip.id if tip else None
    notice.created_at, notice.read_at, notice.emailed_at = now, None, None
    return notice


def notice_mail(notice: Notification) -> bool:
    """The e-mail of one notice, as in the list: what, about what, by whom, why."""
    return mail_person(
        notice.user,
        "notice",
        subject=notice_subject(notice),
        kind=notice.kind,
        item=notice,
        url=external_url,
        link=external_url("threads.notifications"),
    )


def notice_subject(notice: Notification) -> str:
    about = ""
    if notice.post is not None:
        about = notice.post.thread.title
    elif notice.meeting is not None:
        about = notice.meeting.title
    elif notice.person is not None:
        about = notice.person.name
    elif notice.tip is not None:
        about = notice.tip.title
    return f"{notice.kind.label}: {about}" if about else notice.kind.label


def tell(
    user,
    kind: NotificationKind,
    *,
    now: datetime,
    post=None,
    meeting=None,
    person=None,
    tip=None,
    note: str = "",
    mail: Mailer | None = notice_mail,
    mailed_already: bool = False,
) -> Notification | None:
    """Put a notice in the person's list and, if they chose so, mail it at once.

    `mail` sends the notice's e-mail (None: this kind has none of its own);
    `mailed_already` says an essential mail (a calendar update) told them
    already, so the summary leaves it out. Returns the notice, or None when the
    person switched the topic off (or their account is gone).
    """
    if not user.is_active:
        return None
    topic = kind.topic
    choice = choice_for(user, topic) if topic is not None else Choice.EMAIL
    if choice is Choice.OFF:
        return None
    notice = _fresh_notice(
        user, kind, post=post, meeting=meeting, person=person, now=now, tip=tip
    )
    notice.note = note
    if mailed_already or choice is Choice.EMAIL and mail is not None and mail(notice):
        notice.emailed_at = now
    return notice
