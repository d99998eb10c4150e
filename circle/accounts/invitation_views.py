"""Invitations: staff send them, the invited person accepts with the mailed link."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from wtforms import SelectChoice

from circle.accounts import bp
from circle.accounts import invitations as invites
from circle.accounts import services as accounts
from circle.accounts.forms import AcceptInvitationForm, ConfirmForm, InvitationForm
from circle.accounts.models import Invitation, Role
from circle.accounts.views import sign_in, welcome
from circle.database import utcnow
from circle.errors import ServiceError
from circle.extensions import db
from circle.forms_util import perform
from circle.permissions import (
    can_invite_people,
    can_revoke_invitation,
    invitable_roles,
)
from circle.security import public


def _organisation_choice(form) -> accounts.OrganisationChoice:
    return accounts.OrganisationChoice(
        organisation_id=form.organisation.data or None,
        new_name=form.new_organisation_name.data or None,
        new_kind=form.new_organisation_kind.data,
        new_province=form.new_organisation_province.data or None,
    )


@bp.route("/invitations", methods=["GET", "POST"])
def invitations():
    if not can_invite_people(current_user):
        abort(403)
    form = InvitationForm()
    form.role.choices = [
        SelectChoice(role.value, role.label) for role in invitable_roles(current_user)
    ]
    # Staff may see which organisations take part; visitors never do.
    form.set_organisation_choices(accounts.list_organisations(), allow_none=True)
    if request.method == "GET":
        form.role.data = Role.PARTICIPANT.value
    if form.validate_on_submit():
        done = perform(
            lambda: invites.invite_person(
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
        invitations=invites.visible_invitations(current_user),
        revoke_form=ConfirmForm(),
    )


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
def revoke_invitation(invitation_id: int):
    invitation = db.get_or_404(Invitation, invitation_id)
    if not can_revoke_invitation(current_user, invitation):
        abort(403)
    perform(
        lambda: invites.revoke_invitation(invitation, by=current_user, now=utcnow()),
        _("The invitation for %(email)s was withdrawn.", email=invitation.email),
    )
    return redirect(url_for("accounts.invitations"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    try:
        invitation = invites.find_invitation(token, now=utcnow())
    except ServiceError as error:
        return render_template("accounts/link_invalid.html", message=error.message), 410
    if current_user.is_authenticated:
        # Opening a link must not log anyone out: ask first (a POST does it).
        return render_template(
            "accounts/invitation_signed_in.html",
            invitation=invitation,
            token=token,
            form=ConfirmForm(),
        )
    form = AcceptInvitationForm()
    if request.method == "GET" and invitation.name:
        form.name.data = invitation.name
    if form.validate_on_submit():
        done = perform(
            lambda: invites.accept_invitation(
                token, name=form.name.data, password=form.password.data, now=utcnow()
            ),
            welcome,
            form=form,
        )
        if done:
            sign_in(done.result)
            return redirect(url_for("main.home"))
    return render_template(
        "accounts/accept_invitation.html", form=form, invitation=invitation
    )


@bp.route("/invite/<token>/switch", methods=["POST"])
@public
def switch_to_invitation(token: str):
    """Log out of this account to accept an invitation for another one."""
    if ConfirmForm().validate_on_submit() and current_user.is_authenticated:
        from circle.accounts import sessions

        token_of_session = current_user.login_token
        perform(lambda: sessions.end_session(token_of_session, now=utcnow()))
        logout_user()
        flash(_("You have been logged out."), "success")
    return redirect(url_for("accounts.accept_invitation", token=token))
