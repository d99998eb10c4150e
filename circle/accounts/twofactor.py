"""Two-factor login with an authenticator app (TOTP, RFC 6238) for staff.

Admins and advisers can turn it on; with REQUIRE_STAFF_2FA (the production
default) they must. Recovery codes are shown once and stored as digests.
"""

import secrets
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from circle.accounts.models import RecoveryCode, User, hash_token
from circle.errors import ServiceError
from circle.extensions import db

RECOVERY_CODES = 10
ISSUER = "Circle"


def must_set_up(user: User) -> bool:
    """Staff without a second factor while the site requires one."""
    return (
        current_app.config["REQUIRE_STAFF_2FA"]
        and user.is_staff
        and not user.has_two_factor
    )


def begin_setup(user: User) -> str:
    """A new secret for the person's app (not active until a code confirms it)."""
    if user.has_two_factor:
        raise ServiceError(_l("Two-factor login is already on."))
    user.totp_secret = pyotp.random_base32()
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(
        name=user.email, issuer_name=ISSUER
    )


def qr_code_svg(user: User) -> str:
    """The set-up QR code as inline SVG (drawn here, no third-party service)."""
    return segno.make(provisioning_uri(user), error="m").svg_inline(
        scale=4, title=_l("QR code for your authenticator app")
    )


def _code_matches(user: User, code: str, now: datetime) -> bool:
    code = "".join(code.split())
    if not (user.totp_secret and code.isdigit() and len(code) == 6):
        return False
    # One step of clock drift either way, as RFC 6238 recommends.
    return pyotp.TOTP(user.totp_secret).verify(code, for_time=now, valid_window=1)


def confirm_setup(user: User, code: str, *, now: datetime) -> list[str]:
    """Turn 2FA on once the app shows a right code; returns the recovery codes."""
    if user.has_two_factor:
        raise ServiceError(_l("Two-factor login is already on."))
    if not user.totp_secret:
        raise ServiceError(_l("Start the set-up again."))
    if not _code_matches(user, code, now):
        raise ServiceError(
            _l("That code is not right. Check the time on your phone and try again."),
            "code",
        )
    user.totp_enabled_at = now
    return new_recovery_codes(user)


def new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)
    ]
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=hash_token(code)))
    return codes


def check_login_code(user: User, code: str, *, now: datetime) -> None:
    """The second step of a login: a code from the app, or an unused recovery code."""
    if not user.is_active or not user.has_two_factor:
        raise ServiceError(_l("Please log in again."))
    if _code_matches(user, code, now):
        return
    recovery = db.session.scalar(
        sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == hash_token(code.strip().lower()),
            RecoveryCode.used_at.is_(None),
        )
    )
    if recovery is None:
        raise ServiceError(_l("That code is not right."), "code")
    recovery.used_at = now


def turn_off(user: User, *, password: str, now: datetime) -> None:
    if not user.check_password(password):
        raise ServiceError(_l("Your password is not correct."), "password")
    if must_set_up_after_off(user):
        raise ServiceError(
            _l("Staff accounts must keep two-factor login on (REQUIRE_STAFF_2FA).")
        )
    user.totp_secret = None
    user.totp_enabled_at = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def must_set_up_after_off(user: User) -> bool:
    return current_app.config["REQUIRE_STAFF_2FA"] and user.is_staff
