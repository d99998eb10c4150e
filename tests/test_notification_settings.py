"""Notifications people choose: every choice for every kind, the summary, the
settings page and the one-click unsubscribe link."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from circle.accounts.models import Role
from circle.database import utcnow
from circle.meetings import answers
from circle.meetings.models import Answer
from circle.meetings.reminders import send_reminders
from circle.moderation.services import set_post_hidden
from circle.notifications.models import Choice, Notification, Topic
from circle.notifications.preferences import choice_for, set_choice
from circle.threads import services as threads
from circle.threads.notifications import send_digests
from circle.threads.services import PostData
from tests import factories

#: The summary's subject in Dutch (the default language).
SUMMARY = "Wat er gebeurde in Circle"


@pytest.fixture
def cast(db, group, adviser, make_user, add_member):
    """An author and the person whose choices the tests set, both in the group."""
    author = make_user(Role.PARTICIPANT, name="Anna Auteur")
    reader = make_user(Role.PARTICIPANT, name="Ruud Lezer")
    for person in (author, reader):
        add_member(group, person)
    return author, reader


def to(outbox, person, *, summary: bool) -> list:
    return [
        message
        for message in outbox
        if person.email in message["To"] and (message["Subject"] == SUMMARY) == summary
    ]


def mention(db, group, author, reader, now):
    thread = factories.thread(group.programme, group, by=author, now=now)
    db.session.commit()
    threads.reply(
        thread, PostData(f"Wat vind jij, @{reader.name}?"), by=author, now=now
    )


def reply(db, group, author, reader, now):
    thread = factories.thread(group.programme, group, by=reader, now=now)
    db.session.commit()
    threads.reply(thread, PostData("Goed plan."), by=author, now=now)


def new_thread(db, group, author, reader, now):
    factories.thread(group.programme, group, by=author, now=now)


def reminder(db, group, author, reader, now):
    meeting = factories.meeting(
        group.programme,
        group,
        by=group.advisers[0],
        starts_at=now + timedelta(hours=30),
    )
    # Answered before reminders were due, so the reminder is still to come.
    answers.respond(meeting, reader, Answer.GOING, now=now - timedelta(days=3))
    db.session.commit()
    send_reminders(now=now)


def hidden_post(db, group, author, reader, now):
    thread = factories.thread(group.programme, group, by=author, now=now)
    post = threads.reply(thread, PostData("Iets ongepasts"), by=reader, now=now)
    db.session.commit()
    set_post_hidden(
        post, True, reason="Persoonlijke gegevens", by=group.advisers[0], now=now
    )


EVENTS = {
    Topic.MENTIONS: (mention, "Je werd genoemd"),
    Topic.REPLIES: (reply, "Nieuwe reactie"),
    Topic.NEW_THREADS: (new_thread, "Nieuw gesprek"),
    Topic.SESSIONS: (reminder, "Herinnering"),
    Topic.MODERATION: (hidden_post, "Je bericht is verborgen"),
}
#: What each choice gives: (a mail at once, a notice in Circle, in the summary).
OUTCOMES = {
    Choice.EMAIL: (True, True, False),
    Choice.DIGEST: (False, True, True),
    Choice.CIRCLE: (False, True, False),
    Choice.OFF: (False, False, False),
}


@pytest.mark.parametrize("choice", list(OUTCOMES), ids=str)
@pytest.mark.parametrize("topic", list(EVENTS), ids=str)
def test_each_choice_for_each_kind(db, group, cast, outbox, topic, choice):
    author, reader = cast
    set_choice(reader, topic, choice, now=utcnow())
    db.session.commit()
    event, label = EVENTS[topic]
    now = utcnow()
    event(db, group, author, reader, now)
    db.session.commit()
    mailed, noticed, summarised = OUTCOMES[choice]

    at_once = [m for m in to(outbox, reader, summary=False) if label in m["Subject"]]
    assert len(at_once) == (1 if mailed else 0)
    notices = db.session.scalars(sa.select(Notification).filter_by(user_id=reader.id))
    assert (topic in {n.kind.topic for n in notices}) == noticed

    send_digests(now=now + timedelta(hours=1))
    db.session.commit()
    summaries = to(outbox, reader, summary=True)
    in_summary = any(label in m.get_body(("plain",)).get_content() for m in summaries)
    assert in_summary == summarised


def test_a_mention_mail_says_who_wrote_what(db, group, cast, outbox):
    author, reader = cast
    mention(db, group, author, reader, utcnow())
    db.session.commit()
    [message] = to(outbox, reader, summary=False)
    text = message.get_body(("plain",)).get_content()
    assert message["Subject"].startswith("Je werd genoemd: ")
    assert "Anna Auteur" in text and "Wat vind jij, @Ruud Lezer?" in text
    assert "/posts/" in text


@pytest.mark.parametrize(
    ("choice", "weekday", "sent"),
    [
        (Choice.DAILY, "2099-01-06", True),  # a Tuesday
        (Choice.WEEKLY, "2099-01-06", False),
        (Choice.WEEKLY, "2099-01-05", True),  # a Monday
        (Choice.OFF, "2099-01-05", False),
    ],
)
def test_the_summary_daily_weekly_or_never(
    db, group, cast, outbox, choice, weekday, sent
):
    author, reader = cast
    set_choice(reader, Topic.DIGEST, choice, now=utcnow())
    new_thread(db, group, author, reader, utcnow())
    db.session.commit()
    morning = datetime.fromisoformat(f"{weekday}T06:00:00").replace(tzinfo=UTC)
    send_digests(now=morning)
    db.session.commit()
    assert bool(to(outbox, reader, summary=True)) == sent
    # The notice stays in Circle either way.
    assert db.session.scalar(sa.select(Notification).filter_by(user_id=reader.id))


def unsubscribe_link(message) -> str:
    return re.search(r"<(http[^>]+)>", message["List-Unsubscribe"]).group(1)


def test_optional_mail_carries_a_one_click_unsubscribe(
    app, db, group, cast, outbox, make_meeting
):
    author, reader = cast
    mention(db, group, author, reader, utcnow())
    db.session.commit()
    [message] = to(outbox, reader, summary=False)
    link = unsubscribe_link(message)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in message.get_body(("plain",)).get_content()
    assert link in message.get_body(("html",)).get_content()

    # Essential mail (an invitation) has no unsubscribe link.
    outbox.clear()
    make_meeting(group.programme, group)
    invitation = to(outbox, reader, summary=False)[0]
    assert invitation["List-Unsubscribe"] is None

    # A mail program's one-click POST: no cookies, no CSRF token.
    anonymous = app.test_client()
    path = link.removeprefix("http://localhost")
    page = anonymous.get(path)
    assert (
        page.status_code == 200 and choice_for(reader, Topic.MENTIONS) == Choice.EMAIL
    )
    response = anonymous.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.expire_all()
    assert choice_for(reader, Topic.MENTIONS) == Choice.CIRCLE

    outbox.clear()
    mention(db, group, author, reader, utcnow())
    db.session.commit()
    assert to(outbox, reader, summary=False) == []  # no more mail...
    notices = db.session.scalars(sa.select(Notification).filter_by(user_id=reader.id))
    assert Topic.MENTIONS in {n.kind.topic for n in notices}  # ...but still told


def test_unsubscribing_from_the_summary_stops_it(app, db, group, cast, outbox):
    author, reader = cast
    new_thread(db, group, author, reader, utcnow())
    db.session.commit()
    send_digests(now=utcnow())
    db.session.commit()
    [summary] = to(outbox, reader, summary=True)
    path = unsubscribe_link(summary).removeprefix("http://localhost")
    app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    db.session.expire_all()
    assert choice_for(reader, Topic.DIGEST) == Choice.OFF


def test_a_forged_or_foreign_unsubscribe_link_is_refused(app, client, cast):
    assert client.get("/unsubscribe/not-a-token").status_code == 404
    assert client.post("/unsubscribe/not-a-token").status_code == 404


def test_the_settings_page_shows_and_saves_choices(client, db, cast, login):
    author, reader = cast
    login(reader)
    page = client.get("/profile/notifications").get_data(as_text=True)
    assert (
        '<input checked id="mentions-0" name="mentions" type="radio" value="email">'
        in page
    )
    assert (
        '<input checked id="replies-1" name="replies" type="radio" value="digest">'
        in page
    )
    chosen = {topic.value: topic.default.value for topic in Topic}
    chosen.update(mentions="circle", digest="weekly")
    response = client.post_form("/profile/notifications", chosen)
    assert response.status_code == 302
    db.session.expire_all()
    assert choice_for(reader, Topic.MENTIONS) == Choice.CIRCLE
    assert choice_for(reader, Topic.DIGEST) == Choice.WEEKLY

    # An option a topic does not have changes nothing.
    refused = client.post_form("/profile/notifications", {**chosen, "digest": "email"})
    assert refused.status_code == 200
    db.session.expire_all()
    assert choice_for(reader, Topic.DIGEST) == Choice.WEEKLY
