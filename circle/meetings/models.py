"""A session of a group or a whole programme, the answers to it, calendar tokens.

The model is called Meeting, not Session, to stay clear of `db.session` and
Flask's `session`.
"""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circle.accounts.models import User
from circle.database import UTCDateTime, enum_column, utcnow
from circle.extensions import db
from circle.groups.models import Group
from circle.programmes.models import Programme


class MeetingKind(enum.StrEnum):
    KICKOFF = "kickoff"
    REGIONAL_EXCHANGE = "regional_exchange"
    LOCAL_SUPPORT = "local_support"
    CLOSING = "closing"
    WORKSHOP = "workshop"
    INTAKE = "intake"

    @property
    def label(self) -> str:
        return str(MEETING_KIND_LABELS[self])


MEETING_KIND_LABELS = {
    MeetingKind.KICKOFF: _l("Kick-off meeting"),
    MeetingKind.REGIONAL_EXCHANGE: _l("Regional exchange meeting"),
    MeetingKind.LOCAL_SUPPORT: _l("Local tailored support"),
    MeetingKind.CLOSING: _l("Closing meeting"),
    MeetingKind.WORKSHOP: _l("Workshop"),
    MeetingKind.INTAKE: _l("Intake"),
}


class MeetingStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


meeting_hosts = sa.Table(
    "meeting_hosts",
    db.metadata,
    sa.Column(
        "meeting_id", sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    ),
)


class Meeting(db.Model):
    __tablename__ = "meetings"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint(
            "capacity IS NULL OR capacity > 0", name="capacity_positive"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    #: None for a programme-wide session (kick-off, closing).
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[MeetingKind] = mapped_column(enum_column(MeetingKind, 30))
    title: Mapped[str] = mapped_column(sa.String(200))
    #: Markdown, rendered sanitised.
    agenda: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(sa.String(300), default="")
    online_url: Mapped[str] = mapped_column(sa.String(500), default="")
    #: None means no limit.
    capacity: Mapped[int | None]
    status: Mapped[MeetingStatus] = mapped_column(
        enum_column(MeetingStatus), default=MeetingStatus.SCHEDULED
    )
    #: The iCalendar SEQUENCE: raised on every change of time, place or status,
    #: so calendar clients replace their copy instead of ignoring the update.
    sequence: Mapped[int] = mapped_column(default=0)
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    programme: Mapped[Programme] = relationship()
    group: Mapped[Group | None] = relationship()
    hosts: Mapped[list[User]] = relationship(
        secondary=meeting_hosts, order_by=User.name
    )
    rsvps: Mapped[list["Rsvp"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.title!r}>"


class Answer(enum.StrEnum):
    GOING = "going"
    MAYBE = "maybe"
    NOT_GOING = "not_going"

    @property
    def label(self) -> str:
        return str(ANSWER_LABELS[self])


ANSWER_LABELS = {
    Answer.GOING: _l("Going"),
    Answer.MAYBE: _l("Maybe"),
    Answer.NOT_GOING: _l("Not going"),
}


class Rsvp(db.Model):
    """A person's answer to a session; `waitlisted_at` is set while they wait."""

    __tablename__ = "rsvps"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    response: Mapped[Answer] = mapped_column(enum_column(Answer))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    #: When a "going" answer found the session full; the waitlist is ordered by it.
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Recorded by an adviser after the session; None until then.
    attended: Mapped[bool | None]
    #: The meeting's SEQUENCE when the reminder went out (None: no reminder yet).
    reminded_sequence: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="rsvps")
    user: Mapped[User] = relationship()

    @property
    def is_waitlisted(self) -> bool:
        return self.waitlisted_at is not None

    @property
    def has_place(self) -> bool:
        return self.response == Answer.GOING and self.waitlisted_at is None


def waitlist_position(rsvp: Rsvp) -> int:
    """1 for the first person waiting, and so on (first come, first served)."""
    ahead = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Rsvp)
        .where(
            Rsvp.meeting_id == rsvp.meeting_id,
            Rsvp.waitlisted_at.is_not(None),
            sa.or_(
                Rsvp.waitlisted_at < rsvp.waitlisted_at,
                sa.and_(Rsvp.waitlisted_at == rsvp.waitlisted_at, Rsvp.id < rsvp.id),
            ),
        )
    )
    return ahead + 1


class CalendarToken(db.Model):
    """The secret in a person's feed URL.

    Only a SHA-256 digest is stored for lookup. The token itself is derived
    from the app's SECRET_KEY and `nonce`, so the profile page can show it
    again while a copy of the database alone reveals nothing. A new nonce
    makes a new token and the old URL stops working at once.
    """

    __tablename__ = "calendar_tokens"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    nonce: Mapped[str] = mapped_column(sa.String(64))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class ReplyOutcome(enum.StrEnum):
    """What Circle did with a mail sent to a reply address."""

    #: The answer is set, as the web form would; for an intake it is recorded
    #: and shown on the application.
    APPLIED = "applied"
    #: Recorded and safely ignored:
    COUNTER = "counter"  # a counter-proposal (METHOD:COUNTER)
    OLD_SEQUENCE = "old_sequence"  # an answer to an older version of the session
    UNKNOWN_SEQUENCE = "unknown_sequence"  # a version Circle never sent
    UNSUPPORTED = "unsupported"  # another METHOD, or a PARTSTAT with no answer
    DUPLICATE = "duplicate"  # the same message again (same Message-ID)
    CLOSED = "closed"  # the session is cancelled, over, or no longer theirs
    #: Refused (and logged as a warning):
    BAD_TOKEN = "bad_token"  # no genuine reply address among the recipients
    WRONG_SESSION = "wrong_session"  # the UID is not the address's session
    WRONG_ATTENDEE = "wrong_attendee"  # the ATTENDEE is not the address's person
    WRONG_SENDER = "wrong_sender"  # From: is not the address's person
    UNREADABLE = "unreadable"  # the calendar part cannot be parsed


class CalendarReply(db.Model):
    """A mail that reached a reply address with a calendar part, and its outcome.

    Kept so an adviser or operator can see why an answer from a calendar app
    did or did not count. Plain mails without a calendar part are not stored.
    """

    __tablename__ = "calendar_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    message_id: Mapped[str] = mapped_column(sa.String(300), default="", index=True)
    sender: Mapped[str] = mapped_column(sa.String(320), default="")
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: For an answer to an intake conversation instead of a session.
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    method: Mapped[str] = mapped_column(sa.String(20), default="")
    partstat: Mapped[str] = mapped_column(sa.String(20), default="")
    sequence: Mapped[int | None]
    outcome: Mapped[ReplyOutcome] = mapped_column(enum_column(ReplyOutcome, 20))
