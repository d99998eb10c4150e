"""A municipality's application with a concrete project, and its history."""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circle.accounts.models import Organisation, User
from circle.cases.models import ProjectType
from circle.database import UTCDateTime, enum_column, utcnow
from circle.extensions import db
from circle.programmes.models import Programme


class ApplicationStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    INTAKE_PLANNED = "intake_planned"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


STATUS_LABELS = {
    ApplicationStatus.SUBMITTED: _l("Submitted"),
    ApplicationStatus.INTAKE_PLANNED: _l("Intake planned"),
    ApplicationStatus.ACCEPTED: _l("Accepted"),
    ApplicationStatus.DECLINED: _l("Declined"),
    ApplicationStatus.WITHDRAWN: _l("Withdrawn"),
}
OPEN_STATUSES = frozenset(
    {
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.INTAKE_PLANNED,
        ApplicationStatus.ACCEPTED,
    }
)
#: The same set as SQL, for the partial unique index on open applications.
OPEN_WHERE = "status IN ({})".format(", ".join(f"'{s}'" for s in sorted(OPEN_STATUSES)))


class Application(db.Model):
    __tablename__ = "applications"
    __table_args__ = (
        # One open application per organisation and programme, enforced by the
        # database; withdrawn and declined ones are history and may repeat.
        sa.Index(
            "uq_applications_open",
            "programme_id",
            "organisation_id",
            unique=True,
            sqlite_where=sa.text(OPEN_WHERE),
            postgresql_where=sa.text(OPEN_WHERE),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    applicant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    project_type: Mapped[ProjectType] = mapped_column(enum_column(ProjectType, 30))
    project_title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    question: Mapped[str] = mapped_column(sa.Text)
    has_college_commitment: Mapped[bool] = mapped_column(default=False)
    has_council_commitment: Mapped[bool] = mapped_column(default=False)
    has_officials_commitment: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus), default=ApplicationStatus.SUBMITTED
    )
    intake_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The intake invite's SEQUENCE: raised when the intake moves or is called off.
    intake_sequence: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))
    #: The adviser who planned the intake and is invited to it.
    intake_adviser_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: The key of the form that made it (circle.fields.SubmissionKeyField).
    submission_key: Mapped[str | None] = mapped_column(sa.String(64))
    intake_notes: Mapped[str] = mapped_column(sa.Text, default="")
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    programme: Mapped[Programme] = relationship()
    organisation: Mapped[Organisation] = relationship()
    applicant: Mapped[User | None] = relationship(foreign_keys=[applicant_id])
    intake_adviser: Mapped[User | None] = relationship(foreign_keys=[intake_adviser_id])
    events: Mapped[list["ApplicationEvent"]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        order_by="ApplicationEvent.id",
    )

    def set_status(self, status: ApplicationStatus) -> None:
        self.status = status


class ApplicationEvent(db.Model):
    """One line of an application's history, shown to the applicant."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    status: Mapped[ApplicationStatus] = mapped_column(enum_column(ApplicationStatus))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
