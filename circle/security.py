"""Login required by default, security headers and a strict Content-Security-Policy."""

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


def _require_login():
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "is_public", False) or current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


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
