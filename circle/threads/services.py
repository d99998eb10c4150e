"""Threads and posts: starting, replying, quoting, editing, following, paging.

Every text is kept in the search index with the scope that decides who may find
it; who is told about a post is decided in circle.threads.notifications.
"""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from circle.accounts.models import User
from circle.cases.models import Case
from circle.database import take_write_lock
from circle.errors import ServiceError
from circle.extensions import db
from circle.groups.models import Group
from circle.limits import MAX_POST_BODY, MAX_THREAD_TITLE
from circle.pagination import paginate
from circle.permissions import (
    can_edit_post,
    can_reply,
    can_start_thread,
    can_view_thread,
)
from circle.programmes.models import Programme, Theme
from circle.search.models import SearchKind
from circle.search.services import index_document
from circle.threads import files, notifications
from circle.threads.models import (
    Attachment,
    Post,
    PostRevision,
    Subscription,
    Thread,
)

POSTS_PER_PAGE = 20


@dataclass
class PostData:
    body: str
    uploads: list[files.Upload] = field(default_factory=list)
    #: The form's submission key: the same key again returns the earlier post.
    key: str | None = None


def _earlier_post(by: User, key: str | None) -> Post | None:
    if not key:
        return None
    take_write_lock(db.session, Post)  # SQLite: no twin can slip in after the check
    return db.session.scalar(
        sa.select(Post).where(Post.author_id == by.id, Post.submission_key == key)
    )


def _save_once(post: Post, by: User) -> Post:
    """Flush the new post (and a new thread with it); a twin sent at the same
    moment wins instead. Added inside the SAVEPOINT, so a refused insert rolls
    back only this post (begin_nested() flushes what was added before it)."""
    try:
        with db.session.begin_nested():
            db.session.add(post)
            db.session.flush()
    except IntegrityError:
        earlier = _earlier_post(by, post.submission_key)
        if earlier is None:
            raise
        return earlier
    return post


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


def index_post(post: Post) -> None:
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
    earlier = _earlier_post(by, data.post.key)
    if earlier is not None:
        return earlier.thread
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
    post = Post(
        thread=thread,
        author=by,
        body=body,
        created_at=now,
        submission_key=data.post.key,
    )
    saved = _save_once(post, by)
    if saved is not post:
        return saved.thread
    _attach(post, checked)
    _index_thread(thread)
    index_post(post)
    follow(thread, by, now=now)
    notifications.notify(post, now=now, new_thread=True)
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
    earlier = _earlier_post(by, data.key)
    if earlier is not None:
        return earlier
    body = _check_body(data.body)
    checked = _check_files(data.uploads)
    if reply_to is not None and reply_to.thread_id != thread.id:
        raise ServiceError(_l("You can only quote posts of this conversation."))
    # By id, not relationship: a post in `thread.posts` would be flushed before
    # the SAVEPOINT in _save_once.
    post = Post(
        thread_id=thread.id,
        author_id=by.id,
        body=body,
        reply_to_id=reply_to.id if reply_to is not None else None,
        created_at=now,
        submission_key=data.key,
    )
    saved = _save_once(post, by)
    if saved is not post:
        return saved
    thread.last_post_at = now
    _attach(post, checked)
    index_post(post)
    follow(thread, by, now=now)
    notifications.notify(post, now=now)
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
    index_post(post)


def thread_page(thread: Thread, page: int | None) -> Pagination:
    """One page of posts with authors and files (`None`: the last page, where a
    new reply appears)."""
    query = (
        sa.select(Post)
        .where(Post.thread_id == thread.id)
        .options(
            joinedload(Post.author).joinedload(User.organisation),
            selectinload(Post.attachments),
        )
        .order_by(Post.id)
    )
    return paginate(query, page, POSTS_PER_PAGE)


def reply_counts(thread_ids: list[int]) -> dict[int, int]:
    """Replies (posts after the first) of the given threads only."""
    if not thread_ids:
        return {}
    rows = db.session.execute(
        sa.select(Post.thread_id, sa.func.count() - 1)
        .where(Post.thread_id.in_(thread_ids))
        .group_by(Post.thread_id)
    )
    return dict(rows.all())


def page_of(post: Post) -> int:
    before = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Post)
        .where(Post.thread_id == post.thread_id, Post.id < post.id)
    )
    return before // POSTS_PER_PAGE + 1
