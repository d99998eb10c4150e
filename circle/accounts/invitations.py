"""Invitations: staff bring a person in with a one-time link mailed to them."""

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from circle.accounts.models import Invitation, Role, User, hash_token, new_token
from circle.accounts.services import (
    OrganisationChoice,
    ensure_email_free,
    normalise_email,
    resolve_organisation,
)
from circle.errors import ServiceError
from circle.extensions import db
from circle.mail import queue_mail, render_mail
from circle.permissions import can_invite_role, can_revoke_invitation
from circle.urls import external_url


def invite_person(
    *,
    email: str,
    role: Role,
    organisation: OrganisationChoice,
    name: str | None,
    by: User,
    now: datetime,
) -> Invitation:
    """Create a one-time invitation link and e-mail it after the commit."""
    if not can_invite_role(by, role):
        raise ServiceError(_l("You may not invite people with this role."), "role")
    ensure_email_free(email)
    org = resolve_organisation(organisation, now=now)
    if org is None and role in (Role.PARTICIPANT, Role.INITIATOR):
        raise ServiceError(
            _l("Choose your organisation, or enter the name of a new one."),
            "new_organisation_name",
        )
    email = normalise_email(email)
    # A new invitation replaces any earlier link to the same address.
    for earlier in db.session.scalars(
        sa.select(Invitation).filter_by(email=email, accepted_at=None, revoked_at=None)
    ):
        earlier.revoked_at = now
    token = new_token()
    invitation = Invitation(
        email=email,
        name=name or None,
        role=role,
        organisation=org,
        invited_by=by,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + current_app.config["INVITATION_TTL"],
    )
    db.session.add(invitation)
    db.session.flush()
    queue_mail(
        db.session,
        render_mail(
            "invitation",
            to=email,
            to_name=invitation.name,
            language=by.language,
            subject=_l("%(name)s invites you to Circle", name=by.name),
            invitation=invitation,
            link=external_url("accounts.accept_invitation", token=token),
        ),
    )
    return invitation


def find_invitation(token: str, *, now: datetime) -> Invitation:
    invitation = db.session.scalar(
        sa.select(Invitation).filter_by(token_hash=hash_token(token))
    )
    if invitation is None or not invitation.is_usable(now):
        raise ServiceError(
            _l(
                "This invitation link is no longer valid: it has expired, has been "
                "used already or was withdrawn. Ask for a new invitation."
            )
        )
    return invitation


def accept_invitation(token: str, *, name: str, password: str, now: datetime) -> User:
    invitation = find_invitation(token, now=now)
    ensure_email_free(invitation.email)
    # The invitation was mailed to this address: following it proves the address.
    user = User(
        name=name,
        email=invitation.email,
        role=invitation.role,
        organisation=invitation.organisation,
        email_verified_at=now,
        created_at=now,
    )
    user.set_password(password)
    invitation.accepted_at = now
    db.session.add(user)
    db.session.flush()
    return user


def visible_invitations(user: User) -> list[Invitation]:
    query = sa.select(Invitation).where(
        Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None)
    )
    if not user.is_admin:
        query = query.where(Invitation.invited_by_id == user.id)
    query = query.options(
        joinedload(Invitation.organisation), joinedload(Invitation.invited_by)
    )
    return list(db.session.scalars(query.order_by(Invitation.created_at.desc())))


def revoke_invitation(invitation: Invitation, *, by: User, now: datetime) -> None:
    if not can_revoke_invitation(by, invitation):
        raise ServiceError(_l("You may not withdraw this invitation."))
    invitation.revoked_at = now
