"""Real worker processes (`flask circle worker`) sharing one outbox: none sent
twice, none lost, also when a worker is killed with SIGKILL in the middle of a
batch. PostgreSQL claims rows with FOR UPDATE SKIP LOCKED; on SQLite a second
worker must not double-send either."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from circle.database import utcnow
from circle.extensions import db as database
from circle.mail import build_message, queue_mail
from circle.outbox.delivery import claim, deliver_due
from circle.outbox.models import OutboxMessage, OutboxStatus
from config import normalise_database_url
from tests import test_outbox
from tests.conftest import running, service_url
from tests.test_outbox import ScriptedServer, Sink, worker_app

ROOT = Path(__file__).resolve().parent.parent
sink = test_outbox.sink  # the same fixture: a real SMTP server that can stop


class SlowServer(ScriptedServer):
    """Takes a while over each message, so a worker can be killed mid-batch."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.03)
        return await super().handle_DATA(server, session, envelope)


def database_url(backend: str, tmp_path) -> str:
    if backend == "postgresql":
        return normalise_database_url(service_url("TEST_DATABASE_URL"))
    return f"sqlite:///{tmp_path / 'outbox.db'}"


def fill(count: int) -> set[str]:
    for number in range(count):
        queue_mail(
            database.session,
            build_message(f"persoon{number}@example.org", f"Bericht {number}", "Tekst"),
        )
    database.session.commit()
    return set(database.session.scalars(sa.select(OutboxMessage.message_id)))


def start_worker(url: str, sink: Sink, **settings) -> subprocess.Popen:
    env = {
        **os.environ,
        "CIRCLE_ENV": "development",
        "DATABASE_URL": url,
        "SECRET_KEY": "test-worker",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(sink.port),
        "OUTBOX_POLL_SECONDS": "1",
        "OUTBOX_BATCH_SIZE": "20",
        **settings,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "circle", "circle", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.1)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.parametrize(("backend", "count"), [("sqlite", 200), ("postgresql", 1000)])
def test_two_workers_deliver_everything_once(backend, count, sink, tmp_path):
    url = database_url(backend, tmp_path)
    with running(worker_app(sink, SQLALCHEMY_DATABASE_URI=url)):
        expected = fill(count)
        workers = [start_worker(url, sink), start_worker(url, sink)]
        try:
            wait_until(lambda: len(sink.handler.envelopes) >= count, 120)
            time.sleep(1)  # anything sent twice would arrive now
        finally:
            for worker in workers:
                stop(worker)
        ids = sink.handler.message_ids()
        assert len(ids) == count and set(ids) == expected  # none twice, none lost
        database.session.expire_all()
        statuses = database.session.scalars(sa.select(OutboxMessage.status))
        assert set(statuses) == {OutboxStatus.SENT}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_worker_killed_mid_batch_loses_nothing(backend, tmp_path):
    sink = Sink()
    sink.handler = SlowServer()
    sink.start()
    url = database_url(backend, tmp_path)
    try:
        with running(worker_app(sink, SQLALCHEMY_DATABASE_URI=url)) as app:
            expected = fill(120)
            worker = start_worker(url, sink, OUTBOX_BATCH_SIZE="50")
            try:
                wait_until(lambda: len(sink.handler.envelopes) >= 30, 60)
            finally:
                worker.send_signal(signal.SIGKILL)
                worker.wait()
            assert 30 <= len(sink.handler.envelopes) < 120
            # Its unsent claims are another worker's once the lease has run out.
            deliver_due(now=utcnow() + timedelta(seconds=10))  # what it never claimed
            database.session.expire_all()
            left = database.session.scalars(
                sa.select(OutboxMessage).where(
                    OutboxMessage.status == OutboxStatus.QUEUED
                )
            ).all()
            assert left and all(row.claimed_by for row in left)  # its claims wait
            lease = timedelta(seconds=app.config["OUTBOX_CLAIM_SECONDS"])
            deliver_due(now=utcnow() + lease + timedelta(seconds=1))
            ids = sink.handler.message_ids()
            assert set(ids) == expected  # nothing lost
            # At most the one message in flight when it died went out twice,
            # with the same Message-ID for the receiving server to recognise.
            assert len(ids) - len(set(ids)) <= 1
    finally:
        sink.stop()


def test_postgresql_workers_skip_rows_another_worker_has_locked(sink, tmp_path):
    url = database_url("postgresql", tmp_path)
    with running(worker_app(sink, SQLALCHEMY_DATABASE_URI=url)):
        fill(10)
        ids = sorted(database.session.scalars(sa.select(OutboxMessage.id)))
        with database.engine.connect() as other:
            locking = other.begin()
            other.execute(
                sa.select(OutboxMessage.id)
                .where(OutboxMessage.id.in_(ids[:4]))
                .with_for_update()
            )
            started = time.monotonic()
            with Session(database.engine) as session:
                claimed = claim(
                    session,
                    worker="second",
                    now=utcnow(),
                    size=10,
                    lease=timedelta(minutes=5),
                )
            assert time.monotonic() - started < 2  # it did not wait for the lock
            assert sorted(row.id for row in claimed) == ids[4:]
            locking.rollback()
