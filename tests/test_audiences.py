"""The people told about a thread or invited to a session are exactly the people
the permission rules let read it, for every thread and session of a generated
programme (circle/audiences.py is the one definition both are built on)."""

from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from circle import audiences, permissions
from circle.accounts.models import OrganisationKind, Role, User
from circle.database import utcnow
from circle.groups.models import MembershipStatus
from circle.intake.models import ApplicationStatus
from circle.meetings.invites import invitees
from circle.meetings.models import Meeting
from circle.threads import notifications
from circle.threads import services as threads
from circle.threads.models import Notification, NotificationKind, Thread
from tests import factories


@dataclass
class World:
    people: dict[str, User] = field(default_factory=dict)
    threads: list[Thread] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)


@pytest.fixture
def world(db, outbox):
    """Two programmes with groups, every kind of membership, threads and sessions."""
    w = World()
    p = w.people
    p["admin"] = factories.user(Role.ADMIN, name="Ada Admin")
    p["lead"] = factories.user(Role.ADVISER, name="Lotte Leidend")
    p["host"] = factories.user(Role.ADVISER, name="Hugo Groepsadviseur")
    p["guest_host"] = factories.user(Role.ADVISER, name="Gert Gastheer")
    p["stranger_adviser"] = factories.user(Role.ADVISER, name="Saar Elders")
    p["other_lead"] = factories.user(Role.ADVISER, name="Olaf Ander")
    first = factories.programme(by=p["admin"], advisers=[p["lead"]])
    second = factories.programme(
        by=p["admin"], name="Tweede traject", advisers=[p["other_lead"]]
    )
    west = factories.group(first, by=p["admin"], name="West", advisers=[p["lead"]])
    east = factories.group(first, by=p["admin"], name="Oost", advisers=[p["host"]])
    far = factories.group(second, by=p["admin"], name="Ver", advisers=[])
    for key, group, status in [
        ("member_west", west, MembershipStatus.ACTIVE),
        ("pending_west", west, MembershipStatus.PENDING),
        ("left_west", west, MembershipStatus.LEFT),
        ("member_east", east, MembershipStatus.ACTIVE),
        ("member_far", far, MembershipStatus.ACTIVE),
    ]:
        p[key] = factories.user(Role.PARTICIPANT, name=f"Deelnemer {key}")
        factories.membership(group, p[key], status)
    p["initiator_east"] = factories.user(Role.INITIATOR, name="Ivo Initiatief")
    factories.membership(east, p["initiator_east"])
    # Accepted, not yet placed in a group: may read programme-wide content.
    unplaced = factories.organisation("Gemeente Ongeplaatst")
    p["unplaced"] = factories.user(organisation=unplaced, name="Uma Ongeplaatst")
    factories.application(first, unplaced, status=ApplicationStatus.ACCEPTED)
    declined = factories.organisation("Gemeente Afgewezen")
    p["declined"] = factories.user(organisation=declined, name="Dirk Afgewezen")
    factories.application(first, declined, status=ApplicationStatus.DECLINED)
    p["applicant"] = factories.user(name="Anna Aanvrager")
    factories.application(first, p["applicant"].organisation)
    p["outsider"] = factories.user(
        Role.INITIATOR,
        name="Otto Buitenstaander",
        organisation=factories.organisation(kind=OrganisationKind.FUND),
    )
    gone = factories.user(name="Verwijderd Persoon")
    factories.membership(west, gone)
    gone.deleted_at = utcnow()

    for programme, group, author in [
        (first, west, p["member_west"]),
        (first, east, p["initiator_east"]),
        (first, None, p["unplaced"]),
        (second, far, p["member_far"]),
        (second, None, p["other_lead"]),
    ]:
        w.threads.append(factories.thread(programme, group, by=author))
    for programme, group, by, hosts in [
        (first, west, p["lead"], [p["guest_host"]]),
        (first, east, p["host"], [p["host"]]),
        (first, None, p["lead"], [p["lead"]]),
        (second, far, p["other_lead"], [p["other_lead"]]),
        (second, None, p["other_lead"], []),
    ]:
        w.meetings.append(factories.meeting(programme, group, by=by, hosts=hosts))
    db.session.commit()
    return w


def _live(world: World) -> list[User]:
    return [user for user in world.people.values() if user.deleted_at is None]


def _ids(users) -> set[int]:
    return {user.id for user in users}


def test_thread_readers_are_exactly_who_may_read(world):
    for thread in world.threads:
        allowed = {u.id for u in _live(world) if permissions.can_view_thread(u, thread)}
        assert _ids(notifications.thread_readers(thread)) == allowed, thread.title


def test_everyone_mentioned_is_told_exactly_when_they_may_read(world, db):
    everyone = " ".join(f"@{user.name}" for user in world.people.values())
    for thread in world.threads:
        author = thread.author
        post = threads.reply(
            thread, threads.PostData(f"Wat vinden jullie? {everyone}"), by=author,
            now=utcnow(),
        )  # fmt: skip
        db.session.commit()
        told = set(
            db.session.scalars(
                sa.select(Notification.user_id).where(
                    Notification.post_id == post.id,
                    Notification.kind == NotificationKind.MENTION,
                )
            )
        )
        allowed = {
            u.id
            for u in _live(world)
            if permissions.can_view_thread(u, thread) and u.id != author.id
        }
        assert told == allowed, thread.title


def test_admin_and_unplaced_participant_hear_of_a_programme_wide_mention(world, db):
    thread = next(t for t in world.threads if t.group_id is None)
    people = world.people
    post = threads.reply(
        thread,
        threads.PostData(f"@{people['admin'].name} en @{people['unplaced'].name}?"),
        by=people["lead"],
        now=utcnow(),
    )
    db.session.commit()
    told = set(
        db.session.scalars(
            sa.select(Notification.user_id).where(Notification.post_id == post.id)
        )
    )
    assert {people["admin"].id, people["unplaced"].id} <= told


def _overseers(world: World, meeting: Meeting) -> set[int]:
    """Admins and the programme's advisers read every session but are not invited."""
    return {
        user.id
        for user in _live(world)
        if user.is_admin or permissions.is_programme_adviser(user, meeting.programme)
    }


def test_session_invitees_are_who_may_see_it_apart_from_oversight(world, outbox):
    for meeting in world.meetings:
        invited = _ids(invitees(meeting))
        viewers = {
            u.id for u in _live(world) if permissions.can_view_meeting(u, meeting)
        }
        assert invited <= viewers, meeting.title
        assert invited | _overseers(world, meeting) == viewers, meeting.title
    # The invitations that went out when each session was scheduled.
    mailed = {message["To"].addresses[0].addr_spec for message in outbox}
    expected = {user.email for m in world.meetings for user in invitees(m)}
    assert mailed == expected


def test_hosts_are_invited_even_from_outside_the_group(world):
    west_session = world.meetings[0]
    assert world.people["guest_host"].id in _ids(invitees(west_session))


def test_list_scopes_agree_with_the_rules(world, db):
    for user in _live(world):
        readable = set(
            db.session.scalars(
                sa.select(Thread.id).where(audiences.readable_threads(user))
            )
        )
        assert readable == {
            t.id for t in world.threads if permissions.can_view_thread(user, t)
        }, user.name
        visible = set(
            db.session.scalars(
                sa.select(Meeting.id).where(audiences.visible_meetings(user))
            )
        )
        assert visible == {
            m.id for m in world.meetings if permissions.can_view_meeting(user, m)
        }, user.name
