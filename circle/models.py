"""Imports every feature's models so the metadata is complete (Alembic, create_all)."""

from circle.accounts.models import Invitation, Organisation, PasswordReset, User
from circle.boards.models import Board, BoardChange, BoardColumn, Card, Presence, Vote
from circle.cases.models import Case
from circle.groups.models import Group, Membership, Region
from circle.intake.models import Application, ApplicationEvent
from circle.jobs.models import JobLease
from circle.meetings.models import CalendarReply, CalendarToken, Meeting, Rsvp
from circle.moderation.models import AuditEntry
from circle.notifications.models import Notification, NotificationSetting
from circle.outbox.models import OutboxMessage
from circle.programmes.models import Phase, Programme, Theme
from circle.search.models import SearchDocument
from circle.threads.models import (
    Attachment,
    Post,
    PostRevision,
    Report,
    Subscription,
    Thread,
)
from circle.tips.models import SessionReport, Tip, TipAuthor, TipCard

__all__ = [
    "Application",
    "Attachment",
    "AuditEntry",
    "Board",
    "BoardChange",
    "BoardColumn",
    "CalendarReply",
    "Card",
    "Presence",
    "Vote",
    "JobLease",
    "Notification",
    "NotificationSetting",
    "OutboxMessage",
    "Post",
    "PostRevision",
    "Report",
    "SearchDocument",
    "Subscription",
    "Thread",
    "Tip",
    "TipAuthor",
    "TipCard",
    "SessionReport",
    "CalendarToken",
    "ApplicationEvent",
    "Case",
    "Group",
    "Invitation",
    "Meeting",
    "Membership",
    "Organisation",
    "PasswordReset",
    "Phase",
    "Programme",
    "Region",
    "Rsvp",
    "Theme",
    "User",
]
