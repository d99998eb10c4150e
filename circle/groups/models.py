"""Regions, regional learning groups and their memberships."""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circle.accounts.models import User
from circle.database import UTCDateTime, enum_column, utcnow
from circle.extensions import db
from circle.programmes.models import Programme

DEFAULT_CAPACITY = 20


class Region(db.Model):
    """A set of provinces; groups are formed per region."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    provinces: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

    def __repr__(self) -> str:
        return f"<Region {self.name!r}>"


group_advisers = sa.Table(
    "group_advisers",
    db.metadata,
    sa.Column(
        "group_id", sa.ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    ),
)


class Group(db.Model):
    __tablename__ = "groups"
    __table_args__ = (sa.CheckConstraint("capacity > 0", name="capacity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    region_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("regions.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    capacity: Mapped[int] = mapped_column(default=DEFAULT_CAPACITY)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    programme: Mapped[Programme] = relationship()
    region: Mapped[Region | None] = relationship()
    advisers: Mapped[list[User]] = relationship(
        secondary=group_advisers, order_by=User.name
    )
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="group", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Group {self.name!r}>"


class MembershipStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    DECLINED = "declined"
    LEFT = "left"
    REMOVED = "removed"

    @property
    def label(self) -> str:
        return str(MEMBERSHIP_LABELS[self])


MEMBERSHIP_LABELS = {
    MembershipStatus.PENDING: _l("Request pending"),
    MembershipStatus.ACTIVE: _l("Member"),
    MembershipStatus.DECLINED: _l("Request declined"),
    MembershipStatus.LEFT: _l("Left the group"),
    MembershipStatus.REMOVED: _l("Removed from the group"),
}
OPEN_MEMBERSHIP = frozenset({MembershipStatus.PENDING, MembershipStatus.ACTIVE})
#: The same set as SQL, for the partial unique index on open memberships.
OPEN_WHERE = "status IN ({})".format(
    ", ".join(f"'{s}'" for s in sorted(OPEN_MEMBERSHIP))
)


class Membership(db.Model):
    """A person's place in a group, from join request to leaving; rows are kept."""

    __tablename__ = "memberships"
    __table_args__ = (
        # At most one pending or active membership per person and group; left,
        # declined and removed rows are history and may repeat.
        sa.Index(
            "uq_memberships_open",
            "group_id",
            "user_id",
            unique=True,
            sqlite_where=sa.text(OPEN_WHERE),
            postgresql_where=sa.text(OPEN_WHERE),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[MembershipStatus] = mapped_column(enum_column(MembershipStatus))
    #: What the person wrote with their join request.
    message: Mapped[str] = mapped_column(sa.Text, default="")
    #: Why a request was declined or a member removed; kept for the record.
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[Group] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    def set_status(self, status: MembershipStatus) -> None:
        self.status = status
