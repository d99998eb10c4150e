"""Signing up, confirming the address, logging in (with a second factor) and out,
and setting a forgotten password."""

import time
from datetime import timedelta
from urllib.parse import unquote, urlsplit

from flask import (
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from circle.accounts import bp, sessions, twofactor
from circle.accounts import services as accounts
from circle.accounts.forms import (
    ConfirmForm,
    ForgotPasswordForm,
    LoginForm,
    RegistrationForm,
    ResetPasswordForm,
    SecondFactorForm,
)
from circle.accounts.models import OrganisationKind, Role, User
from circle.accounts.throttle import (
    account_limit,
    address_limit,
    failed,
    login_email,
    reset_limit,
    tell_owner_of_lock,
)
from circle.database import utcnow
from circle.errors import ServiceError
from circle.extensions import db, limiter, login_manager
from circle.forms_util import perform
from circle.organisations import services as organisations
from circle.security import anonymous_only, public

#: How long the password step of a two-step login stays valid.
SECOND_FACTOR_WINDOW = timedelta(minutes=5)


def welcome(user: User) -> str:
    return _("Welcome to Circle, %(name)s.", name=user.name)


@login_manager.user_loader
def load_user(token: str) -> User | None:
    return sessions.user_for_session(token)


def sign_in(user: User, *, remember: bool = False) -> None:
    """Start a LoginSession for `user` in this browser (one commit)."""
    perform(
        lambda: sessions.start_session(
            user, user_agent=request.user_agent.string, now=utcnow()
        )
    )
    login_user(user, remember=remember)


def safe_next(default: str) -> str:
    """`next` only when it is a path on this site: no host, no scheme, no tricks."""
    target = request.args.get("next", "")
    decoded = unquote(target)
    if (
        not target.startswith("/")
        or target.startswith("//")
        or any(char in decoded for char in "\\\t\r\n\x00")
        or decoded.startswith("//")
        or any(ord(char) < 32 for char in target)
    ):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


@bp.route("/register", methods=["GET", "POST"])
@anonymous_only
def register():
    form = RegistrationForm()
    if form.validate_on_submit():
        registration = accounts.Registration(
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            role=Role(form.role.data),
            organisation_name=form.organisation_name.data,
            organisation_kind=OrganisationKind(form.organisation_kind.data),
            province=form.province.data or None,
            language=str(get_locale()),
        )
        done = perform(
            lambda: accounts.register_user(registration, now=utcnow()), form=form
        )
        if done:
            # The same page whether the address was new or not (see the service).
            return redirect(url_for("accounts.check_inbox"))
    return render_template("accounts/register.html", form=form)


@bp.route("/register/sent")
@public
def check_inbox():
    return render_template("accounts/check_inbox.html")


@bp.route("/verify/<token>", methods=["GET", "POST"])
@public
def verify_email(token: str):
    """GET asks, POST confirms: mail scanners that open links change nothing."""
    try:
        person = accounts.user_for_verification(token)
    except ServiceError as error:
        return render_template("accounts/link_invalid.html", message=error.message), 410
    form = ConfirmForm()
    if form.validate_on_submit():
        done = perform(lambda: organisations.confirm_email(token, now=utcnow()))
        if done:
            if current_user.is_authenticated and current_user.id != person.id:
                logout_user()
            if not current_user.is_authenticated:
                sign_in(done.result)
            flash(_("Your e-mail address is confirmed."), "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/verify_email.html", form=form, person=person)


@bp.route("/verify", methods=["GET"])
def unverified():
    """Where an account without a confirmed address is sent (the login wall)."""
    if current_user.is_verified:
        return redirect(url_for("main.home"))
    return render_template("accounts/unverified.html", form=ConfirmForm())


@bp.route("/verify/resend", methods=["POST"])
@limiter.limit(reset_limit, methods=["POST"])
def resend_verification():
    if not current_user.is_verified:
        perform(
            lambda: accounts.send_verification(current_user),
            _("We have sent you a new link. Check your inbox."),
        )
    return redirect(url_for("accounts.unverified"))


@bp.route("/login", methods=["GET", "POST"])
@anonymous_only
@limiter.limit(address_limit, methods=["POST"], deduct_when=failed)
@limiter.limit(
    account_limit,
    key_func=login_email,
    methods=["POST"],
    deduct_when=failed,
    on_breach=tell_owner_of_lock,
)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = sessions.authenticate(form.email.data, form.password.data)
        if user is None:
            flash(_("The e-mail address or password is not correct."), "error")
        elif user.has_two_factor:
            session["second_factor"] = {
                "user": user.id,
                "remember": bool(form.remember.data),
                "until": time.time() + SECOND_FACTOR_WINDOW.total_seconds(),
            }
            return redirect(url_for("accounts.second_factor", next=safe_next("")))
        else:
            sign_in(user, remember=form.remember.data)
            return redirect(safe_next(url_for("main.home")))
    return render_template("accounts/login.html", form=form)


@bp.route("/login/code", methods=["GET", "POST"])
@anonymous_only
@limiter.limit(address_limit, methods=["POST"], deduct_when=failed)
def second_factor():
    pending = session.get("second_factor") or {}
    user = db.session.get(User, pending.get("user") or 0)
    if user is None or pending.get("until", 0) < time.time():
        session.pop("second_factor", None)
        flash(_("Please log in again."), "info")
        return redirect(url_for("accounts.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        done = perform(
            lambda: twofactor.check_login_code(user, form.code.data, now=utcnow()),
            form=form,
        )
        if done:
            session.pop("second_factor", None)
            sign_in(user, remember=pending.get("remember", False))
            return redirect(safe_next(url_for("main.home")))
    return render_template("accounts/second_factor.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    token = current_user.login_token
    perform(lambda: sessions.end_session(token, now=utcnow()))
    logout_user()
    flash(_("You have been logged out."), "success")
    return redirect(url_for("main.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@anonymous_only
@limiter.limit(reset_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        perform(
            lambda: sessions.request_password_reset(form.email.data, now=utcnow()),
            _(
                "If an account exists for %(email)s, we have sent it a link to set a "
                "new password. Check your inbox.",
                email=form.email.data,
            ),
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit(reset_limit, methods=["POST"])
def reset_password(token: str):
    try:
        sessions.find_password_reset(token, now=utcnow())
    except ServiceError as error:
        return render_template("accounts/link_invalid.html", message=error.message), 410
    form = ResetPasswordForm()
    if form.validate_on_submit() and perform(
        lambda: sessions.reset_password(token, form.password.data, now=utcnow()),
        _("Your password has been changed. You can log in now."),
        form=form,
    ):
        logout_user()
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)
