"""The background jobs run by themselves in the real server (`python wsgi.py`, as
`make run` starts it): no cron, no worker process, a real SMTP server.

One server, the demo programme, and what a person would do: an adviser
schedules a session a day ahead, a member answers "going", and the reminder
arrives; the SMTP server goes down while the adviser moves the session, and
every invitee's update arrives once it is back; a mention arrives at once.
"""

import email
import email.policy
import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bench.servers import Server, log_in
from circle.database import utcnow
from circle.demo import DEMO_PASSWORD
from circle.timezones import utc_to_local
from tests.test_outbox import Sink

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def wait_for(condition, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"waited {seconds}s for {what}")


def received(sink) -> list:
    return [
        email.message_from_bytes(envelope.content, policy=email.policy.default)
        for envelope in list(sink.handler.envelopes)
    ]


def subjects_to(sink, address: str) -> list[str]:
    # A long subject is folded onto its own line; the parser keeps the space.
    return [m["Subject"].strip() for m in received(sink) if address in m["To"]]


def csrf(session, url: str) -> str:
    page = session.get(url, timeout=10).text
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def post(session, url: str, data: dict):
    response = session.post(
        url,
        data={"csrf_token": csrf(session, url), **data},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:300]
    return response


@pytest.fixture
def server(tmp_path):
    sink = Sink()
    sink.start()
    url = f"sqlite:///{tmp_path / 'circle.db'}"
    running = Server(
        url,
        log_path=tmp_path / "server.log",
        RATELIMIT_ENABLED="0",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(sink.port),
        REMINDER_INTERVAL_SECONDS="2",
        OUTBOX_POLL_SECONDS="1",
        OUTBOX_RETRY_BASE_SECONDS="1",
        OUTBOX_RETRY_MAX_SECONDS="2",
    )
    running.flask("db", "upgrade")
    running.flask("circle", "seed-demo", "--if-empty")
    engine = sa.create_engine(url)
    running.start()
    yield running, sink, engine
    running.stop()
    engine.dispose()
    sink.stop()


def test_reminders_updates_and_mentions_arrive_without_cron(server):
    running, sink, engine = server
    with engine.connect() as connection:
        group_id = connection.execute(
            sa.text("SELECT id FROM groups WHERE name = 'Leerkring Limburg'")
        ).scalar_one()
        thread_id = connection.execute(
            sa.text(
                "SELECT id FROM threads WHERE title = "
                "'Hoe beoordelen we aanvragen voor ons initiatievenfonds?'"
            )
        ).scalar_one()
    base = running.url
    adviser = log_in(running, "adviseur@example.org", DEMO_PASSWORD)
    member = log_in(running, "gemeente@example.org", DEMO_PASSWORD)

    # A session tomorrow, inside the 48-hour reminder window.
    starts = utc_to_local(utcnow() + timedelta(hours=24)).replace(second=0)
    form = {
        "kind": "regional_exchange",
        "title": "Extra bijeenkomst",
        "agenda": "Tips",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "location": "Gemeentehuis Stein",
        "online_url": "",
        "capacity": "",
    }
    created = post(adviser, f"{base}/groups/{group_id}/sessions/new", form)
    meeting_id = int(re.search(r"/sessions/(\d+)", created.headers["Location"])[1])
    invitations = wait_for(
        lambda: [s for s in (m["Subject"] for m in received(sink)) if "Extra" in s],
        seconds=30,
        what="the invitations",
    )
    time.sleep(2)  # let the last invitations of the batch come in
    invited = len([m for m in received(sink) if "Uitnodiging: Extra" in m["Subject"]])
    assert invited >= 3 and invitations

    post(member, f"{base}/sessions/{meeting_id}/rsvp", {"response": "going"})
    wait_for(
        lambda: (
            "Herinnering: Extra bijeenkomst"
            in subjects_to(sink, "gemeente@example.org")
        ),
        seconds=30,
        what="the reminder",
    )

    # The mail server goes down while the adviser moves the session.
    sink.stop()
    started = time.monotonic()
    post(
        adviser, f"{base}/sessions/{meeting_id}/edit", {**form, "location": "Raadzaal"}
    )
    assert time.monotonic() - started < 5  # the request did not wait for SMTP
    time.sleep(2)  # the worker tries, and fails, meanwhile
    sink.start()
    updates = wait_for(
        lambda: (
            found
            if len(
                found := [
                    m
                    for m in received(sink)
                    if m["Subject"] == "Gewijzigd: Extra bijeenkomst"
                ]
            )
            >= invited
            else None
        ),
        seconds=45,
        what="every invitee's update",
    )
    time.sleep(2)
    updates = [
        m for m in received(sink) if m["Subject"] == "Gewijzigd: Extra bijeenkomst"
    ]
    recipients = [m["To"].addresses[0].addr_spec for m in updates]
    assert len(recipients) == len(set(recipients)) == invited

    # A mention reaches a person who wants mentions at once (the default).
    post(
        adviser,
        f"{base}/threads/{thread_id}/reply",
        {"body": "Wat vind jij, @Jeroen Smeets?"},
    )
    wait_for(
        lambda: any(
            s.startswith("Je werd genoemd")
            for s in subjects_to(sink, "gemeente@example.org")
        ),
        seconds=30,
        what="the mention",
    )
