"""The page where colleagues and advisers answer requests to join an organisation."""

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from circle.accounts.models import Organisation, User
from circle.database import utcnow
from circle.extensions import db
from circle.forms_util import flash_form_errors, perform
from circle.moderation.services import ACTION_LABELS, organisation_log
from circle.organisations import bp
from circle.organisations import services as organisations
from circle.organisations.forms import DecisionForm
from circle.permissions import (
    can_decide_organisation,
    can_decide_organisation_member,
    can_view_organisation_requests,
)


@bp.route("/organisations/requests")
def requests():
    if not can_view_organisation_requests(current_user):
        abort(403)
    return render_template(
        "organisations/requests.html",
        people=organisations.pending_members_for(current_user),
        new_organisations=organisations.pending_organisations_for(current_user),
        log=organisation_log() if current_user.is_admin else [],
        audit_labels=ACTION_LABELS,
        form=DecisionForm(),
    )


def _decide(service, subject, approved_message: str, declined_message: str):
    """Approve or decline `subject` with the posted form, then back to the list."""
    form = DecisionForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("organisations.requests"))
    approve = bool(form.approve.data)
    perform(
        lambda: service(
            subject,
            approve=approve,
            reason=form.reason.data or "",
            by=current_user,
            now=utcnow(),
        ),
        approved_message if approve else declined_message,
    )
    return redirect(url_for("organisations.requests"))


@bp.route("/organisations/members/<int:user_id>/decide", methods=["POST"])
def decide_member(user_id: int):
    person = db.get_or_404(User, user_id)
    if not can_decide_organisation_member(current_user, person):
        abort(404)  # whether someone asked to join another organisation is private
    return _decide(
        organisations.decide_member,
        person,
        _(
            "%(name)s can now act for %(organisation)s.",
            name=person.name,
            organisation=person.organisation.name,
        ),
        _("The request of %(name)s was declined.", name=person.name),
    )


@bp.route("/organisations/<int:organisation_id>/decide", methods=["POST"])
def decide_organisation(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    if not can_decide_organisation(current_user, organisation):
        abort(403)
    return _decide(
        organisations.decide_organisation,
        organisation,
        _("%(name)s can now apply for programmes.", name=organisation.name),
        _("%(name)s was not approved.", name=organisation.name),
    )
