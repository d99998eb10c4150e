"""The personal start page ("Mijn traject"): programmes, groups, status, next steps."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from circle.accounts.models import Role, User
from circle.boards.actions import open_actions_for
from circle.database import utcnow
from circle.extensions import db
from circle.groups.models import (
    OPEN_MEMBERSHIP,
    Group,
    Membership,
    MembershipStatus,
    group_advisers,
)
from circle.intake.models import Application, ApplicationStatus
from circle.meetings.services import meetings_for
from circle.organisations import services as organisations
from circle.permissions import can_apply, can_view_organisation_requests
from circle.programmes.models import Programme, programme_advisers
from circle.threads.models import Post, Report, Thread

UPCOMING_ON_HOME = 5


@dataclass
class ProgrammeCard:
    programme: Programme
    application: Application | None = None
    memberships: list[Membership] = field(default_factory=list)
    is_adviser: bool = False
    waiting_applications: int = 0
    #: Unhandled reports on programme-wide conversations (for its advisers).
    open_reports: int = 0
    can_apply: bool = False


@dataclass
class HostedGroup:
    group: Group
    pending: int
    reports: int = 0


def _open_reports() -> dict[tuple[int, int | None], int]:
    """Unhandled reports per (programme, group or None for programme-wide)."""
    rows = db.session.execute(
        sa.select(Thread.programme_id, Thread.group_id, sa.func.count())
        .select_from(Report)
        .join(Post, Post.id == Report.post_id)
        .join(Thread, Thread.id == Post.thread_id)
        .where(Report.resolved_at.is_(None))
        .group_by(Thread.programme_id, Thread.group_id)
    )
    return {(programme, group): count for programme, group, count in rows}


def home_overview(user: User) -> dict:
    programmes = list(
        db.session.scalars(sa.select(Programme).order_by(Programme.starts_on.desc()))
    )
    cards = {programme.id: ProgrammeCard(programme) for programme in programmes}

    memberships = db.session.scalars(
        sa.select(Membership)
        .join(Group)
        .where(Membership.user_id == user.id, Membership.status.in_(OPEN_MEMBERSHIP))
        .options(joinedload(Membership.group))
        .order_by(Group.name)
    )
    for membership in memberships:
        cards[membership.group.programme_id].memberships.append(membership)

    if user.acts_for_organisation:
        applications = db.session.scalars(
            sa.select(Application)
            .where(Application.organisation_id == user.organisation_id)
            .order_by(Application.id)
        )
        for application in applications:  # the newest wins
            cards[application.programme_id].application = application

    hosted: list[HostedGroup] = []
    if user.role in (Role.ADVISER, Role.ADMIN):
        advised = set(
            db.session.scalars(
                sa.select(programme_advisers.c.programme_id).where(
                    programme_advisers.c.user_id == user.id
                )
            )
        )
        waiting = db.session.execute(
            sa.select(Application.programme_id, sa.func.count())
            .where(
                Application.status.in_(
                    [ApplicationStatus.SUBMITTED, ApplicationStatus.INTAKE_PLANNED]
                )
            )
            .group_by(Application.programme_id)
        )
        waiting = dict(waiting.all())
        reports = _open_reports()
        for card in cards.values():
            card.is_adviser = user.is_admin or card.programme.id in advised
            if card.is_adviser:
                card.waiting_applications = waiting.get(card.programme.id, 0)
                card.open_reports = reports.get((card.programme.id, None), 0)
        pending = (
            sa.select(Membership.group_id, sa.func.count().label("pending"))
            .where(Membership.status == MembershipStatus.PENDING)
            .group_by(Membership.group_id)
            .subquery()
        )
        rows = db.session.execute(
            sa.select(Group, sa.func.coalesce(pending.c.pending, 0))
            .join(group_advisers, group_advisers.c.group_id == Group.id)
            .outerjoin(pending, pending.c.group_id == Group.id)
            .where(group_advisers.c.user_id == user.id)
            .order_by(Group.name)
        )
        hosted = [
            HostedGroup(group, count, reports.get((group.programme_id, group.id), 0))
            for group, count in rows
        ]

    applies = can_apply(user, None)
    for card in cards.values():
        card.can_apply = applies and (
            card.application is None or not card.application.status.is_open
        )
    upcoming = meetings_for(user, upcoming_after=utcnow(), limit=UPCOMING_ON_HOME)
    return {
        "my_actions": open_actions_for(user),
        "cards": list(cards.values()),
        "hosted_groups": hosted,
        "upcoming": upcoming,
        "waiting_decisions": organisations.waiting_count(user)
        if can_view_organisation_requests(user)
        else 0,
    }
