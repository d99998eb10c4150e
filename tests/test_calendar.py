"""Calendar files as real clients read them: icalendar, Mozilla's ical.js and
vobject agree on every instant, status and SEQUENCE.

ical.js is the parser inside Thunderbird and Nextcloud; it runs under node from
the vendored npm package in tests/js/vendor. vobject (Radicale's) is a third
code base, installed from PyPI with the test tools.
"""

import json
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
import vobject

from circle.accounts.models import Role
from circle.database import utcnow
from circle.meetings import answers
from circle.meetings import services as meetings
from circle.meetings.feeds import regenerate_calendar_token, user_for_calendar_token
from circle.meetings.ical import feed_to_ical, meeting_to_ical
from circle.meetings.models import Answer
from circle.timezones import AMSTERDAM, local_to_utc
from tests.conftest import REQUIRE_SERVICES, calendar_parts

JS = Path(__file__).parent / "js" / "parse_ics.js"


def last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


SPRING = last_sunday(2098, 3)  # clocks go from 02:00 to 03:00
AUTUMN = last_sunday(2098, 10)  # clocks go from 03:00 back to 02:00


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return local_to_utc(datetime(day.year, day.month, day.day, hour, minute))


#: (name, start, end) as UTC instants of local wall-clock times.
CASES = [
    ("summer", local(date(2098, 6, 3), 10), local(date(2098, 6, 3), 12)),
    ("winter", local(date(2098, 1, 14), 10), local(date(2098, 1, 14), 12)),
    ("spring change day", local(SPRING, 10), local(SPRING, 12)),
    ("autumn change day", local(AUTUMN, 10), local(AUTUMN, 12)),
    ("across spring change", local(SPRING - timedelta(days=1), 22), local(SPRING, 4)),
    ("across autumn change", local(AUTUMN - timedelta(days=1), 22), local(AUTUMN, 4)),
]


def ical_js(body: bytes, tmp_path) -> dict:
    node = shutil.which("node")
    if node is None:
        message = "node is not installed"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    path = tmp_path / "calendar.ics"
    path.write_bytes(body)
    result = subprocess.run(
        [node, str(JS), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def icalendar_events(body: bytes) -> list[dict]:
    calendar = icalendar.Calendar.from_ical(body)
    return [
        {
            "uid": str(event["UID"]),
            "start": event.decoded("DTSTART").astimezone(UTC),
            "end": event.decoded("DTEND").astimezone(UTC),
            "status": str(event["STATUS"]),
            "sequence": int(event["SEQUENCE"]),
            "tzid": event["DTSTART"].params.get("TZID"),
        }
        for event in calendar.walk("VEVENT")
    ]


def vobject_events(body: bytes) -> list[dict]:
    """The third parser, from another code base: vobject (used by Radicale)."""
    calendar = vobject.readOne(body.decode())
    return [
        {
            "uid": event.uid.value,
            "start": event.dtstart.value.astimezone(UTC),
            "end": event.dtend.value.astimezone(UTC),
            "status": event.status.value,
            "sequence": int(event.sequence.value),
            # vobject keeps the TZID it read as an "original" parameter.
            "tzid": event.dtstart.params.get("X-VOBJ-ORIGINAL-TZID", [None])[0],
        }
        for event in calendar.contents.get("vevent", [])
    ]


def js_events(parsed: dict) -> list[dict]:
    return [
        {
            "uid": event["uid"],
            "start": datetime.fromisoformat(event["start"].replace("Z", "+00:00")),
            "end": datetime.fromisoformat(event["end"].replace("Z", "+00:00")),
            "status": event["status"],
            "sequence": event["sequence"],
            "tzid": event["tzid"],
        }
        for event in parsed["events"]
    ]


def test_daylight_saving_dates_are_what_we_think():
    assert (SPRING.month, SPRING.weekday(), AUTUMN.weekday()) == (3, 6, 6)
    assert local(SPRING, 10).hour == 8  # CEST, UTC+2 after the change
    assert local(SPRING - timedelta(days=1), 22).hour == 21  # CET, UTC+1 before
    assert local(AUTUMN, 10).hour == 9  # CET again


@pytest.mark.parametrize(
    ("name", "start", "end"), CASES, ids=[case[0] for case in CASES]
)
def test_invite_instants_agree_in_three_parsers(
    tmp_path, db, group, members_for_calendar, make_meeting, name, start, end
):
    meeting = make_meeting(group.programme, group, starts_at=start, ends_at=end)
    person = members_for_calendar[0]
    body = meeting_to_ical(meeting, attendee=person)
    ours = icalendar_events(body)
    theirs = js_events(ical_js(body, tmp_path))
    assert ours == theirs == vobject_events(body)
    (event,) = ours
    assert (event["start"], event["end"]) == (start, end)
    assert event["tzid"] == "Europe/Amsterdam"
    text = body.decode()
    wall_start = start.astimezone(AMSTERDAM).strftime("%Y%m%dT%H%M%S")
    assert f"DTSTART;TZID=Europe/Amsterdam:{wall_start}" in text
    assert (
        "BEGIN:VTIMEZONE" in text and "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in text
    )


def test_invite_properties_for_calendar_clients(
    tmp_path, db, group, members_for_calendar, make_meeting, adviser
):
    meeting = make_meeting(
        group.programme, group, online_url="https://meet.example.org/limburg"
    )
    person = members_for_calendar[0]
    answers.respond(meeting, person, Answer.GOING, now=utcnow())
    rsvp = answers.rsvp_of(meeting, person)
    body = meeting_to_ical(meeting, attendee=person, rsvp=rsvp)
    calendar = icalendar.Calendar.from_ical(body)
    assert calendar["METHOD"] == "REQUEST"
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["UID"]) == f"meeting-{meeting.id}@localhost"
    assert "DTSTAMP" in event and event["SEQUENCE"] == 0
    assert str(event["ORGANIZER"]).startswith("mailto:")
    assert event["ORGANIZER"].params["CN"] == adviser.name
    assert str(event["ATTENDEE"]) == f"mailto:{person.email}"
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert str(event["LOCATION"]) == "Gemeentehuis Stein"
    assert "https://meet.example.org/limburg" in str(event["DESCRIPTION"])
    assert str(event["URL"]) == "https://meet.example.org/limburg"
    parsed = ical_js(body, tmp_path)
    assert parsed["method"] == "REQUEST"
    assert parsed["events"][0]["attendees"] == [
        {"email": person.email, "partstat": "ACCEPTED", "cn": person.name}
    ]


def test_cancel_parses_the_same_in_all_three(
    tmp_path, db, group, members_for_calendar, make_meeting, adviser
):
    meeting = make_meeting(group.programme, group)
    meetings.cancel_meeting(meeting, reason="", by=adviser, now=utcnow())
    body = meeting_to_ical(meeting, attendee=members_for_calendar[0])
    parsed = ical_js(body, tmp_path)
    assert parsed["method"] == "CANCEL"
    assert icalendar_events(body) == js_events(parsed) == vobject_events(body)
    assert js_events(parsed)[0]["status"] == "CANCELLED"
    assert js_events(parsed)[0]["sequence"] == 1


def test_feed_parses_the_same_in_all_three(
    tmp_path, db, group, members_for_calendar, make_meeting, adviser
):
    made = [
        make_meeting(group.programme, group, starts_at=start, ends_at=end, title=name)
        for name, start, end in CASES
    ]
    meetings.cancel_meeting(made[1], reason="", by=adviser, now=utcnow())
    body = feed_to_ical(made, name="Circle – test")
    parsed = ical_js(body, tmp_path)
    assert parsed["method"] == "PUBLISH" and parsed["name"] == "Circle – test"
    assert icalendar_events(body) == js_events(parsed) == vobject_events(body)
    assert [event["status"] for event in js_events(parsed)].count("CANCELLED") == 1
    assert all(event["attendees"] == [] for event in parsed["events"])


def test_local_times_in_page_mail_and_invite_on_the_change_days(
    client, db, group, members_for_calendar, make_meeting, login, outbox
):
    spring = make_meeting(
        group.programme, group, starts_at=local(SPRING, 10), ends_at=local(SPRING, 12)
    )
    autumn = make_meeting(
        group.programme, group, starts_at=local(AUTUMN, 10), ends_at=local(AUTUMN, 12)
    )
    person = members_for_calendar[0]
    login(person)
    for meeting in (spring, autumn):
        page = client.get(f"/sessions/{meeting.id}").get_data(as_text=True)
        assert re.search(r"10:00</time>–<time[^>]*>12:00", page), page
        outbox.clear()
        client.post_form(f"/sessions/{meeting.id}/rsvp", {"response": "going"})
        text = outbox[0].get_body(("plain",)).get_content()
        assert "10:00 – 12:00" in text
        inline, _ = calendar_parts(outbox[0])
        wall = meeting.starts_at.astimezone(AMSTERDAM).strftime("%Y%m%dT100000")
        assert f"DTSTART;TZID=Europe/Amsterdam:{wall}" in inline[0].get_content()


@pytest.fixture
def members_for_calendar(group, make_user, add_member):
    people = [make_user(Role.PARTICIPANT), make_user(Role.INITIATOR)]
    for person in people:
        add_member(group, person)
    return people


# -- subscription feeds ----------------------------------------------------------------


def feed_path(app, user) -> str:
    with app.app_context():
        token = regenerate_calendar_token(user)
        from circle.extensions import db

        db.session.commit()
    return f"/calendar/{token}.ics"


def test_personal_feed_lists_all_sessions_without_attendees(
    app, db, group, members_for_calendar, make_meeting, adviser
):
    person = members_for_calendar[0]
    upcoming = make_meeting(group.programme, group, title="Eerste")
    cancelled = make_meeting(group.programme, group, title="Afgezegd")
    meetings.cancel_meeting(cancelled, reason="", by=adviser, now=utcnow())
    db.session.commit()
    anonymous = app.test_client()  # calendar apps send no cookies
    response = anonymous.get(feed_path(app, person))
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    text = response.get_data(as_text=True)
    assert "METHOD:PUBLISH" in text and "ATTENDEE" not in text
    assert f"X-WR-CALNAME:Circle – {person.name}" in text and "NAME:Circle" in text
    assert (
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text
        and "X-PUBLISHED-TTL:PT1H" in text
    )
    events = icalendar_events(response.data)
    assert {event["uid"] for event in events} == {
        f"meeting-{upcoming.id}@localhost",
        f"meeting-{cancelled.id}@localhost",
    }
    assert sorted(event["status"] for event in events) == ["CANCELLED", "CONFIRMED"]


def test_feed_honours_conditional_requests(
    app, db, group, members_for_calendar, make_meeting
):
    make_meeting(group.programme, group)
    path = feed_path(app, members_for_calendar[0])
    client = app.test_client()
    first = client.get(path)
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert (
        client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code
        == 304
    )
    assert (
        client.get(
            path, headers={"If-Modified-Since": first.headers["Last-Modified"]}
        ).status_code
        == 304
    )
    make_meeting(group.programme, group, title="Nieuw")
    assert (
        client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code
        == 200
    )


def test_regenerating_the_token_stops_the_old_feed_at_once(
    app, client, db, group, members_for_calendar, login
):
    person = members_for_calendar[0]
    old = feed_path(app, person)
    assert app.test_client().get(old).status_code == 200
    login(person)
    page = client.get("/profile").get_data(as_text=True)
    assert old.split("/")[-1].removesuffix(".ics") in page and "webcal://" in page
    made = client.post_form(
        "/profile/calendar/regenerate",
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    assert "The old link no longer works." in made.get_data(as_text=True)
    assert app.test_client().get(old).status_code == 404
    new = feed_path(app, person)
    assert new != old and app.test_client().get(new).status_code == 200


def test_token_is_stored_only_as_a_digest(app, db, members_for_calendar):
    from circle.meetings.models import CalendarToken

    person = members_for_calendar[0]
    token = feed_path(app, person).split("/")[-1].removesuffix(".ics")
    record = db.session.get(CalendarToken, person.id)
    assert token not in (record.token_hash, record.nonce) and len(token) >= 40


@pytest.mark.parametrize("token", ["onbekend", "x" * 200, ""])
def test_unknown_tokens_are_refused(app, token):
    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 404
    with app.app_context():  # refused for the token, not for some other reason
        assert user_for_calendar_token(token) is None


def test_deleted_accounts_feed_stops(app, db, members_for_calendar):
    person = members_for_calendar[0]
    path = feed_path(app, person)
    assert app.test_client().get(path).status_code == 200
    person.deleted_at = utcnow()
    db.session.commit()
    assert app.test_client().get(path).status_code == 404


def test_group_feed_for_members_by_cookie_or_token(
    app, client, db, group, members_for_calendar, make_user, make_meeting, login
):
    make_meeting(group.programme, group)
    member = members_for_calendar[0]
    login(member)
    assert client.get(f"/groups/{group.id}/calendar.ics").status_code == 200
    token = feed_path(app, member).split("/")[-1].removesuffix(".ics")
    anonymous = app.test_client()
    assert anonymous.get(f"/groups/{group.id}/calendar.ics").status_code == 404
    assert (
        anonymous.get(f"/groups/{group.id}/calendar.ics?token={token}").status_code
        == 200
    )
    outsider_path = feed_path(app, make_user(Role.PARTICIPANT))
    assert anonymous.get(outsider_path).status_code == 200  # a valid token...
    outsider_token = outsider_path.split("/")[-1].removesuffix(".ics")
    assert (  # ...but not for this group
        anonymous.get(
            f"/groups/{group.id}/calendar.ics?token={outsider_token}"
        ).status_code
        == 404
    )


def test_feed_queries_do_not_grow_with_sessions(
    app, db, group, members_for_calendar, make_meeting, count_queries
):
    path = feed_path(app, members_for_calendar[0])
    client = app.test_client()
    make_meeting(group.programme, group)
    with count_queries() as few:
        client.get(path)
    for number in range(8):
        make_meeting(group.programme, group, title=f"Sessie {number}")
    with count_queries() as many:
        client.get(path)
    assert many.count == few.count


def test_profile_page_writes_nothing_until_a_link_is_asked_for(
    app, client, db, participant, login, count_queries
):
    from circle.meetings.models import CalendarToken

    login(participant)
    with count_queries() as counter:
        page = client.get("/profile").get_data(as_text=True)
    writes = [
        s
        for s in counter.statements
        if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == [] and "webcal://" not in page
    assert db.session.get(CalendarToken, participant.id) is None
    made = client.post_form(
        "/profile/calendar/regenerate",
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    assert "Your calendar link is ready." in made.get_data(as_text=True)
    assert db.session.get(CalendarToken, participant.id) is not None
    assert "webcal://" in client.get("/profile").get_data(as_text=True)


def test_feed_reaches_three_months_back_and_everything_ahead(
    app, db, group, members_for_calendar, make_meeting
):
    from circle.meetings.feed_window import FEED_PAST

    make_meeting(group.programme, group, title="Vooruit")
    old = make_meeting(group.programme, group, title="Lang geleden")
    recent = make_meeting(group.programme, group, title="Net geweest")
    # Sessions cannot be scheduled in the past; move two there as time would.
    now = utcnow()
    old.starts_at, old.ends_at = now - FEED_PAST - timedelta(days=2), now - FEED_PAST
    old.ends_at -= timedelta(hours=1)
    recent.starts_at = now - timedelta(days=30)
    recent.ends_at = recent.starts_at + timedelta(hours=2)
    db.session.commit()
    personal = feed_path(app, members_for_calendar[0])
    token = personal.split("/")[-1].removesuffix(".ics")
    for path in (personal, f"/groups/{group.id}/calendar.ics?token={token}"):
        calendar = icalendar.Calendar.from_ical(app.test_client().get(path).data)
        titles = {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}
        assert titles == {"Vooruit", "Net geweest"}, path


def test_feed_304_is_one_query_and_any_change_renews_the_etag(
    app, db, group, members_for_calendar, make_meeting, count_queries
):
    meeting = make_meeting(group.programme, group)
    path = feed_path(app, members_for_calendar[0])
    client = app.test_client()
    etag = client.get(path).headers["ETag"]
    with count_queries() as counter:
        response = client.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 304
    feed_statements = [s for s in counter.statements if "meetings" in s]
    assert len(feed_statements) == 1, feed_statements
    meetings.cancel_meeting(meeting, reason="Ziek", by=meeting.hosts[0], now=utcnow())
    db.session.commit()
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 200
