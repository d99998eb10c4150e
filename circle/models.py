"""Imports every feature's models so the metadata is complete (Alembic, create_all)."""

from circle.accounts.models import Invitation, Organisation, PasswordReset, User
from circle.cases.models import Case
from circle.groups.models import Group, Membership, Region
from circle.intake.models import Application, ApplicationEvent
from circle.meetings.models import CalendarToken, Meeting, Rsvp
from circle.programmes.models import Phase, Programme, Theme

__all__ = [
    "Application",
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
