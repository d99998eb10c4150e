"""Account pages: register, log in and out, invitations, password, profile."""

import json

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from wtforms import SelectChoice

from circle.accounts import bp
from circle.accounts import services as accounts
from circle.accounts.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ConfirmForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    InvitationForm,
    LoginForm,
    ProfileForm,
    RegistrationForm,
    ResetPasswordForm,
)
from circle.accounts.models import Invitation, Role, User
from circle.database import utcnow
from circle.errors import ServiceError
from circle.extensions import db, limiter, login_manager
from circle.forms_util import perform
from circle.meetings.feeds import feed_links
from circle.permissions import (
    can_invite_people,
    can_revoke_invitation,
    invitable_roles,
)
from circle.security import anonymous_only, public


def _welcome(user: User) -> str:
    return _("Welcome to Circle, %(name)s.", name=user.name)


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    user = db.session.scalar(db.select(User).filter_by(session_token=session_token))
    return user if user is not None and user.is_active else None


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _reset_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


def _safe_next(default: str) -> str:
    """Only follow `next` to a path on this site, never to another host."""
    target = request.args.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def _organisation_choice(form) -> accounts.OrganisationChoice:
    return accounts.OrganisationChoice(
        organisation_id=form.organisation.data or None,
        new_name=form.new_organisation_name.data or None,
        new_kind=form.new_organisation_kind.data,
        new_province=form.new_organisation_province.data or None,
    )


@bp.route("/register", methods=["GET", "POST"])
@anonymous_only
def register():
    form = RegistrationForm()
    form.set_organisation_choices(accounts.list_organisations())
    if form.validate_on_submit():
        done = perform(
            lambda: accounts.register_user(
                name=form.name.data,
                email=form.email.data,
                password=form.password.data,
                role=Role(form.role.data),
                organisation=_organisation_choice(form),
                # The language the form was shown in: a visitor's own pick counts.
                language=str(get_locale()),
                now=utcnow(),
            ),
            _welcome,
            form=form,
        )
        if done:
            login_user(done.result)
            return redirect(url_for("main.home"))
    return render_template("accounts/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@anonymous_only
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        done = perform(
            lambda: accounts.authenticate(
                form.email.data, form.password.data, now=utcnow()
            )
        )
        if done.result is None:
            flash(_("The e-mail address or password is not correct."), "error")
        else:
            login_user(done.result, remember=form.remember.data)
            return redirect(_safe_next(url_for("main.home")))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("You have been logged out."), "success")
    return redirect(url_for("main.index"))


@bp.route("/invitations", methods=["GET", "POST"])
def invitations():
    if not can_invite_people(current_user):
        abort(403)
    form = InvitationForm()
    form.role.choices = [
        SelectChoice(role.value, role.label) for role in invitable_roles(current_user)
    ]
    form.set_organisation_choices(accounts.list_organisations(), allow_none=True)
    if request.method == "GET":
        form.role.data = Role.PARTICIPANT.value
    if form.validate_on_submit():
        done = perform(
            lambda: accounts.invite_person(
                email=form.email.data,
                role=Role(form.role.data),
                organisation=_organisation_choice(form),
                name=form.name.data,
                by=current_user,
                now=utcnow(),
            ),
            lambda invitation: _(
                "Invitation sent to %(email)s.", email=invitation.email
            ),
            form=form,
        )
        if done:
            return redirect(url_for("accounts.invitations"))
    return render_template(
        "accounts/invitations.html",
        form=form,
        invitations=accounts.visible_invitations(current_user),
        revoke_form=ConfirmForm(),
    )


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
def revoke_invitation(invitation_id: int):
    invitation = db.get_or_404(Invitation, invitation_id)
    if not can_revoke_invitation(current_user, invitation):
        abort(403)
    perform(
        lambda: accounts.revoke_invitation(invitation, by=current_user, now=utcnow()),
        _("The invitation for %(email)s was withdrawn.", email=invitation.email),
    )
    return redirect(url_for("accounts.invitations"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    if current_user.is_authenticated:
        logout_user()
    try:
        invitation = accounts.find_invitation(token, now=utcnow())
    except ServiceError as error:
        return render_template("accounts/link_invalid.html", message=error.message), 410
    form = AcceptInvitationForm()
    if request.method == "GET" and invitation.name:
        form.name.data = invitation.name
    if form.validate_on_submit():
        done = perform(
            lambda: accounts.accept_invitation(
                token, name=form.name.data, password=form.password.data, now=utcnow()
            ),
            _welcome,
            form=form,
        )
        if done:
            login_user(done.result)
            return redirect(url_for("main.home"))
    return render_template(
        "accounts/accept_invitation.html", form=form, invitation=invitation
    )


@bp.route("/password/forgot", methods=["GET", "POST"])
@anonymous_only
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        perform(
            lambda: accounts.request_password_reset(form.email.data, now=utcnow()),
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
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password(token: str):
    try:
        accounts.find_password_reset(token, now=utcnow())
    except ServiceError as error:
        return render_template("accounts/link_invalid.html", message=error.message), 410
    form = ResetPasswordForm()
    if form.validate_on_submit() and perform(
        lambda: accounts.reset_password(token, form.password.data, now=utcnow()),
        _("Your password has been changed. You can log in now."),
        form=form,
    ):
        logout_user()
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


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
        feed=feed_links(current_user),
        regenerate_form=ConfirmForm(),
    )


@bp.route("/profile/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        done = perform(
            lambda: accounts.change_password(
                current_user, current=form.current_password.data, new=form.password.data
            ),
            _("Your password has been changed."),
            form=form,
        )
        if done:
            # The session token changed: log in again so this device stays signed in.
            login_user(current_user._get_current_object())
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/profile/export.json")
def export_data():
    data = accounts.export_personal_data(current_user)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="circle-my-data.json"'},
    )


@bp.route("/profile/delete", methods=["GET", "POST"])
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        done = perform(
            lambda: accounts.delete_account(
                current_user, password=form.password.data, now=utcnow()
            ),
            _("Your account has been deleted."),
            form=form,
        )
        if done:
            logout_user()
            return redirect(url_for("main.index"))
    return render_template("accounts/delete_account.html", form=form)
