"""A case: the concrete project a municipality brings into the programme.

Cases sit above groups and below intake: an accepted application opens one.
"""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circle.accounts.models import Organisation, User
from circle.database import UTCDateTime, enum_column, utcnow
from circle.extensions import db
from circle.groups.models import Group
from circle.programmes.models import Programme

if TYPE_CHECKING:
    from circle.intake.models import Application


class ProjectType(enum.StrEnum):
    INITIATIVES_DESK = "initiatives_desk"
    INITIATIVES_FUND = "initiatives_fund"
    CONTACT_OFFICIAL = "contact_official"
    INITIATIVES_POLICY = "initiatives_policy"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(PROJECT_TYPE_LABELS[self])


PROJECT_TYPE_LABELS = {
    ProjectType.INITIATIVES_DESK: _l("Initiatives desk (initiatievenloket)"),
    ProjectType.INITIATIVES_FUND: _l("Initiatives fund (initiatievenfonds)"),
    ProjectType.CONTACT_OFFICIAL: _l("Contact official for initiatives"),
    ProjectType.INITIATIVES_POLICY: _l("Initiatives policy (beleidsnota)"),
    ProjectType.OTHER: _l("Another project"),
}


class CaseStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return str(CASE_STATUS_LABELS[self])


CASE_STATUS_LABELS = {
    CaseStatus.ACTIVE: _l("In progress"),
    CaseStatus.COMPLETED: _l("Completed"),
}


class CaseKind(enum.StrEnum):
    #: A municipality's concrete project, from its accepted application.
    PROJECT = "project"
    #: An initiator's experience, such as a village day-care pilot.
    EXPERIENCE = "experience"

    @property
    def label(self) -> str:
        return str(CASE_KIND_LABELS[self])


CASE_KIND_LABELS = {
    CaseKind.PROJECT: _l("Municipal project"),
    CaseKind.EXPERIENCE: _l("Experience of an initiative"),
}


class Case(db.Model):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    #: The accepted application this case grew from (None for experience cases).
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="SET NULL"), unique=True
    )
    kind: Mapped[CaseKind] = mapped_column(
        enum_column(CaseKind), default=CaseKind.PROJECT
    )
    project_type: Mapped[ProjectType] = mapped_column(enum_column(ProjectType, 30))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    question: Mapped[str] = mapped_column(sa.Text, default="")
    #: The regional learning group the municipality was placed in.
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[CaseStatus] = mapped_column(
        enum_column(CaseStatus), default=CaseStatus.ACTIVE
    )
    opened_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    programme: Mapped[Programme] = relationship()
    organisation: Mapped[Organisation] = relationship()
    application: Mapped["Application | None"] = relationship()
    group: Mapped[Group | None] = relationship()
    opened_by: Mapped[User | None] = relationship()
