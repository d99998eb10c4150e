"""Accounts: registration with a verified address, organisations, the profile.

Invitations are in `invitations.py`, signing in and passwords in `sessions.py`,
the personal data download, deletion and retention in `privacy.py`.

These functions flush but never commit, and take the acting user and the
current time as arguments, so views, CLI commands and tests call them alike.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from circle.accounts.models import (
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Role,
    User,
)
from circle.database import take_write_lock
from circle.errors import ServiceError
from circle.extensions import db
from circle.mail import mail_person
from circle.urls import external_url


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).filter_by(email=normalise_email(email)))


def list_organisations() -> list[Organisation]:
    """For staff forms only: visitors never see who takes part."""
    return list(db.session.scalars(sa.select(Organisation).order_by(Organisation.name)))


@dataclass
class OrganisationChoice:
    """Either an existing organisation id, or the description of a new one."""

    organisation_id: int | None = None
    new_name: str | None = None
    new_kind: str | None = None
    new_province: str | None = None


def resolve_organisation(
    choice: OrganisationChoice, *, now: datetime
) -> Organisation | None:
    """For staff inviting someone: the chosen organisation, or a new one, which is
    approved at once (the member of staff vouches for it)."""
    if choice.organisation_id:
        organisation = db.session.get(Organisation, choice.organisation_id)
        if organisation is None:
            raise ServiceError(_l("That organisation does not exist."), "organisation")
        return organisation
    if not choice.new_name:
        return None
    try:
        kind = OrganisationKind(choice.new_kind)
    except ValueError:
        raise ServiceError(
            _l("Choose a kind of organisation from the list."), "new_organisation_kind"
        ) from None
    organisation, _is_new = find_or_create_organisation(
        choice.new_name, kind, choice.new_province, now=now
    )
    if organisation.approved_at is None:
        organisation.approved_at = now
    return organisation


def ensure_email_free(email: str) -> None:
    """For staff inviting someone: they may learn that an address has an account."""
    if get_user_by_email(email) is not None:
        raise ServiceError(
            _l("An account with this e-mail address already exists. Log in instead."),
            "email",
        )


def find_or_create_organisation(
    name: str, kind: OrganisationKind, province: str | None, *, now: datetime
) -> tuple[Organisation, bool]:
    """The organisation of this name (any case), or a new one; and whether it is new.

    A new municipality waits for an adviser's approval before it can apply; other
    kinds of organisation are approved at once (they never apply).
    """
    existing = db.session.scalar(
        sa.select(Organisation).where(sa.func.lower(Organisation.name) == name.lower())
    )
    if existing is not None:
        return existing, False
    organisation = Organisation(
        name=name,
        kind=kind,
        province=province or None,
        created_at=now,
        approved_at=None if kind == OrganisationKind.MUNICIPALITY else now,
    )
    try:
        # Two people registering the same new organisation at once: one row wins.
        with db.session.begin_nested():
            db.session.add(organisation)
            db.session.flush()
    except IntegrityError:
        return find_or_create_organisation(name, kind, province, now=now)
    return organisation, True


@dataclass
class Registration:
    name: str
    email: str
    password: str
    role: Role
    organisation_name: str
    organisation_kind: OrganisationKind
    province: str | None = None
    #: The language the form was shown in: a visitor's own pick counts.
    language: str | None = None


def register_user(data: Registration, *, now: datetime) -> User | None:
    """Self-registration for participants and initiators.

    The answer never tells whether the address already has an account: the new
    account gets a verification link, an existing one a mail saying someone
    tried to register with it; both make the same page. Naming an existing
    organisation makes a request to join it; naming a new one creates it.
    Returns the new account, or None when the address already had one.
    """
    if data.role not in (Role.PARTICIPANT, Role.INITIATOR):
        raise ServiceError(_l("Choose how you take part."), "role")
    email = normalise_email(data.email)
    take_write_lock(db.session, User)  # one registration at a time on SQLite
    # Hashed in both cases, so the answer takes as long either way.
    password_hash = generate_password_hash(
        data.password, method=current_app.config["PASSWORD_HASH_METHOD"]
    )
    existing = get_user_by_email(email)
    if existing is not None:
        _tell_existing_account(existing)
        return None
    organisation, is_new = find_or_create_organisation(
        data.organisation_name, data.organisation_kind, data.province, now=now
    )
    # By id, not relationship: a user in `organisation.members` would be flushed
    # before the SAVEPOINT below.
    user = User(
        name=data.name,
        email=email,
        role=data.role,
        organisation_id=organisation.id,
        organisation_status=(
            OrganisationStatus.ACTIVE if is_new else OrganisationStatus.PENDING
        ),
        language=data.language,
        password_hash=password_hash,
        created_at=now,
    )
    try:
        # Two registrations with one address at the same moment: one account.
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
    except IntegrityError:
        existing = get_user_by_email(email)
        if existing is not None:
            _tell_existing_account(existing)
        return None
    send_verification(user)
    return user


def _tell_existing_account(user: User) -> None:
    mail_person(
        user,
        "registration_exists",
        subject=_l("Someone tried to register with your address"),
        account_mail=True,
        login_link=external_url("accounts.login"),
        reset_link=external_url("accounts.forgot_password"),
    )


def _verification_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt="circle-verify-email"
    )


def verification_token(user: User) -> str:
    """Signed, and tied to the address: it stops working if the address changes."""
    return _verification_serializer().dumps({"user": user.id, "email": user.email})


def send_verification(user: User) -> None:
    hours = int(current_app.config["EMAIL_VERIFICATION_TTL"].total_seconds() // 3600)
    mail_person(
        user,
        "verify_email",
        subject=_l("Confirm your e-mail address for Circle"),
        account_mail=True,
        link=external_url("accounts.verify_email", token=verification_token(user)),
        hours=hours,
    )


def user_for_verification(token: str) -> User:
    """The account a verification link is for; refuses old, forged or used links."""
    invalid = ServiceError(
        _l(
            "This confirmation link is no longer valid: it has expired or was "
            "changed. Log in to get a new one."
        )
    )
    try:
        data = _verification_serializer().loads(
            token,
            max_age=int(current_app.config["EMAIL_VERIFICATION_TTL"].total_seconds()),
        )
    except BadSignature:
        raise invalid from None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or not user.is_active or user.email != data.get("email"):
        raise invalid
    return user


def verify_email(token: str, *, now: datetime) -> tuple[User, bool]:
    """Confirm the address; returns the account and whether this was the first time
    (a link works once: later it only says the address is confirmed)."""
    user = user_for_verification(token)
    if user.email_verified_at is not None:
        return user, False
    user.email_verified_at = now
    return user, True


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
