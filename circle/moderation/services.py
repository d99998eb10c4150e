"""Writing and reading the audit log."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from circle.accounts.models import User
from circle.extensions import db
from circle.moderation.models import AuditEntry

#: How each action reads in the log.
ACTION_LABELS = {
    "post.hide": _l("Post hidden"),
    "post.restore": _l("Post restored"),
    "thread.lock": _l("Conversation closed"),
    "thread.unlock": _l("Conversation reopened"),
    "thread.pin": _l("Conversation pinned"),
    "thread.unpin": _l("Conversation unpinned"),
    "thread.move": _l("Conversation moved"),
    "report.dismiss": _l("Report dismissed"),
}


def record(
    action: str,
    subject: str,
    *,
    by: User,
    programme_id: int,
    group_id: int | None,
    reason: str = "",
    summary: str = "",
    now: datetime,
) -> AuditEntry:
    entry = AuditEntry(
        actor=by,
        action=action,
        subject=subject,
        summary=summary[:300],
        programme_id=programme_id,
        group_id=group_id,
        reason=reason,
        created_at=now,
    )
    db.session.add(entry)
    return entry


def entries(
    *, programme_id: int, group_id: int | None, limit: int = 200
) -> list[AuditEntry]:
    """A group's log, or (group_id None) the programme-wide log."""
    query = sa.select(AuditEntry).where(AuditEntry.programme_id == programme_id)
    if group_id is None:
        query = query.where(AuditEntry.group_id.is_(None))
    else:
        query = query.where(AuditEntry.group_id == group_id)
    return list(
        db.session.scalars(
            query.options(joinedload(AuditEntry.actor))
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )
