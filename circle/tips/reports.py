"""The short report ("kort verslag") of a session.

Its advisers write it after the session; publishing tells the people who were
there (a notice, and a mail with an excerpt, the top tips and the links). It is
shown on the session page, on the programme's timeline, and in the public
bundle once published.
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from circle.accounts.models import User
from circle.errors import ServiceError
from circle.extensions import db
from circle.mail import mail_person
from circle.meetings.models import Meeting, Rsvp
from circle.notifications.models import NotificationKind
from circle.notifications.services import tell
from circle.permissions import can_write_report
from circle.threads import files
from circle.tips.models import (
    ReportAttachment,
    ReportStatus,
    SessionReport,
    Tip,
    TipStatus,
)
from circle.urls import external_url

EXCERPT_LENGTH = 400
TOP_TIPS = 5


def report_of(meeting: Meeting) -> SessionReport | None:
    return db.session.scalar(
        sa.select(SessionReport).where(SessionReport.meeting_id == meeting.id)
    )


def session_tips(meeting: Meeting, *, drafts: bool = False) -> list[Tip]:
    """The tips harvested from the session, best first."""
    query = sa.select(Tip).where(Tip.meeting_id == meeting.id)
    if not drafts:
        query = query.where(Tip.status != TipStatus.DRAFT)
    return list(db.session.scalars(query.order_by(Tip.score.desc(), Tip.id)))


def save_report(
    meeting: Meeting,
    body: str,
    *,
    by: User,
    now: datetime,
    uploads: list[files.Upload] = (),
) -> SessionReport:
    """Write or rewrite the report; `uploads` are added as attachments (slides),
    each checked by its content first, so a bad file changes nothing."""
    if not can_write_report(by, meeting):
        raise ServiceError(_l("You may not write the report of this session."))
    if meeting.starts_at > now:
        raise ServiceError(
            _l("The report can be written once the session has started.")
        )
    checked = [files.check_upload(upload) for upload in uploads]
    report = report_of(meeting)
    if report is None:
        report = SessionReport(meeting_id=meeting.id, created_at=now)
        db.session.add(report)
    for item in checked:
        report.attachments.append(
            ReportAttachment(
                filename=item.filename,
                content_type=item.content_type,
                size=len(item.content),
                storage_key=files.store(item.content),
                created_at=now,
            )
        )
    report.body = body
    report.author_id = by.id
    report.updated_at = now
    db.session.flush()
    return report


def attendees(meeting: Meeting) -> list[User]:
    """Who was there: recorded attendance, or else everyone who had a place."""
    rsvps = list(
        db.session.scalars(sa.select(Rsvp).where(Rsvp.meeting_id == meeting.id))
    )
    recorded = any(rsvp.attended is not None for rsvp in rsvps)
    return [
        rsvp.user for rsvp in rsvps if (rsvp.attended if recorded else rsvp.has_place)
    ]


def publish_report(report: SessionReport, *, by: User, now: datetime) -> int:
    """Publish and tell the attendees; returns how many were told."""
    meeting = db.session.get(Meeting, report.meeting_id)
    if not can_write_report(by, meeting):
        raise ServiceError(_l("You may not publish the report of this session."))
    if report.status == ReportStatus.PUBLISHED:
        raise ServiceError(_l("The report has already been published."))
    report.status = ReportStatus.PUBLISHED
    report.published_at = now
    tips = session_tips(meeting)[:TOP_TIPS]
    told = 0
    for person in attendees(meeting):
        notice = tell(
            person,
            NotificationKind.SESSION_REPORT,
            meeting=meeting,
            now=now,
            mail=_summary_mailer(meeting, report, tips),
        )
        told += notice is not None
    return told


def _summary_mailer(meeting: Meeting, report: SessionReport, tips: list[Tip]):
    def mail(notice) -> bool:
        excerpt = report.body.strip()
        if len(excerpt) > EXCERPT_LENGTH:
            excerpt = excerpt[:EXCERPT_LENGTH].rsplit(" ", 1)[0] + " …"
        return mail_person(
            notice.user,
            "session_report",
            subject=_l("Report: %(title)s", title=meeting.title),
            kind=NotificationKind.SESSION_REPORT,
            meeting=meeting,
            excerpt=excerpt,
            tips=tips,
            tip_url=lambda tip: external_url("tips.detail", tip_id=tip.id),
            link=external_url("meetings.detail", meeting_id=meeting.id) + "#report",
        )

    return mail
