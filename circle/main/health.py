"""What /healthz reports: can Circle reach its database and its message queue,
and is its mail going out?

Load balancers poll this every few seconds, so the Redis client is made once per
app and reused (redis-py keeps a connection pool), not opened on every call.
"""

import redis
import sqlalchemy as sa
from flask import current_app

from circle.database import utcnow
from circle.extensions import db
from circle.outbox.services import state as outbox_state


def check_database() -> bool:
    try:
        db.session.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        current_app.logger.warning("Health check: database unreachable", exc_info=True)
        db.session.rollback()
        return False


def _queue_client(url: str) -> redis.Redis:
    clients = current_app.extensions.setdefault("circle_health_redis", {})
    if url not in clients:
        clients[url] = redis.Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=2
        )
    return clients[url]


def check_message_queue() -> bool | None:
    """True or False for a configured queue; None when there is none (one process)."""
    url = current_app.config["SOCKETIO_MESSAGE_QUEUE"]
    if not url:
        return None
    try:
        return bool(_queue_client(url).ping())
    except (redis.RedisError, OSError):
        current_app.logger.warning(
            "Health check: message queue unreachable", exc_info=True
        )
        return False


def check_outbox() -> dict | None:
    """The oldest waiting message's age and the failed ones: a worker that stopped
    shows as a growing age. Reported only; mail trouble does not take the web
    server out of the load balancer."""
    try:
        state = outbox_state(now=utcnow())
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return None
    return {
        "queued": state.queued,
        "oldest_queued_seconds": state.oldest_queued_seconds,
        "failed": state.failed,
    }


def report() -> dict:
    database = check_database()
    queue = check_message_queue()
    healthy = database and queue is not False
    return {
        "status": "ok" if healthy else "error",
        "database": "ok" if database else "error",
        "message_queue": {None: "not configured", True: "ok", False: "error"}[queue],
        "outbox": check_outbox() if database else None,
    }
