"""Conversations, posts, files, moderation, the audit log and cases."""

from __future__ import annotations

from typing import TYPE_CHECKING

from circle.accounts.models import Role, User
from circle.permissions.facts import (
    acts_for,
    is_admin_user,
    is_enrolled,
    is_programme_adviser,
    signed_in,
)
from circle.permissions.groups import can_moderate_group, can_view_group_members

if TYPE_CHECKING:
    from circle.cases.models import Case
    from circle.groups.models import Group
    from circle.programmes.models import Programme
    from circle.threads.models import Attachment, Post, Thread


__all__ = [
    "can_view_thread",
    "can_start_thread",
    "can_moderate_thread",
    "can_reply",
    "can_edit_post",
    "can_report_post",
    "can_view_post_history",
    "can_view_hidden_post",
    "can_view_attachment",
    "can_view_audit_log",
    "can_open_experience_case",
    "can_view_case",
]


def can_view_thread(user: User, thread: Thread) -> bool:
    if not signed_in(user):
        return False
    if thread.group_id is not None:
        return can_view_group_members(user, thread.group)
    return is_enrolled(user, thread.programme)


def can_start_thread(user: User, programme: Programme, group: Group | None) -> bool:
    """In a group one belongs to, or programme-wide once enrolled."""
    if not signed_in(user):
        return False
    if group is not None:
        return can_view_group_members(user, group)
    return is_enrolled(user, programme)


def can_moderate_thread(user: User, thread: Thread) -> bool:
    """Group threads: the group's advisers; programme threads: the programme's."""
    if thread.group is not None:
        return can_moderate_group(user, thread.group)
    return is_admin_user(user) or is_programme_adviser(user, thread.programme)


def can_reply(user: User, thread: Thread) -> bool:
    if not can_view_thread(user, thread):
        return False
    return not thread.is_locked or can_moderate_thread(user, thread)


def can_edit_post(user: User, post: Post) -> bool:
    return (
        signed_in(user)
        and post.author_id == user.id
        and not post.is_hidden
        and not post.thread.is_locked
    )


def can_report_post(user: User, post: Post) -> bool:
    return can_view_thread(user, post.thread) and post.author_id != user.id


def can_view_post_history(user: User, post: Post) -> bool:
    return can_moderate_thread(user, post.thread)


def can_view_hidden_post(user: User, post: Post) -> bool:
    return can_moderate_thread(user, post.thread)


def can_view_attachment(user: User, attachment: Attachment) -> bool:
    post = attachment.post
    if not can_view_thread(user, post.thread):
        return False
    return not post.is_hidden or can_view_hidden_post(user, post)


def can_view_audit_log(user: User, programme: Programme, group: Group | None) -> bool:
    if group is not None:
        return can_moderate_group(user, group)
    return is_admin_user(user) or is_programme_adviser(user, programme)


def can_open_experience_case(user: User, programme: Programme) -> bool:
    return (
        signed_in(user)
        and user.role == Role.INITIATOR
        and acts_for(user, user.organisation_id)
        and is_enrolled(user, programme)
    )


def can_view_case(user: User, case: Case) -> bool:
    if not signed_in(user):
        return False
    return acts_for(user, case.organisation_id) or is_enrolled(user, case.programme)
