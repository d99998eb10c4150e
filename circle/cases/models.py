"""A case: the concrete project a municipality brings into the programme."""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circle.accounts.models import Organisation
from circle.database import UTCDateTime, enum_column, utcnow
from circle.extensions import db
from circle.groups.models import Group
from circle.intake.models import Application, ProjectType
from circle.programmes.models import Programme


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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    programme: Mapped[Programme] = relationship()
    organisation: Mapped[Organisation] = relationship()
    application: Mapped[Application | None] = relationship()
    group: Mapped[Group | None] = relationship()
