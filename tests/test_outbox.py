"""The outbox and its worker, against a real SMTP server that fails on demand.

These tests switch off the suite's delivery after each commit and run the worker
themselves, with the time under their control: retries with backoff, permanent
refusals, a server that is down while a session is rescheduled for 40 people,
one connection per batch, claims that a dead worker leaves behind.
"""

import asyncio
import email
import email.policy
from datetime import timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from circle.accounts.models import Role
from circle.database import utcnow
from circle.extensions import db as database
from circle.mail import build_message, discard_queued, queue_mail
from circle.outbox.delivery import claim, deliver_due, send_batch
from circle.outbox.models import OutboxMessage, OutboxStatus
from tests import factories
from tests.conftest import free_port, make_test_app, running
from tests.test_meetings import session_form


class ScriptedServer:
    """An aiosmtpd handler that answers as told: the next answers to RCPT and
    DATA can be set to failures; it counts connections (EHLO) and keeps what it
    accepted."""

    def __init__(self):
        self.envelopes = []
        self.connections = 0
        self.data_answers: list[str] = []
        self.refused: dict[str, str] = {}

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address in self.refused:
            return self.refused[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_answers:
            return self.data_answers.pop(0)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [
            email.message_from_bytes(e.content, policy=email.policy.default)[
                "Message-ID"
            ]
            for e in self.envelopes
        ]


class Sink:
    """A real SMTP server on a fixed loopback port that can be stopped and
    started again (the same port, as a mail server that was down)."""

    def __init__(self):
        self.handler = ScriptedServer()
        self.port = free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
            asyncio.set_event_loop(None)


@pytest.fixture
def sink():
    server = Sink()
    server.start()
    yield server
    server.stop()


def worker_app(sink, **settings):
    return make_test_app(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=sink.port,
        MAIL_TIMEOUT=5,
        OUTBOX_DELIVER_AFTER_COMMIT=False,
        OUTBOX_RETRY_BASE_SECONDS=60,
        OUTBOX_RETRY_MAX_SECONDS=3600,
        OUTBOX_MAX_ATTEMPTS=4,
        OUTBOX_BATCH_SIZE=50,
        OUTBOX_CLAIM_SECONDS=300,
        **settings,
    )


@pytest.fixture
def app(sink, tmp_path):
    """This module's app (and so its client, db and factories) sends to `sink`
    and leaves delivery to the worker the tests run."""
    with running(worker_app(sink, UPLOAD_FOLDER=str(tmp_path))) as app:
        yield app


@pytest.fixture
def mail_app(app):
    return app


def queue(count=1, prefix="persoon"):
    for number in range(count):
        queue_mail(
            database.session,
            build_message(f"{prefix}{number}@example.org", "Onderwerp", "Tekst"),
        )
    database.session.commit()


def rows() -> list[OutboxMessage]:
    database.session.expire_all()
    return list(database.session.scalars(sa.select(OutboxMessage)))


def test_mail_exists_exactly_when_the_change_does(mail_app, sink):
    queue_mail(database.session, build_message("a@example.org", "Weg", "Tekst"))
    database.session.rollback()
    assert rows() == []
    queue(1)
    [row] = rows()
    assert row.status == OutboxStatus.QUEUED and row.attempts == 0
    assert sink.handler.envelopes == []  # nothing is sent inside the transaction


def test_temporary_failure_then_success_delivers_once(mail_app, sink):
    sink.handler.data_answers = ["451 4.3.0 Please try again later"]
    queue(1)
    start = utcnow()
    first = deliver_due(now=start)
    [row] = rows()
    assert (first.sent, first.retrying) == (0, 1)
    assert row.status == OutboxStatus.QUEUED and row.attempts == 1
    assert row.next_attempt_at == start + timedelta(seconds=60)
    assert row.last_error.startswith("451")
    assert deliver_due(now=start + timedelta(seconds=30)).sent == 0  # backing off
    assert deliver_due(now=start + timedelta(seconds=61)).sent == 1
    assert deliver_due(now=start + timedelta(seconds=999)).sent == 0
    [row] = rows()
    assert row.status == OutboxStatus.SENT and row.attempts == 2
    assert sink.handler.message_ids() == [row.message_id]  # once, same Message-ID


def test_backoff_doubles_and_gives_up_after_the_last_try(mail_app, sink):
    sink.stop()  # nobody listens on the port: every try fails to connect
    queue(1)
    moment = utcnow()
    waits = []
    for _ in range(4):
        deliver_due(now=moment)
        [row] = rows()
        if row.status == OutboxStatus.FAILED:
            break
        waits.append(row.next_attempt_at - moment)
        moment = row.next_attempt_at
    assert waits == [timedelta(seconds=s) for s in (60, 120, 240)]
    assert row.status == OutboxStatus.FAILED and row.attempts == 4
    assert row.last_error  # the connection error, for the admins


def test_permanent_failure_is_marked_failed_and_shown_to_admins(
    mail_app, sink, make_user, login, client
):
    sink.handler.refused["nobody@example.org"] = "550 5.1.1 No such user here"
    queue_mail(database.session, build_message("nobody@example.org", "Hoi", "Tekst"))
    queue(1, prefix="iemand")
    done = deliver_due(now=utcnow())
    assert (done.sent, done.failed) == (1, 1)  # the batch went on after the refusal
    failed = database.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == "nobody@example.org")
    )
    assert failed.status == OutboxStatus.FAILED and failed.attempts == 1
    assert failed.last_error == "550 5.1.1 No such user here"
    assert deliver_due(now=utcnow() + timedelta(days=1)).failed == 0  # never again

    login(make_user(Role.ADMIN))
    page = client.get("/admin/outbox?view=failed").get_data(as_text=True)
    assert "nobody@example.org" in page and "550 5.1.1 No such user here" in page
    health = client.get("/healthz").json["outbox"]
    assert health["failed"] == 1 and health["queued"] == 0

    # The address is fixed at the other end: the admin sends it again.
    del sink.handler.refused["nobody@example.org"]
    client.post_form(f"/admin/outbox/{failed.id}/retry")
    assert deliver_due(now=utcnow()).sent == 1
    assert "nobody@example.org" in [e.rcpt_tos[0] for e in sink.handler.envelopes]


def test_admins_discard_a_failed_message(mail_app, sink, make_user, login, client):
    sink.handler.refused["nobody0@example.org"] = "553 5.1.3 Bad address"
    queue(1, prefix="nobody")
    deliver_due(now=utcnow())
    [row] = rows()
    login(make_user(Role.ADMIN))
    client.post_form(f"/admin/outbox/{row.id}/discard")
    [row] = rows()
    assert row.status == OutboxStatus.DISCARDED
    retried = client.post_form(f"/admin/outbox/{row.id}/retry", follow_redirects=True)
    assert "Alleen een mislukt bericht kan opnieuw" in retried.get_data(as_text=True)


def test_a_batch_goes_over_one_connection(mail_app, sink):
    queue(12)
    assert deliver_due(now=utcnow()).sent == 12
    assert sink.handler.connections == 1
    assert len(set(sink.handler.message_ids())) == 12


def test_server_down_during_a_reschedule_of_40_people(
    mail_app, sink, make_programme, make_group, make_user, adviser, login, client
):
    programme = make_programme(advisers=[adviser])
    group = make_group(programme, capacity=50, advisers=[adviser])
    for _ in range(40):
        factories.membership(group, factories.user(Role.PARTICIPANT))
    meeting = factories.meeting(programme, group, by=adviser)
    database.session.commit()
    deliver_due(now=utcnow())  # the invitations
    invited = len(sink.handler.envelopes)
    assert invited == 41  # 40 members and the adviser who hosts

    sink.stop()
    login(adviser)
    response = client.post_form(
        f"/sessions/{meeting.id}/edit", session_form(location="Raadzaal")
    )
    assert response.status_code == 302
    waiting = [row for row in rows() if row.status == OutboxStatus.QUEUED]
    # The request only wrote the updates: nothing tried to reach the server.
    assert len(waiting) == 41 and {row.attempts for row in waiting} == {0}

    start = utcnow()
    assert deliver_due(now=start).retrying == 41  # the server is still down
    sink.start()
    assert deliver_due(now=start + timedelta(seconds=30)).sent == 0
    assert deliver_due(now=start + timedelta(seconds=61)).sent == 41
    updates = sink.handler.envelopes[invited:]
    recipients = [envelope.rcpt_tos[0] for envelope in updates]
    assert len(recipients) == len(set(recipients)) == 41
    assert all(b"Raadzaal" in envelope.content for envelope in updates)


def test_a_second_worker_leaves_claimed_rows_alone_until_the_lease_ends(mail_app, sink):
    queue(3)
    now = utcnow()
    lease = timedelta(seconds=300)
    with sa.orm.Session(database.engine, expire_on_commit=False) as session:
        first = claim(session, worker="first", now=now, size=10, lease=lease)
        assert len(first) == 3
        assert claim(session, worker="second", now=now, size=10, lease=lease) == []
        # The first worker sends one message, then dies without a word.
        send_batch(
            session,
            first[:1],
            worker="first",
            clock=lambda: now,
            config=mail_app.config,
        )
    later = now + lease + timedelta(seconds=1)
    assert deliver_due(now=later).sent == 2  # the rest, not the one sent
    ids = sink.handler.message_ids()
    assert len(ids) == len(set(ids)) == 3
    assert {row.status for row in rows()} == {OutboxStatus.SENT}


def test_the_worker_is_woken_after_a_commit(mail_app):
    woken = []
    mail_app.extensions["circle_outbox_wake"] = lambda: woken.append(True)
    database.session.commit()  # nothing queued: nobody is woken
    assert woken == []
    queue(1)
    assert woken == [True]


def test_discarded_mail_never_reaches_the_outbox(mail_app):
    queue_mail(database.session, build_message("a@example.org", "Demo", "Tekst"))
    database.session.flush()
    queue_mail(database.session, build_message("b@example.org", "Demo", "Tekst"))
    discard_queued(database.session)
    database.session.commit()
    assert rows() == []


def test_old_sent_mail_is_cleaned_up(mail_app, sink):
    from circle.outbox.services import prune_outbox

    queue(2)
    deliver_due(now=utcnow())
    queue(1, prefix="nieuw")
    assert prune_outbox(now=utcnow() + timedelta(days=29)) == 0
    assert prune_outbox(now=utcnow() + timedelta(days=31)) == 2
    database.session.commit()
    assert [row.recipient for row in rows()] == ["nieuw0@example.org"]
