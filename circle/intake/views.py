"""Application pages for municipalities, and the intake pages for advisers."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from circle.cases import services as cases
from circle.database import utcnow
from circle.extensions import db
from circle.forms_util import ReasonForm, flash_form_errors, perform
from circle.groups import services as groups
from circle.groups.models import Group
from circle.intake import bp
from circle.intake import calendar as intake_calendar
from circle.intake import services as intake
from circle.intake.forms import ApplicationForm, DecisionForm, IntakeForm, PlacementForm
from circle.intake.models import Application, ApplicationEvent, ApplicationStatus
from circle.permissions import (
    can_apply,
    can_edit_application,
    can_reopen_application,
    can_review_application,
    can_review_applications,
    can_view_application,
    can_withdraw_application,
)
from circle.programmes.models import Programme
from circle.programmes.pages import groups_with_counts
from circle.timezones import local_to_utc, utc_to_local


def _application_data(form: ApplicationForm) -> intake.ApplicationData:
    return intake.ApplicationData(
        project_type=form.project_type.data,
        project_title=form.project_title.data,
        description=form.description.data,
        question=form.question.data,
        has_college_commitment=form.has_college_commitment.data,
        has_council_commitment=form.has_council_commitment.data,
        has_officials_commitment=form.has_officials_commitment.data,
        key=form.submission_key.data or None,
    )


def _load_application(application_id: int) -> Application:
    application = db.first_or_404(
        sa.select(Application)
        .where(Application.id == application_id)
        .options(
            joinedload(Application.organisation),
            joinedload(Application.applicant),
            joinedload(Application.programme),
            selectinload(Application.events).joinedload(ApplicationEvent.actor),
        )
    )
    if not can_view_application(current_user, application):
        abort(404)  # another organisation's application is nobody else's business
    return application


@bp.route("/programmes/<int:programme_id>/apply", methods=["GET", "POST"])
def apply(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    if not can_apply(current_user, programme):
        abort(403)
    existing = intake.open_application(programme, current_user.organisation_id)
    if existing is not None:
        flash(_("Your municipality has already applied for this programme."), "info")
        return redirect(url_for("intake.detail", application_id=existing.id))
    form = ApplicationForm()
    if form.validate_on_submit():
        done = perform(
            lambda: intake.apply_for_programme(
                programme, _application_data(form), by=current_user, now=utcnow()
            ),
            _(
                "Your application has been sent. An adviser will contact you "
                "for an intake."
            ),
            form=form,
        )
        if done:
            return redirect(url_for("intake.detail", application_id=done.result.id))
    return render_template(
        "intake/apply.html", form=form, programme=programme, application=None
    )


@bp.route("/applications/<int:application_id>")
def detail(application_id: int):
    application = _load_application(application_id)
    reviewer = can_review_application(current_user, application)
    context = {
        "application": application,
        "case": intake.case_for(application),
        "calendar_answers": intake_calendar.calendar_answers(application),
    }
    if reviewer:
        intake_form = IntakeForm()
        if application.intake_at and not intake_form.is_submitted():
            intake_form.intake_at.data = utc_to_local(application.intake_at).replace(
                tzinfo=None
            )
            intake_form.intake_notes.data = application.intake_notes
        context.update(
            intake_form=intake_form,
            decision_form=DecisionForm(),
            placement_form=_placement_form(context["case"]),
        )
    return render_template("intake/detail.html", **context)


def _placement_form(case) -> PlacementForm | None:
    if case is None:
        return None
    form = PlacementForm()
    options = groups_with_counts(case.programme_id)
    group_list = [group for group, _members in options]
    form.group.choices = [
        SelectChoice(
            group.id,
            _(
                "%(name)s (%(members)s of %(capacity)s)",
                name=group.name,
                members=members,
                capacity=group.capacity,
            ),
        )
        for group, members in options
    ]
    if not form.is_submitted():
        suggestion = case.group or groups.suggested_group(
            case.organisation.province, group_list
        )
        if suggestion is not None:
            form.group.data = suggestion.id
    return form


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
def edit(application_id: int):
    application = _load_application(application_id)
    if not can_edit_application(current_user, application):
        flash(intake.LOCKED_MESSAGE, "error")
        return redirect(url_for("intake.detail", application_id=application.id))
    form = ApplicationForm(obj=application)
    if form.validate_on_submit():
        done = perform(
            lambda: intake.update_application(
                application, _application_data(form), by=current_user, now=utcnow()
            ),
            _("Your application has been saved."),
            form=form,
        )
        if done:
            return redirect(url_for("intake.detail", application_id=application.id))
    return render_template(
        "intake/apply.html",
        form=form,
        programme=application.programme,
        application=application,
    )


@bp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
def withdraw(application_id: int):
    application = _load_application(application_id)
    if not can_withdraw_application(current_user, application):
        abort(403)
    perform(
        lambda: intake.withdraw_application(application, by=current_user, now=utcnow()),
        _("Your application has been withdrawn."),
    )
    return redirect(url_for("intake.detail", application_id=application.id))


@bp.route("/applications/<int:application_id>/reopen", methods=["POST"])
def reopen(application_id: int):
    application = _load_application(application_id)
    if not can_reopen_application(current_user, application):
        abort(403)
    form = ReasonForm()
    if form.validate_on_submit():
        perform(
            lambda: intake.reopen_application(
                application,
                reason=form.reason.data or "",
                by=current_user,
                now=utcnow(),
            ),
            _("The application is open again."),
        )
    else:
        flash_form_errors(form)
    return redirect(url_for("intake.detail", application_id=application.id))


def _reviewed_application(application_id: int) -> Application:
    application = _load_application(application_id)
    if not can_review_application(current_user, application):
        abort(403)
    return application


def _redirect_with_errors(form, application: Application):
    flash_form_errors(form)
    return redirect(url_for("intake.detail", application_id=application.id))


@bp.route("/applications/<int:application_id>/intake", methods=["POST"])
def plan_intake(application_id: int):
    application = _reviewed_application(application_id)
    form = IntakeForm()
    if not form.validate_on_submit():
        return _redirect_with_errors(form, application)
    perform(
        lambda: intake.plan_intake(
            application,
            intake_at=local_to_utc(form.intake_at.data),
            notes=form.intake_notes.data or "",
            by=current_user,
            now=utcnow(),
        ),
        _("The intake has been planned and the applicant informed."),
    )
    return redirect(url_for("intake.detail", application_id=application.id))


@bp.route("/applications/<int:application_id>/decide", methods=["POST"])
def decide(application_id: int):
    application = _reviewed_application(application_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _redirect_with_errors(form, application)
    perform(
        lambda: intake.decide_application(
            application,
            accept=form.decision.data == "accept",
            reason=form.reason.data or "",
            by=current_user,
            now=utcnow(),
        ),
        _("The decision has been recorded and the applicant informed."),
    )
    return redirect(url_for("intake.detail", application_id=application.id))


@bp.route("/applications/<int:application_id>/place", methods=["POST"])
def place(application_id: int):
    application = _reviewed_application(application_id)
    case = intake.case_for(application)
    if case is None:
        abort(404)
    form = _placement_form(case)
    if not form.validate_on_submit():
        return _redirect_with_errors(form, application)
    group = db.session.get(Group, form.group.data)
    perform(
        lambda: cases.place_case(case, group, by=current_user, now=utcnow()),
        _(
            "%(organisation)s has been placed in %(group)s.",
            organisation=case.organisation.name,
            group=group.name,
        ),
    )
    return redirect(url_for("intake.detail", application_id=application.id))


@bp.route("/programmes/<int:programme_id>/applications")
def review(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    if not can_review_applications(current_user, programme):
        abort(403)
    status = request.args.get("status") or None
    try:
        status = ApplicationStatus(status) if status else None
    except ValueError:
        status = None
    return render_template(
        "intake/review.html",
        programme=programme,
        applications=intake.list_applications(programme, status),
        status=status,
        statuses=list(ApplicationStatus),
    )
