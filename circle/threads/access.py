"""Loading a thread or post for the current request: 404 where it may not be seen.

Shared by the thread and moderation views; another group's conversation is
answered as if it did not exist.
"""

import sqlalchemy as sa
from flask import abort
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from circle.extensions import db
from circle.permissions import can_view_thread
from circle.threads.models import Post, Thread


def load_thread(thread_id: int) -> Thread:
    thread = db.first_or_404(
        sa.select(Thread)
        .where(Thread.id == thread_id)
        .options(
            joinedload(Thread.group),
            joinedload(Thread.programme),
            joinedload(Thread.case),
            selectinload(Thread.themes),
        )
    )
    if not can_view_thread(current_user, thread):
        abort(404)
    return thread


def load_post(post_id: int) -> Post:
    post = db.get_or_404(Post, post_id)
    load_thread(post.thread_id)
    return post
