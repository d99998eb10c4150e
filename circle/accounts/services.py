"""Account rules: registration, invitations, passwords, profile, export, deletion.

These functions flush but never commit, and take the acting user and the
current time as arguments, so views, CLI commands and tests call them alike.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from circle.accounts.models import (
    Invitation,
    Organisation,
    OrganisationKind,
    PasswordReset,
    Role,
    User,
    hash_token,
    new_token,
)
from circle.errors import ServiceError
from circle.extensions import db
from circle.mail import mail_person, queue_mail, render_mail
from circle.permissions import can_invite_role, can_revoke_invitation
from circle.urls import external_url


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).filter_by(email=normalise_email(email)))


def list_organisations() -> list[Organisation]:
    return list(db.session.scalars(sa.select(Organisation).order_by(Organisation.name)))


@dataclass
class OrganisationChoice:
    """Either an existing organisation id, or the description of a new one."""

    organisation_id: int | None = None
    new_name: str | None = None
    new_kind: str | None = None
    new_province: str | None = None


def resolve_organisation(choice: OrganisationChoice) -> Organisation | None:
    """The chosen organisation, creating a new one when it does not exist yet."""
    if choice.organisation_id:
        organisation = db.session.get(Organisation, choice.organisation_id)
        if organisation is None:
            raise ServiceError(_l("That organisation does not exist."), "organisation")
        return organisation
    if not choice.new_name:
        return None
    existing = db.session.scalar(
        sa.select(Organisation).where(
            sa.func.lower(Organisation.name) == choice.new_name.lower()
        )
    )
    if existing is not None:
        return existing
    try:
        kind = OrganisationKind(choice.new_kind)
    except ValueError:
        raise ServiceError(
            _l("Choose a kind of organisation from the list."), "new_organisation_kind"
        ) from None
    organisation = Organisation(
        name=choice.new_name, kind=kind, province=choice.new_province or None
    )
    db.session.add(organisation)
    return organisation


def _ensure_email_free(email: str) -> None:
    if get_user_by_email(email) is not None:
        raise ServiceError(
            _l("An account with this e-mail address already exists. Log in instead."),
            "email",
        )


def register_user(
    *,
    name: str,
    email: str,
    password: str,
    role: Role,
    organisation: OrganisationChoice,
    language: str | None = None,
    now: datetime,
) -> User:
    """Self-registration, open to participants and initiators only; the new
    account is signed in at once (`now` is its first login)."""
    if role not in (Role.PARTICIPANT, Role.INITIATOR):
        raise ServiceError(_l("Choose how you take part."), "role")
    _ensure_email_free(email)
    org = resolve_organisation(organisation)
    if org is None:
        raise ServiceError(
            _l("Choose your organisation, or enter the name of a new one."),
            "new_organisation_name",
        )
    user = User(
        name=name,
        email=normalise_email(email),
        role=role,
        organisation=org,
        language=language,
        last_login_at=now,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str, *, now: datetime) -> User | None:
    user = get_user_by_email(email)
    if user is None or not user.is_active or not user.check_password(password):
        return None
    user.last_login_at = now
    return user


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
    _ensure_email_free(email)
    org = resolve_organisation(organisation)
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
    _ensure_email_free(invitation.email)
    user = User(
        name=name,
        email=invitation.email,
        role=invitation.role,
        organisation=invitation.organisation,
        last_login_at=now,
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


def request_password_reset(email: str, *, now: datetime) -> None:
    """E-mail a reset link if the account exists; say nothing either way."""
    user = get_user_by_email(email)
    if user is None or not user.is_active:
        return
    token = new_token()
    db.session.add(
        PasswordReset(
            user=user,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + current_app.config["PASSWORD_RESET_TTL"],
        )
    )
    mail_person(
        user,
        "password_reset",
        subject=_l("Reset your Circle password"),
        link=external_url("accounts.reset_password", token=token),
        minutes=int(current_app.config["PASSWORD_RESET_TTL"].total_seconds() // 60),
    )


def find_password_reset(token: str, *, now: datetime) -> PasswordReset:
    reset = db.session.scalar(
        sa.select(PasswordReset).filter_by(token_hash=hash_token(token))
    )
    if reset is None or not reset.is_usable(now) or not reset.user.is_active:
        raise ServiceError(
            _l(
                "This reset link is no longer valid: it has expired or has been used "
                "already. Ask for a new one."
            )
        )
    return reset


def reset_password(token: str, password: str, *, now: datetime) -> User:
    reset = find_password_reset(token, now=now)
    user = reset.user
    user.set_password(password)
    # Every outstanding link for this account dies with the one that was used.
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    return user


def change_password(user: User, *, current: str, new: str) -> None:
    if not user.check_password(current):
        raise ServiceError(
            _l("Your current password is not correct."), "current_password"
        )
    user.set_password(new)


def update_profile(user: User, *, name: str, language: str | None) -> None:
    if language not in (None, *current_app.config["LANGUAGES"]):
        raise ServiceError(_l("Choose a language from the list."), "language")
    user.name = name
    user.language = language


def set_language_of(user: User, language: str) -> None:
    """The language switch in the header: kept on the account for the next visit."""
    if language not in current_app.config["LANGUAGES"]:
        raise ServiceError(_l("Choose a language from the list."), "language")
    user.language = language


def export_personal_data(user: User) -> dict:
    """Everything Circle holds about `user`, for the right of access (AVG/GDPR)."""
    organisation = user.organisation
    sent = db.session.scalars(
        sa.select(Invitation).filter_by(invited_by_id=user.id).order_by(Invitation.id)
    )
    return {
        "account": {
            "name": user.name,
            "email": user.email,
            "role": user.role.value,
            "language": user.language,
            "created_at": user.created_at.isoformat(),
            "last_login_at": user.last_login_at.isoformat()
            if user.last_login_at
            else None,
        },
        "organisation": (
            {
                "name": organisation.name,
                "kind": organisation.kind.value,
                "province": organisation.province,
            }
            if organisation
            else None
        ),
        "invitations_sent": [
            {
                "email": invitation.email,
                "role": invitation.role.value,
                "created_at": invitation.created_at.isoformat(),
                "accepted": invitation.accepted_at is not None,
            }
            for invitation in sent
        ],
    }


def delete_account(user: User, *, password: str, now: datetime) -> None:
    """Remove the person's personal data; what they wrote stays, without their name.

    The row is kept (anonymised) so that threads and boards others took part
    in stay whole, as Discourse does.
    """
    if not user.check_password(password):
        raise ServiceError(_l("Your password is not correct."), "password")
    if user.is_admin:
        admins = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.deleted_at.is_(None))
        )
        if admins <= 1:
            raise ServiceError(
                _l("You are the only admin. Make someone else admin before you leave.")
            )
    db.session.execute(sa.delete(PasswordReset).where(PasswordReset.user_id == user.id))
    user.name = ""
    user.email = f"deleted-{user.id}@invalid"
    user.password_hash = None
    user.language = None
    user.organisation = None
    user.session_token = new_token()
    user.is_active_account = False
    user.deleted_at = now
