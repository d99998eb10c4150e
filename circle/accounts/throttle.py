"""Login throttling that fits a meeting room (Flask-Limiter).

Only failed attempts count, so sixty people behind one council Wi-Fi all get in.
Failures are counted per client address and per account (the e-mail address
typed, whether it has an account or not, so a lock never reveals that). A few
failures make the account wait briefly; many lock it for a while and its owner
gets one e-mail about it.
"""

import time

from flask import current_app, request
from flask_babel import lazy_gettext as _l

from circle.accounts.services import get_user_by_email, normalise_email
from circle.extensions import limiter
from circle.mail import mail_person


def address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_LIMIT"]


def account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_LIMIT"]


def reset_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


def failed(response) -> bool:
    """A login that did not move on (a redirect) was refused or mistyped."""
    return response.status_code != 302


def login_email() -> str:
    return "login:" + normalise_email(request.form.get("email", ""))[:254]


def tell_owner_of_lock(request_limit) -> None:
    """On a breach of the per-account limit: mail the owner once per lock."""
    from circle.forms_util import perform

    user = get_user_by_email(request.form.get("email", ""))
    if user is None:
        return None
    seconds = request_limit.limit.get_expiry()
    # One mail per lock window, across server processes (the limiter's storage).
    marker = f"circle-lock-mail:{user.id}"
    if limiter.storage.incr(marker, seconds) > 1:
        return None
    minutes = max(1, round((request_limit.reset_at - time.time()) / 60))
    perform(
        lambda: mail_person(
            user,
            "login_locked",
            subject=_l("Your Circle account is locked for a while"),
            account_mail=True,
            minutes=minutes,
        )
    )
    return None
