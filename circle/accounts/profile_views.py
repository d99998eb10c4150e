"""The profile: details, password, signed-in browsers, two-factor login, the
personal data download and deleting the account."""

from flask import (
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from flask_login.config import COOKIE_NAME

from circle.accounts import bp, sessions, twofactor
from circle.accounts import services as accounts
from circle.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    DeleteAccountForm,
    ProfileForm,
    TwoFactorOffForm,
    TwoFactorSetupForm,
)
from circle.accounts.models import hash_token
from circle.accounts.views import sign_in
from circle.database import utcnow
from circle.forms_util import perform
from circle.meetings.feeds import feed_links
from circle.privacy import services as privacy


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.language.data = current_user.language or ""
    if form.validate_on_submit():
        done = perform(
            lambda: accounts.update_profile(
                current_user, name=form.name.data, language=form.language.data or None
            ),
            _("Your profile has been saved."),
            form=form,
        )
        if done:
            return redirect(url_for("accounts.profile"))
    return render_template(
        "accounts/profile.html",
        form=form,
        feed=feed_links(current_user) if current_user.is_verified else None,
        regenerate_form=ConfirmForm(),
        open_sessions=sessions.open_sessions(current_user),
        current_session_hash=hash_token(current_user.login_token),
    )


@bp.route("/profile/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit() and perform(
        lambda: sessions.change_password(
            current_user,
            current=form.current_password.data,
            new=form.password.data,
            now=utcnow(),
        ),
        _("Your password has been changed. Other devices have been logged out."),
        form=form,
    ):
        remembered = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in (
            request.cookies
        )
        sign_in(current_user._get_current_object(), remember=remembered)
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/profile/sessions/end-others", methods=["POST"])
def end_other_sessions():
    if ConfirmForm().validate_on_submit():
        keep = current_user.login_token
        perform(
            lambda: sessions.end_sessions(current_user, now=utcnow(), keep=keep),
            _("You have been logged out on every other device."),
        )
    return redirect(url_for("accounts.profile") + "#sessions")


@bp.route("/profile/two-factor", methods=["GET", "POST"])
def two_factor():
    if not current_user.is_staff:
        abort(404)
    if current_user.has_two_factor:
        return render_template(
            "accounts/two_factor.html",
            off_form=TwoFactorOffForm(),
            codes=session.pop("recovery_codes", None),
        )
    form = TwoFactorSetupForm()
    if form.validate_on_submit():
        done = perform(
            lambda: twofactor.confirm_setup(current_user, form.code.data, now=utcnow()),
            _("Two-factor login is on."),
            form=form,
        )
        if done:
            # Shown once, on the next page; only their digests are stored.
            session["recovery_codes"] = done.result
            return redirect(url_for("accounts.two_factor"))
    elif not current_user.totp_secret:
        perform(lambda: twofactor.begin_setup(current_user))
    return render_template(
        "accounts/two_factor.html",
        form=form,
        secret=current_user.totp_secret,
        qr_code=twofactor.qr_code_svg(current_user),
    )


@bp.route("/profile/two-factor/off", methods=["POST"])
def two_factor_off():
    form = TwoFactorOffForm()
    if form.validate_on_submit():
        perform(
            lambda: twofactor.turn_off(
                current_user, password=form.password.data, now=utcnow()
            ),
            _("Two-factor login is off."),
        )
    return redirect(url_for("accounts.two_factor"))


@bp.route("/profile/export.zip")
def export_data():
    archive = privacy.export_archive(current_user)
    return Response(
        archive,
        mimetype="application/zip",
        headers={"Content-Disposition": 'attachment; filename="circle-my-data.zip"'},
    )


@bp.route("/profile/delete", methods=["GET", "POST"])
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        done = perform(
            lambda: privacy.delete_account(
                current_user, password=form.password.data, now=utcnow()
            ),
            _("Your account has been deleted."),
            form=form,
        )
        if done:
            logout_user()
            return redirect(url_for("main.index"))
    return render_template("accounts/delete_account.html", form=form)
