"""Applying with a concrete project, the intake, and the adviser's decision.

Every status change is written to the application's history and e-mailed to
the applicant after the transaction commits.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from circle.accounts.models import User
from circle.cases.models import Case
from circle.cases.services import index_case
from circle.database import take_write_lock
from circle.errors import ServiceError
from circle.extensions import db
from circle.intake import calendar as intake_calendar
from circle.intake.models import (
    OPEN_STATUSES,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    ProjectType,
)
from circle.mail import mail_person
from circle.permissions import (
    can_apply,
    can_edit_application,
    can_reopen_application,
    can_review_application,
    can_withdraw_application,
)
from circle.programmes.models import Programme
from circle.signals import taking_part_changes
from circle.timezones import utc_to_local
from circle.urls import external_url

LOCKED_MESSAGE = _l(
    "This application can no longer be changed: the intake has been planned."
)


@dataclass
class ApplicationData:
    project_type: str
    project_title: str
    description: str
    question: str
    has_college_commitment: bool
    has_council_commitment: bool
    has_officials_commitment: bool
    #: The form's submission key: sent twice, it returns the first application.
    key: str | None = None


def _project_type(value: str) -> ProjectType:
    try:
        return ProjectType(value)
    except ValueError:
        raise ServiceError(_l("Choose the kind of project."), "project_type") from None


def _fill(application: Application, data: ApplicationData) -> None:
    if not (
        data.has_college_commitment
        and data.has_council_commitment
        and data.has_officials_commitment
    ):
        raise ServiceError(
            _l(
                "The programme asks for the commitment of college, council and "
                "officials."
            )
        )
    application.project_type = _project_type(data.project_type)
    application.project_title = data.project_title
    application.description = data.description
    application.question = data.question
    application.has_college_commitment = data.has_college_commitment
    application.has_council_commitment = data.has_council_commitment
    application.has_officials_commitment = data.has_officials_commitment


def _record(
    application: Application,
    *,
    by: User | None,
    now: datetime,
    note: str = "",
    intake: str | None = None,
) -> None:
    """Write the current status into the history and tell the applicant.

    `intake` ("request" or "cancel") puts the intake invite or its
    cancellation in that mail, so the applicant gets one mail, not two.
    """
    application.updated_at = now
    application.events.append(
        ApplicationEvent(status=application.status, actor=by, note=note, created_at=now)
    )
    applicant = application.applicant
    if applicant is None:
        return
    mail_person(
        applicant,
        "application_status",
        subject=_l(
            "Your application for %(programme)s: %(status)s",
            programme=application.programme.name,
            status=application.status.label,
        ),
        application=application,
        note=note,
        link=external_url("intake.detail", application_id=application.id),
        **(
            intake_calendar.invite_parts(
                application, applicant, now=now, cancel=intake == "cancel"
            )
            if intake
            else {}
        ),
    )


def _call_off_intake(application: Application, *, now: datetime) -> str | None:
    """Before a decision or withdrawal: an intake still ahead is cancelled for
    the adviser here, and for the applicant in the status mail ("cancel")."""
    if not intake_calendar.intake_is_ahead(application, now):
        return None
    application.intake_sequence += 1
    adviser = application.intake_adviser
    if adviser is not None and adviser != application.applicant:
        intake_calendar.mail_intake(application, adviser, now=now, cancel=True)
    return "cancel"


def open_application(programme: Programme, organisation_id: int) -> Application | None:
    return db.session.scalar(
        sa.select(Application).where(
            Application.programme_id == programme.id,
            Application.organisation_id == organisation_id,
            Application.status.in_(OPEN_STATUSES),
        )
    )


def apply_for_programme(
    programme: Programme, data: ApplicationData, *, by: User, now: datetime
) -> Application:
    if not can_apply(by, programme):
        raise ServiceError(_l("Only civil servants of a municipality can apply."))
    if utc_to_local(now).date() > programme.ends_on:  # a Dutch calendar day
        raise ServiceError(_l("This programme has ended."))
    take_write_lock(db.session, Application)  # SQLite: one applicant at a time
    existing = open_application(programme, by.organisation_id)
    if existing is not None and data.key and existing.submission_key == data.key:
        return existing  # the same form sent again
    if existing is not None:
        raise ServiceError(
            _l("Your municipality has already applied for this programme.")
        )
    application = Application(
        programme=programme,
        organisation_id=by.organisation_id,
        applicant=by,
        created_at=now,
        submission_key=data.key,
    )
    _fill(application, data)
    application.set_status(ApplicationStatus.SUBMITTED)
    try:
        # The unique constraint settles two colleagues applying at the same moment.
        with db.session.begin_nested():
            db.session.add(application)
            db.session.flush()
    except IntegrityError:
        twin = open_application(programme, by.organisation_id)
        if twin is not None and data.key and twin.submission_key == data.key:
            return twin
        raise ServiceError(
            _l("Your municipality has already applied for this programme.")
        ) from None
    _record(application, by=by, now=now)
    return application


def update_application(
    application: Application, data: ApplicationData, *, by: User, now: datetime
) -> None:
    if not can_edit_application(by, application):
        raise ServiceError(LOCKED_MESSAGE)
    _fill(application, data)
    application.updated_at = now


def withdraw_application(application: Application, *, by: User, now: datetime) -> None:
    """The municipality withdraws; the programme's advisers are told."""
    if not can_withdraw_application(by, application):
        raise ServiceError(_l("This application can no longer be withdrawn."))
    intake = _call_off_intake(application, now=now)
    application.set_status(ApplicationStatus.WITHDRAWN)
    _record(application, by=by, now=now, intake=intake)
    for adviser in application.programme.advisers:
        mail_person(
            adviser,
            "application_withdrawn",
            subject=_l(
                "%(organisation)s withdrew its application",
                organisation=application.organisation.name,
            ),
            application=application,
            by=by,
            link=external_url("intake.detail", application_id=application.id),
        )


def reopen_application(
    application: Application, *, reason: str, by: User, now: datetime
) -> None:
    """An adviser takes a withdrawn application back into the intake."""
    if not can_reopen_application(by, application):
        raise ServiceError(_l("Only a withdrawn application can be reopened."))
    if open_application(application.programme, application.organisation_id):
        raise ServiceError(
            _l("This municipality has another open application for this programme.")
        )
    application.set_status(ApplicationStatus.SUBMITTED)
    try:
        # Two advisers reopening at once, or the municipality applying anew.
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise ServiceError(
            _l("This municipality has another open application for this programme.")
        ) from None
    _record(application, by=by, now=now, note=reason)


def plan_intake(
    application: Application,
    *,
    intake_at: datetime,
    notes: str,
    by: User,
    now: datetime,
) -> None:
    if not can_review_application(by, application):
        raise ServiceError(_l("You may not review this application."))
    if application.status not in (
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.INTAKE_PLANNED,
    ):
        raise ServiceError(_l("A decision has already been made on this application."))
    if intake_at < now:
        raise ServiceError(_l("The intake must be in the future."), "intake_at")
    planned = application.status == ApplicationStatus.INTAKE_PLANNED
    before = application.intake_adviser
    if planned and application.intake_at != intake_at:
        application.intake_sequence += 1  # moved: calendars replace their copy
    application.intake_at = intake_at
    application.intake_notes = notes
    application.intake_adviser = by if (by.is_adviser or by.is_admin) else before
    application.set_status(ApplicationStatus.INTAKE_PLANNED)
    db.session.flush()
    # The applicant's invite comes with the status mail; the adviser's apart.
    _record(application, by=by, now=now, note=notes, intake="request")
    adviser = application.intake_adviser
    if adviser is not None and adviser != application.applicant:
        intake_calendar.mail_intake(application, adviser, now=now, cancel=False)
    if (
        planned
        and before is not None
        and before not in (adviser, application.applicant)
    ):
        intake_calendar.mail_intake(application, before, now=now, cancel=True)


def decide_application(
    application: Application, *, accept: bool, reason: str, by: User, now: datetime
) -> Case | None:
    """Accept (the project becomes the organisation's case) or decline with a reason."""
    if not can_review_application(by, application):
        raise ServiceError(_l("You may not review this application."))
    if application.status not in (
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.INTAKE_PLANNED,
    ):
        raise ServiceError(_l("A decision has already been made on this application."))
    if not accept and not reason:
        raise ServiceError(_l("Give a reason when you decline."), "reason")
    application.decision_reason = reason
    # Decided before the intake took place: it is called off.
    intake = _call_off_intake(application, now=now)
    case = None
    if accept:
        # Its people now take part in the programme and its sessions.
        with taking_part_changes(application.organisation.members, now=now):
            application.set_status(ApplicationStatus.ACCEPTED)
        case = Case(
            programme=application.programme,
            organisation_id=application.organisation_id,
            application=application,
            project_type=application.project_type,
            title=application.project_title,
            description=application.description,
            question=application.question,
            created_at=now,
        )
        db.session.add(case)
        db.session.flush()
        index_case(case)
    else:
        application.set_status(ApplicationStatus.DECLINED)
    _record(application, by=by, now=now, note=reason, intake=intake)
    return case


def list_applications(
    programme: Programme, status: ApplicationStatus | None = None
) -> list[Application]:
    query = (
        sa.select(Application)
        .where(Application.programme_id == programme.id)
        .options(
            joinedload(Application.organisation), joinedload(Application.applicant)
        )
        .order_by(Application.created_at.desc(), Application.id.desc())
    )
    if status is not None:
        query = query.where(Application.status == status)
    return list(db.session.scalars(query))


def case_for(application: Application) -> Case | None:
    return db.session.scalar(
        sa.select(Case).where(Case.application_id == application.id)
    )
