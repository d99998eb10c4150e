"""Benchmark: rescheduling a session for 200 invitees, with the outbox and without.

Run with `make bench` (or `.venv/bin/python bench/outbox.py [--invitees N]`).
In one run, against a real SMTP server on loopback (aiosmtpd) and a SQLite file:

- **outbox**: the edit request only writes the 200 updates to the outbox; the
  worker sends them afterwards;
- **direct** (as before the outbox): the request sends every update itself after
  the commit, one SMTP connection per message (the worker's code, with one
  message per batch and delivery in the request);
- **worker**: messages per second one worker delivers, 50 per connection.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller  # noqa: E402

from circle import create_app  # noqa: E402
from circle.accounts.models import Role  # noqa: E402
from circle.database import utcnow  # noqa: E402
from circle.extensions import db  # noqa: E402
from circle.mail import build_message, queue_mail  # noqa: E402
from circle.outbox.delivery import deliver_due  # noqa: E402
from config import TestConfig  # noqa: E402
from tests import factories  # noqa: E402
from tests.conftest import CircleClient, free_port  # noqa: E402
from tests.factories import PASSWORD  # noqa: E402


class Sink:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 Message accepted for delivery"


def make_app(folder: str, port: int, **settings):
    config = type(
        "BenchConfig",
        (TestConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
            "TESTING": False,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
            **settings,
        },
    )
    app = create_app(config)
    app.test_client_class = CircleClient
    return app


def build(app, invitees: int):
    with app.app_context():
        db.create_all()
        admin = factories.user(Role.ADMIN)
        adviser = factories.user(Role.ADVISER, email="adviser@example.org")
        programme = factories.programme(by=admin, advisers=[adviser])
        group = factories.group(
            programme, by=admin, advisers=[adviser], capacity=invitees + 10
        )
        for _ in range(invitees - 1):  # the adviser who hosts is invited too
            factories.membership(group, factories.user(Role.PARTICIPANT))
        meeting = factories.meeting(programme, group, by=adviser)
        db.session.commit()
        deliver_due()  # the invitations
        return meeting.id


def reschedule(app, meeting_id: int, place: str) -> float:
    client = app.test_client()
    client.post_form("/login", {"email": "adviser@example.org", "password": PASSWORD})
    form = {
        "kind": "regional_exchange",
        "title": "Uitwisselingsbijeenkomst",
        "agenda": "- welkom",
        "starts_at": "2098-06-03T19:00",
        "ends_at": "2098-06-03T21:00",
        "location": place,
        "online_url": "",
        "capacity": "",
    }
    token = client.csrf_token()
    started = time.perf_counter()
    response = client.post(
        f"/sessions/{meeting_id}/edit", data={"csrf_token": token, **form}
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invitees", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--messages", type=int, default=1000)
    arguments = parser.parse_args()

    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            outbox_app = make_app(folder, port, OUTBOX_DELIVER_AFTER_COMMIT=False)
            direct_app = make_app(
                folder, port, OUTBOX_DELIVER_AFTER_COMMIT=True, OUTBOX_BATCH_SIZE=1
            )
            meeting_id = build(outbox_app, arguments.invitees)
            times = {"outbox": [], "direct": []}
            for number in range(arguments.rounds):
                before = sink.count
                times["outbox"].append(
                    reschedule(outbox_app, meeting_id, f"Zaal {number}a")
                )
                assert sink.count == before  # nothing sent in the request
                with outbox_app.app_context():
                    deliver_due()
                times["direct"].append(
                    reschedule(direct_app, meeting_id, f"Zaal {number}b")
                )
                assert sink.count == before + 2 * arguments.invitees, sink.count

            with outbox_app.app_context():
                for number in range(arguments.messages):
                    queue_mail(
                        db.session,
                        build_message(f"p{number}@example.org", "Bericht", "Tekst"),
                    )
                db.session.commit()
                started = time.perf_counter()
                done = deliver_due(now=utcnow() + timedelta(seconds=1))
                rate = done.sent / (time.perf_counter() - started)
                db.engine.dispose()
            with direct_app.app_context():
                db.engine.dispose()
    finally:
        controller.stop()
        asyncio.set_event_loop(None)

    outbox = statistics.median(times["outbox"]) * 1000
    direct = statistics.median(times["direct"]) * 1000
    print(
        f"Rescheduling a session for {arguments.invitees} invitees (median of "
        f"{arguments.rounds}):"
    )
    print(f"  request with the outbox:          {outbox:8.0f} ms")
    print(
        f"  request sending directly (before): {direct:8.0f} ms "
        f"({direct / outbox:.1f}x)"
    )
    print(
        f"One worker: {rate:.0f} messages/s ({done.sent} messages, 50 per connection)"
    )


if __name__ == "__main__":
    main()
