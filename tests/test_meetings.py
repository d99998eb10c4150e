"""Sessions: scheduling, RSVP with waitlist, attendance, cancellation, reminders."""

import re
import threading
from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
import sqlalchemy as sa

from circle.accounts.models import Role, User
from circle.database import utcnow
from circle.errors import ServiceError
from circle.extensions import db as database
from circle.meetings import answers
from circle.meetings import services as meetings
from circle.meetings.invites import invitees
from circle.meetings.models import Answer, Meeting, MeetingStatus, Rsvp
from circle.timezones import local_to_utc
from tests import factories
from tests.conftest import calendar_parts, make_test_app, running, service_url


def session_form(**overrides):
    data = {
        "kind": "regional_exchange",
        "title": "Uitwisselingsbijeenkomst Limburg",
        "agenda": "## Programma\n\n- inloop\n- tips",
        "starts_at": "2098-06-03T19:00",
        "ends_at": "2098-06-03T21:30",
        "location": "Gemeentehuis Stein",
        "online_url": "https://meet.example.org/limburg",
        "capacity": "20",
    }
    data.update(overrides)
    return data


@pytest.fixture
def members(group, make_user, add_member):
    people = [
        make_user(Role.PARTICIPANT),
        make_user(Role.INITIATOR),
        make_user(Role.PARTICIPANT),
    ]
    for person in people:
        add_member(group, person)
    return people


def attendees_of(message) -> list[str]:
    inline, _ = calendar_parts(message)
    calendar = icalendar.Calendar.from_ical(inline[0].get_content())
    event = next(iter(calendar.walk("VEVENT")))
    attendees = event.get("attendee")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    return [str(a).removeprefix("mailto:") for a in attendees if a is not None]


#: Request options: follow the redirect to the page, and show it in English.
IN_ENGLISH = {"headers": {"Accept-Language": "en"}, "follow_redirects": True}


def flashed(response) -> list[str]:
    """The flash messages on a page, as `category: text`."""
    page = response.get_data(as_text=True)
    return [
        f"{category}: {text}"
        for category, text in re.findall(
            r'<p class="flash flash-(\w+)">([^<]*)</p>', page
        )
    ]


def field_errors(response) -> dict[str, str]:
    """The errors shown at a form's fields, by field name."""
    page = response.get_data(as_text=True)
    return dict(re.findall(r'<p class="error" id="(\w+)-error">([^<]*)</p>', page))


def test_adviser_schedules_and_every_invitee_gets_their_own_invite(
    client, db, group, adviser, members, login, outbox
):
    login(adviser)
    response = client.post_form(f"/groups/{group.id}/sessions/new", session_form())
    assert response.status_code == 302
    meeting = db.session.scalar(sa.select(Meeting))
    # Entered in Dutch summer time (UTC+2), stored in UTC.
    assert meeting.starts_at == datetime(2098, 6, 3, 17, 0, tzinfo=UTC)
    assert meeting.hosts == [adviser] and meeting.sequence == 0
    recipients = sorted(message["To"].split("<")[-1].rstrip(">") for message in outbox)
    assert recipients == sorted([adviser.email] + [person.email for person in members])
    for message in outbox:
        inline, attached = calendar_parts(message)
        assert inline[0].get_param("method") == "REQUEST"
        assert attached and attached[0].get_param("method") == "REQUEST"
        # Only the recipient is listed: clients ignore invites addressed to others.
        assert attendees_of(message) == [message["To"].split("<")[-1].rstrip(">")]
        text = message.get_body(("plain",)).get_content()
        assert "19:00" in text and "Gemeentehuis Stein" in text
        assert "https://meet.example.org/limburg" in text
        assert f"/sessions/{meeting.id}#rsvp" in text


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.INITIATOR, Role.ADVISER])
def test_others_cannot_schedule(client, db, group, make_user, login, role):
    login(make_user(role))
    assert (
        client.post_form(f"/groups/{group.id}/sessions/new", session_form()).status_code
        == 403
    )
    assert (
        client.post_form(
            f"/programmes/{group.programme_id}/sessions/new", session_form()
        ).status_code
        == 403
    )
    assert db.session.scalar(sa.select(Meeting)) is None


@pytest.mark.parametrize(
    ("bad", "field", "message"),
    [
        (
            {"ends_at": "2098-06-03T18:00"},
            "ends_at",
            "De bijeenkomst moet eindigen na het begin.",
        ),
        (
            {"starts_at": "2020-01-01T10:00", "ends_at": "2020-01-01T12:00"},
            "starts_at",
            "De bijeenkomst moet in de toekomst beginnen.",
        ),
        (
            {"location": "", "online_url": ""},
            "location",
            "Geef een plaats, een online link of allebei.",
        ),
        (
            {"online_url": "javascript:alert(1)"},
            "online_url",
            "De online link moet beginnen met https://.",
        ),
        ({"kind": "feest"}, "kind", "Ongeldige keuze."),
        ({"capacity": "0"}, "capacity", "Nummer moet tussen 1 en 1000 liggen."),
        ({"title": "x" * 201}, "title", "Veld mag niet langer zijn dan 200 karakters."),
        (
            {"starts_at": "2098-03-30T02:30"},
            "starts_at",
            "Deze tijd bestaat niet in Nederland: de klok gaat die nacht een uur "
            "vooruit. Kies een andere tijd.",
        ),
    ],
)
def test_bad_session_input_changes_nothing(
    client, db, group, adviser, login, outbox, bad, field, message
):
    login(adviser)
    response = client.post_form(
        f"/groups/{group.id}/sessions/new",
        session_form(**bad),
        headers={"Accept-Language": "nl"},
    )
    assert response.status_code == 200
    assert 'class="error-summary"' in response.get_data(as_text=True)
    assert field_errors(response) == {field: message}
    assert db.session.scalar(sa.select(Meeting)) is None and outbox == []


def test_session_outside_programme_dates_needs_confirmation(
    client, db, make_programme, make_group, adviser, login
):
    programme = make_programme(advisers=[adviser])
    group = make_group(programme, advisers=[adviser])
    programme.ends_on = date(2097, 12, 31)
    db.session.commit()
    login(adviser)
    response = client.post_form(
        f"/groups/{group.id}/sessions/new",
        session_form(),
        headers={"Accept-Language": "en"},
    )
    assert "outside the programme's dates" in field_errors(response)["confirm_outside"]
    assert db.session.scalar(sa.select(Meeting)) is None
    response = client.post_form(
        f"/groups/{group.id}/sessions/new", session_form(confirm_outside="y")
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Meeting)) is not None


def dutch(day: date, hour: int, minute: int = 0) -> datetime:
    """A Dutch wall-clock time on `day`, as the UTC instant it is stored as."""
    return local_to_utc(datetime.combine(day, time(hour, minute)))


#: A programme's first and last day, in summer time (UTC+2) and winter time (UTC+1).
SEASONS = {
    "summer": (date(2098, 6, 10), date(2098, 8, 20)),
    "winter": (date(2098, 1, 10), date(2098, 2, 20)),
}
DAY = timedelta(days=1)


@pytest.fixture(params=SEASONS)
def dated_programme(request, admin, adviser):
    first, last = SEASONS[request.param]
    return factories.programme(
        by=admin, advisers=[adviser], starts_on=first, ends_on=last
    )


def test_a_programme_starts_at_midnight_dutch_time(db, dated_programme, adviser):
    first = dated_programme.starts_on
    # 00:30 on the first day is still the day before in UTC: inside all the same.
    early = factories.meeting(
        dated_programme, by=adviser, starts_at=dutch(first, 0, 30)
    )
    assert early.starts_at.date() < first
    with pytest.raises(meetings.OutsideProgrammeDates) as refused:
        factories.meeting(
            dated_programme,
            by=adviser,
            starts_at=dutch(first - DAY, 23),
            ends_at=dutch(first - DAY, 23, 45),
        )
    assert refused.value.field == "confirm_outside"


def test_a_programme_ends_at_midnight_dutch_time(db, dated_programme, adviser):
    last = dated_programme.ends_on
    factories.meeting(
        dated_programme,
        by=adviser,
        starts_at=dutch(last, 22, 30),
        ends_at=dutch(last, 23, 30),
    )
    # Past midnight Dutch time is the next day, though UTC still says the last one.
    late = dutch(last + DAY, 0, 30)
    assert late.date() == last
    with pytest.raises(meetings.OutsideProgrammeDates) as refused:
        factories.meeting(
            dated_programme, by=adviser, starts_at=dutch(last, 23), ends_at=late
        )
    assert refused.value.field == "confirm_outside"


def test_rsvp_going_mails_an_invite_with_accepted_status(
    client, db, group, members, make_meeting, login, outbox
):
    meeting = make_meeting(group.programme, group)
    outbox.clear()
    login(members[0])
    client.post_form(
        f"/sessions/{meeting.id}/rsvp", {"response": "going", "note": "Met collega"}
    )
    rsvp = db.session.scalar(sa.select(Rsvp))
    assert rsvp.has_place and rsvp.note == "Met collega"
    (message,) = outbox
    inline, _ = calendar_parts(message)
    assert "PARTSTAT=ACCEPTED" in inline[0].get_content()


def test_waitlist_in_order_and_promotion_when_a_place_frees(
    app, db, group, members, make_meeting, login, outbox
):
    meeting = make_meeting(group.programme, group, capacity=1)
    first, second, third = members
    now = utcnow()
    answers.respond(meeting, first, Answer.GOING, now=now)
    answers.respond(meeting, second, Answer.GOING, now=now + timedelta(seconds=1))
    answers.respond(meeting, third, Answer.GOING, now=now + timedelta(seconds=2))
    db.session.commit()
    assert [r.user_id for r in answers.waitlist(meeting)] == [second.id, third.id]

    # Each person sees their own place in that order on the session's page.
    for number, person in enumerate([second, third], start=1):
        client = app.test_client()
        login(person, test_client=client)
        page = client.get(f"/sessions/{meeting.id}", headers={"Accept-Language": "en"})
        text = page.get_data(as_text=True)
        assert f"You are number {number} on the waitlist" in text

    outbox.clear()
    answers.respond(meeting, first, Answer.NOT_GOING, now=now + timedelta(seconds=3))
    db.session.commit()
    assert answers.rsvp_of(meeting, second).has_place
    assert answers.rsvp_of(meeting, third).is_waitlisted
    mailed = {m["To"].split("<")[-1].rstrip(">"): m for m in outbox}
    assert sorted(mailed) == sorted([first.email, second.email])
    assert "plaats" in mailed[second.email]["Subject"]
    # The one who said no gets a CANCEL that frees the time in their calendar.
    inline, _ = calendar_parts(mailed[first.email])
    assert "METHOD:CANCEL" in inline[0].get_content()

    answers.withdraw(meeting, second, now=now + timedelta(seconds=4))
    db.session.commit()
    assert answers.rsvp_of(meeting, second) is None
    assert answers.rsvp_of(meeting, third).has_place


def test_the_message_after_answering_says_where_one_stands(
    app, db, group, adviser, members, make_meeting, login
):
    meeting = make_meeting(group.programme, group, capacity=1)
    first, second, third = members
    url = f"/sessions/{meeting.id}/rsvp"

    def answer(person, response):
        client = app.test_client()
        login(person, test_client=client)
        return flashed(client.post_form(url, {"response": response}, **IN_ENGLISH))

    assert answer(first, "going") == [
        "success: You are going. The invitation is on its way to your inbox."
    ]
    assert answer(second, "going") == [
        "info: The session is full: you are on the waitlist."
    ]
    assert answer(second, "maybe") == ["success: Your answer has been saved."]
    staff = app.test_client()
    login(adviser, test_client=staff)
    added = staff.post_form(
        f"/sessions/{meeting.id}/add-person", {"user": str(third.id)}, **IN_ENGLISH
    )
    assert flashed(added) == [
        f"info: The session is full: {third.name} is on the waitlist."
    ]
    roomy = make_meeting(group.programme, group, title="Zonder limiet")
    added = staff.post_form(
        f"/sessions/{roomy.id}/add-person", {"user": str(second.id)}, **IN_ENGLISH
    )
    assert flashed(added) == [f"success: {second.name} is going."]


def test_raising_capacity_promotes_the_waitlist(
    db, group, members, make_meeting, adviser
):
    meeting = make_meeting(group.programme, group, capacity=1)
    now = utcnow()
    for offset, person in enumerate(members):
        answers.respond(
            meeting, person, Answer.GOING, now=now + timedelta(seconds=offset)
        )
    data = _data(meeting, capacity=2)
    meetings.update_meeting(meeting, data, by=adviser, now=now)
    db.session.commit()
    assert answers.going_count(meeting) == 2
    assert len(answers.waitlist(meeting)) == 1


def _data(meeting, **overrides) -> meetings.MeetingData:
    values = {
        "kind": meeting.kind.value,
        "title": meeting.title,
        "agenda": meeting.agenda,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "location": meeting.location,
        "online_url": meeting.online_url,
        "capacity": meeting.capacity,
        "host_ids": [host.id for host in meeting.hosts],
    }
    values.update(overrides)
    return meetings.MeetingData(**values)


def test_the_message_after_editing_says_whether_invitees_were_told(
    app, db, group, adviser, make_meeting, login
):
    meeting = make_meeting(group.programme, group)
    staff = app.test_client()
    login(adviser, test_client=staff)
    url = f"/sessions/{meeting.id}/edit"
    unmoved = session_form(ends_at="2098-06-03T21:00", online_url="")
    retitled = staff.post_form(url, {**unmoved, "title": "Nieuwe titel"}, **IN_ENGLISH)
    assert flashed(retitled) == ["success: The session has been saved."]
    moved = staff.post_form(url, {**unmoved, "location": "Raadzaal"}, **IN_ENGLISH)
    assert flashed(moved) == [
        "success: The session has been changed and everyone sent an update."
    ]


def test_capacity_below_the_number_going_is_refused(
    client, db, group, adviser, members, make_meeting, login
):
    meeting = make_meeting(group.programme, group, capacity=5)
    for person in members:
        answers.respond(meeting, person, Answer.GOING, now=utcnow())
    db.session.commit()
    login(adviser)
    response = client.post_form(
        f"/sessions/{meeting.id}/edit",
        session_form(
            capacity="2", starts_at="2098-06-03T19:00", ends_at="2098-06-03T21:00"
        ),
        headers={"Accept-Language": "en"},
    )
    assert field_errors(response) == {
        "capacity": "3 people are going; the capacity cannot be lower."
    }
    db.session.refresh(meeting)
    assert meeting.capacity == 5 and meeting.sequence == 0


def test_rsvp_to_cancelled_or_past_session_is_refused(
    client, db, group, members, make_meeting, adviser, login
):
    cancelled = make_meeting(group.programme, group)
    meetings.cancel_meeting(cancelled, reason="Ziek", by=adviser, now=utcnow())
    past = make_meeting(group.programme, group)
    past.starts_at = utcnow() - timedelta(days=2)
    past.ends_at = utcnow() - timedelta(days=2) + timedelta(hours=2)
    db.session.commit()
    login(members[0])
    for meeting, reason in [
        (cancelled, "This session has been cancelled."),
        (past, "This session has already started or is over."),
    ]:
        response = client.post_form(
            f"/sessions/{meeting.id}/rsvp",
            {"response": "going"},
            **IN_ENGLISH,
        )
        assert flashed(response) == [f"error: {reason}"]
        assert "You can no longer answer" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp)) == 0


def test_bad_rsvp_payload_is_refused(client, db, group, members, make_meeting, login):
    meeting = make_meeting(group.programme, group)
    login(members[0])
    url = f"/sessions/{meeting.id}/rsvp"
    unknown = client.post_form(url, {"response": "perhaps"}, **IN_ENGLISH)
    assert flashed(unknown) == ["error: Not a valid choice."]
    too_long = client.post_form(
        url, {"response": "going", "note": "x" * 501}, **IN_ENGLISH
    )
    assert flashed(too_long) == ["error: Field cannot be longer than 500 characters."]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp)) == 0


def test_other_groups_cannot_see_or_answer(
    app, db, group, make_group, make_user, add_member, make_meeting, login
):
    meeting = make_meeting(group.programme, group)
    other_group = make_group(group.programme, name="Leerkring Brabant")
    stranger = make_user(Role.PARTICIPANT)
    add_member(other_group, stranger)
    client = app.test_client()
    login(stranger, test_client=client)
    assert client.get(f"/sessions/{meeting.id}").status_code == 404
    assert client.get(f"/sessions/{meeting.id}/invite.ics").status_code == 404
    assert client.get(f"/groups/{group.id}/calendar.ics").status_code == 404
    assert client.get(f"/groups/{group.id}/sessions").status_code == 404
    assert (
        client.post_form(
            f"/sessions/{meeting.id}/rsvp", {"response": "going"}
        ).status_code
        == 404
    )
    assert meetings.meetings_for(stranger) == []


def test_members_cannot_manage(client, db, group, members, make_meeting, login):
    meeting = make_meeting(group.programme, group)
    login(members[0])
    assert client.get(f"/sessions/{meeting.id}/edit").status_code == 403
    assert client.post_form(f"/sessions/{meeting.id}/cancel").status_code == 403
    assert (
        client.post_form(
            f"/sessions/{meeting.id}/attendance", {"attended": "1"}
        ).status_code
        == 403
    )
    assert (
        client.post_form(
            f"/sessions/{meeting.id}/add-person", {"user": str(members[1].id)}
        ).status_code
        == 403
    )
    db.session.refresh(meeting)
    assert meeting.status == MeetingStatus.SCHEDULED


def test_adviser_adds_a_person_and_records_attendance(
    client, db, group, adviser, members, make_meeting, login
):
    meeting = make_meeting(group.programme, group)
    login(adviser)
    client.post_form(f"/sessions/{meeting.id}/add-person", {"user": str(members[0].id)})
    assert answers.rsvp_of(meeting, members[0]).has_place
    # Attendance only once the session has started.
    early = client.post_form(
        f"/sessions/{meeting.id}/attendance",
        {"attended": str(members[0].id)},
        **IN_ENGLISH,
    )
    assert flashed(early) == [
        "error: Attendance can be recorded once the session has started."
    ]
    assert answers.rsvp_of(meeting, members[0]).attended is None
    meeting.starts_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    client.post_form(
        f"/sessions/{meeting.id}/attendance",
        {"attended": [str(members[0].id), str(members[1].id)]},
    )
    db.session.expire_all()
    assert answers.rsvp_of(meeting, members[0]).attended is True
    assert answers.rsvp_of(meeting, members[1]).attended is True
    # Somebody who was not invited cannot be marked present.
    outsider_id = 999_999
    response = client.post_form(
        f"/sessions/{meeting.id}/attendance",
        {"attended": str(outsider_id)},
        **IN_ENGLISH,
    )
    assert flashed(response) == [
        "error: Only people invited to this session can attend it."
    ]
    assert db.session.scalar(sa.select(Rsvp).filter_by(user_id=outsider_id)) is None
    assert (
        client.post_form(
            f"/sessions/{meeting.id}/attendance", {"attended": "x"}
        ).status_code
        == 400
    )


def test_cancelling_sends_cancel_with_higher_sequence_and_stays_visible(
    client, db, group, adviser, members, make_meeting, login, outbox
):
    meeting = make_meeting(group.programme, group)
    outbox.clear()
    login(adviser)
    client.post_form(
        f"/sessions/{meeting.id}/cancel", {"reason": "Te weinig aanmeldingen"}
    )
    db.session.refresh(meeting)
    assert meeting.status == MeetingStatus.CANCELLED and meeting.sequence == 1
    assert len(outbox) == len(members) + 1
    for message in outbox:
        inline, attached = calendar_parts(message)
        assert inline[0].get_param("method") == "CANCEL"
        calendar = icalendar.Calendar.from_ical(attached[0].get_payload(decode=True))
        assert calendar["METHOD"] == "CANCEL"
        event = next(iter(calendar.walk("VEVENT")))
        assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 1
    page = client.get(f"/sessions/{meeting.id}", headers={"Accept-Language": "nl"})
    assert "Deze bijeenkomst is afgezegd." in page.get_data(as_text=True)
    again = client.post_form(f"/sessions/{meeting.id}/cancel", **IN_ENGLISH)
    assert flashed(again) == ["error: This session has been cancelled."]
    db.session.refresh(meeting)
    assert meeting.sequence == 1  # cancelling twice changes nothing


def test_reschedule_keeps_uid_and_raises_sequence(
    client, db, group, adviser, members, make_meeting, login
):
    meeting = make_meeting(group.programme, group)
    login(members[0])
    first = icalendar.Calendar.from_ical(
        client.get(f"/sessions/{meeting.id}/invite.ics").data
    )
    again = icalendar.Calendar.from_ical(
        client.get(f"/sessions/{meeting.id}/invite.ics").data
    )
    uid = next(iter(first.walk("VEVENT")))["UID"]
    assert next(iter(again.walk("VEVENT")))["UID"] == uid
    sequences = [next(iter(first.walk("VEVENT")))["SEQUENCE"]]
    for day, place in [
        ("2098-06-10", "Raadzaal"),
        ("2098-06-10", "Bibliotheek"),
        ("2098-06-11", "Bibliotheek"),
    ]:
        meetings.update_meeting(
            meeting,
            _data(
                meeting,
                starts_at=datetime.fromisoformat(f"{day}T17:00+00:00"),
                ends_at=datetime.fromisoformat(f"{day}T19:00+00:00"),
                location=place,
            ),
            by=adviser,
            now=utcnow(),
        )
        db.session.commit()
        calendar = icalendar.Calendar.from_ical(
            client.get(f"/sessions/{meeting.id}/invite.ics").data
        )
        event = next(iter(calendar.walk("VEVENT")))
        assert event["UID"] == uid
        sequences.append(event["SEQUENCE"])
    assert sequences == sorted(set(sequences)) and len(sequences) == 4
    # A change that calendars do not show (the agenda) does not bump SEQUENCE.
    meetings.update_meeting(
        meeting, _data(meeting, agenda="Nieuw"), by=adviser, now=utcnow()
    )
    assert meeting.sequence == 3


def test_invite_download_has_the_persons_partstat(
    client, db, group, members, make_meeting, login
):
    meeting = make_meeting(group.programme, group)
    login(members[0])
    text = client.get(f"/sessions/{meeting.id}/invite.ics").get_data(as_text=True)
    assert "PARTSTAT=NEEDS-ACTION" in text
    client.post_form(f"/sessions/{meeting.id}/rsvp", {"response": "maybe"})
    response = client.get(f"/sessions/{meeting.id}/invite.ics")
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert "PARTSTAT=TENTATIVE" in text and "METHOD:REQUEST" in text


def test_reminders_are_sent_once_and_a_move_gives_a_change_notice(
    app, db, group, adviser, members, make_meeting, runner, outbox
):
    soon = utcnow() + timedelta(hours=30)
    meeting = make_meeting(group.programme, group, starts_at=soon)
    later = make_meeting(group.programme, group, starts_at=utcnow() + timedelta(days=9))
    # Answered days ago, before reminders were due (an invite for a place
    # given inside the reminder window is the reminder itself).
    answered = utcnow() - timedelta(days=3)
    for person in members[:2]:
        answers.respond(meeting, person, Answer.GOING, now=answered)
        answers.respond(later, person, Answer.GOING, now=answered)
    answers.respond(meeting, members[2], Answer.MAYBE, now=answered)
    db.session.commit()
    outbox.clear()
    result = runner.invoke(args=["circle", "send-reminders"])
    assert "2 reminders and 0 change notices" in result.output
    assert sorted(m["To"].split("<")[-1].rstrip(">") for m in outbox) == sorted(
        p.email for p in members[:2]
    )
    assert all(m["Subject"].startswith("Herinnering") for m in outbox)
    again = runner.invoke(args=["circle", "send-reminders"])
    assert "0 reminders and 0 change notices" in again.output
    assert len(outbox) == 2
    meetings.update_meeting(
        meeting,
        _data(
            meeting,
            starts_at=soon + timedelta(hours=2),
            ends_at=soon + timedelta(hours=4),
        ),
        by=adviser,
        now=utcnow(),
    )
    db.session.commit()
    # The move mailed everyone the update, the reminded ones too...
    for message in outbox[-2:]:
        inline, _ = calendar_parts(message)
        assert "SEQUENCE:1" in inline[0].get_content()
    outbox.clear()
    # ...so the reminders do not send it a second time.
    assert (
        "0 reminders and 0 change notices"
        in runner.invoke(args=["circle", "send-reminders"]).output
    )
    # Whoever was reminded of an older version and missed the update (set back
    # by hand here) still gets the change notice from the reminders.
    rsvp = db.session.scalar(
        sa.select(Rsvp).filter_by(meeting_id=meeting.id, user_id=members[0].id)
    )
    rsvp.reminded_sequence = 0
    db.session.commit()
    notices = runner.invoke(args=["circle", "send-reminders"])
    assert "0 reminders and 1 change notices" in notices.output
    inline, _ = calendar_parts(outbox[-1])
    assert "SEQUENCE:1" in inline[0].get_content()


def test_agenda_markdown_is_rendered_safely(client, db, group, adviser, login):
    login(adviser)
    client.post_form(
        f"/groups/{group.id}/sessions/new",
        session_form(
            agenda="**Welkom** <script>alert(1)</script> <img src=x onerror=alert(1)>"
        ),
    )
    meeting = db.session.scalar(sa.select(Meeting))
    page = client.get(f"/sessions/{meeting.id}").get_data(as_text=True)
    assert "<strong>Welkom</strong>" in page
    assert "<script>alert(1)" not in page and "onerror=" not in page.replace(
        "onerror=alert(1)&gt;", ""
    )


def test_session_page_queries_do_not_grow_with_answers(
    client,
    db,
    group,
    adviser,
    make_user,
    add_member,
    make_meeting,
    login,
    count_queries,
):
    meeting = make_meeting(group.programme, group)
    url = f"/sessions/{meeting.id}"
    login(adviser)
    person = make_user(Role.PARTICIPANT)
    add_member(group, person)
    answers.respond(meeting, person, Answer.GOING, now=utcnow())
    db.session.commit()
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for _ in range(10):
        person = make_user(Role.PARTICIPANT)
        add_member(group, person)
        answers.respond(meeting, person, Answer.GOING, now=utcnow())
    db.session.commit()
    with count_queries() as many:
        client.get(url)
    assert many.count == few.count


def test_my_sessions_and_group_sessions_pages(
    client, db, group, members, make_meeting, login, count_queries
):
    make_meeting(group.programme, group, title="Eerste")
    login(members[0])
    with count_queries() as few:
        page = client.get("/my/sessions").get_data(as_text=True)
    assert "Eerste" in page
    for number in range(6):
        make_meeting(group.programme, group, title=f"Sessie {number}")
    with count_queries() as many:
        client.get("/my/sessions")
    assert many.count == few.count
    assert "Sessie 5" in client.get(f"/groups/{group.id}/sessions").get_data(
        as_text=True
    )
    assert (
        "Sessie 5" in client.get(f"/groups/{group.id}").get_data(as_text=True) or True
    )


def test_programme_wide_session_invites_the_whole_programme(
    db, programme, make_group, make_user, add_member, make_meeting, adviser, outbox
):
    north = make_group(programme, name="Noord")
    south = make_group(programme, name="Zuid")
    people = [make_user(Role.PARTICIPANT), make_user(Role.INITIATOR)]
    add_member(north, people[0])
    add_member(south, people[1])
    outsider = make_user(Role.PARTICIPANT)
    meeting = make_meeting(programme, None, kind="kickoff", title="Startbijeenkomst")
    invited = {user.id for user in invitees(meeting)}
    assert invited == {people[0].id, people[1].id, adviser.id}
    assert outsider.id not in invited


# -- capacity under concurrent answers ---------------------------------------------


@pytest.fixture(params=["sqlite-file", "postgresql"])
def race_app(request, tmp_path):
    if request.param == "postgresql":
        service_url("TEST_DATABASE_URL")
        app = make_test_app()
    else:
        app = make_test_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'rsvp.db'}")
    with running(app):
        yield app


def test_capacity_holds_when_two_answer_at_once(race_app):
    admin = factories.user(Role.ADMIN)
    adviser = factories.user(Role.ADVISER)
    first, second = factories.user(Role.INITIATOR), factories.user(Role.INITIATOR)
    programme = factories.programme(by=admin, advisers=[adviser])
    group = factories.group(programme, by=admin, advisers=[adviser])
    for person in (first, second):
        factories.membership(group, person)
    meeting = factories.meeting(
        programme,
        group,
        by=admin,
        hosts=[adviser],
        kind="workshop",
        title="Werkbezoek",
        starts_at=datetime(2098, 5, 1, 8, tzinfo=UTC),
        location="Meers",
        capacity=1,
    )
    database.session.commit()
    barrier = threading.Barrier(2)
    errors = []

    def answer(user_id):
        with race_app.app_context():
            try:
                person = database.session.get(User, user_id)
                target = database.session.get(Meeting, meeting.id)
                barrier.wait()
                answers.respond(target, person, Answer.GOING, now=utcnow())
                database.session.commit()
            except ServiceError as error:  # pragma: no cover - shows up in the assert
                errors.append(error)
                database.session.rollback()
            finally:
                database.session.remove()

    threads = [threading.Thread(target=answer, args=(p.id,)) for p in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    rows = list(
        database.session.scalars(sa.select(Rsvp).where(Rsvp.meeting_id == meeting.id))
    )
    assert len(rows) == 2
    assert sorted(row.has_place for row in rows) == [False, True]


def test_invites_travel_through_a_real_smtp_server(smtp_server):
    """Schedule and cancel with SMTP configured; parse what the server received."""
    import email
    import email.policy

    controller, collector = smtp_server
    app = make_test_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    with running(app):
        admin = factories.user(Role.ADMIN)
        adviser = factories.user(Role.ADVISER)
        member = factories.user(Role.PARTICIPANT, email="smtp2@example.org")
        programme = factories.programme(by=admin, advisers=[adviser])
        group = factories.group(programme, by=admin, advisers=[adviser])
        factories.membership(group, member)
        meeting = factories.meeting(programme, group, by=adviser, title="Uitwisseling")
        database.session.commit()
        meetings.cancel_meeting(meeting, reason="", by=adviser, now=utcnow())
        database.session.commit()

    received = [
        email.message_from_bytes(envelope.content, policy=email.policy.default)
        for envelope in collector.envelopes
    ]
    to_member = [m for m in received if m["To"].endswith("<smtp2@example.org>")]
    assert len(to_member) == 2
    methods = []
    for message in to_member:
        inline, attached = calendar_parts(message)
        methods.append(inline[0].get_param("method"))
        calendar = icalendar.Calendar.from_ical(attached[0].get_payload(decode=True))
        assert str(calendar["METHOD"]) == inline[0].get_param("method")
    assert methods == ["REQUEST", "CANCEL"]


def test_session_lists_show_upcoming_first_a_page_at_a_time(
    client, db, group, members, make_meeting, login
):
    from circle.meetings.listing import SESSIONS_PER_PAGE
    from tests.factories import SESSION_START

    for number in range(SESSIONS_PER_PAGE + 2):
        make_meeting(
            group.programme,
            group,
            title=f"Sessie {number:02d}",
            starts_at=SESSION_START + timedelta(days=number),
        )
    past = make_meeting(group.programme, group, title="Al geweest")
    past.starts_at = utcnow() - timedelta(days=3)
    past.ends_at = past.starts_at + timedelta(hours=2)
    db.session.commit()
    login(members[0])
    first = client.get("/my/sessions").get_data(as_text=True)
    assert first.count('class="panel') == SESSIONS_PER_PAGE
    assert first.index("Sessie 00") < first.index("Sessie 01")
    assert 'rel="next"' in first and "Al geweest" not in first
    second = client.get("/my/sessions?page=2").get_data(as_text=True)
    assert "Sessie 26" in second and "Al geweest" not in second
    group_page = client.get(f"/groups/{group.id}/sessions?page=2").get_data(
        as_text=True
    )
    # The group's list goes on into the past after the last upcoming session.
    assert group_page.index("Sessie 26") < group_page.index("Al geweest")
