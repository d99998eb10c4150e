"""The calendar routes: one session's invite, the feeds, a new feed address.

Feeds are public endpoints: calendar apps send no cookies, so the secret token
in the URL is the credential (see docs/calendar.md).
"""

import hashlib

import sqlalchemy as sa
from flask import Response, abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from circle.database import utcnow
from circle.extensions import db
from circle.forms_util import perform
from circle.groups.models import Group
from circle.meetings import bp
from circle.meetings.answers import rsvp_of
from circle.meetings.feed_window import feed_etag, feed_meetings, feed_window
from circle.meetings.feeds import (
    calendar_token,
    regenerate_calendar_token,
    user_for_calendar_token,
)
from circle.meetings.ical import feed_to_ical, meeting_to_ical
from circle.meetings.models import Meeting
from circle.meetings.services import visible_meetings_query
from circle.meetings.views import load_meeting
from circle.permissions import can_view_group_members
from circle.security import public


def _ics_response(
    body: bytes, filename: str, *, etag: str | None = None, last_modified=None
) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    _validators(response, etag or hashlib.sha256(body).hexdigest(), last_modified)
    return response.make_conditional(request)


def _validators(response: Response, etag: str, last_modified) -> None:
    # A 304 carries the same caching headers as the 200 it stands for.
    response.headers["Cache-Control"] = "private, no-cache"
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified


@bp.route("/sessions/<int:meeting_id>/invite.ics")
def invite(meeting_id: int):
    meeting = load_meeting(meeting_id)
    own = rsvp_of(meeting, current_user)
    # Stamped now: never older than the last mail about the session, so a
    # calendar app takes it as the newest version (same SEQUENCE).
    body = meeting_to_ical(meeting, attendee=current_user, rsvp=own, dtstamp=utcnow())
    return _ics_response(body, f"circle-session-{meeting.id}.ics")


def _feed(query, name: str, filename: str, *, changed_at=None) -> Response:
    # The validator comes from one aggregate over the sessions' versions, so a
    # calendar app's hourly poll is answered with 304 before anything is built.
    now = utcnow()
    etag, last = feed_etag(query, name, now=now, changed_at=changed_at)
    if request.if_none_match.contains(etag):
        response = Response(status=304)
        _validators(response, etag, last)
        return response
    body = feed_to_ical(feed_meetings(feed_window(query, now=now)), name=name)
    return _ics_response(body, filename, etag=etag, last_modified=last)


@bp.route("/calendar/<token>.ics")
@public
def personal_feed(token: str):
    # Calendar apps send no cookies: the secret token is the only credential.
    user = user_for_calendar_token(token)
    if user is None:
        abort(404)
    return _feed(
        visible_meetings_query(user),
        f"Circle – {user.name}",
        "circle.ics",
        changed_at=user.calendar_changed_at,
    )


@bp.route("/groups/<int:group_id>/calendar.ics")
@public
def group_feed(group_id: int):
    group = db.get_or_404(Group, group_id)
    user = current_user if current_user.is_authenticated else None
    if user is None:
        user = user_for_calendar_token(request.args.get("token", ""))
    if user is None or not can_view_group_members(user, group):
        abort(404)
    query = sa.select(Meeting).where(Meeting.group_id == group.id)
    return _feed(query, f"Circle – {group.name}", "circle-group.ics")


@bp.route("/profile/calendar/regenerate", methods=["POST"])
def regenerate_token():
    had_one = calendar_token(current_user) is not None
    perform(
        lambda: regenerate_calendar_token(current_user),
        _("You have a new calendar link. The old link no longer works.")
        if had_one
        else _("Your calendar link is ready."),
    )
    return redirect(url_for("accounts.profile") + "#calendar")
