"""Confirming a new account, and deciding who acts for an organisation.

Requests are announced only once the address is confirmed, so nobody is asked
to approve a registration that may be a typo. Each decision is told to the
person (mail and notification) and written to the audit log.
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from circle.accounts import services as accounts
from circle.accounts.models import (
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Role,
    User,
)
from circle.errors import ServiceError
from circle.extensions import db
from circle.intake.models import Application
from circle.mail import mail_person
from circle.moderation import services as audit
from circle.notifications.models import Notification, NotificationKind
from circle.permissions import (
    can_decide_organisation,
    can_decide_organisation_member,
)
from circle.programmes.models import programme_advisers
from circle.signals import taking_part_changes
from circle.urls import external_url


def confirm_email(token: str, *, now: datetime) -> User:
    """Confirm a new account's address; then its requests go to whoever decides."""
    user, first_time = accounts.verify_email(token, now=now)
    if first_time:
        if user.organisation_status == OrganisationStatus.PENDING:
            _tell(
                approvers_of(user),
                NotificationKind.ORGANISATION_REQUEST,
                "organisation_request",
                _l(
                    "%(name)s asks to join %(organisation)s",
                    name=user.name,
                    organisation=user.organisation.name,
                ),
                person=user,
                now=now,
            )
        organisation = user.organisation
        if organisation is not None and _waits_for_approval(organisation):
            _tell(
                _staff(),
                NotificationKind.ORGANISATION_NEW,
                "organisation_new",
                _l("New municipality to approve: %(name)s", name=organisation.name),
                person=user,
                now=now,
            )
    return user


def _waits_for_approval(organisation: Organisation) -> bool:
    return organisation.approved_at is None and organisation.declined_at is None


def _staff() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(
                User.role.in_((Role.ADMIN, Role.ADVISER)),
                User.deleted_at.is_(None),
                User.email_verified_at.is_not(None),
            )
        )
    )


def approvers_of(person: User) -> list[User]:
    """Who may decide on `person`: approved colleagues and advisers of programmes
    the organisation applied to; admins when there is nobody else."""
    colleagues = sa.select(User.id).where(
        User.organisation_id == person.organisation_id,
        User.organisation_status == OrganisationStatus.ACTIVE,
        User.email_verified_at.is_not(None),
        User.id != person.id,
    )
    advisers = (
        sa.select(programme_advisers.c.user_id)
        .join(
            Application,
            Application.programme_id == programme_advisers.c.programme_id,
        )
        .where(Application.organisation_id == person.organisation_id)
    )
    found = list(
        db.session.scalars(
            sa.select(User).where(
                User.id.in_(sa.union(colleagues, advisers)),
                User.deleted_at.is_(None),
            )
        )
    )
    if found:
        return found
    return list(
        db.session.scalars(
            sa.select(User).where(User.role == Role.ADMIN, User.deleted_at.is_(None))
        )
    )


def _tell(
    people: list[User],
    kind: NotificationKind,
    template: str,
    subject,
    *,
    person: User,
    now: datetime,
    note: str = "",
    link_to: str = "organisations.requests",
) -> None:
    for recipient in people:
        db.session.add(
            Notification(
                user_id=recipient.id,
                kind=kind,
                person_id=person.id,
                note=note,
                created_at=now,
            )
        )
        mail_person(
            recipient,
            template,
            subject=subject,
            person=person,
            organisation=person.organisation,
            note=note,
            link=external_url(link_to),
        )


def decide_member(
    person: User, *, approve: bool, reason: str, by: User, now: datetime
) -> None:
    """Approve or decline a pending request to act for an organisation."""
    if not can_decide_organisation_member(by, person):
        raise ServiceError(_l("You may not decide on this request."))
    if person.organisation_status != OrganisationStatus.PENDING:
        raise ServiceError(_l("This request has already been decided."))
    if not approve and not reason:
        raise ServiceError(_l("Give a reason when you decline."), "reason")
    organisation = person.organisation
    # Approved, they take part in the programmes the organisation was accepted for.
    with taking_part_changes([person], now=now):
        person.organisation_status = (
            OrganisationStatus.ACTIVE if approve else OrganisationStatus.DECLINED
        )
    person.organisation_decided_at = now
    audit.record(
        "organisation.member.approve" if approve else "organisation.member.decline",
        f"user:{person.id}",
        by=by,
        programme_id=None,
        group_id=None,
        reason=reason,
        summary=f"{person.name} – {organisation.name}",
        now=now,
    )
    _tell(
        [person],
        NotificationKind.ORGANISATION_DECISION,
        "organisation_decision",
        _l("You can now act for %(organisation)s", organisation=organisation.name)
        if approve
        else _l(
            "Your request to join %(organisation)s was declined",
            organisation=organisation.name,
        ),
        person=person,
        note=reason,
        now=now,
        link_to="main.home",
    )


def decide_organisation(
    organisation: Organisation,
    *,
    approve: bool,
    reason: str,
    by: User,
    now: datetime,
) -> None:
    """Approve a self-registered municipality (then it can apply), or decline it."""
    if not can_decide_organisation(by, organisation):
        raise ServiceError(_l("You may not decide on organisations."))
    if not _waits_for_approval(organisation):
        raise ServiceError(_l("This organisation has already been decided."))
    if not approve and not reason:
        raise ServiceError(_l("Give a reason when you decline."), "reason")
    if approve:
        organisation.approved_at = now
    else:
        organisation.declined_at = now
    audit.record(
        "organisation.approve" if approve else "organisation.decline",
        f"organisation:{organisation.id}",
        by=by,
        programme_id=None,
        group_id=None,
        reason=reason,
        summary=organisation.name,
        now=now,
    )
    members = [
        member
        for member in organisation.members
        if member.organisation_status == OrganisationStatus.ACTIVE
    ]
    for member in members:
        mail_person(
            member,
            "organisation_approval",
            subject=_l(
                "%(organisation)s can take part in Circle",
                organisation=organisation.name,
            )
            if approve
            else _l(
                "%(organisation)s was not approved", organisation=organisation.name
            ),
            organisation=organisation,
            approved=approve,
            note=reason,
            link=external_url("main.home"),
        )


def _decidable_by(user: User) -> sa.ColumnElement:
    """A where-clause: pending people whose request `user` may decide (cf. the
    rule can_decide_organisation_member), as SQL for counting."""
    if user.is_admin:
        return sa.true()
    own = (
        User.organisation_id == user.organisation_id
        if user.acts_for_organisation
        else sa.false()
    )
    advised = User.organisation_id.in_(
        sa.select(Application.organisation_id)
        .join(
            programme_advisers,
            programme_advisers.c.programme_id == Application.programme_id,
        )
        .where(programme_advisers.c.user_id == user.id)
    )
    return sa.and_(sa.or_(own, advised), User.id != user.id)


def waiting_count(user: User) -> int:
    """How many requests wait for `user` (one query, for the start page)."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(User)
        .where(
            User.organisation_status == OrganisationStatus.PENDING,
            User.email_verified_at.is_not(None),
            User.deleted_at.is_(None),
            _decidable_by(user),
        )
    )


def pending_members_for(user: User) -> list[User]:
    """People waiting for an answer that `user` may give."""
    query = (
        sa.select(User)
        .where(
            User.organisation_status == OrganisationStatus.PENDING,
            User.email_verified_at.is_not(None),
            User.deleted_at.is_(None),
            _decidable_by(user),
        )
        .options(joinedload(User.organisation))
        .order_by(User.created_at)
    )
    return list(db.session.scalars(query))


def pending_organisations_for(user: User) -> list[Organisation]:
    """Self-registered municipalities waiting for staff (others see none)."""
    if user.role not in (Role.ADMIN, Role.ADVISER):
        return []
    return list(
        db.session.scalars(
            sa.select(Organisation)
            .where(
                Organisation.kind == OrganisationKind.MUNICIPALITY,
                Organisation.approved_at.is_(None),
                Organisation.declined_at.is_(None),
            )
            .options(selectinload(Organisation.members))
            .order_by(Organisation.created_at)
        )
    )
