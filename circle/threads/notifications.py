"""Who is told about a post, the notification list, and the daily digest.

Readers and recipients come from the thread's audience (circle.audiences), so
nobody is told about a conversation they may not read.
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from circle import audiences
from circle.accounts.models import User
from circle.extensions import db
from circle.mail import mail_person
from circle.permissions import can_view_thread
from circle.threads.models import (
    Notification,
    NotificationKind,
    Post,
    Subscription,
    Thread,
)
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


def notify(post: Post, *, now: datetime) -> None:
    """Mentioned readers and followers who may still read the thread are told."""
    thread = post.thread
    readers = thread_readers(thread)
    allowed = {user.id for user in readers}
    notified = {post.author_id}
    for person in mentioned_in(post.body, readers):
        if person.id not in notified:
            db.session.add(
                Notification(
                    user_id=person.id,
                    kind=NotificationKind.MENTION,
                    post=post,
                    created_at=now,
                )
            )
            notified.add(person.id)
    followers = db.session.scalars(
        sa.select(Subscription.user_id).where(Subscription.thread_id == thread.id)
    )
    for user_id in followers:
        # Someone who lost access (left the group) is no longer told anything.
        if user_id not in notified and user_id in allowed:
            db.session.add(
                Notification(
                    user_id=user_id,
                    kind=NotificationKind.REPLY,
                    post=post,
                    created_at=now,
                )
            )
            notified.add(user_id)


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
                sa.and_(Post.is_hidden.is_(False), audiences.readable_threads(user)),
            ),
        )
    )


def unread_count(user: User) -> int:
    unread = _visible_notifications(user).where(Notification.read_at.is_(None))
    return db.session.scalar(sa.select(sa.func.count()).select_from(unread.subquery()))


def notifications_for(user: User, *, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            _visible_notifications(user)
            .options(
                joinedload(Notification.post).joinedload(Post.thread),
                joinedload(Notification.post).joinedload(Post.author),
                joinedload(Notification.person),
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


def send_digests(*, now: datetime) -> int:
    """One e-mail per person with their unread notices not mailed before."""
    rows = list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.read_at.is_(None), Notification.emailed_at.is_(None))
            .options(
                joinedload(Notification.user),
                joinedload(Notification.post).joinedload(Post.thread),
                joinedload(Notification.post).joinedload(Post.author),
            )
            .order_by(Notification.user_id, Notification.created_at)
        )
    )
    by_user: dict[int, list[Notification]] = {}
    for notification in rows:
        by_user.setdefault(notification.user_id, []).append(notification)
    sent = 0
    for items in by_user.values():
        user = items[0].user
        for item in items:
            item.emailed_at = now
        visible = [
            item
            for item in items
            if item.post is None
            or (not item.post.is_hidden and can_view_thread(user, item.post.thread))
        ]
        if not visible:
            continue
        mail_person(
            user,
            "digest",
            subject=_l("What happened in your conversations"),
            items=visible,
            link=external_url("threads.notifications"),
            url=external_url,
        )
        sent += 1
    return sent
