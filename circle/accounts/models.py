"""People, the organisations they belong to, and their one-time account tokens."""

import enum
import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from circle.database import UTCDateTime, enum_column, utcnow
from circle.extensions import db


class Role(enum.StrEnum):
    ADMIN = "admin"
    ADVISER = "adviser"
    PARTICIPANT = "participant"
    INITIATOR = "initiator"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _l("Programme office (admin)"),
    Role.ADVISER: _l("Programme adviser"),
    Role.PARTICIPANT: _l("Participant (municipality)"),
    Role.INITIATOR: _l("Initiator (citizens' initiative, entrepreneur or fund)"),
}


class OrganisationKind(enum.StrEnum):
    MUNICIPALITY = "municipality"
    INITIATIVE = "initiative"
    FUND = "fund"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(ORGANISATION_KIND_LABELS[self])


ORGANISATION_KIND_LABELS = {
    OrganisationKind.MUNICIPALITY: _l("Municipality"),
    OrganisationKind.INITIATIVE: _l("Citizens' initiative"),
    OrganisationKind.FUND: _l("Fund"),
    OrganisationKind.OTHER: _l("Other"),
}

#: The twelve Dutch provinces; regional learning groups are formed from them.
PROVINCES = (
    "Drenthe",
    "Flevoland",
    "Friesland",
    "Gelderland",
    "Groningen",
    "Limburg",
    "Noord-Brabant",
    "Noord-Holland",
    "Overijssel",
    "Utrecht",
    "Zeeland",
    "Zuid-Holland",
)


def hash_token(token: str) -> str:
    """Tokens are stored as SHA-256 digests, so a database leak reveals no links."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind))
    province: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: None while a self-registered municipality waits for an adviser or admin:
    #: claiming to be a municipality grants nothing until someone checks.
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when staff decided the organisation is not a municipality they know.
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    members: Mapped[list["User"]] = relationship(back_populates="organisation")

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    def __repr__(self) -> str:
        return f"<Organisation {self.name!r}>"


class OrganisationStatus(enum.StrEnum):
    """A person's standing in their organisation: joining is a request."""

    ACTIVE = "active"
    PENDING = "pending"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return str(ORGANISATION_STATUS_LABELS[self])


ORGANISATION_STATUS_LABELS = {
    OrganisationStatus.ACTIVE: _l("Member"),
    OrganisationStatus.PENDING: _l("Waiting for approval"),
    OrganisationStatus.DECLINED: _l("Request declined"),
}


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Always stored lower-case, which makes the unique constraint case-insensitive.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.PARTICIPANT)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    #: Only ACTIVE members act for their organisation; a PENDING one waits until
    #: a colleague or an adviser approves (circle.organisations).
    organisation_status: Mapped[OrganisationStatus] = mapped_column(
        enum_column(OrganisationStatus), default=OrganisationStatus.ACTIVE
    )
    organisation_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: None until the person follows the link in the verification mail (or an
    #: invitation, which was itself mailed to them).
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Base32 secret of the person's authenticator app; 2FA is on when
    #: `totp_enabled_at` is set (a secret alone is a set-up in progress).
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: "nl" or "en"; None follows the browser.
    language: Mapped[str | None] = mapped_column(sa.String(5))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the sessions the person is invited to last changed by something
    #: other than a session (joining or leaving a group): the calendar feed's
    #: Last-Modified never goes back when a session drops out of it.
    calendar_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")

    def __repr__(self) -> str:
        return f"<User {self.email!r}>"

    #: The signed-in browser's LoginSession token, set for the current request
    #: (never stored on this row): Flask-Login keeps it in the session cookie and
    #: the remember-me cookie, so ending that LoginSession ends both.
    login_token = None

    def get_id(self) -> str:
        if not self.login_token:
            raise RuntimeError("sign in through circle.accounts.sessions.start_session")
        return self.login_token

    # Flask-Login compares users by get_id(), a login token that most User objects
    # (everyone but the one signed in) do not have: compare by row instead.
    def __eq__(self, other) -> bool:
        if not isinstance(other, User):
            return NotImplemented
        if self.id is None or other.id is None:
            return self is other
        return self.id == other.id

    def __ne__(self, other) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = object.__hash__

    @property
    def is_active(self) -> bool:
        return self.is_active_account and self.deleted_at is None

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def acts_for_organisation(self) -> bool:
        """A verified, approved member of an approved organisation."""
        return (
            self.organisation is not None
            and self.organisation_status == OrganisationStatus.ACTIVE
            and self.is_verified
        )

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.ADMIN, Role.ADVISER)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_adviser(self) -> bool:
        return self.role == Role.ADVISER

    def set_password(self, password: str) -> None:
        method = current_app.config["PASSWORD_HASH_METHOD"] if current_app else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(
            self.password_hash, password
        )


class LoginSession(db.Model):
    """One signed-in browser. Logging out, a password change or a reset ends it on
    the server, so a copied session or remember-me cookie stops working."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 of the token in the cookies; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The browser, as it named itself, to tell sessions apart on the profile.
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A one-time code for when the authenticator app is lost; shown once."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Invitation(db.Model):
    """A one-time link with which an admin or adviser brings a person in."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    name: Mapped[str | None] = mapped_column(sa.String(120))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE")
    )
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship()
    invited_by: Mapped[User | None] = relationship()

    def is_usable(self, now: datetime) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and now < self.expires_at
        )


class PasswordReset(db.Model):
    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def is_usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at
