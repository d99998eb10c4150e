"""Moderation: the audit log, and the actions on threads and posts it records.

Advisers hide and restore posts, lock, pin and move threads, and handle reports;
every action is written to the audit log in the same transaction. The loop is
closed with notices: advisers hear of new reports, reporters of what became of
their report, and authors of their post being hidden or restored, with the
reason.
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from circle.accounts.models import Role, User
from circle.errors import ServiceError
from circle.extensions import db
from circle.groups.models import Group
from circle.moderation.models import AuditEntry
from circle.notifications.models import NotificationKind
from circle.notifications.services import tell
from circle.permissions import can_moderate_thread, can_report_post
from circle.search.services import rescope_thread
from circle.threads import services as threads
from circle.threads.models import Post, Report, Thread

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
    "organisation.approve": _l("Organisation approved"),
    "organisation.decline": _l("Organisation declined"),
    "organisation.member.approve": _l("Member of an organisation approved"),
    "organisation.member.decline": _l("Member of an organisation declined"),
}


def record(
    action: str,
    subject: str,
    *,
    by: User,
    programme_id: int | None,
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


def organisation_log(limit: int = 200) -> list[AuditEntry]:
    """Decisions about organisations and their members (outside any programme)."""
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action.startswith("organisation."))
            .options(joinedload(AuditEntry.actor))
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )


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


# -- moderating threads and posts ------


def _audit(
    action: str, thread: Thread, subject: str, *, by: User, reason: str, now: datetime
):
    record(
        action,
        subject,
        by=by,
        programme_id=thread.programme_id,
        group_id=thread.group_id,
        reason=reason,
        summary=thread.title,
        now=now,
    )


def _moderator(thread: Thread, by: User) -> None:
    if not can_moderate_thread(by, thread):
        raise ServiceError(_l("You may not moderate this conversation."))


def set_post_hidden(
    post: Post, hidden: bool, *, reason: str, by: User, now: datetime
) -> None:
    _moderator(post.thread, by)
    if hidden and not reason:
        raise ServiceError(_l("Give a reason for hiding the post."), "reason")
    if post.is_hidden == hidden:
        return
    post.is_hidden = hidden
    threads.index_post(post)
    if hidden:
        for report in _open_reports_on(post):
            report.resolved_at = now
            _tell_reporter(report, NotificationKind.REPORT_UPHELD, reason, now=now)
    if post.author is not None and post.author_id != by.id:
        kind = (
            NotificationKind.POST_HIDDEN if hidden else NotificationKind.POST_RESTORED
        )
        tell(post.author, kind, post=post, note=reason, now=now)
    _audit(
        "post.hide" if hidden else "post.restore",
        post.thread,
        f"post:{post.id}",
        by=by,
        reason=reason,
        now=now,
    )


def set_thread_flag(
    thread: Thread, flag: str, value: bool, *, reason: str, by: User, now: datetime
) -> None:
    """Lock/unlock or pin/unpin."""
    _moderator(thread, by)
    attribute = {"lock": "is_locked", "pin": "is_pinned"}[flag]
    if getattr(thread, attribute) == value:
        return
    setattr(thread, attribute, value)
    action = f"thread.{flag}" if value else f"thread.un{flag}"
    _audit(action, thread, f"thread:{thread.id}", by=by, reason=reason, now=now)


def move_thread(
    thread: Thread, group_id: int | None, *, reason: str, by: User, now: datetime
) -> None:
    """Between a group and the whole programme (or another group of it)."""
    _moderator(thread, by)
    target = None
    if group_id is not None:
        target = db.session.get(Group, group_id)
        if target is None or target.programme_id != thread.programme_id:
            raise ServiceError(_l("Choose where to move it from the list."), "group_id")
        if not can_moderate_thread(
            by, Thread(programme=thread.programme, group=target)
        ):
            raise ServiceError(
                _l("You may not move conversations to that group."), "group_id"
            )
    if thread.group_id == group_id:
        return
    before = thread.group.name if thread.group else "programme"
    after = target.name if target else "programme"
    thread.group = target
    rescope_thread(thread.id, group_id=group_id)
    _audit(
        "thread.move",
        thread,
        f"thread:{thread.id}",
        by=by,
        reason=f"{reason} ({before} → {after})".strip(),
        now=now,
    )


def report_post(post: Post, reason: str, *, by: User, now: datetime) -> Report:
    if not can_report_post(by, post):
        raise ServiceError(_l("You cannot report this post."))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            _l("Tell the advisers what is wrong with the post."), "reason"
        )
    if len(reason) > 2000:
        raise ServiceError(_l("The reason can be at most 2000 characters."), "reason")
    already = db.session.scalar(
        sa.select(Report).where(
            Report.post_id == post.id,
            Report.reporter_id == by.id,
            Report.resolved_at.is_(None),
        )
    )
    if already is not None:
        raise ServiceError(_l("You have already reported this post."))
    report = Report(post=post, reporter=by, reason=reason, created_at=now)
    db.session.add(report)
    for moderator in moderators_of(post.thread):
        if moderator.id != by.id:
            tell(moderator, NotificationKind.REPORT, post=post, note=reason, now=now)
    return report


def moderators_of(thread: Thread) -> list[User]:
    """Who is told of reports: the group's advisers, or for a programme-wide
    conversation the programme's; the programme office if there are none."""
    people = thread.group.advisers if thread.group else thread.programme.advisers
    if not people:
        people = db.session.scalars(
            sa.select(User).where(User.role == Role.ADMIN).order_by(User.id)
        )
    return [person for person in people if person.is_active]


def _open_reports_on(post: Post) -> list[Report]:
    return list(
        db.session.scalars(
            sa.select(Report).where(
                Report.post_id == post.id, Report.resolved_at.is_(None)
            )
        )
    )


def _tell_reporter(report: Report, kind: NotificationKind, reason: str, *, now):
    if report.reporter is not None:
        tell(report.reporter, kind, post=report.post, note=reason, now=now)


def dismiss_report(report: Report, *, reason: str, by: User, now: datetime) -> None:
    _moderator(report.post.thread, by)
    if report.resolved_at is not None:
        raise ServiceError(_l("This report has already been handled."))
    report.resolved_at = now
    _tell_reporter(report, NotificationKind.REPORT_DISMISSED, reason, now=now)
    _audit(
        "report.dismiss",
        report.post.thread,
        f"post:{report.post_id}",
        by=by,
        reason=reason,
        now=now,
    )


def open_reports(thread_scope) -> list[Report]:
    """Unhandled reports on posts of threads matching `thread_scope` (a where)."""
    return list(
        db.session.scalars(
            sa.select(Report)
            .join(Post, Post.id == Report.post_id)
            .join(Thread, Thread.id == Post.thread_id)
            .where(Report.resolved_at.is_(None), thread_scope)
            .options(
                joinedload(Report.reporter),
                joinedload(Report.post).joinedload(Post.author),
                joinedload(Report.post).joinedload(Post.thread),
            )
            .order_by(Report.created_at)
        )
    )
