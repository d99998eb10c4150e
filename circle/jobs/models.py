"""One lease row per scheduled job, so that each period runs once across workers."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from circle.database import UTCDateTime
from circle.extensions import db


class JobLease(db.Model):
    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    #: The scheduled time of the latest period some worker completed.
    done_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A worker running the job holds it until then; a dead worker's lease expires.
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leased_by: Mapped[str | None] = mapped_column(sa.String(80))
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why the latest run failed; empty after a run that succeeded.
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
