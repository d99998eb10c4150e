"""Notices in a person's list, and how each person wants to hear about each kind.

This package sits below every feature (it imports none of them at run time), so
any service can tell a person something: a post, a session or a person a notice
is about is referred to by name only.
"""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circle.database import UTCDateTime, enum_column, utcnow
from circle.extensions import db

if TYPE_CHECKING:
    from circle.accounts.models import User
    from circle.meetings.models import Meeting
    from circle.threads.models import Post
    from circle.tips.models import Tip


class Topic(enum.StrEnum):
    """What a person chooses about: each notice kind belongs to one topic."""

    MENTIONS = "mentions"
    REPLIES = "replies"
    NEW_THREADS = "new_threads"
    SESSIONS = "sessions"
    MODERATION = "moderation"
    DIGEST = "digest"

    @property
    def label(self) -> str:
        return str(TOPIC_LABELS[self])

    @property
    def help(self) -> str:
        return str(TOPIC_HELP[self])

    @property
    def choices(self) -> tuple["Choice", ...]:
        if self is Topic.DIGEST:
            return (Choice.DAILY, Choice.WEEKLY, Choice.OFF)
        return (Choice.EMAIL, Choice.DIGEST, Choice.CIRCLE, Choice.OFF)

    @property
    def default(self) -> "Choice":
        return DEFAULT_CHOICES.get(self, Choice.DIGEST)


class Choice(enum.StrEnum):
    EMAIL = "email"
    DIGEST = "digest"
    CIRCLE = "circle"
    OFF = "off"
    #: For the digest itself: every day, on Mondays, or (OFF) never.
    DAILY = "daily"
    WEEKLY = "weekly"

    @property
    def label(self) -> str:
        return str(CHOICE_LABELS[self])

    @property
    def mails(self) -> bool:
        """Whether a mail of this topic is sent when it is due."""
        return self in (Choice.EMAIL, Choice.DAILY, Choice.WEEKLY)


TOPIC_LABELS = {
    Topic.MENTIONS: _l("Someone mentions you"),
    Topic.REPLIES: _l("Replies in conversations you follow"),
    Topic.NEW_THREADS: _l("New conversations in your groups"),
    Topic.SESSIONS: _l("Reminders and changes of your sessions"),
    Topic.MODERATION: _l("Reports and moderation"),
    Topic.DIGEST: _l("Daily summary by e-mail"),
}
TOPIC_HELP = {
    Topic.MENTIONS: _l("When someone writes @your name in a conversation."),
    Topic.REPLIES: _l("You follow the conversations you start or reply to."),
    Topic.NEW_THREADS: _l("When a member starts a conversation in one of your groups."),
    Topic.SESSIONS: _l(
        "Reminders before a session you are going to, and notices when a session "
        "moves or is cancelled. Invitations, changes and cancellations always "
        "arrive by e-mail with a calendar update, so your calendar stays right."
    ),
    Topic.MODERATION: _l(
        "What happened to a post you reported, or to your own post when an adviser "
        "hid or restored it; for advisers also new reports."
    ),
    Topic.DIGEST: _l(
        "One e-mail with everything you chose to get in the summary and have not "
        "read yet."
    ),
}
CHOICE_LABELS = {
    Choice.EMAIL: _l("Immediately by e-mail"),
    Choice.DIGEST: _l("In the summary e-mail"),
    Choice.CIRCLE: _l("Only in Circle"),
    Choice.OFF: _l("Off"),
    Choice.DAILY: _l("Every day"),
    Choice.WEEKLY: _l("Once a week (Monday)"),
}
#: Mentions and session reminders matter at once; the rest waits for the summary.
DEFAULT_CHOICES = {
    Topic.MENTIONS: Choice.EMAIL,
    Topic.SESSIONS: Choice.EMAIL,
    Topic.DIGEST: Choice.DAILY,
}


class NotificationKind(enum.StrEnum):
    REPLY = "reply"
    MENTION = "mention"
    NEW_THREAD = "new_thread"
    SESSION_REMINDER = "session_reminder"
    SESSION_CHANGED = "session_changed"
    SESSION_CANCELLED = "session_cancelled"
    REPORT = "report"
    REPORT_UPHELD = "report_upheld"
    REPORT_DISMISSED = "report_dismissed"
    POST_HIDDEN = "post_hidden"
    POST_RESTORED = "post_restored"
    #: Someone asks to act for your organisation (`person`).
    ORGANISATION_REQUEST = "organisation_request"
    #: A new municipality waits for an adviser's approval (`person` registered it).
    ORGANISATION_NEW = "organisation_new"
    #: Your request to act for your organisation was decided (`note`: the reason).
    ORGANISATION_DECISION = "organisation_decision"
    #: May your tip be published to everyone, and with your name? (`tip`)
    TIP_CONSENT = "tip_consent"
    #: The short report of a session you were at is published (`meeting`).
    SESSION_REPORT = "session_report"

    @property
    def label(self) -> str:
        return str(NOTIFICATION_LABELS[self])

    @property
    def topic(self) -> Topic | None:
        """The topic a person chooses for; None: always shown and mailed."""
        return KIND_TOPICS.get(self)


NOTIFICATION_LABELS = {
    NotificationKind.REPLY: _l("New reply"),
    NotificationKind.MENTION: _l("You were mentioned"),
    NotificationKind.NEW_THREAD: _l("New conversation"),
    NotificationKind.SESSION_REMINDER: _l("Reminder"),
    NotificationKind.SESSION_CHANGED: _l("Session changed"),
    NotificationKind.SESSION_CANCELLED: _l("Session cancelled"),
    NotificationKind.REPORT: _l("Post reported"),
    NotificationKind.REPORT_UPHELD: _l("Your report was handled: the post is hidden"),
    NotificationKind.REPORT_DISMISSED: _l(
        "Your report was handled: the post stays visible"
    ),
    NotificationKind.POST_HIDDEN: _l("Your post was hidden"),
    NotificationKind.POST_RESTORED: _l("Your post is visible again"),
    NotificationKind.ORGANISATION_REQUEST: _l("Asks to join your organisation"),
    NotificationKind.ORGANISATION_NEW: _l("New municipality to approve"),
    NotificationKind.ORGANISATION_DECISION: _l("Your organisation decided"),
    NotificationKind.TIP_CONSENT: _l("May your tip be published?"),
    NotificationKind.SESSION_REPORT: _l("Report of a session"),
}
KIND_TOPICS = {
    NotificationKind.REPLY: Topic.REPLIES,
    NotificationKind.MENTION: Topic.MENTIONS,
    NotificationKind.NEW_THREAD: Topic.NEW_THREADS,
    NotificationKind.SESSION_REMINDER: Topic.SESSIONS,
    NotificationKind.SESSION_CHANGED: Topic.SESSIONS,
    NotificationKind.SESSION_CANCELLED: Topic.SESSIONS,
    NotificationKind.SESSION_REPORT: Topic.SESSIONS,
    NotificationKind.REPORT: Topic.MODERATION,
    NotificationKind.REPORT_UPHELD: Topic.MODERATION,
    NotificationKind.REPORT_DISMISSED: Topic.MODERATION,
    NotificationKind.POST_HIDDEN: Topic.MODERATION,
    NotificationKind.POST_RESTORED: Topic.MODERATION,
}
#: Notices still shown after their post was hidden: they are about the hiding.
SHOWN_FOR_HIDDEN_POSTS = frozenset(
    {
        NotificationKind.REPORT,
        NotificationKind.REPORT_UPHELD,
        NotificationKind.POST_HIDDEN,
    }
)


class Notification(db.Model):
    """A notice in a person's list: about a post, a person or a session.

    Each kind fills the reference it needs (`post_id`, `person_id` or
    `meeting_id`); notices about posts are shown only while the post's thread is
    readable by the recipient.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "post_id", "kind"),
        # The header's unread count reads this index only.
        sa.Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind, 30))
    post_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("posts.id", ondelete="CASCADE")
    )
    #: The person a notice is about (e.g. someone asking to join an organisation).
    person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE")
    )
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE")
    )
    tip_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tips.id", ondelete="CASCADE")
    )
    #: A short text that goes with the notice, such as a moderator's reason.
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set once e-mail is done with it (mailed at once or in a summary, or left in
    #: Circle by the person's choice), so nobody gets the same item twice.
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    post: Mapped["Post | None"] = relationship("Post")
    user: Mapped["User"] = relationship("User", foreign_keys=[user_id])
    person: Mapped["User | None"] = relationship("User", foreign_keys=[person_id])
    meeting: Mapped["Meeting | None"] = relationship("Meeting")
    tip: Mapped["Tip | None"] = relationship("Tip")


class NotificationSetting(db.Model):
    """One person's choice for one topic; without a row the topic's default holds."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[Topic] = mapped_column(enum_column(Topic), primary_key=True)
    choice: Mapped[Choice] = mapped_column(enum_column(Choice))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
