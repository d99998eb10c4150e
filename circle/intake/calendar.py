"""The intake conversation as a calendar event for the applicant and the adviser.

Planning an intake mails both an invite (the applicant's comes with the mail
about the application's status); moving it raises the SEQUENCE and mails both
the update; a decision or withdrawal before it takes place cancels it for
both. The ORGANIZER is each person's own reply address (circle.itip), so an
answer from their calendar app is recorded (circle.meetings.replies calls
`answer_target`) and shown on the application.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from icalendar import Event, vCalAddress, vText

from circle.accounts.models import User
from circle.errors import ServiceError
from circle.extensions import db
from circle.intake.models import Application, ApplicationStatus
from circle.itip import calendar_for, reply_address, uid_domain
from circle.mail import Alternative, Attachment, mail_person
from circle.timezones import AMSTERDAM, utc_to_local
from circle.urls import external_url

UTF8 = "utf-8"
#: How long an intake conversation is in people's calendars.
INTAKE_LENGTH = timedelta(hours=1)


def intake_uid(application: Application) -> str:
    return f"intake-{application.id}@{uid_domain()}"


def intake_ends_at(application: Application) -> datetime:
    return application.intake_at + INTAKE_LENGTH


def intake_people(application: Application) -> list[User]:
    """Who the intake is for: the applicant and the adviser who planned it."""
    people = [application.applicant, application.intake_adviser]
    return [person for person in people if person is not None]


def intake_to_ical(
    application: Application, person: User, *, dtstamp: datetime, cancel: bool
) -> bytes:
    calendar = calendar_for("CANCEL" if cancel else "REQUEST")
    page = external_url("intake.detail", application_id=application.id)
    with force_locale(person.language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        summary = _(
            "Intake: %(organisation)s – %(programme)s",
            organisation=application.organisation.name,
            programme=application.programme.name,
        )
    event = Event()
    event.add("uid", intake_uid(application))
    event.add("dtstamp", dtstamp)
    event.add("sequence", application.intake_sequence)
    event.add("dtstart", utc_to_local(application.intake_at, AMSTERDAM))
    event.add("dtend", utc_to_local(intake_ends_at(application), AMSTERDAM))
    event.add("summary", summary)
    # The notes say where and how (the form asks for place, video link, who joins).
    parts = [application.project_title, application.intake_notes.strip(), page]
    event.add("description", "\n\n".join(part for part in parts if part))
    event.add("url", page)
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancel else "OPAQUE")
    organizer = vCalAddress(
        f"mailto:{reply_address(application.id, person.id, kind='intake')}"
    )
    adviser = application.intake_adviser
    organizer.params["cn"] = vText(adviser.name if adviser else "Circle")
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{person.email}")
    attendee.params["cn"] = vText(person.name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("NEEDS-ACTION")
    attendee.params["rsvp"] = vText("FALSE" if cancel else "TRUE")
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical()


def invite_parts(
    application: Application, person: User, *, now: datetime, cancel: bool
) -> dict:
    """The calendar part and .ics file for a mail to `person`."""
    ics = intake_to_ical(application, person, dtstamp=now, cancel=cancel)
    method = "CANCEL" if cancel else "REQUEST"
    return {
        "alternatives": [
            Alternative(
                ics.decode(), "calendar", {"method": method, "charset": "utf-8"}
            )
        ],
        "attachments": [
            Attachment("intake.ics", ics, "application", "ics", {"method": method})
        ],
    }


def mail_intake(
    application: Application, person: User, *, now: datetime, cancel: bool
) -> None:
    """The intake invite, its update or its cancellation, for one person."""
    if cancel:
        subject = _l(
            "Intake cancelled: %(organisation)s",
            organisation=application.organisation.name,
        )
    else:
        subject = _l(
            "Intake: %(organisation)s", organisation=application.organisation.name
        )
    mail_person(
        person,
        "intake_invitation",
        subject=subject,
        application=application,
        cancelled=cancel,
        ends_at=intake_ends_at(application),
        link=external_url("intake.detail", application_id=application.id),
        **invite_parts(application, person, now=now, cancel=cancel),
    )


def intake_is_ahead(application: Application, now: datetime) -> bool:
    return (
        application.status == ApplicationStatus.INTAKE_PLANNED
        and application.intake_at is not None
        and application.intake_at > now
    )


# -- answers from calendar apps ------


@dataclass
class IntakeAnswerTarget:
    """What circle.meetings.replies needs to check and record an intake answer."""

    application: Application
    uid: str
    sequence: int
    closed: bool

    def mark(self, record) -> None:
        record.application_id = self.application.id

    def apply(self, user: User, partstat: str, note: str, now: datetime) -> None:
        """Nothing changes: the recorded answer is shown on the application."""
        if user not in intake_people(self.application):
            raise ServiceError(_l("This intake is not for you."))


def answer_target(application_id: int, *, now: datetime) -> IntakeAnswerTarget | None:
    application = db.session.get(Application, application_id)
    if application is None or application.intake_at is None:
        return None
    return IntakeAnswerTarget(
        application=application,
        uid=intake_uid(application),
        sequence=application.intake_sequence,
        closed=not intake_is_ahead(application, now),
    )


ANSWER_LABELS = {
    "ACCEPTED": _l("accepted"),
    "TENTATIVE": _l("tentatively accepted"),
    "DECLINED": _l("declined"),
}


def calendar_answers(application: Application) -> list[tuple[User, str]]:
    """Each intake person's latest answer from their calendar app to the
    current version of the intake. (Read by table name: the record belongs to
    circle.meetings, which imports this package.)"""
    if application.intake_at is None:
        return []
    replies = db.metadata.tables["calendar_replies"]
    rows = db.session.execute(
        sa.select(replies.c.user_id, replies.c.partstat)
        .where(
            replies.c.application_id == application.id,
            replies.c.outcome == "applied",
            replies.c.sequence == application.intake_sequence,
        )
        .order_by(replies.c.id)
    ).all()
    latest = dict(rows)
    return [
        (person, str(ANSWER_LABELS[latest[person.id]]))
        for person in intake_people(application)
        if latest.get(person.id) in ANSWER_LABELS
    ]
