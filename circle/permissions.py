"""Every authorisation rule in one place: `can_<verb>_<noun>(user, obj) -> bool`.

Views, templates (through the `can` context processor) and socket handlers all
call these functions; nothing compares ids or roles inline elsewhere.

Roles: an admin (programme office) may do everything. An adviser acts on the
programmes they advise and the groups they host. Participants (municipalities)
and initiators act on their own organisation's application and on the groups
they are members of. Anonymous visitors reach only the public pages.
"""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import g, has_request_context

from circle import audiences
from circle.accounts.models import Invitation, OrganisationKind, Role, User
from circle.extensions import db

if TYPE_CHECKING:
    from circle.boards.models import Board, Card
    from circle.cases.models import Case
    from circle.groups.models import Group, Membership
    from circle.intake.models import Application
    from circle.meetings.models import Meeting
    from circle.programmes.models import Programme
    from circle.threads.models import Attachment, Post, Thread


def _signed_in(user: User) -> bool:
    return bool(user) and user.is_authenticated


def _is_staff(user: User) -> bool:
    return _signed_in(user) and user.role in (Role.ADMIN, Role.ADVISER)


def _is_admin(user: User) -> bool:
    return _signed_in(user) and user.is_admin


# -- facts the rules are built on ------


def _memo(fact):
    """Remember a fact for the rest of the request.

    A page asks the same question for every post or card on it ("is this person
    a member of the group?"); the answer cannot change while it renders.
    """

    @wraps(fact)
    def remembered(user, obj):
        if not has_request_context() or not _signed_in(user) or obj.id is None:
            return fact(user, obj)
        cache = g.setdefault("circle_facts", {})
        key = (fact.__name__, user.id, obj.id)
        if key not in cache:
            cache[key] = fact(user, obj)
        return cache[key]

    return remembered


@_memo
def is_programme_adviser(user: User, programme: Programme) -> bool:
    from circle.programmes.models import programme_advisers

    if not (_signed_in(user) and user.is_adviser):
        return False
    return _exists(
        sa.select(programme_advisers.c.user_id).where(
            programme_advisers.c.programme_id == programme.id,
            programme_advisers.c.user_id == user.id,
        )
    )


@_memo
def is_group_adviser(user: User, group: Group) -> bool:
    from circle.groups.models import group_advisers

    if not (_signed_in(user) and user.is_adviser):
        return False
    return _exists(
        sa.select(group_advisers.c.user_id).where(
            group_advisers.c.group_id == group.id, group_advisers.c.user_id == user.id
        )
    )


@_memo
def is_group_member(user: User, group: Group) -> bool:
    from circle.groups.models import Membership, MembershipStatus

    if not _signed_in(user):
        return False
    return _exists(
        sa.select(Membership.id).where(
            Membership.group_id == group.id,
            Membership.user_id == user.id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    )


@_memo
def takes_part_in_group(user: User, group: Group) -> bool:
    """In the group's audience: members, its advisers, programme advisers, admins."""
    if not _signed_in(user):
        return False
    return _exists(audiences.group_audience(user_id=user.id, group_id=group.id))


@_memo
def is_enrolled(user: User, programme: Programme) -> bool:
    """In the programme's audience (see circle.audiences)."""
    if not _signed_in(user):
        return False
    return _exists(
        audiences.programme_audience(user_id=user.id, programme_id=programme.id)
    )


def _exists(query) -> bool:
    return bool(db.session.scalar(sa.select(sa.exists(query.subquery()))))


# -- accounts ------


def invitable_roles(user: User) -> list[Role]:
    """Admins may bring in anyone; advisers bring in participants and initiators."""
    if _is_admin(user):
        return list(Role)
    if _is_staff(user):
        return [Role.PARTICIPANT, Role.INITIATOR]
    return []


def can_invite_people(user: User) -> bool:
    return _is_staff(user)


def can_invite_role(user: User, role: Role) -> bool:
    return role in invitable_roles(user)


def can_revoke_invitation(user: User, invitation: Invitation) -> bool:
    if not _is_staff(user):
        return False
    return user.is_admin or invitation.invited_by_id == user.id


# -- programmes and regions ------


def can_manage_programmes(user: User) -> bool:
    return _is_admin(user)


def can_edit_programme(user: User, programme: Programme) -> bool:
    return _is_admin(user)


def can_view_programme(user: User, programme: Programme) -> bool:
    # Everyone signed in may read about a programme: that is how municipalities
    # find it and apply. What happens inside it is scoped by the rules below.
    return _signed_in(user)


def can_manage_regions(user: User) -> bool:
    return _is_admin(user)


# -- applications and intake ------


def can_apply(user: User, programme: Programme | None) -> bool:
    """Civil servants apply for their municipality."""
    return (
        _signed_in(user)
        and user.role == Role.PARTICIPANT
        and user.organisation is not None
        and user.organisation.kind == OrganisationKind.MUNICIPALITY
    )


def _same_organisation(user: User, application: Application) -> bool:
    return (
        _signed_in(user)
        and user.organisation_id is not None
        and user.organisation_id == application.organisation_id
    )


def can_review_applications(user: User, programme: Programme) -> bool:
    return _is_admin(user) or is_programme_adviser(user, programme)


def can_review_application(user: User, application: Application) -> bool:
    return can_review_applications(user, application.programme)


def can_view_application(user: User, application: Application) -> bool:
    return _same_organisation(user, application) or can_review_applications(
        user, application.programme
    )


def can_edit_application(user: User, application: Application) -> bool:
    from circle.intake.models import ApplicationStatus

    return (
        _same_organisation(user, application)
        and user.role == Role.PARTICIPANT
        and application.status == ApplicationStatus.SUBMITTED
    )


def can_withdraw_application(user: User, application: Application) -> bool:
    from circle.intake.models import ApplicationStatus

    return (
        _same_organisation(user, application)
        and user.role == Role.PARTICIPANT
        and application.status
        in (ApplicationStatus.SUBMITTED, ApplicationStatus.INTAKE_PLANNED)
    )


# -- groups ------


def can_manage_groups(user: User, programme: Programme) -> bool:
    return _is_admin(user) or is_programme_adviser(user, programme)


def can_edit_group(user: User, group: Group) -> bool:
    return can_manage_groups(user, group.programme) or is_group_adviser(user, group)


def can_moderate_group(user: User, group: Group) -> bool:
    """Approve and decline join requests, remove members."""
    return _is_admin(user) or is_group_adviser(user, group)


def can_view_group(user: User, group: Group) -> bool:
    # A group's name, region and advisers are visible so people can ask to join.
    return _signed_in(user)


def can_view_group_members(user: User, group: Group) -> bool:
    return takes_part_in_group(user, group)


def can_request_to_join(user: User, group: Group) -> bool:
    return _signed_in(user) and user.role in (Role.PARTICIPANT, Role.INITIATOR)


def can_leave_group(user: User, group: Group) -> bool:
    return is_group_member(user, group)


def can_decide_membership(user: User, membership: Membership) -> bool:
    return can_moderate_group(user, membership.group)


# -- sessions (meetings) ------


def can_view_meeting(user: User, meeting: Meeting) -> bool:
    if not _signed_in(user):
        return False
    if meeting.group_id is not None:
        return can_view_group_members(user, meeting.group) or _hosts(user, meeting)
    return is_enrolled(user, meeting.programme) or _hosts(user, meeting)


def _hosts(user: User, meeting: Meeting) -> bool:
    return _signed_in(user) and any(host.id == user.id for host in meeting.hosts)


def can_schedule_meetings(
    user: User, programme: Programme, group: Group | None
) -> bool:
    """Group sessions: the group's advisers; programme-wide: the programme's."""
    if can_manage_groups(user, programme):
        return True
    return group is not None and can_moderate_group(user, group)


def can_manage_meeting(user: User, meeting: Meeting) -> bool:
    """Edit, reschedule, cancel, see the lists, add people, record attendance."""
    return can_schedule_meetings(user, meeting.programme, meeting.group) or (
        _is_staff(user) and _hosts(user, meeting)
    )


def can_rsvp(user: User, meeting: Meeting) -> bool:
    return can_view_meeting(user, meeting)


# -- threads, posts and moderation ------


def can_view_thread(user: User, thread: Thread) -> bool:
    if not _signed_in(user):
        return False
    if thread.group_id is not None:
        return can_view_group_members(user, thread.group)
    return is_enrolled(user, thread.programme)


def can_start_thread(user: User, programme: Programme, group: Group | None) -> bool:
    """In a group one belongs to, or programme-wide once enrolled."""
    if not _signed_in(user):
        return False
    if group is not None:
        return can_view_group_members(user, group)
    return is_enrolled(user, programme)


def can_moderate_thread(user: User, thread: Thread) -> bool:
    """Group threads: the group's advisers; programme threads: the programme's."""
    if thread.group is not None:
        return can_moderate_group(user, thread.group)
    return _is_admin(user) or is_programme_adviser(user, thread.programme)


def can_reply(user: User, thread: Thread) -> bool:
    if not can_view_thread(user, thread):
        return False
    return not thread.is_locked or can_moderate_thread(user, thread)


def can_edit_post(user: User, post: Post) -> bool:
    return (
        _signed_in(user)
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
    return _is_admin(user) or is_programme_adviser(user, programme)


def can_open_experience_case(user: User, programme: Programme) -> bool:
    return (
        _signed_in(user)
        and user.role == Role.INITIATOR
        and user.organisation_id is not None
        and is_enrolled(user, programme)
    )


# -- live boards ------


def can_view_board(user: User, board: Board) -> bool:
    return can_view_meeting(user, board.meeting)


def can_moderate_board(user: User, board: Board) -> bool:
    """Settings, columns, hide/pin cards, timer, export, promote."""
    return can_manage_meeting(user, board.meeting)


def can_create_board(user: User, meeting: Meeting) -> bool:
    return can_manage_meeting(user, meeting)


def can_change_card(user: User, card: Card) -> bool:
    """Edit, move or delete: its author, or the board's advisers."""
    if not _signed_in(user):
        return False
    return card.author_id == user.id or can_moderate_board(user, card.board)


# -- cases ------


def can_view_case(user: User, case: Case) -> bool:
    if not _signed_in(user):
        return False
    if (
        user.organisation_id is not None
        and user.organisation_id == case.organisation_id
    ):
        return True
    return is_enrolled(user, case.programme)


#: Exposed to templates as `can.<name>(...)`.
RULES = {
    name: rule
    for name, rule in globals().items()
    if name.startswith(("can_", "is_")) and callable(rule)
}
