"""Login required by default, security headers and a strict Content-Security-Policy.

Signed-in is not yet enough: an account whose address is not confirmed sees only
its own profile, and a member of staff who must use two-factor login only its
set-up page, until they have done so.
"""

from functools import wraps

from flask import current_app, redirect, request, url_for
from flask_login import current_user
from flask_talisman import Talisman

from circle.extensions import login_manager

#: No inline scripts or styles anywhere, so this policy can stay strict.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def public(view):
    """Mark a view as reachable without logging in; everything else needs a login."""
    view.is_public = True
    return view


def anonymous_only(view):
    """Pages such as login and registration send logged-in people home instead."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_authenticated:
            return redirect(url_for("main.home"))
        return view(*args, **kwargs)

    return public(wrapper)


#: What an account may use before its address is confirmed: its own profile.
UNVERIFIED_ALLOWED = {
    "accounts.unverified",
    "accounts.resend_verification",
    "accounts.logout",
    "accounts.profile",
    "accounts.change_password",
    "accounts.export_data",
    "accounts.delete_account",
}
#: What staff may use while REQUIRE_STAFF_2FA waits for them to set it up.
SETUP_2FA_ALLOWED = {"accounts.two_factor", "accounts.logout"}


def _require_login():
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "is_public", False):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_verified and request.endpoint not in UNVERIFIED_ALLOWED:
        return redirect(url_for("accounts.unverified"))
    from circle.accounts.twofactor import must_set_up

    if must_set_up(current_user) and request.endpoint not in SETUP_2FA_ALLOWED:
        return redirect(url_for("accounts.two_factor"))
    return None


def init_security(app) -> None:
    app.before_request(_require_login)
    # One Talisman per app: it keeps its settings on the instance.
    Talisman(
        app,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        strict_transport_security=app.config["FORCE_HTTPS"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="same-origin",
        frame_options="DENY",
    )
