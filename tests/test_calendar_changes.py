"""Every change reaches every calendar (#12): one test per defect found.

Membership changes mail invites and cancellations, a place given up frees the
calendar slot, the waitlist is never ACCEPTED, downloads match the last mail,
reminders do not repeat an update, feeds never go back in time, and names,
titles and subjects with awkward characters survive every parser.
"""

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import icalendar
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circle.database import utcnow
from circle.groups import services as groups
from circle.intake import services as intake
from circle.intake.models import ApplicationStatus
from circle.mail import build_message
from circle.meetings import answers
from circle.meetings import services as meetings
from circle.meetings.ical import meeting_to_ical
from circle.meetings.models import Answer, ReplyOutcome
from circle.meetings.reminders import send_reminders
from circle.meetings.replies import receive
from tests import factories
from tests.calendar_clients import invite_facts, reply_mail
from tests.conftest import PASSWORD, calendar_parts
from tests.test_calendar import feed_path, ical_js, icalendar_events, vobject_events


def to(message) -> str:
    return message["To"].addresses[0].addr_spec


def mails_to(outbox, person) -> list:
    return [m for m in outbox if to(m) == person.email]


def calendars(message) -> list[icalendar.Calendar]:
    """Every calendar in a mail: the inline part, else each attached file."""
    inline, attached = calendar_parts(message)
    parts = inline or attached
    return [
        icalendar.Calendar.from_ical(part.get_payload(decode=True)) for part in parts
    ]


def event(calendar):
    return calendar.walk("VEVENT")[0]


def _data(meeting, **changes) -> meetings.MeetingData:
    values = dict(
        kind=meeting.kind.value,
        title=meeting.title,
        agenda=meeting.agenda,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        location=meeting.location,
        online_url=meeting.online_url,
        capacity=meeting.capacity,
        host_ids=[host.id for host in meeting.hosts],
    )
    values.update(changes)
    return meetings.MeetingData(**values)


# -- membership changes ------


@pytest.fixture
def planned(db, programme, group, adviser):
    """Two sessions ahead, one cancelled and one over, in the group."""
    ahead = [
        factories.meeting(programme, group, by=adviser, title=title, capacity=1)
        for title in ("Eerste", "Tweede")
    ]
    cancelled = factories.meeting(programme, group, by=adviser, title="Afgezegd")
    meetings.cancel_meeting(cancelled, reason="", by=adviser, now=utcnow())
    past = factories.meeting(
        programme,
        group,
        by=adviser,
        title="Geweest",
        starts_at=utcnow() + timedelta(hours=1),
        now=utcnow(),
    )
    past.starts_at = utcnow() - timedelta(days=2)
    past.ends_at = past.starts_at + timedelta(hours=2)
    db.session.commit()
    return ahead


def test_a_removed_member_gets_a_cancel_for_each_session_ahead(
    app, client, db, group, adviser, two_members, planned, outbox, login
):
    removed, waiting = two_members
    answers.respond(planned[0], removed, Answer.GOING, now=utcnow())
    answers.respond(planned[0], waiting, Answer.GOING, now=utcnow())
    db.session.commit()
    feed = feed_path(app, removed)
    before = app.test_client().get(feed)
    assert len(icalendar_events(before.data)) == 4
    outbox.clear()
    membership = groups.membership_of(group, removed)
    groups.remove_member(membership, reason="Vertrokken", by=adviser, now=utcnow())
    db.session.commit()
    cancels = [m for m in mails_to(outbox, removed) if "Niet meer" in m["Subject"]]
    assert sorted(str(event(c[0])["SUMMARY"]) for c in map(calendars, cancels)) == [
        "Eerste",
        "Tweede",
    ]
    for message in cancels:
        (calendar,) = calendars(message)
        assert calendar["METHOD"] == "CANCEL"
        assert str(event(calendar)["STATUS"]) == "CANCELLED"
        assert str(event(calendar)["ATTENDEE"]) == f"mailto:{removed.email}"
    # Their place went to the next in line, who was told.
    assert answers.rsvp_of(planned[0], waiting).has_place
    assert any("plaats" in m["Subject"] for m in mails_to(outbox, waiting))
    # Their feed drops the group's sessions, and its Last-Modified does not go back.
    after = app.test_client().get(feed)
    assert icalendar_events(after.data) == []
    assert parsedate_to_datetime(
        after.headers["Last-Modified"]
    ) >= parsedate_to_datetime(before.headers["Last-Modified"])
    assert after.headers["ETag"] != before.headers["ETag"]


def test_leaving_a_group_cancels_its_sessions_ahead(
    client, db, group, two_members, planned, outbox, login
):
    leaving = two_members[0]
    login(leaving)
    outbox.clear()
    client.post_form(f"/groups/{group.id}/leave")
    subjects = sorted(m["Subject"] for m in mails_to(outbox, leaving))
    assert subjects == [
        "Niet meer uitgenodigd: Eerste",
        "Niet meer uitgenodigd: Tweede",
    ]


def test_a_member_approved_into_a_group_gets_the_sessions_already_planned(
    db, group, adviser, planned, outbox
):
    newcomer = factories.user(name="Nieuw Lid")
    db.session.commit()
    request = groups.request_to_join(group, newcomer, message="", now=utcnow())
    db.session.commit()
    outbox.clear()
    groups.approve_request(request, by=adviser, now=utcnow())
    db.session.commit()
    (listing,) = [
        m for m in mails_to(outbox, newcomer) if "Uitnodigingen" in m["Subject"]
    ]
    assert listing["Subject"] == "Uitnodigingen: 2 bijeenkomsten"
    text = listing.get_body(("plain",)).get_content()
    assert "Eerste" in text and "Tweede" in text and "Afgezegd" not in text
    _, attached = calendar_parts(listing)
    files = [
        icalendar.Calendar.from_ical(part.get_payload(decode=True)) for part in attached
    ]
    assert [str(c["METHOD"]) for c in files] == ["REQUEST", "REQUEST"]
    assert sorted(str(event(c)["SUMMARY"]) for c in files) == ["Eerste", "Tweede"]
    assert {str(event(c)["ATTENDEE"]) for c in files} == {f"mailto:{newcomer.email}"}


def test_a_municipality_placed_in_a_group_gets_its_sessions(
    db, programme, adviser, admin, planned, outbox
):
    municipality = factories.organisation("Gemeente Venlo")
    person = factories.user(name="Sandra Hendriks", organisation=municipality)
    factories.application(programme, municipality, status=ApplicationStatus.ACCEPTED)
    other = factories.group(
        programme, by=admin, name="Leerkring Noord", advisers=[adviser]
    )
    session = factories.meeting(programme, other, by=adviser, title="Noordelijk")
    db.session.commit()
    outbox.clear()
    groups.place_organisation(other, municipality.id, by=adviser, now=utcnow())
    db.session.commit()
    (invite,) = [m for m in mails_to(outbox, person) if "Uitnodiging" in m["Subject"]]
    assert invite["Subject"] == f"Uitnodiging: {session.title}"
    (calendar,) = calendars(invite)  # one session: an ordinary invite
    assert calendar["METHOD"] == "REQUEST"


def test_deleting_the_account_cancels_its_sessions_ahead(
    client, db, two_members, planned, outbox, login
):
    leaving = two_members[0]
    address = leaving.email
    login(leaving)
    outbox.clear()
    client.post_form("/profile/delete", {"password": PASSWORD, "confirm": "y"})
    cancels = [m for m in outbox if to(m) == address]
    assert len(cancels) == 2
    assert all(calendars(m)[0]["METHOD"] == "CANCEL" for m in cancels)


# -- answers and the waitlist ------


def test_not_going_after_going_frees_the_slot_in_the_calendar(
    client, db, group, two_members, planned, outbox, login
):
    person = two_members[0]
    login(person)
    client.post_form(f"/sessions/{planned[1].id}/rsvp", {"response": "going"})
    outbox.clear()
    client.post_form(f"/sessions/{planned[1].id}/rsvp", {"response": "not_going"})
    (message,) = mails_to(outbox, person)
    (calendar,) = calendars(message)
    assert calendar["METHOD"] == "CANCEL"
    attendee = event(calendar)["ATTENDEE"]
    assert attendee.params["PARTSTAT"] == "DECLINED"
    assert str(event(calendar)["TRANSP"]) == "TRANSPARENT"


def test_the_waitlist_is_never_accepted_and_gets_a_request_when_promoted(
    app, client, db, adviser, two_members, planned, outbox, login
):
    going, waiting = two_members
    session = planned[0]
    answers.respond(session, going, Answer.GOING, now=utcnow())
    answers.respond(session, waiting, Answer.GOING, now=utcnow())
    db.session.commit()
    (told,) = mails_to(outbox, waiting)[-1:]
    assert told["Subject"] == f"Op de wachtlijst: {session.title}"
    tentative = event(calendars(told)[0])
    assert tentative["ATTENDEE"].params["PARTSTAT"] == "TENTATIVE"
    assert "wachtlijst (nummer 1)" in str(tentative["DESCRIPTION"])
    # A move mails everyone; the one waiting is still not ACCEPTED.
    outbox.clear()
    meetings.update_meeting(
        session, _data(session, location="Raadzaal"), by=adviser, now=utcnow()
    )
    db.session.commit()
    (update,) = mails_to(outbox, waiting)
    assert event(calendars(update)[0])["ATTENDEE"].params["PARTSTAT"] == "TENTATIVE"
    # The download says the same.
    login(waiting)
    download = icalendar.Calendar.from_ical(
        client.get(f"/sessions/{session.id}/invite.ics").data
    )
    assert event(download)["ATTENDEE"].params["PARTSTAT"] == "TENTATIVE"
    # Promoted: a REQUEST that says ACCEPTED.
    outbox.clear()
    answers.respond(session, going, Answer.NOT_GOING, now=utcnow())
    db.session.commit()
    (promoted,) = mails_to(outbox, waiting)
    (calendar,) = calendars(promoted)
    assert calendar["METHOD"] == "REQUEST"
    assert event(calendar)["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"


def test_a_downloaded_invite_matches_the_last_mail(
    client, db, adviser, two_members, planned, outbox, login
):
    person = two_members[0]
    session = planned[1]
    meetings.update_meeting(
        session, _data(session, location="Raadzaal"), by=adviser, now=utcnow()
    )
    db.session.commit()
    mailed = event(calendars(mails_to(outbox, person)[-1])[0])
    login(person)
    downloaded = event(
        icalendar.Calendar.from_ical(
            client.get(f"/sessions/{session.id}/invite.ics").data
        )
    )
    assert downloaded["SEQUENCE"] == mailed["SEQUENCE"] == 1
    assert downloaded.decoded("DTSTAMP") >= mailed.decoded("DTSTAMP")


def test_a_move_is_mailed_once_even_to_whoever_it_gives_a_place(
    db, adviser, two_members, planned, outbox
):
    going, waiting = two_members
    session = planned[0]
    answered = utcnow() - timedelta(days=3)
    answers.respond(session, going, Answer.GOING, now=answered)
    answers.respond(session, waiting, Answer.GOING, now=answered)
    db.session.commit()
    outbox.clear()
    # The adviser moves the session and makes room for one more at once.
    meetings.update_meeting(
        session,
        _data(session, location="Raadzaal", capacity=2),
        by=adviser,
        now=utcnow(),
    )
    db.session.commit()
    assert [m["Subject"] for m in mails_to(outbox, waiting)] == [
        f"Je hebt een plaats: {session.title}"
    ]
    assert event(calendars(mails_to(outbox, waiting)[0])[0])["SEQUENCE"] == 1


def test_reminders_after_a_move_do_not_mail_the_update_again(
    db, programme, group, adviser, two_members, outbox
):
    soon = utcnow() + timedelta(days=5)
    session = factories.meeting(programme, group, by=adviser, starts_at=soon)
    for person in two_members:
        answers.respond(session, person, Answer.GOING, now=utcnow())
    db.session.commit()
    # Moved to tomorrow: inside the reminder window, before any reminder.
    tomorrow = utcnow() + timedelta(hours=26)
    meetings.update_meeting(
        session,
        _data(session, starts_at=tomorrow, ends_at=tomorrow + timedelta(hours=2)),
        by=adviser,
        now=utcnow(),
    )
    db.session.commit()
    outbox.clear()
    assert send_reminders(now=utcnow()) == {"reminders": 0, "changes": 0}
    assert outbox == []


# -- feeds ------


def test_a_304_keeps_the_caching_headers(app, db, two_members, planned):
    path = feed_path(app, two_members[0])
    client = app.test_client()
    first = client.get(path)
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    assert again.headers["ETag"] == first.headers["ETag"]
    # (Last-Modified is representation metadata a 304 leaves out, RFC 9110 15.4.5.)


def test_cancelled_sessions_in_feeds_are_transparent(app, db, two_members, planned):
    calendar = icalendar.Calendar.from_ical(
        app.test_client().get(feed_path(app, two_members[0])).data
    )
    transp = {str(e["SUMMARY"]): str(e["TRANSP"]) for e in calendar.walk("VEVENT")}
    assert transp["Afgezegd"] == "TRANSPARENT" and transp["Eerste"] == "OPAQUE"


def test_last_modified_follows_a_session_leaving_the_window(
    app, db, programme, group, adviser, two_members
):
    """The newest change was to a session that has now dropped out of the feed."""
    old = factories.meeting(programme, group, by=adviser, title="Lang geleden")
    factories.meeting(programme, group, by=adviser, title="Vooruit")
    db.session.commit()
    db.session.execute(
        sa.update(type(old))
        .where(type(old).id != old.id)
        .values(updated_at=datetime(2020, 1, 1, tzinfo=UTC))
    )
    old.starts_at = utcnow() - timedelta(days=200)
    old.ends_at = old.starts_at + timedelta(hours=2)
    old.updated_at = utcnow() - timedelta(days=150)  # after it ended, before now
    db.session.commit()
    response = app.test_client().get(feed_path(app, two_members[0]))
    assert [
        str(e["SUMMARY"])
        for e in icalendar.Calendar.from_ical(response.data).walk("VEVENT")
    ] == ["Vooruit"]
    left_window = old.ends_at + timedelta(days=92)
    assert parsedate_to_datetime(
        response.headers["Last-Modified"]
    ) >= left_window.replace(microsecond=0)


# -- text ------


def test_a_quote_in_a_name_reaches_every_parser_as_a_quote(
    tmp_path, db, programme, group, adviser
):
    person = factories.user(name='Jan "Joop" de Vries, wethouder')
    factories.membership(group, person)
    session = factories.meeting(programme, group, by=adviser)
    body = meeting_to_ical(session, attendee=person)
    # Quoted (the comma), and the quote itself as RFC 6868 ^' only.
    assert "CN=\"Jan ^'Joop^' de Vries, wethouder\"" in body.decode().replace(
        "\r\n ", ""
    )
    attendee = event(icalendar.Calendar.from_ical(body))["ATTENDEE"]
    assert attendee.params["CN"] == person.name
    parsed = ical_js(body, tmp_path)
    assert parsed["events"][0]["attendees"][0]["cn"] == person.name


@pytest.mark.parametrize(
    "title", ["Tips\u2028en vragen", "Tips\nen vragen", "Tips\r\nen\u2029vragen"]
)
def test_a_line_break_in_a_title_never_breaks_a_mail_or_invite(
    tmp_path, db, programme, group, adviser, two_members, outbox, title
):
    session = factories.meeting(programme, group, by=adviser, title=title)
    db.session.commit()
    message = mails_to(outbox, two_members[0])[-1]
    assert message["Subject"] == "Uitnodiging: Tips en vragen"
    body = calendar_parts(message)[0][0].get_payload(decode=True)
    assert icalendar_events(body)[0]["uid"] == f"meeting-{session.id}@localhost"
    assert icalendar_events(body) == vobject_events(body)
    assert (
        ical_js(body, tmp_path)["events"][0]["uid"] == f"meeting-{session.id}@localhost"
    )


# The app is only read (a config for building mails), never changed.
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.sampled_from(
            [
                "Uitnodiging:",
                "bijeenkomst",
                "‘Wonen’",
                "€",
                "ééé",
                "Súdwest-Fryslân",
                "—",
                "werkgroep",
                "日本語",
                "x" * 30,
                "–",
                "zorg",
                "ölçü",
            ]
        ),
        min_size=3,
        max_size=25,
    )
)
def test_long_non_ascii_subjects_have_no_empty_encoded_words(app, words):
    subject = " ".join(words)
    with app.app_context():
        raw = build_message("a@example.org", subject, "tekst").as_bytes()
    header = raw.split(b"\n\n")[0].decode()
    assert not re.search(r"=\?utf-8\?[qb]\?\?=", header, re.I)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"].strip() == subject


def test_mail_shows_the_end_date_of_a_session_past_midnight(
    db, programme, group, adviser, two_members, outbox
):
    starts = datetime(2098, 6, 3, 20, 0, tzinfo=UTC)  # 22:00 in Amsterdam
    factories.meeting(
        programme,
        group,
        by=adviser,
        starts_at=starts,
        ends_at=starts + timedelta(hours=4),
    )
    db.session.commit()
    text = mails_to(outbox, two_members[0])[-1].get_body(("plain",)).get_content()
    assert "dinsdag 3 juni 2098, 22:00 – woensdag 4 juni 2098, 02:00" in text


# -- the intake conversation ------


@pytest.fixture
def application(db, programme, participant):
    record = factories.application(
        programme, participant.organisation, applicant=participant
    )
    db.session.commit()
    return record


def plan(db, application, adviser, when: datetime):
    intake.plan_intake(
        application, intake_at=when, notes="Raadzaal", by=adviser, now=utcnow()
    )
    db.session.commit()


def test_planning_moving_and_calling_off_an_intake_reaches_both_calendars(
    app, client, db, application, participant, adviser, outbox, login
):
    first = datetime(2098, 7, 1, 8, 0, tzinfo=UTC)
    plan(db, application, adviser, first)
    invites = {to(m): calendars(m)[0] for m in outbox if calendar_parts(m)[0]}
    assert set(invites) == {participant.email, adviser.email}
    for calendar in invites.values():
        assert calendar["METHOD"] == "REQUEST"
        planned = event(calendar)
        assert str(planned["UID"]) == f"intake-{application.id}@localhost"
        assert planned.decoded("DTSTART").astimezone(UTC) == first
        assert planned.decoded("DTEND").astimezone(UTC) == first + timedelta(hours=1)
        assert str(planned["ORGANIZER"]).startswith("mailto:rsvp+i")
        assert "Raadzaal" in str(planned["DESCRIPTION"])  # the notes: where and how
    # The applicant gets one mail: the status and the invite together.
    assert len(mails_to(outbox, participant)) == 1

    outbox.clear()
    plan(db, application, adviser, first + timedelta(days=1))
    moved = {to(m): event(calendars(m)[0]) for m in outbox if calendar_parts(m)[0]}
    assert set(moved) == {participant.email, adviser.email}
    assert all(e["SEQUENCE"] == 1 for e in moved.values())

    outbox.clear()
    login(participant)
    client.post_form(f"/applications/{application.id}/withdraw")
    cancelled = {to(m): calendars(m)[0] for m in outbox if calendar_parts(m)[0]}
    assert set(cancelled) == {participant.email, adviser.email}
    for calendar in cancelled.values():
        assert calendar["METHOD"] == "CANCEL"
        assert event(calendar)["SEQUENCE"] == 2


def test_an_answer_to_the_intake_from_a_calendar_is_shown_on_the_application(
    app, client, db, application, participant, adviser, outbox, login
):
    plan(db, application, adviser, datetime(2098, 7, 1, 8, 0, tzinfo=UTC))
    (mail,) = mails_to(outbox, participant)
    facts = invite_facts(calendar_parts(mail)[0][0].get_payload(decode=True))
    raw = reply_mail(
        "outlook",
        facts,
        email=participant.email,
        name=participant.name,
        partstat="ACCEPTED",
    )
    assert receive(raw, now=utcnow(), recipients=[facts["organizer"]]) == (
        ReplyOutcome.APPLIED
    )
    db.session.commit()
    login(adviser)
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Antwoorden uit agenda’s" in page
    assert f"{participant.name}: geaccepteerd" in page
