"""Threads and posts: writing, quoting, editing, following, mentions, moderation.

Every moderation action goes to the audit log. Every text is kept in the search
index with the scope that decides who may find it.
"""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from circle import audiences
from circle.accounts.models import User
from circle.cases.models import Case, CaseKind
from circle.errors import ServiceError
from circle.extensions import db
from circle.groups.models import Group
from circle.intake.models import ProjectType
from circle.limits import MAX_POST_BODY, MAX_THREAD_TITLE
from circle.mail import queue_mail, render_mail
from circle.moderation import services as audit
from circle.permissions import (
    can_edit_post,
    can_moderate_thread,
    can_open_experience_case,
    can_reply,
    can_report_post,
    can_start_thread,
    can_view_thread,
)
from circle.programmes.models import Programme, Theme
from circle.search.models import SearchKind
from circle.search.services import index_case, index_document, rescope_thread
from circle.threads import files
from circle.threads.models import (
    Attachment,
    Notification,
    NotificationKind,
    Post,
    PostRevision,
    Report,
    Subscription,
    Thread,
)
from circle.urls import external_url

POSTS_PER_PAGE = 20


@dataclass
class PostData:
    body: str
    uploads: list[files.Upload] = field(default_factory=list)


def _check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ServiceError(_l("Write something first."), "body")
    if len(body) > MAX_POST_BODY:
        raise ServiceError(
            _l("A post can be at most %(max)s characters.", max=MAX_POST_BODY), "body"
        )
    return body


def _check_files(uploads: list[files.Upload]) -> list[files.CheckedFile]:
    if len(uploads) > current_app.config["MAX_ATTACHMENTS"]:
        raise ServiceError(
            _l(
                "At most %(max)s files per post.",
                max=current_app.config["MAX_ATTACHMENTS"],
            ),
            "attachments",
        )
    return [files.check_upload(upload) for upload in uploads]


def _attach(post: Post, checked: list[files.CheckedFile]) -> None:
    # Files are checked before anything is written; stored last, right before commit.
    for item in checked:
        post.attachments.append(
            Attachment(
                filename=item.filename,
                content_type=item.content_type,
                size=len(item.content),
                storage_key=files.store(item.content),
            )
        )


def _index_post(post: Post) -> None:
    thread = post.thread
    index_document(
        SearchKind.POST,
        post.id,
        programme_id=thread.programme_id,
        group_id=thread.group_id,
        thread_id=thread.id,
        title=thread.title,
        body=post.body,
        is_hidden=post.is_hidden,
    )


def _index_thread(thread: Thread) -> None:
    index_document(
        SearchKind.THREAD,
        thread.id,
        programme_id=thread.programme_id,
        group_id=thread.group_id,
        thread_id=thread.id,
        title=thread.title,
        body="",
    )


def follow(thread: Thread, user: User, *, now: datetime) -> None:
    exists = db.session.get(Subscription, (thread.id, user.id))
    if exists is None:
        db.session.add(
            Subscription(thread_id=thread.id, user_id=user.id, created_at=now)
        )


def unfollow(thread: Thread, user: User) -> None:
    db.session.execute(
        sa.delete(Subscription).where(
            Subscription.thread_id == thread.id, Subscription.user_id == user.id
        )
    )


def is_following(thread: Thread, user: User) -> bool:
    return db.session.get(Subscription, (thread.id, user.id)) is not None


def thread_readers(thread: Thread) -> list[User]:
    """Everyone who may read the thread (the people one can mention in it)."""
    return list(db.session.scalars(audiences.people(audiences.thread_audience(thread))))


def mentioned_in(body: str, readers: list[User]) -> list[User]:
    """People named as @Full Name in the text (longest names first, so
    "@Jan de Vries" is not also read as "@Jan")."""
    lowered = body.lower()
    found = []
    for person in sorted(readers, key=lambda user: len(user.name), reverse=True):
        marker = "@" + person.name.lower()
        if person.name and marker in lowered:
            found.append(person)
            lowered = lowered.replace(marker, " ")
    return found


def _notify(post: Post, *, now: datetime) -> None:
    thread = post.thread
    readers = thread_readers(thread)
    allowed = {user.id for user in readers}
    notified = {post.author_id}
    for person in mentioned_in(post.body, readers):
        if person.id not in notified:
            db.session.add(
                Notification(
                    user_id=person.id,
                    kind=NotificationKind.MENTION,
                    post=post,
                    created_at=now,
                )
            )
            notified.add(person.id)
    followers = db.session.scalars(
        sa.select(Subscription.user_id).where(Subscription.thread_id == thread.id)
    )
    for user_id in followers:
        # Someone who lost access (left the group) is no longer told anything.
        if user_id not in notified and user_id in allowed:
            db.session.add(
                Notification(
                    user_id=user_id,
                    kind=NotificationKind.REPLY,
                    post=post,
                    created_at=now,
                )
            )
            notified.add(user_id)


def _themes(programme: Programme, theme_ids: list[int]) -> list[Theme]:
    if not theme_ids:
        return []
    themes = list(
        db.session.scalars(
            sa.select(Theme).where(
                Theme.id.in_(theme_ids), Theme.programme_id == programme.id
            )
        )
    )
    if len(themes) != len(set(theme_ids)):
        raise ServiceError(_l("Choose themes from the list."), "theme_ids")
    return themes


@dataclass
class ThreadData:
    title: str
    group_id: int | None
    theme_ids: list[int]
    case_id: int | None
    post: PostData


def start_thread(
    programme: Programme, data: ThreadData, *, by: User, now: datetime
) -> Thread:
    group = None
    if data.group_id is not None:
        group = db.session.get(Group, data.group_id)
        if group is None or group.programme_id != programme.id:
            raise ServiceError(_l("Choose where to post from the list."), "where")
    if not can_start_thread(by, programme, group):
        raise ServiceError(_l("You may not start a conversation there."), "where")
    title = (data.title or "").strip()
    if not title or len(title) > MAX_THREAD_TITLE:
        raise ServiceError(
            _l("Give a title of at most %(max)s characters.", max=MAX_THREAD_TITLE),
            "title",
        )
    body = _check_body(data.post.body)
    checked = _check_files(data.post.uploads)
    case = None
    if data.case_id:
        case = db.session.get(Case, data.case_id)
        if case is None or case.programme_id != programme.id:
            raise ServiceError(_l("Choose a case from the list."), "case_id")
    thread = Thread(
        programme=programme,
        group=group,
        case=case,
        author=by,
        title=title,
        themes=_themes(programme, data.theme_ids),
        created_at=now,
        last_post_at=now,
    )
    post = Post(thread=thread, author=by, body=body, created_at=now)
    db.session.add_all([thread, post])
    db.session.flush()
    _attach(post, checked)
    _index_thread(thread)
    _index_post(post)
    follow(thread, by, now=now)
    _notify(post, now=now)
    return thread


def reply(
    thread: Thread,
    data: PostData,
    *,
    by: User,
    now: datetime,
    reply_to: Post | None = None,
) -> Post:
    if not can_view_thread(by, thread):
        raise ServiceError(_l("You may not read this conversation."))
    if not can_reply(by, thread):
        raise ServiceError(_l("This conversation is closed: no new replies."))
    body = _check_body(data.body)
    checked = _check_files(data.uploads)
    if reply_to is not None and reply_to.thread_id != thread.id:
        raise ServiceError(_l("You can only quote posts of this conversation."))
    post = Post(thread=thread, author=by, body=body, reply_to=reply_to, created_at=now)
    db.session.add(post)
    thread.last_post_at = now
    db.session.flush()
    _attach(post, checked)
    _index_post(post)
    follow(thread, by, now=now)
    _notify(post, now=now)
    return post


def quote(post: Post) -> str:
    """The Markdown a reply starts with when quoting `post`."""
    author = post.author.name if post.author else "—"
    quoted = "\n".join(f"> {line}" for line in post.body.splitlines())
    return f"> **{author}:**\n{quoted}\n\n"


def edit_post(post: Post, body: str, *, by: User, now: datetime) -> None:
    if not can_edit_post(by, post):
        raise ServiceError(
            _l("You can only edit your own posts in open conversations.")
        )
    body = _check_body(body)
    if body == post.body:
        return
    post.revisions.append(
        PostRevision(
            body=post.body,
            written_at=post.edited_at or post.created_at,
            replaced_at=now,
        )
    )
    post.body = body
    post.edited_at = now
    _index_post(post)


# -- moderation ------


def _audit(
    action: str, thread: Thread, subject: str, *, by: User, reason: str, now: datetime
):
    audit.record(
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
    _index_post(post)
    if hidden:
        db.session.execute(
            sa.update(Report)
            .where(Report.post_id == post.id, Report.resolved_at.is_(None))
            .values(resolved_at=now)
        )
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
    return report


def dismiss_report(report: Report, *, reason: str, by: User, now: datetime) -> None:
    _moderator(report.post.thread, by)
    if report.resolved_at is not None:
        raise ServiceError(_l("This report has already been handled."))
    report.resolved_at = now
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


# -- cases ------


def open_experience_case(
    programme: Programme,
    *,
    title: str,
    description: str,
    question: str,
    by: User,
    now: datetime,
) -> Case:
    if not can_open_experience_case(by, programme):
        raise ServiceError(
            _l("Only initiators in this programme can share an experience.")
        )
    case = Case(
        programme=programme,
        organisation_id=by.organisation_id,
        kind=CaseKind.EXPERIENCE,
        project_type=ProjectType.OTHER,
        title=title,
        description=description,
        question=question,
        opened_by=by,
        created_at=now,
    )
    db.session.add(case)
    db.session.flush()
    index_case(case)
    return case


# -- notifications ------


def _visible_notifications(user: User) -> sa.Select:
    # Someone who left a group keeps no window on it through old notices.
    return (
        sa.select(Notification)
        .join(Post, Post.id == Notification.post_id)
        .join(Thread, Thread.id == Post.thread_id)
        .where(
            Notification.user_id == user.id,
            Post.is_hidden.is_(False),
            audiences.readable_threads(user),
        )
    )


def unread_count(user: User) -> int:
    unread = _visible_notifications(user).where(Notification.read_at.is_(None))
    return db.session.scalar(sa.select(sa.func.count()).select_from(unread.subquery()))


def notifications_for(user: User, *, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            _visible_notifications(user)
            .options(
                joinedload(Notification.post).joinedload(Post.thread),
                joinedload(Notification.post).joinedload(Post.author),
            )
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(user: User, *, now: datetime) -> None:
    db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
    )


def send_digests(*, now: datetime) -> int:
    """One e-mail per person with their unread notices not mailed before."""
    rows = list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.read_at.is_(None), Notification.emailed_at.is_(None))
            .options(
                joinedload(Notification.user),
                joinedload(Notification.post).joinedload(Post.thread),
                joinedload(Notification.post).joinedload(Post.author),
            )
            .order_by(Notification.user_id, Notification.created_at)
        )
    )
    by_user: dict[int, list[Notification]] = {}
    for notification in rows:
        by_user.setdefault(notification.user_id, []).append(notification)
    sent = 0
    for items in by_user.values():
        user = items[0].user
        for item in items:
            item.emailed_at = now
        visible = [
            item
            for item in items
            if not item.post.is_hidden and can_view_thread(user, item.post.thread)
        ]
        if not user.is_active or not visible:
            continue
        queue_mail(
            db.session,
            render_mail(
                "digest",
                to=user.email,
                to_name=user.name,
                language=user.language,
                subject=_l("What happened in your conversations"),
                items=visible,
                link=external_url("threads.notifications"),
                post_url=lambda post: external_url("threads.post", post_id=post.id),
            ),
        )
        sent += 1
    return sent


def thread_page(thread: Thread, page: int | None) -> tuple[list[Post], int, int]:
    """One page of posts with authors and files; the page shown; the page count.

    `None` asks for the last page (where a new reply would appear).
    """
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(Post).where(Post.thread_id == thread.id)
    )
    pages = max(1, -(-total // POSTS_PER_PAGE))
    page = pages if page is None else min(max(page, 1), pages)
    posts = list(
        db.session.scalars(
            sa.select(Post)
            .where(Post.thread_id == thread.id)
            .options(
                joinedload(Post.author).joinedload(User.organisation),
                selectinload(Post.attachments),
            )
            .order_by(Post.id)
            .offset((page - 1) * POSTS_PER_PAGE)
            .limit(POSTS_PER_PAGE)
        )
    )
    return posts, page, pages


def page_of(post: Post) -> int:
    before = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Post)
        .where(Post.thread_id == post.thread_id, Post.id < post.id)
    )
    return before // POSTS_PER_PAGE + 1
