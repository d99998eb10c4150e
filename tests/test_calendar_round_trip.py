"""The acceptance of #12 in the running app: real server processes, a real SMTP
server for outgoing mail, and `flask circle inbox` receiving answers.

An adviser schedules a session; a participant answers its invite from Outlook
(a REPLY built from the invite they were mailed) and the session page shows
them as going, without anyone touching the web form; a second REPLY (DECLINED)
frees the place and promotes the first person on the waitlist, who receives a
REQUEST. A member removed from the group receives CANCELs. The server runs
with HOST and PORT only, as `make run HOST=… PORT=…`: its links follow them.
"""

import email
import email.policy
import re
import smtplib
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bench.servers import ROOT, Server, free_port, log_in
from circle.database import utcnow
from circle.demo import DEMO_PASSWORD
from circle.timezones import utc_to_local
from tests.calendar_clients import invite_facts, reply_mail
from tests.test_jobs_in_server import post, wait_for
from tests.test_outbox import Sink

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

ANSWERING = ("gemeente@example.org", "Jeroen Smeets")
WAITING = "initiatief@example.org"
REMOVED = "wethouder.stein@example.org"


def received(sink) -> list:
    return [
        email.message_from_bytes(envelope.content, policy=email.policy.default)
        for envelope in list(sink.handler.envelopes)
    ]


def mails_to(sink, address: str, subject: str) -> list:
    return [
        m
        for m in received(sink)
        if address in m["To"] and m["Subject"].strip().startswith(subject)
    ]


def calendar_of(message) -> bytes:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return part.get_payload(decode=True)
    raise AssertionError("no calendar part")


@pytest.fixture
def running(tmp_path):
    sink = Sink()
    sink.start()
    url = f"sqlite:///{tmp_path / 'circle.db'}"
    server = Server(
        url,
        log_path=tmp_path / "server.log",
        BASE_URL="",  # as `make run HOST=… PORT=…`: derived from them
        RATELIMIT_ENABLED="0",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(sink.port),
        OUTBOX_POLL_SECONDS="1",
        REPLY_DOMAIN="antwoord.circle.test",
    )
    server.flask("db", "upgrade")
    server.flask("circle", "seed-demo", "--if-empty")
    inbox_port = free_port()
    inbox = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "circle",
            "circle",
            "inbox",
            "--port",
            str(inbox_port),
        ],
        cwd=ROOT,
        env=server.env,
        stdout=open(tmp_path / "inbox.log", "wb"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    server.start()
    engine = sa.create_engine(url)
    wait_for(lambda: _listening(inbox_port), seconds=30, what="the inbox")
    yield server, sink, inbox_port, engine
    inbox.terminate()
    inbox.wait(timeout=10)
    server.stop()
    engine.dispose()
    sink.stop()


def _listening(port: int) -> bool:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=2) as smtp:
            return smtp.noop()[0] == 250
    except OSError:
        return False


def send_reply(port: int, raw: bytes, to: str) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.sendmail(ANSWERING[0], [to], raw)


def test_answers_from_outlook_count_and_changes_reach_every_calendar(running):
    server, sink, inbox_port, engine = running
    with engine.connect() as connection:
        group_id = connection.execute(
            sa.text("SELECT id FROM groups WHERE name = 'Leerkring Limburg'")
        ).scalar_one()
    adviser = log_in(server, "adviseur@example.org", DEMO_PASSWORD)
    starts = utc_to_local(utcnow() + timedelta(days=10)).replace(second=0)
    form = {
        "kind": "regional_exchange",
        "title": "Terugkoppeling fondsen",
        "agenda": "",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "location": "Gemeentehuis Stein",
        "online_url": "",
        "capacity": "1",
    }
    created = post(adviser, f"{server.url}/groups/{group_id}/sessions/new", form)
    meeting_id = int(re.search(r"/sessions/(\d+)", created.headers["Location"])[1])
    page_url = f"{server.url}/sessions/{meeting_id}"

    (invite,) = wait_for(
        lambda: mails_to(sink, ANSWERING[0], "Uitnodiging: Terugkoppeling"),
        seconds=30,
        what="the invitation",
    )
    # The links point where the server runs (HOST and PORT, no BASE_URL).
    assert f"{page_url}#rsvp" in invite.get_body(("plain",)).get_content()
    facts = invite_facts(calendar_of(invite))
    assert facts["organizer"].endswith("@antwoord.circle.test")

    # Jeroen clicks "Accepteren" in Outlook.
    accepted = reply_mail(
        "outlook", facts, email=ANSWERING[0], name=ANSWERING[1], partstat="ACCEPTED"
    )
    send_reply(inbox_port, accepted, facts["organizer"])
    wait_for(
        lambda: "1 van 1 bezet" in adviser.get(page_url, timeout=10).text,
        seconds=15,
        what="the session page to count the place",
    )
    page = adviser.get(page_url, timeout=10).text
    going = page[page.index('id="going-heading"') :]
    assert ANSWERING[1] in going[: going.index("</section>")]

    # Someone else wants to come too, on the web: the waitlist.
    waiting = log_in(server, WAITING, DEMO_PASSWORD)
    post(waiting, f"{page_url}/rsvp", {"response": "going"})
    wait_for(
        lambda: mails_to(sink, WAITING, "Op de wachtlijst"),
        seconds=15,
        what="the waitlist mail",
    )

    # Jeroen declines after all, again from Outlook.
    declined = reply_mail(
        "outlook", facts, email=ANSWERING[0], name=ANSWERING[1], partstat="DECLINED"
    )
    send_reply(inbox_port, declined, facts["organizer"])
    (promoted,) = wait_for(
        lambda: mails_to(sink, WAITING, "Je hebt een plaats"),
        seconds=15,
        what="the promotion",
    )
    ics = calendar_of(promoted).decode()
    assert "METHOD:REQUEST" in ics and "PARTSTAT=ACCEPTED" in ics

    # A member removed from the group gets a CANCEL for the session ahead.
    with engine.connect() as connection:
        membership_id = connection.execute(
            sa.text(
                "SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id "
                "WHERE u.email = :email AND m.group_id = :group"
            ),
            {"email": REMOVED, "group": group_id},
        ).scalar_one()
    post(
        adviser,
        f"{server.url}/memberships/{membership_id}/remove",
        {"reason": "Vertrokken bij de gemeente"},
    )
    (cancel,) = wait_for(
        lambda: mails_to(sink, REMOVED, "Niet meer uitgenodigd: Terugkoppeling"),
        seconds=15,
        what="the CANCEL",
    )
    assert b"METHOD:CANCEL" in calendar_of(cancel)
    time.sleep(0.5)
