"""Benchmark: 1,000 answers from calendar apps next to 1,000 through the web form.

Run with `make bench` (or `.venv/bin/python bench/replies.py [--people N]
[--sessions M]`). In one run, on a SQLite file: N people each answer M
sessions "going" (N x M answers, 1,000 by default), three ways:

- **web form**: a logged-in POST to /sessions/<id>/rsvp per answer (the test
  client: the whole Flask request, CSRF, service and commit, no network);
- **REPLY, in process**: `replies.receive` on each mail as Outlook sends it,
  one transaction per mail, as the inbox does it;
- **REPLY over SMTP**: the same mails sent to `flask circle inbox`'s listener
  (aiosmtpd) on loopback, one SMTP connection for all, so parsing the
  conversation and the worker thread are counted too.

Between the ways every answer is taken back, so each starts from the same state.
"""

import argparse
import logging
import smtplib
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from circle.accounts.models import Role  # noqa: E402
from circle.database import utcnow  # noqa: E402
from circle.extensions import db  # noqa: E402
from circle.itip import reply_address  # noqa: E402
from circle.meetings.ical import meeting_to_ical  # noqa: E402
from circle.meetings.inbox import InboxController  # noqa: E402
from circle.meetings.models import CalendarReply, Meeting, Rsvp  # noqa: E402
from circle.meetings.replies import receive  # noqa: E402
from circle.outbox.models import OutboxMessage  # noqa: E402
from tests import factories  # noqa: E402
from tests.calendar_clients import invite_facts, reply_mail  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.factories import PASSWORD  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from outbox import make_app  # noqa: E402


def build(app, people: int, sessions: int):
    with app.app_context():
        db.create_all()
        admin = factories.user(Role.ADMIN)
        adviser = factories.user(Role.ADVISER, email="adviser@example.org")
        programme = factories.programme(by=admin, advisers=[adviser])
        group = factories.group(
            programme, by=admin, advisers=[adviser], capacity=people + 10
        )
        members = [factories.user(Role.PARTICIPANT) for _ in range(people)]
        for member in members:
            factories.membership(group, member)
        for number in range(sessions):
            factories.meeting(programme, group, by=adviser, title=f"Sessie {number}")
        db.session.commit()
        return [(m.id, m.email, m.name) for m in members], [
            meeting.id for meeting in db.session.scalars(sa.select(Meeting))
        ]


def reset(app) -> None:
    with app.app_context():
        for model in (Rsvp, CalendarReply, OutboxMessage):
            db.session.execute(sa.delete(model))
        db.session.commit()


def replies(app, members, meeting_ids) -> list[tuple[bytes, str, str]]:
    """(mail, reply address, sender) for every answer, built from the invites."""
    found = []
    with app.app_context():
        for user_id, email, name in members:
            person = db.session.get(factories.User, user_id)
            for meeting_id in meeting_ids:
                meeting = db.session.get(Meeting, meeting_id)
                facts = invite_facts(meeting_to_ical(meeting, attendee=person))
                raw = reply_mail(
                    "outlook", facts, email=email, name=name, partstat="ACCEPTED"
                )
                found.append((raw, reply_address(meeting_id, user_id), email))
    return found


def web_form(app, members, meeting_ids) -> float:
    clients = []
    for _user_id, email, _name in members:
        client = app.test_client()
        client.post_form("/login", {"email": email, "password": PASSWORD})
        clients.append((client, client.csrf_token()))
    started = time.perf_counter()
    for client, token in clients:
        for meeting_id in meeting_ids:
            response = client.post(
                f"/sessions/{meeting_id}/rsvp",
                data={"csrf_token": token, "response": "going"},
            )
            assert response.status_code == 302, response.status_code
    return time.perf_counter() - started


def in_process(app, mails) -> float:
    started = time.perf_counter()
    with app.app_context():
        for raw, address, _sender in mails:
            outcome = receive(raw, now=utcnow(), recipients=[address])
            db.session.commit()
            assert outcome.value == "applied", outcome
    return time.perf_counter() - started


def over_smtp(app, mails) -> float:
    controller = InboxController(app, host="127.0.0.1", port=free_port())
    controller.start()
    try:
        started = time.perf_counter()
        with smtplib.SMTP(controller.hostname, controller.port, timeout=30) as smtp:
            for raw, address, sender in mails:
                smtp.sendmail(sender, [address], raw)
        return time.perf_counter() - started
    finally:
        controller.stop()


def count_answers(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp))


def main() -> None:
    # One INFO line per reply would drown the figures.
    logging.getLogger("circle.meetings.replies").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--sessions", type=int, default=10)
    arguments = parser.parse_args()
    total = arguments.people * arguments.sessions
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(folder, free_port(), OUTBOX_DELIVER_AFTER_COMMIT=False)
        members, meeting_ids = build(app, arguments.people, arguments.sessions)
        mails = replies(app, members, meeting_ids)
        reset(app)
        timings = {"web form": web_form(app, members, meeting_ids)}
        assert count_answers(app) == total
        reset(app)
        timings["REPLY, in process"] = in_process(app, mails)
        assert count_answers(app) == total
        reset(app)
        timings["REPLY over SMTP"] = over_smtp(app, mails)
        assert count_answers(app) == total
        with app.app_context():
            db.engine.dispose()

    print(
        f"{total} answers ({arguments.people} people x {arguments.sessions} sessions):"
    )
    web = timings["web form"]
    for name, seconds in timings.items():
        print(
            f"  {name:<18} {seconds:6.2f} s  {seconds / total * 1000:6.2f} ms "
            f"per answer  {seconds / web:5.2f} x the web form"
        )


if __name__ == "__main__":
    main()
