"""Session pages: scheduling, answers, attendance and the lists of sessions.

The invite download and the calendar feeds are in `calendar_views`.
"""

from urllib.parse import urlencode

import sqlalchemy as sa
from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from circle.accounts.models import User
from circle.boards.forms import board_form
from circle.boards.services import meeting_boards
from circle.database import utcnow
from circle.extensions import db
from circle.forms_util import flash_form_errors, perform
from circle.groups.models import Group
from circle.meetings import answers, bp
from circle.meetings import services as meetings
from circle.meetings.forms import AddPersonForm, CancelForm, MeetingForm, RsvpForm
from circle.meetings.invites import invitees
from circle.meetings.listing import session_page
from circle.meetings.models import Answer, Meeting, Rsvp
from circle.permissions import (
    can_create_board,
    can_manage_meeting,
    can_rsvp,
    can_schedule_meetings,
    can_view_group_members,
    can_view_meeting,
    can_view_report,
    can_write_report,
)
from circle.programmes.models import Programme
from circle.programmes.services import list_advisers
from circle.timezones import local_to_utc, utc_to_local
from circle.tips import reports


def load_meeting(meeting_id: int) -> Meeting:
    """The session, if the current person may see it; else 404."""
    meeting = db.first_or_404(
        sa.select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(
            joinedload(Meeting.programme),
            joinedload(Meeting.group),
            selectinload(Meeting.hosts),
        )
    )
    if not can_view_meeting(current_user, meeting):
        abort(404)  # another group's session is not even known to exist
    return meeting


def _meeting_data(form: MeetingForm) -> meetings.MeetingData:
    return meetings.MeetingData(
        kind=form.kind.data,
        title=form.title.data,
        agenda=form.agenda.data or "",
        starts_at=local_to_utc(form.starts_at.data, field="starts_at"),
        ends_at=local_to_utc(form.ends_at.data, field="ends_at"),
        location=form.location.data or "",
        online_url=form.online_url.data or "",
        capacity=form.capacity.data,
        host_ids=form.host_ids.data or [],
    )


def _meeting_form(meeting: Meeting | None = None) -> MeetingForm:
    form = MeetingForm(obj=meeting)
    form.host_ids.choices = [
        SelectChoice(adviser.id, adviser.name) for adviser in list_advisers()
    ]
    if meeting is not None and not form.is_submitted():
        form.starts_at.data = utc_to_local(meeting.starts_at).replace(tzinfo=None)
        form.ends_at.data = utc_to_local(meeting.ends_at).replace(tzinfo=None)
        form.host_ids.data = [host.id for host in meeting.hosts]
    elif meeting is None and not form.is_submitted() and current_user.is_adviser:
        form.host_ids.data = [current_user.id]
    return form


def _save_new(programme: Programme, group: Group | None):
    if not can_schedule_meetings(current_user, programme, group):
        abort(403)
    form = _meeting_form()
    if form.validate_on_submit():
        done = perform(
            lambda: meetings.schedule_meeting(
                programme,
                group,
                _meeting_data(form),
                by=current_user,
                now=utcnow(),
                confirmed=form.confirm_outside.data,
            ),
            _("The session has been scheduled and everyone invited."),
            form=form,
        )
        if done:
            return redirect(url_for("meetings.detail", meeting_id=done.result.id))
    return render_template(
        "meetings/form.html", form=form, programme=programme, group=group, meeting=None
    )


@bp.route("/programmes/<int:programme_id>/sessions/new", methods=["GET", "POST"])
def create_for_programme(programme_id: int):
    return _save_new(db.get_or_404(Programme, programme_id), None)


@bp.route("/groups/<int:group_id>/sessions/new", methods=["GET", "POST"])
def create_for_group(group_id: int):
    group = db.get_or_404(Group, group_id)
    return _save_new(group.programme, group)


@bp.route("/sessions/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit(meeting_id: int):
    meeting = load_meeting(meeting_id)
    if not can_manage_meeting(current_user, meeting):
        abort(403)
    form = _meeting_form(meeting)
    if form.validate_on_submit():
        done = perform(
            lambda: meetings.update_meeting(
                meeting,
                _meeting_data(form),
                by=current_user,
                now=utcnow(),
                confirmed=form.confirm_outside.data,
            ),
            lambda changed: (
                _("The session has been changed and everyone sent an update.")
                if changed
                else _("The session has been saved.")
            ),
            form=form,
        )
        if done:
            return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return render_template(
        "meetings/form.html",
        form=form,
        programme=meeting.programme,
        group=meeting.group,
        meeting=meeting,
    )


@bp.route("/sessions/<int:meeting_id>/cancel", methods=["POST"])
def cancel(meeting_id: int):
    meeting = load_meeting(meeting_id)
    if not can_manage_meeting(current_user, meeting):
        abort(403)
    form = CancelForm()
    if form.validate_on_submit():
        perform(
            lambda: meetings.cancel_meeting(
                meeting, reason=form.reason.data or "", by=current_user, now=utcnow()
            ),
            _("The session has been cancelled and everyone informed."),
        )
    else:
        flash_form_errors(form)
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


def _calendar_links(meeting: Meeting) -> dict[str, str]:
    """Add-to-calendar links for Google and Outlook (they open the person's own app)."""
    start = meeting.starts_at.strftime("%Y%m%dT%H%M%SZ")
    end = meeting.ends_at.strftime("%Y%m%dT%H%M%SZ")
    page = url_for("meetings.detail", meeting_id=meeting.id, _external=True)
    details = "\n".join(filter(None, [meeting.online_url, page]))
    google = "https://calendar.google.com/calendar/render?" + urlencode(
        {
            "action": "TEMPLATE",
            "text": meeting.title,
            "dates": f"{start}/{end}",
            "details": details,
            "location": meeting.location or meeting.online_url,
        }
    )
    outlook = "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(
        {
            "subject": meeting.title,
            "startdt": meeting.starts_at.isoformat(),
            "enddt": meeting.ends_at.isoformat(),
            "body": details,
            "location": meeting.location or meeting.online_url,
            "path": "/calendar/action/compose",
            "rru": "addevent",
        }
    )
    return {"google": google, "outlook": outlook}


def _report_context(meeting: Meeting, manager: bool) -> dict:
    """The session's short report and its tips, as far as the person may see them."""
    report = reports.report_of(meeting)
    if report is not None and not can_view_report(current_user, report, meeting):
        report = None
    return {
        "report": report,
        "session_tips": reports.session_tips(meeting, drafts=manager),
        "can_write_report": can_write_report(current_user, meeting),
    }


@bp.route("/sessions/<int:meeting_id>")
def detail(meeting_id: int):
    meeting = load_meeting(meeting_id)
    manager = can_manage_meeting(current_user, meeting)
    rsvps = list(
        db.session.scalars(
            sa.select(Rsvp)
            .where(Rsvp.meeting_id == meeting.id)
            .options(joinedload(Rsvp.user).joinedload(User.organisation))
            .order_by(Rsvp.waitlisted_at.nulls_first(), Rsvp.created_at, Rsvp.id)
        )
    )
    own = next((rsvp for rsvp in rsvps if rsvp.user_id == current_user.id), None)
    going = [rsvp for rsvp in rsvps if rsvp.has_place]
    waiting = [rsvp for rsvp in rsvps if rsvp.is_waitlisted]
    rsvp_form = RsvpForm(obj=own)
    context = {
        "meeting": meeting,
        "own": own,
        "going": going,
        "waiting": waiting,
        "position": waiting.index(own) + 1 if own in waiting else None,
        "rsvp_form": rsvp_form,
        "cancel_form": CancelForm(),
        "is_open": not meeting.is_cancelled and meeting.starts_at > utcnow(),
        "has_started": meeting.starts_at <= utcnow(),
        "manager": manager,
        "calendar_links": _calendar_links(meeting),
        "boards": meeting_boards(meeting),
        "board_form": board_form(meeting.programme_id)
        if can_create_board(current_user, meeting)
        else None,
        **_report_context(meeting, manager),
    }
    if manager:
        answered = {rsvp.user_id for rsvp in rsvps}
        invited = invitees(meeting)
        add_form = AddPersonForm()
        add_form.user.choices = [
            SelectChoice(user.id, user.name)
            for user in invited
            if user.id not in answered
        ]
        attended = {rsvp.user_id for rsvp in rsvps if rsvp.attended}
        context.update(
            rsvps=rsvps, invited=invited, add_form=add_form, attended=attended
        )
    return render_template("meetings/detail.html", **context)


def _after_answer(meeting: Meeting):
    return redirect(url_for("meetings.detail", meeting_id=meeting.id) + "#rsvp")


@bp.route("/sessions/<int:meeting_id>/rsvp", methods=["POST"])
def rsvp(meeting_id: int):
    meeting = load_meeting(meeting_id)
    if not can_rsvp(current_user, meeting):
        abort(403)
    form = RsvpForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _after_answer(meeting)
    perform(
        lambda: answers.respond(
            meeting,
            current_user,
            Answer(form.response.data),
            note=form.note.data or "",
            now=utcnow(),
        ),
        _told_after_answering,
    )
    return _after_answer(meeting)


def _told_after_answering(answer: Rsvp) -> tuple[str, str]:
    """The flash message for one's own answer: the waitlist, a place, or saved."""
    if answer.is_waitlisted:
        return _("The session is full: you are on the waitlist."), "info"
    if answer.has_place:
        going = _("You are going. The invitation is on its way to your inbox.")
        return going, "success"
    return _("Your answer has been saved."), "success"


@bp.route("/sessions/<int:meeting_id>/withdraw", methods=["POST"])
def withdraw(meeting_id: int):
    meeting = load_meeting(meeting_id)
    perform(
        lambda: answers.withdraw(meeting, current_user, now=utcnow()),
        _("Your answer has been withdrawn."),
    )
    return _after_answer(meeting)


@bp.route("/sessions/<int:meeting_id>/add-person", methods=["POST"])
def add_person(meeting_id: int):
    meeting = load_meeting(meeting_id)
    if not can_manage_meeting(current_user, meeting):
        abort(403)
    form = AddPersonForm()
    form.user.choices = [SelectChoice(user.id, user.name) for user in invitees(meeting)]
    if not form.validate_on_submit():
        flash(_("Choose a person who is invited to this session."), "error")
        return _after_answer(meeting)
    person = db.session.get(User, form.user.data)

    def told(answer: Rsvp) -> tuple[str, str]:
        if not answer.is_waitlisted:
            return _("%(name)s is going.", name=person.name), "success"
        full = _("The session is full: %(name)s is on the waitlist.", name=person.name)
        return full, "info"

    perform(
        lambda: answers.respond(
            meeting, person, Answer.GOING, now=utcnow(), by=current_user
        ),
        told,
    )
    return _after_answer(meeting)


@bp.route("/sessions/<int:meeting_id>/attendance", methods=["POST"])
def attendance(meeting_id: int):
    meeting = load_meeting(meeting_id)
    if not can_manage_meeting(current_user, meeting):
        abort(403)
    try:
        present = {int(value) for value in request.form.getlist("attended")}
    except ValueError:
        abort(400)
    perform(
        lambda: meetings.record_attendance(
            meeting, present, by=current_user, now=utcnow()
        ),
        _("Attendance has been saved."),
    )
    return redirect(url_for("meetings.detail", meeting_id=meeting.id) + "#attendance")


@bp.route("/my/sessions")
def mine():
    now = utcnow()
    query = meetings.visible_meetings_query(current_user).where(Meeting.ends_at >= now)
    page = request.args.get("page", 1, type=int)
    pagination, answers = session_page(query, current_user, page=page, now=now)
    return render_template(
        "meetings/list.html",
        pagination=pagination,
        answers=answers,
        title=_("My sessions"),
        group=None,
    )


@bp.route("/groups/<int:group_id>/sessions")
def group_sessions(group_id: int):
    group = db.get_or_404(Group, group_id)
    if not can_view_group_members(current_user, group):
        abort(404)
    query = sa.select(Meeting).where(Meeting.group_id == group.id)
    page = request.args.get("page", 1, type=int)
    pagination, answers = session_page(query, current_user, page=page, now=utcnow())
    return render_template(
        "meetings/list.html",
        pagination=pagination,
        answers=answers,
        title=_("Sessions of %(group)s", group=group.name),
        group=group,
    )
