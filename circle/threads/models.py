"""Threads, posts and what hangs off them: edits, files, follows, reports."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circle.accounts.models import User
from circle.cases.models import Case
from circle.database import UTCDateTime, utcnow
from circle.extensions import db
from circle.groups.models import Group
from circle.notifications.models import (  # noqa: F401  (they lived here before)
    NOTIFICATION_LABELS,
    Notification,
    NotificationKind,
)
from circle.programmes.models import Programme, Theme

thread_themes = sa.Table(
    "thread_themes",
    db.metadata,
    sa.Column(
        "thread_id", sa.ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "theme_id", sa.ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True
    ),
)


class Thread(db.Model):
    __tablename__ = "threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    #: None: visible to everyone in the programme.
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    is_locked: Mapped[bool] = mapped_column(default=False)
    is_pinned: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the latest post was written; lists are ordered by it.
    last_post_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, index=True
    )

    programme: Mapped[Programme] = relationship()
    group: Mapped[Group | None] = relationship()
    case: Mapped[Case | None] = relationship()
    author: Mapped[User | None] = relationship()
    themes: Mapped[list[Theme]] = relationship(
        secondary=thread_themes, order_by=Theme.id
    )
    posts: Mapped[list["Post"]] = relationship(
        back_populates="thread",
        order_by="Post.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Post(db.Model):
    __tablename__ = "posts"
    __table_args__ = (
        # A form sent twice (double click, resend) makes one post, not two.
        sa.UniqueConstraint("author_id", "submission_key"),
        # A thread's pages read its posts in id order: without this index
        # PostgreSQL walks the primary key of every post to find one page.
        sa.Index("ix_posts_thread_id_id", "thread_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="CASCADE")
    )
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: The post this one answers (and quotes), if any.
    reply_to_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("posts.id", ondelete="SET NULL")
    )
    #: Markdown; rendered through circle.markdown, never trusted as HTML.
    #: The key of the form that made it (circle.fields.SubmissionKeyField).
    submission_key: Mapped[str | None] = mapped_column(sa.String(64))
    body: Mapped[str] = mapped_column(sa.Text)
    is_hidden: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    thread: Mapped[Thread] = relationship(back_populates="posts")
    author: Mapped[User | None] = relationship()
    reply_to: Mapped["Post | None"] = relationship(remote_side=[id])
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="post", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    revisions: Mapped[list["PostRevision"]] = relationship(
        back_populates="post", order_by="PostRevision.id", cascade="all, delete-orphan"
    )


class PostRevision(db.Model):
    """A post's text as it was before an edit; advisers can read the history."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        sa.ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(sa.Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    post: Mapped[Post] = relationship(back_populates="revisions")


class Attachment(db.Model):
    """A file on a post, stored outside static/ under a random name."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        sa.ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(200))
    #: The type found in the file's content (not the one the browser claimed).
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    post: Mapped[Post] = relationship(back_populates="attachments")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Subscription(db.Model):
    """Following a thread: replies to it become notifications."""

    __tablename__ = "subscriptions"

    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Report(db.Model):
    """A member's report of a post; the group's advisers handle the queue."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        sa.ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    post: Mapped[Post] = relationship()
    reporter: Mapped[User | None] = relationship()
