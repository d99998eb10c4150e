"""Who is told about a post, the notification list, and the daily summary.

Readers and recipients come from the thread's audience (circle.audiences), so
nobody is told about a conversation they may not read. How each person hears
about it (at once by e-mail, in the summary, only in Circle, or not at all) is
their choice per topic (circle.notifications).
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from circle import audiences
from circle.accounts.models import User
from circle.extensions import db
from circle.mail import mail_person
from circle.notifications.models import (
    SHOWN_FOR_HIDDEN_POSTS,
    Choice,
    Notification,
    NotificationKind,
    Topic,
)
from circle.notifications.preferences import choices_of
from circle.notifications.services import tell
from circle.permissions import can_view_thread
from circle.threads.models import Post, Subscription, Thread
from circle.timezones import utc_to_local
from circle.urls import external_url


def thread_readers(thread: Thread) -> list[User]:
    """Everyone who may read the thread (the people one can mention in it)."""
    return list(db.session.scalars(audiences.people(audiences.thread_audience(thread))))


def mentioned_in(body: str, readers: list[User]) -> list[User]:
    """People named as @Full Name in the text (longest names first, so
    "@Jan de Vries" is not also read as "@Jan")."""
    lowered = body.lower()
    found = []
    for person in sorted(readers, key=lambda user: len(user.name), reverse=True):
        marker = "@" + person.name.lower()
        if person.name and marker in lowered:
            found.append(person)
            lowered = lowered.replace(marker, " ")
    return found


def notify(post: Post, *, now: datetime, new_thread: bool = False) -> None:
    """Mentioned readers, followers who may still read the thread, and (for a new
    conversation in a group) the group's members are told, each once."""
    thread = post.thread
    readers = thread_readers(thread)
    allowed = {user.id for user in readers}
    told = {post.author_id}

    def tell_once(person: User, kind: NotificationKind) -> None:
        if person.id not in told:
            tell(person, kind, post=post, now=now)
            told.add(person.id)

    for person in mentioned_in(post.body, readers):
        tell_once(person, NotificationKind.MENTION)
    followers = set(
        db.session.scalars(
            sa.select(Subscription.user_id).where(Subscription.thread_id == thread.id)
        )
    )
    for person in readers:
        # Someone who lost access (left the group) is no longer told anything.
        if person.id in followers:
            tell_once(person, NotificationKind.REPLY)
    if new_thread and thread.group_id is not None:
        group_people = audiences.people(
            audiences.invited(audiences.thread_audience(thread))
        )
        for person in db.session.scalars(group_people):
            if person.id in allowed:
                tell_once(person, NotificationKind.NEW_THREAD)


def _visible_notifications(user: User) -> sa.Select:
    # Someone who left a group keeps no window on it through old notices.
    return (
        sa.select(Notification)
        .outerjoin(Post, Post.id == Notification.post_id)
        .outerjoin(Thread, Thread.id == Post.thread_id)
        .where(
            Notification.user_id == user.id,
            sa.or_(
                Notification.post_id.is_(None),
                sa.and_(
                    sa.or_(
                        Post.is_hidden.is_(False),
                        Notification.kind.in_(SHOWN_FOR_HIDDEN_POSTS),
                    ),
                    audiences.readable_threads(user),
                ),
            ),
        )
    )


#: Every page's header counts unread notices up to here and shows "99+" beyond:
#: counting an adviser's thousands of notices would cost every page its time.
UNREAD_CAP = 99


def unread_count(user: User) -> int:
    """Unread notices, at most UNREAD_CAP + 1 (shown as "99+")."""
    unread = (
        _visible_notifications(user)
        .where(Notification.read_at.is_(None))
        .limit(UNREAD_CAP + 1)
    )
    return db.session.scalar(sa.select(sa.func.count()).select_from(unread.subquery()))


def notifications_for(user: User, *, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            _visible_notifications(user)
            .options(
                joinedload(Notification.post).joinedload(Post.thread),
                joinedload(Notification.post).joinedload(Post.author),
                joinedload(Notification.person),
                joinedload(Notification.meeting),
            )
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(user: User, *, now: datetime) -> None:
    db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
    )


def _still_visible(user: User, item: Notification) -> bool:
    if item.post is None:
        return True
    if item.post.is_hidden and item.kind not in SHOWN_FOR_HIDDEN_POSTS:
        return False
    return can_view_thread(user, item.post.thread)


def _wanted_in_summary(choices: dict[Topic, Choice], item: Notification) -> bool:
    topic = item.kind.topic
    # EMAIL: chosen after the notice was made; it was not mailed yet.
    return topic is None or choices[topic] in (Choice.DIGEST, Choice.EMAIL)


def send_digests(*, now: datetime) -> int:
    """One e-mail per person with their unread notices not mailed before.

    Each person gets it as they chose: every day, on Mondays, or never (their
    notices then stay in Circle). Only notices whose topic they want in the
    summary are in it; every notice is looked at once.
    """
    rows = list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.read_at.is_(None), Notification.emailed_at.is_(None))
            .options(
                joinedload(Notification.user),
                joinedload(Notification.post).joinedload(Post.thread),
                joinedload(Notification.post).joinedload(Post.author),
                joinedload(Notification.meeting),
                joinedload(Notification.person),
            )
            .order_by(Notification.user_id, Notification.created_at)
        )
    )
    by_user: dict[int, list[Notification]] = {}
    for notification in rows:
        by_user.setdefault(notification.user_id, []).append(notification)
    monday = utc_to_local(now).weekday() == 0
    sent = 0
    for items in by_user.values():
        user = items[0].user
        choices = choices_of(user)
        summary = choices[Topic.DIGEST]
        if summary is Choice.WEEKLY and not monday:
            continue  # kept for Monday's summary
        for item in items:
            item.emailed_at = now
        wanted = [
            item
            for item in items
            if _wanted_in_summary(choices, item) and _still_visible(user, item)
        ]
        if not wanted or not summary.mails:
            continue
        if mail_person(
            user,
            "digest",
            subject=_l("What happened in Circle"),
            kind=Topic.DIGEST,
            items=wanted,
            link=external_url("threads.notifications"),
            url=external_url,
        ):
            sent += 1
    return sent
