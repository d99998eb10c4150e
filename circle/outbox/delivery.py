"""The outbox worker: claim due messages, send a batch over one connection, mark each.

Several workers may run at once. A worker claims a batch in one short statement
(`SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers never wait for
each other; SQLite runs one writer at a time) by writing its name and a lease
on the rows, then sends outside any transaction and marks each message in its
own commit right after the server accepted it. A worker that dies leaves its
unsent rows claimed until the lease runs out; then another worker takes them.
Only the message in flight at that moment can go out twice, with the same
Message-ID, so the receiving server can recognise it.
"""

import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from blinker import Namespace
from flask import current_app
from sqlalchemy.orm import Session

from circle.database import utcnow
from circle.extensions import db
from circle.outbox.models import OutboxMessage, OutboxStatus
from circle.outbox.transport import ConnectionFailed, DeliveryError, transport_for

log = logging.getLogger("circle.mail")
#: Sent with `message=` for every message the mail server (or the log) accepted.
message_sent = Namespace().signal("message-sent")


@dataclass
class Delivered:
    """What one run of the worker did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __bool__(self) -> bool:
        return bool(self.sent or self.retrying or self.failed)

    def __iadd__(self, other: "Delivered") -> "Delivered":
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        return self


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def backoff(attempts: int, config) -> timedelta:
    """How long to wait after the `attempts`-th failed try: doubling, capped."""
    seconds = config["OUTBOX_RETRY_BASE_SECONDS"] * 2 ** (attempts - 1)
    return timedelta(seconds=min(seconds, config["OUTBOX_RETRY_MAX_SECONDS"]))


def _due(now: datetime):
    return sa.and_(
        OutboxMessage.status == OutboxStatus.QUEUED,
        OutboxMessage.next_attempt_at <= now,
        sa.or_(
            OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now
        ),
    )


def claim(session: Session, *, worker: str, now: datetime, size: int, lease):
    """Claim up to `size` due messages for `worker` until `now + lease`; commits."""
    due_ids = (
        sa.select(OutboxMessage.id)
        .where(_due(now))
        .order_by(OutboxMessage.id)
        .limit(size)
        .with_for_update(skip_locked=True)
    )
    # The condition is repeated on the rows themselves: on SQLite the inner
    # select takes no lock, and a second worker must find them claimed.
    session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(due_ids.scalar_subquery()), _due(now))
        .values(claimed_by=worker, claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return list(
        session.scalars(
            sa.select(OutboxMessage)
            .where(
                OutboxMessage.claimed_by == worker,
                OutboxMessage.status == OutboxStatus.QUEUED,
                OutboxMessage.claimed_until > now,
            )
            .order_by(OutboxMessage.id)
        )
    )


def _finish(session: Session, row: OutboxMessage, worker: str, **values) -> None:
    """Write the outcome of one try, if the claim is still this worker's; commit."""
    session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == row.id, OutboxMessage.claimed_by == worker)
        .values(
            attempts=OutboxMessage.attempts + 1,
            claimed_by=None,
            claimed_until=None,
            **values,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _failed(session, row, worker, failure: DeliveryError, now, config) -> str:
    attempts = row.attempts + 1
    if failure.permanent or attempts >= config["OUTBOX_MAX_ATTEMPTS"]:
        _finish(
            session, row, worker, status=OutboxStatus.FAILED, last_error=failure.text
        )
        log.warning("E-mail to %s failed: %s", row.recipient, failure.text)
        return "failed"
    _finish(
        session,
        row,
        worker,
        next_attempt_at=now + backoff(attempts, config),
        last_error=failure.text,
    )
    log.info("E-mail to %s will be retried: %s", row.recipient, failure.text)
    return "retrying"


def _release(session: Session, rows: list[OutboxMessage], worker: str) -> None:
    """Give claimed rows back untried, for this or another worker's next batch."""
    if rows:
        session.execute(
            sa.update(OutboxMessage)
            .where(
                OutboxMessage.id.in_([row.id for row in rows]),
                OutboxMessage.claimed_by == worker,
            )
            .values(claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        session.commit()


def send_batch(session: Session, rows, *, worker: str, clock, config) -> Delivered:
    """Send claimed rows over one connection; each outcome is committed at once."""
    done = Delivered()
    transport = transport_for(config)
    # Stop early rather than send after the lease ran out (another worker may
    # have taken the rest by then); what is left goes back to the queue.
    deadline = (
        time.monotonic() + config["OUTBOX_CLAIM_SECONDS"] - 2 * config["MAIL_TIMEOUT"]
    )
    app = current_app._get_current_object()
    try:
        for index, row in enumerate(rows):
            if time.monotonic() > deadline:
                _release(session, rows[index:], worker)
                break
            msg = row.message()
            try:
                transport.send(msg, row.recipient)
            except ConnectionFailed as failure:
                for unsent in rows[index:]:
                    outcome = _failed(session, unsent, worker, failure, clock(), config)
                    setattr(done, outcome, getattr(done, outcome) + 1)
                break
            except DeliveryError as failure:
                outcome = _failed(session, row, worker, failure, clock(), config)
                setattr(done, outcome, getattr(done, outcome) + 1)
                continue
            _finish(
                session,
                row,
                worker,
                status=OutboxStatus.SENT,
                sent_at=clock(),
                last_error="",
            )
            done.sent += 1
            message_sent.send(app, message=msg)
    finally:
        transport.close()
    return done


def deliver_due(
    *, now: datetime | None = None, worker: str | None = None, batches: int = 0
) -> Delivered:
    """Deliver every message that is due, batch by batch, until none is left.

    Without `now` the worker reads the clock at every step; tests pass a fixed
    `now`. `batches` stops after that many batches (0: no limit).
    """
    config = current_app.config
    worker = worker or worker_name()

    def clock() -> datetime:
        return now or utcnow()

    lease = timedelta(seconds=config["OUTBOX_CLAIM_SECONDS"])
    done, count = Delivered(), 0
    with Session(db.engine, expire_on_commit=False) as session:
        while not batches or count < batches:
            rows = claim(
                session,
                worker=worker,
                now=clock(),
                size=config["OUTBOX_BATCH_SIZE"],
                lease=lease,
            )
            if not rows:
                break
            done += send_batch(session, rows, worker=worker, clock=clock, config=config)
            count += 1
    return done


def deliver_outbox(*, now: datetime) -> Delivered:
    """The scheduled job: deliver what is due, reading the clock as it goes (a
    run may take minutes, and claims must not start out expired)."""
    return deliver_due()


def committed() -> None:
    """Called after a transaction that queued mail has committed.

    Tests (OUTBOX_DELIVER_AFTER_COMMIT) deliver at once through the worker's own
    code; a server running the jobs in its process wakes its worker instead of
    waiting for the next poll.
    """
    app = current_app
    if app.config["OUTBOX_DELIVER_AFTER_COMMIT"]:
        try:
            deliver_due()
        except sa.exc.SQLAlchemyError:
            # The change itself is saved; the worker will find the mail.
            log.exception("Could not deliver the outbox after a commit")
        return
    wake = app.extensions.get("circle_outbox_wake")
    if wake is not None:
        wake()
