"""Looking after the outbox: what waits, what failed, retrying, discarding, cleanup."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination

from circle.errors import ServiceError
from circle.extensions import db
from circle.outbox.models import OutboxMessage, OutboxStatus
from circle.pagination import paginate
from circle.permissions import can_manage_outbox

#: The admins' tabs: which messages each shows, newest first.
VIEWS = {
    "waiting": OutboxMessage.status == OutboxStatus.QUEUED,
    "failed": OutboxMessage.status == OutboxStatus.FAILED,
    "sent": OutboxMessage.status == OutboxStatus.SENT,
    "discarded": OutboxMessage.status == OutboxStatus.DISCARDED,
}
PER_PAGE = 50


@dataclass
class OutboxState:
    queued: int
    retrying: int
    failed: int
    #: How long the oldest waiting message has waited, in seconds (None: none).
    oldest_queued_seconds: int | None


def state(*, now: datetime) -> OutboxState:
    """What /healthz and the admins' page report."""
    queued = OutboxMessage.status == OutboxStatus.QUEUED
    row = db.session.execute(
        sa.select(
            sa.func.count().filter(queued),
            sa.func.count().filter(queued, OutboxMessage.attempts > 0),
            sa.func.count().filter(OutboxMessage.status == OutboxStatus.FAILED),
        ).select_from(OutboxMessage)
    ).one()
    oldest = db.session.scalar(
        sa.select(sa.func.min(OutboxMessage.created_at)).where(queued)
    )
    return OutboxState(
        queued=row[0],
        retrying=row[1],
        failed=row[2],
        oldest_queued_seconds=(
            max(int((now - oldest).total_seconds()), 0) if oldest else None
        ),
    )


def messages(view: str, page: int | None) -> Pagination:
    query = sa.select(OutboxMessage).where(VIEWS[view])
    order = OutboxMessage.id.asc() if view == "waiting" else OutboxMessage.id.desc()
    return paginate(query.order_by(order), page or 1, PER_PAGE)


def _check(by) -> None:
    if not can_manage_outbox(by):
        raise ServiceError(_l("Only the programme office looks after the outbox."))


def retry_message(message: OutboxMessage, *, by, now: datetime) -> None:
    """Queue a failed message again, with a fresh set of tries."""
    _check(by)
    if message.status != OutboxStatus.FAILED:
        raise ServiceError(_l("Only a failed message can be sent again."))
    message.status = OutboxStatus.QUEUED
    message.attempts = 0
    message.next_attempt_at = now


def discard_message(message: OutboxMessage, *, by, now: datetime) -> None:
    """Never send it (a failed message, or one still waiting for a retry)."""
    _check(by)
    if message.status not in (OutboxStatus.FAILED, OutboxStatus.QUEUED):
        raise ServiceError(_l("This message has been sent or discarded already."))
    message.status = OutboxStatus.DISCARDED


def prune_outbox(*, now: datetime) -> int:
    """Delete sent and discarded messages after OUTBOX_KEEP_DAYS: they hold
    people's addresses and texts, and are needed only to answer "did it go?"."""
    before = now - timedelta(days=current_app.config["OUTBOX_KEEP_DAYS"])
    result = db.session.execute(
        sa.delete(OutboxMessage).where(
            OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.DISCARDED]),
            OutboxMessage.created_at < before,
        )
    )
    return result.rowcount
