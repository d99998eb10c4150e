"""Signing in and out, passwords and their reset links.

Each signed-in browser is a LoginSession row; Flask-Login's id is its token, so
the session cookie and the remember-me cookie both name it. Logging out ends
that row; changing or resetting a password ends every other one and every
outstanding reset link; nothing of a copied cookie keeps working.
"""

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from circle.accounts.models import (
    LoginSession,
    PasswordReset,
    User,
    hash_token,
    new_token,
)
from circle.accounts.services import get_user_by_email
from circle.errors import ServiceError
from circle.extensions import db
from circle.mail import mail_person
from circle.signals import access_lost
from circle.urls import external_url


def start_session(user: User, *, user_agent: str, now: datetime) -> str:
    """A new signed-in browser for `user`; returns its token (also on `user`)."""
    token = new_token()
    db.session.add(
        LoginSession(
            user=user,
            token_hash=hash_token(token),
            user_agent=(user_agent or "")[:200],
            created_at=now,
        )
    )
    user.last_login_at = now
    user.login_token = token
    return token


def user_for_session(token: str) -> User | None:
    """The person a still-open LoginSession belongs to (Flask-Login's loader)."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(
        sa.select(LoginSession).where(
            LoginSession.token_hash == hash_token(token),
            LoginSession.ended_at.is_(None),
        )
    )
    if row is None or not row.user.is_active:
        return None
    row.user.login_token = token
    return row.user


def end_session(token: str | None, *, now: datetime) -> None:
    if not token:
        return
    login = db.session.scalar(
        sa.select(LoginSession).where(
            LoginSession.token_hash == hash_token(token),
            LoginSession.ended_at.is_(None),
        )
    )
    if login is not None:
        login.ended_at = now
        # Live boards drop this person's sockets once the logout commits.
        access_lost.send(login.user_id, signed_out=True)


def end_sessions(user: User, *, now: datetime, keep: str | None = None) -> None:
    """End every signed-in browser of `user`, except the one holding `keep`."""
    query = sa.update(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.ended_at.is_(None)
    )
    if keep:
        query = query.where(LoginSession.token_hash != hash_token(keep))
    db.session.execute(query.values(ended_at=now))
    access_lost.send(user.id, signed_out=True)


def open_sessions(user: User) -> list[LoginSession]:
    return list(
        db.session.scalars(
            sa.select(LoginSession)
            .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
            .order_by(LoginSession.created_at.desc())
        )
    )


def _dummy_hash() -> str:
    """A hash made like real ones, checked when no account matches, so a login
    takes as long whether the address has an account or not."""
    cache = current_app.extensions.setdefault("circle_dummy_hash", {})
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in cache:
        cache[method] = generate_password_hash(new_token(), method=method)
    return cache[method]


def authenticate(email: str, password: str) -> User | None:
    """The account these credentials open, or None (always one hash check)."""
    user = get_user_by_email(email)
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


def _password_changed(user: User, *, now: datetime, keep: str | None) -> None:
    end_sessions(user, now=now, keep=keep)
    # Every outstanding reset link dies with the old password, whatever the route.
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )


def change_password(user: User, *, current: str, new: str, now: datetime) -> None:
    """From the profile: every signed-in browser is ended, this one included (the
    view signs this browser in again with a new token, so a copied cookie dies)."""
    if not user.check_password(current):
        raise ServiceError(
            _l("Your current password is not correct."), "current_password"
        )
    user.set_password(new)
    _password_changed(user, now=now, keep=None)


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
        # The link proves the address as well as a verification link does.
        account_mail=True,
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
    """A new password from a mailed link: every browser is signed out."""
    reset = find_password_reset(token, now=now)
    user = reset.user
    user.set_password(password)
    if user.email_verified_at is None:
        user.email_verified_at = now
    _password_changed(user, now=now, keep=None)
    return user
