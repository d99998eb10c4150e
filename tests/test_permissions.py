"""Every role against every rule in permissions.py, in one table.

Columns: admin, the programme's adviser (who also hosts the group), an adviser
of nothing, a group member (participant), the member's colleague outside the
group, an initiator outside the group, someone who claims the member's
organisation and waits for approval, someone of that organisation whose address
is not confirmed, and an anonymous visitor.
"""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from circle import permissions
from circle.accounts.models import OrganisationStatus, Role
from circle.boards.models import Board, BoardAction, BoardColumn, Card
from circle.cases.models import Case, ProjectType
from circle.groups.models import MembershipStatus
from circle.intake.models import Application, ApplicationStatus
from circle.meetings.models import Meeting, MeetingKind
from circle.threads.models import Attachment, Post, Thread
from circle.tips.models import (
    ReportStatus,
    SessionReport,
    Tip,
    TipAuthor,
    TipStatus,
)

ROLES = [
    "admin",
    "adviser",
    "other_adviser",
    "member",
    "colleague",
    "initiator",
    "pending",
    "unverified",
    "anon",
]

ALL = set(ROLES) - {"anon"}

#: rule -> (the object it is asked about, the roles for which it is True).
EXPECTED = {
    "can_invite_people": (None, {"admin", "adviser", "other_adviser"}),
    "can_manage_programmes": (None, {"admin"}),
    "can_edit_programme": ("programme", {"admin"}),
    "can_view_programme": ("programme", ALL),
    "can_manage_regions": (None, {"admin"}),
    "can_edit_principles": (None, {"admin"}),
    "can_apply": ("programme", {"member", "colleague"}),
    "can_review_applications": ("programme", {"admin", "adviser"}),
    "can_review_application": ("application", {"admin", "adviser"}),
    "can_view_application": (
        "application",
        {"admin", "adviser", "member", "colleague"},
    ),
    "can_edit_application": ("application", {"member", "colleague"}),
    "can_withdraw_application": ("application", {"member", "colleague"}),
    "can_manage_groups": ("programme", {"admin", "adviser"}),
    "can_edit_group": ("group", {"admin", "adviser"}),
    "can_moderate_group": ("group", {"admin", "adviser"}),
    "can_view_group": ("group", ALL),
    "can_view_group_members": ("group", {"admin", "adviser", "member"}),
    "can_request_to_join": ("group", {"member", "colleague", "initiator"}),
    "can_leave_group": ("group", {"member"}),
    "can_decide_membership": ("membership", {"admin", "adviser"}),
    "can_view_case": ("case", {"admin", "adviser", "member", "colleague"}),
    "can_view_meeting": ("meeting", {"admin", "adviser", "member"}),
    "can_rsvp": ("meeting", {"admin", "adviser", "member"}),
    "can_manage_meeting": ("meeting", {"admin", "adviser"}),
    "can_schedule_meetings": (("programme", "group"), {"admin", "adviser"}),
    "can_view_thread": ("thread", {"admin", "adviser", "member"}),
    "can_start_thread": (("programme", "group"), {"admin", "adviser", "member"}),
    "can_moderate_thread": ("thread", {"admin", "adviser"}),
    "can_reply": ("thread", {"admin", "adviser", "member"}),
    "can_edit_post": ("post", {"member"}),
    "can_report_post": ("post", {"admin", "adviser"}),
    "can_view_post_history": ("post", {"admin", "adviser"}),
    "can_view_hidden_post": ("post", {"admin", "adviser"}),
    "can_view_attachment": ("attachment", {"admin", "adviser", "member"}),
    "can_view_audit_log": (("programme", "group"), {"admin", "adviser"}),
    "can_view_board": ("board", {"admin", "adviser", "member"}),
    "can_moderate_board": ("board", {"admin", "adviser"}),
    "can_create_board": ("meeting", {"admin", "adviser"}),
    "can_change_card": ("card", {"admin", "adviser", "member"}),
    "can_create_action": ("board", {"admin", "adviser"}),
    # The owner is the member's municipality: anyone who acts for it.
    "can_complete_action": ("action", {"admin", "adviser", "member", "colleague"}),
    "can_view_group_actions": ("group", {"admin", "adviser", "member"}),
    "can_manage_outbox": (None, {"admin"}),
    # Nobody here: the only initiator is still waiting to join (see the test below).
    "can_open_experience_case": ("programme", set()),
    "can_decide_organisation_member": (
        "pending_person",
        {"admin", "adviser", "member", "colleague"},
    ),
    "can_decide_organisation": ("organisation", {"admin", "adviser", "other_adviser"}),
    # Nobody: the application is not withdrawn (see test_trust for one that is).
    "can_reopen_application": ("application", set()),
    "can_view_organisation_requests": (
        None,
        {"admin", "adviser", "other_adviser", "member", "colleague", "initiator"},
    ),
    "can_harvest_board": ("board", {"admin", "adviser"}),
    "can_manage_tips": ("programme", {"admin", "adviser"}),
    # Everyone taking part in the programme (the colleague's municipality is
    # not accepted yet).
    "can_view_tips": ("programme", {"admin", "adviser", "member"}),
    "can_view_tip": ("tip", {"admin", "adviser", "member"}),
    "can_view_tip_origin": (("tip", "board"), {"admin", "adviser", "member"}),
    "can_answer_consent": ("tip", {"member"}),
    "can_write_report": ("meeting", {"admin", "adviser"}),
    "can_view_report": (("report", "meeting"), {"admin", "adviser", "member"}),
}


@pytest.fixture
def world(db, make_user, programme, group, adviser, admin, add_member):
    member = make_user(Role.PARTICIPANT)
    add_member(group, member)
    colleague = make_user(Role.PARTICIPANT, organisation=member.organisation)
    application = Application(
        programme=programme,
        organisation=member.organisation,
        applicant=member,
        project_type=ProjectType.INITIATIVES_FUND,
        project_title="Fonds",
        description="",
        question="",
    )
    application.set_status(ApplicationStatus.SUBMITTED)
    case = Case(
        programme=programme,
        organisation=member.organisation,
        project_type=ProjectType.INITIATIVES_FUND,
        title="Fonds",
    )
    db.session.add_all([application, case])
    db.session.commit()
    initiator = make_user(Role.INITIATOR)
    request = add_member(group, initiator, MembershipStatus.PENDING)
    people = {
        "admin": admin,
        "adviser": adviser,
        "other_adviser": make_user(Role.ADVISER),
        "member": member,
        "colleague": colleague,
        "initiator": initiator,
        "pending": make_user(
            Role.PARTICIPANT,
            organisation=member.organisation,
            organisation_status=OrganisationStatus.PENDING,
        ),
        "unverified": make_user(
            Role.PARTICIPANT, organisation=member.organisation, email_verified_at=None
        ),
        "anon": AnonymousUserMixin(),
    }
    meeting = Meeting(
        programme=programme,
        group=group,
        kind=MeetingKind.REGIONAL_EXCHANGE,
        title="Uitwisseling",
        starts_at=datetime(2030, 5, 1, 17, tzinfo=UTC),
        ends_at=datetime(2030, 5, 1, 19, tzinfo=UTC),
        location="Stein",
    )
    db.session.add(meeting)
    db.session.commit()
    thread = Thread(programme=programme, group=group, author=member, title="Fonds")
    post = Post(thread=thread, author=member, body="Hoe beoordelen we aanvragen?")
    attachment = Attachment(
        post=post,
        filename="nota.pdf",
        content_type="application/pdf",
        size=4,
        storage_key="k",
    )
    db.session.add_all([thread, post, attachment])
    db.session.commit()
    board = Board(meeting=meeting, title="Ronde 1")
    column = BoardColumn(board=board, title="Tips")
    card = Card(
        board=board, column=column, author=member, text="Tip", client_key="k" * 8
    )
    db.session.add_all([board, column, card])
    db.session.commit()
    tip = Tip(
        programme=programme,
        title="Tip",
        text="Tip",
        status=TipStatus.PROGRAMME,
        meeting_id=meeting.id,
        board_id=board.id,
    )
    tip.authors.append(TipAuthor(user_id=member.id))
    report = SessionReport(
        meeting_id=meeting.id, body="Verslag", status=ReportStatus.PUBLISHED
    )
    action = BoardAction(
        board=board,
        card_id=card.id,
        text="Tip uitwerken",
        owner_organisation_id=member.organisation_id,
        due_on=datetime(2030, 6, 1).date(),
    )
    db.session.add_all([tip, report, action])
    db.session.commit()
    objects = {
        "action": action,
        "board": board,
        "card": card,
        "thread": thread,
        "post": post,
        "attachment": attachment,
        "meeting": meeting,
        "programme": programme,
        "group": group,
        "application": application,
        "case": case,
        "membership": request,
        "pending_person": people["pending"],
        "organisation": member.organisation,
        "tip": tip,
        "report": report,
    }
    return people, objects


def test_the_table_covers_every_rule():
    rules = {name for name in permissions.RULES if name.startswith("can_")}
    rules -= {"can_invite_role", "can_revoke_invitation"}  # tested with invitations
    assert rules == set(EXPECTED)


@pytest.mark.parametrize("rule_name", sorted(EXPECTED))
def test_role_matrix(world, rule_name):
    people, objects = world
    rule = permissions.RULES[rule_name]
    nouns, expected = EXPECTED[rule_name]
    nouns = (nouns,) if isinstance(nouns, str) else nouns or ()
    arguments = [objects[noun] for noun in nouns]
    allowed = {role for role, person in people.items() if rule(person, *arguments)}
    assert allowed == expected


def test_withdrawn_and_planned_applications_lock_editing(world, db):
    people, objects = world
    application = objects["application"]
    application.set_status(ApplicationStatus.INTAKE_PLANNED)
    assert not permissions.can_edit_application(people["member"], application)
    assert permissions.can_withdraw_application(people["member"], application)
    application.set_status(ApplicationStatus.ACCEPTED)
    assert not permissions.can_withdraw_application(people["member"], application)


def test_enrolment(world):
    people, objects = world
    programme = objects["programme"]
    enrolled = {
        role
        for role, person in people.items()
        if permissions.is_enrolled(person, programme)
    }
    assert enrolled == {"admin", "adviser", "member"}


def test_programme_wide_sessions_are_for_the_enrolled(world, db):
    people, objects = world
    meeting = objects["meeting"]
    meeting.group = None
    db.session.commit()
    viewers = {
        role
        for role, person in people.items()
        if permissions.can_view_meeting(person, meeting)
    }
    assert viewers == {"admin", "adviser", "member"}
    schedulers = {
        role
        for role, person in people.items()
        if permissions.can_schedule_meetings(person, objects["programme"], None)
    }
    assert schedulers == {"admin", "adviser"}


def test_locked_threads_and_hidden_posts(world, db):
    people, objects = world
    thread, post, attachment = objects["thread"], objects["post"], objects["attachment"]
    thread.is_locked = True
    post.is_hidden = True
    db.session.commit()
    repliers = {r for r, p in people.items() if permissions.can_reply(p, thread)}
    assert repliers == {"admin", "adviser"}
    assert not permissions.can_edit_post(people["member"], post)
    readers = {
        r for r, p in people.items() if permissions.can_view_attachment(p, attachment)
    }
    assert readers == {"admin", "adviser"}


def test_initiators_in_the_programme_share_experiences(world, db, add_member):
    people, objects = world
    initiator = people["initiator"]
    assert not permissions.can_open_experience_case(initiator, objects["programme"])
    objects["membership"].set_status(MembershipStatus.ACTIVE)
    db.session.commit()
    assert permissions.can_open_experience_case(initiator, objects["programme"])
    assert not permissions.can_open_experience_case(
        people["member"], objects["programme"]
    )


#: Delivery's pages: (method, path, the roles that get 200 or a redirect; the
#: other signed-in roles get 403). Everyone signed in has notification settings.
DELIVERY_ROUTES = [
    ("GET", "/admin/outbox", {"admin"}),
    ("GET", "/admin/outbox?view=failed", {"admin"}),
    ("POST", "/admin/outbox/{message}/discard", {"admin"}),
    ("POST", "/admin/outbox/{message}/retry", {"admin"}),
    ("GET", "/profile/notifications", ALL),
    ("POST", "/profile/notifications", ALL),
]


@pytest.mark.parametrize(("method", "path", "allowed"), DELIVERY_ROUTES)
def test_delivery_routes_by_role(app, world, login, method, path, allowed):
    from circle.extensions import db
    from circle.mail import build_message, queue_mail
    from circle.outbox.models import OutboxMessage, OutboxStatus

    queue_mail(db.session, build_message("a@example.org", "Onderwerp", "Tekst"))
    db.session.commit()
    message = db.session.scalar(sa.select(OutboxMessage))
    message.status = OutboxStatus.FAILED
    db.session.commit()
    people, _objects = world
    url = path.format(message=message.id)
    for role, person in people.items():
        client = app.test_client()
        if role != "anon":
            login(person, test_client=client)
        response = client.post_form(url) if method == "POST" else client.get(url)
        if role == "anon":
            assert response.status_code == 302
            assert response.headers["Location"].startswith("/login")
            continue
        if role == "unverified":  # confirms the address first (the login wall)
            assert response.headers["Location"] == "/verify"
            continue
        expected = {200, 302} if role in allowed else {403}
        assert response.status_code in expected, (role, response.status_code)
