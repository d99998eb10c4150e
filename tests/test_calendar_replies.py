"""Answers from calendar apps (#12): a REPLY mailed to the invite's ORGANIZER
counts exactly as the web form, through a real SMTP/LMTP listener.

Each reply is shaped as Outlook, Google Calendar or Thunderbird send it
(tests/calendar_clients.py) and built from the invite the person was mailed.
"""

import logging
import smtplib

import icalendar
import pytest
import sqlalchemy as sa

from bench.servers import free_port
from circle.database import utcnow
from circle.itip import parse_reply_address, reply_address
from circle.meetings import answers
from circle.meetings import services as meetings
from circle.meetings.inbox import InboxController
from circle.meetings.models import Answer, CalendarReply, ReplyOutcome
from circle.meetings.replies import receive
from tests import factories
from tests.calendar_clients import CLIENTS, invite_facts, reply_mail
from tests.conftest import calendar_parts


@pytest.fixture
def session(db, programme, group, adviser, two_members, outbox):
    meeting = factories.meeting(programme, group, by=adviser, capacity=1)
    db.session.commit()
    return meeting


def invite_to(outbox, person) -> bytes:
    """The calendar part of the newest mail to `person`."""
    for message in reversed(outbox):
        if person.email in message["To"]:
            inline, _ = calendar_parts(message)
            return inline[0].get_content().encode()
    raise AssertionError(f"no invite to {person.email}")


def event_of(ics: bytes):
    return icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]


def answer(outbox, person, partstat, client="outlook", **options) -> bytes:
    facts = invite_facts(invite_to(outbox, person))
    return reply_mail(
        client,
        facts,
        email=person.email,
        name=person.name,
        partstat=partstat,
        **options,
    )


@pytest.fixture
def inbox(app):
    """`flask circle inbox`'s listener on a free loopback port."""
    controller = InboxController(app, host="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


def send(inbox, raw: bytes, to: str) -> None:
    with smtplib.SMTP(inbox.hostname, inbox.port, timeout=10) as smtp:
        smtp.sendmail("someone@example.org", [to], raw)


def outcomes(db) -> list[ReplyOutcome]:
    db.session.expire_all()
    return list(
        db.session.scalars(sa.select(CalendarReply.outcome).order_by(CalendarReply.id))
    )


# -- the reply address ------


def test_every_invite_names_its_own_signed_reply_address(
    app, session, two_members, outbox
):
    first, second = (invite_facts(invite_to(outbox, p)) for p in two_members)
    assert first["organizer"] == reply_address(session.id, two_members[0].id)
    assert first["organizer"] != second["organizer"]
    assert first["organizer"].endswith("@circle.localhost")
    assert parse_reply_address(first["organizer"]) == (
        "session",
        session.id,
        two_members[0].id,
    )
    # Mail servers may change case; the address still works.
    assert parse_reply_address(first["organizer"].upper()) == (
        "session",
        session.id,
        two_members[0].id,
    )
    # Someone who saw one invite cannot write the address of another person.
    forged = first["organizer"].replace(
        f"-{two_members[0].id}-", f"-{two_members[1].id}-"
    )
    assert parse_reply_address(forged) is None
    assert parse_reply_address("rsvp+1-2-aaaaaaaaaaaaaaaaaaaa@circle.localhost") is None
    assert parse_reply_address("rsvp+1-2@elders.nl") is None


# -- answers through the real listener ------


@pytest.mark.parametrize("client", CLIENTS)
def test_an_accepted_reply_counts_as_going(
    app, db, inbox, session, two_members, outbox, client
):
    person = two_members[0]
    raw = answer(outbox, person, "ACCEPTED", client)
    outbox.clear()
    send(inbox, raw, reply_address(session.id, person.id))
    db.session.expire_all()
    rsvp = answers.rsvp_of(session, person)
    assert rsvp.response == Answer.GOING and rsvp.has_place
    assert outcomes(db) == [ReplyOutcome.APPLIED]
    # As with the web form: the invite for the place, marked ACCEPTED.
    assert [m["To"].addresses[0].addr_spec for m in outbox] == [person.email]
    assert (
        event_of(invite_to(outbox, person))["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    )


@pytest.mark.parametrize("client", CLIENTS)
def test_tentative_is_maybe(app, db, inbox, session, two_members, outbox, client):
    person = two_members[0]
    send(
        inbox,
        answer(outbox, person, "TENTATIVE", client),
        reply_address(session.id, person.id),
    )
    db.session.expire_all()
    assert answers.rsvp_of(session, person).response == Answer.MAYBE


def test_declining_in_the_calendar_frees_the_place_for_the_waitlist(
    app, db, inbox, session, two_members, outbox
):
    going, waiting = two_members
    send(inbox, answer(outbox, going, "ACCEPTED"), reply_address(session.id, going.id))
    send(
        inbox,
        answer(outbox, waiting, "ACCEPTED", "google"),
        reply_address(session.id, waiting.id),
    )
    db.session.expire_all()
    assert answers.rsvp_of(session, waiting).is_waitlisted
    # The one waiting is told so, and their calendar says tentative, never accepted.
    waitlisted = event_of(invite_to(outbox, waiting))
    assert waitlisted["ATTENDEE"].params["PARTSTAT"] == "TENTATIVE"
    assert "Je staat op de wachtlijst (nummer 1)" in str(waitlisted["DESCRIPTION"])
    declined = answer(outbox, going, "DECLINED", "thunderbird")
    outbox.clear()
    send(inbox, declined, reply_address(session.id, going.id))
    db.session.expire_all()
    assert answers.rsvp_of(session, going).response == Answer.NOT_GOING
    assert answers.rsvp_of(session, waiting).has_place
    # The next in line gets a REQUEST with their place; the one who declined
    # in their calendar app needs no mail about it.
    assert [m["To"].addresses[0].addr_spec for m in outbox] == [waiting.email]
    promoted = invite_to(outbox, waiting)
    assert b"METHOD:REQUEST" in promoted
    assert event_of(promoted)["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"


def test_a_comment_in_the_reply_becomes_the_note(
    app, db, inbox, session, two_members, outbox
):
    person = two_members[0]
    raw = answer(
        outbox, person, "TENTATIVE", "google", comment="Ik kom misschien later"
    )
    send(inbox, raw, reply_address(session.id, person.id))
    db.session.expire_all()
    assert answers.rsvp_of(session, person).note == "Ik kom misschien later"


def test_lmtp_delivery_works_the_same(app, db, session, two_members, outbox):
    controller = InboxController(app, host="127.0.0.1", port=free_port(), lmtp=True)
    controller.start()
    try:
        person = two_members[0]
        raw = answer(outbox, person, "ACCEPTED")
        with smtplib.LMTP(controller.hostname, controller.port, timeout=10) as lmtp:
            refused = lmtp.sendmail(
                "x@example.org", [reply_address(session.id, person.id)], raw
            )
        assert refused == {}
    finally:
        controller.stop()
    db.session.expire_all()
    assert answers.rsvp_of(session, person).has_place


# -- recorded and ignored safely ------


def test_a_counter_proposal_is_recorded_and_changes_nothing(
    app, db, inbox, session, two_members, outbox
):
    person = two_members[0]
    raw = answer(outbox, person, "ACCEPTED", method="COUNTER")
    send(inbox, raw, reply_address(session.id, person.id))
    assert outcomes(db) == [ReplyOutcome.COUNTER]
    assert answers.rsvp_of(session, person) is None


def test_a_reply_to_an_older_version_is_ignored(
    app, db, inbox, session, two_members, outbox, adviser
):
    person = two_members[0]
    old = answer(outbox, person, "ACCEPTED")
    data = meetings.MeetingData(
        kind=session.kind.value,
        title=session.title,
        agenda=session.agenda,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        location="Raadzaal",
        online_url="",
        capacity=1,
        host_ids=[adviser.id],
    )
    meetings.update_meeting(session, data, by=adviser, now=utcnow())
    db.session.commit()
    send(inbox, old, reply_address(session.id, person.id))
    assert outcomes(db) == [ReplyOutcome.OLD_SEQUENCE]
    assert answers.rsvp_of(session, person) is None
    # The reply to the new version counts.
    send(
        inbox, answer(outbox, person, "ACCEPTED"), reply_address(session.id, person.id)
    )
    assert outcomes(db)[-1] == ReplyOutcome.APPLIED


def test_a_sequence_never_sent_is_ignored(app, db, session, two_members, outbox):
    person = two_members[0]
    facts = invite_facts(invite_to(outbox, person))
    raw = reply_mail(
        "google",
        {**facts, "sequence": 7},
        email=person.email,
        name=person.name,
        partstat="ACCEPTED",
    )
    assert receive(raw, now=utcnow()) == ReplyOutcome.UNKNOWN_SEQUENCE
    assert answers.rsvp_of(session, person) is None


def test_the_same_mail_twice_counts_once(app, db, inbox, session, two_members, outbox):
    person = two_members[0]
    raw = answer(outbox, person, "ACCEPTED")
    send(inbox, raw, reply_address(session.id, person.id))
    outbox.clear()
    send(inbox, raw, reply_address(session.id, person.id))
    assert outcomes(db) == [ReplyOutcome.APPLIED, ReplyOutcome.DUPLICATE]
    assert outbox == []


def test_a_closed_session_takes_no_answers(
    app, db, inbox, session, two_members, outbox, adviser
):
    person = two_members[0]
    raw = answer(outbox, person, "ACCEPTED")
    meetings.cancel_meeting(session, reason="Ziek", by=adviser, now=utcnow())
    db.session.commit()
    send(inbox, raw, reply_address(session.id, person.id))
    assert outcomes(db) == [ReplyOutcome.CLOSED]
    assert answers.rsvp_of(session, person) is None


def test_a_plain_mail_is_ignored(app, db, inbox, session, two_members):
    person = two_members[0]
    with smtplib.SMTP(inbox.hostname, inbox.port, timeout=10) as smtp:
        smtp.sendmail(
            person.email,
            [reply_address(session.id, person.id)],
            f"From: {person.email}\r\nSubject: Re: uitnodiging\r\n\r\nIk kom!\r\n",
        )
    assert outcomes(db) == []
    assert answers.rsvp_of(session, person) is None


# -- refused and logged ------


def test_an_address_that_is_not_genuine_is_refused_by_the_listener(
    app, db, inbox, session, two_members, outbox, caplog
):
    person = two_members[0]
    raw = answer(outbox, person, "ACCEPTED")
    forged = reply_address(session.id, person.id).replace("rsvp+", "rsvp+9")
    with caplog.at_level(logging.WARNING), pytest.raises(smtplib.SMTPRecipientsRefused):
        send(inbox, raw, forged)
    assert "not a reply address" in caplog.text
    assert answers.rsvp_of(session, person) is None


def test_someone_answering_with_another_persons_address_is_refused(
    app, db, inbox, session, two_members, outbox, caplog
):
    owner, other = two_members
    facts = invite_facts(invite_to(outbox, owner))
    # Bas saw Anna's invite and answers it as himself.
    raw = reply_mail(
        "outlook", facts, email=other.email, name=other.name, partstat="ACCEPTED"
    )
    with caplog.at_level(logging.WARNING):
        send(inbox, raw, facts["organizer"])
    assert outcomes(db) == [ReplyOutcome.WRONG_ATTENDEE]
    assert "wrong_attendee" in caplog.text
    # ...or as Anna, but from his own mailbox.
    raw = reply_mail(
        "outlook",
        facts,
        email=owner.email,
        name=owner.name,
        partstat="DECLINED",
        sender=other.email,
    )
    send(inbox, raw, facts["organizer"])
    assert outcomes(db)[-1] == ReplyOutcome.WRONG_SENDER
    db.session.expire_all()
    assert (
        answers.rsvp_of(session, owner) is None
        and answers.rsvp_of(session, other) is None
    )


def test_a_reply_about_another_session_is_refused(
    app, db, inbox, programme, group, adviser, session, two_members, outbox
):
    person = two_members[0]
    other = factories.meeting(programme, group, by=adviser, title="Andere")
    db.session.commit()
    facts = invite_facts(invite_to(outbox, person))  # the invite to "Andere"
    raw = reply_mail(
        "google",
        facts,
        email=person.email,
        name=person.name,
        partstat="ACCEPTED",
        to=reply_address(session.id, person.id),
    )
    send(inbox, raw, reply_address(session.id, person.id))
    assert outcomes(db) == [ReplyOutcome.WRONG_SESSION]
    assert answers.rsvp_of(session, person) is None
    assert answers.rsvp_of(other, person) is None


def test_an_unreadable_calendar_part_is_refused(app, db, session, two_members):
    person = two_members[0]
    raw = (
        f"From: {person.email}\r\nTo: {reply_address(session.id, person.id)}\r\n"
        "Content-Type: text/calendar; method=REPLY\r\n\r\nBEGIN:VCALENDAR\r\nrommel\r\n"
    ).encode()
    assert receive(raw, now=utcnow()) == ReplyOutcome.UNREADABLE


def test_without_an_envelope_the_headers_name_the_address(
    app, db, session, two_members, outbox
):
    """A mailbox (IMAP, a forward) has no SMTP envelope: To/Delivered-To count."""
    person = two_members[0]
    raw = answer(outbox, person, "ACCEPTED")
    assert receive(raw, now=utcnow()) == ReplyOutcome.APPLIED
