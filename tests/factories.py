"""Plain functions that build Circle's records for tests, benchmarks and generators.

Each takes what it needs as arguments, goes through the real services where
there are rules to follow (programmes, groups, sessions, threads, boards), and
flushes without committing: a fixture or script commits once when it is done.
Call them inside an app context.
"""

import itertools
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from circle.accounts.models import Organisation, OrganisationKind, Role, User
from circle.boards import facilitation
from circle.boards import services as boards
from circle.boards.models import Board, Card, CardComment
from circle.cases.models import ProjectType
from circle.database import utcnow
from circle.extensions import db
from circle.groups.models import Group, Membership, MembershipStatus
from circle.groups.services import GroupData, create_group
from circle.intake.models import Application, ApplicationStatus
from circle.meetings.models import Meeting
from circle.meetings.services import MeetingData, schedule_meeting
from circle.programmes.models import Programme
from circle.programmes.principles import ensure_default_principles
from circle.programmes.services import ProgrammeData, create_programme
from circle.threads.models import Thread
from circle.threads.services import PostData, ThreadData, start_thread

PASSWORD = "correct-horse-battery"
#: Far enough ahead that every test's sessions are in the future.
SESSION_START = datetime(2098, 6, 3, 17, 0, tzinfo=UTC)

_numbers = itertools.count(1)


def organisation(
    name: str | None = None,
    kind: OrganisationKind = OrganisationKind.MUNICIPALITY,
    province: str | None = "Limburg",
) -> Organisation:
    number = next(_numbers)
    if name is None:
        prefix = "Gemeente" if kind == OrganisationKind.MUNICIPALITY else "Initiatief"
        name = f"{prefix} Test {number}"
    record = Organisation(name=name, kind=kind, province=province, approved_at=utcnow())
    db.session.add(record)
    db.session.flush()
    return record


_organisation = organisation  # `user()` has a parameter of the same name


def user(
    role: Role = Role.PARTICIPANT,
    *,
    email: str | None = None,
    name: str | None = None,
    organisation: Organisation | None = None,
    password: str = PASSWORD,
    **columns,
) -> User:
    """A person; participants and initiators get an organisation of their own."""
    number = next(_numbers)
    if organisation is None and role == Role.PARTICIPANT:
        organisation = _organisation()
    elif organisation is None and role == Role.INITIATOR:
        organisation = _organisation(kind=OrganisationKind.INITIATIVE)
    columns.setdefault("email_verified_at", utcnow())
    person = User(
        email=email or f"{role.value}{number}@example.org",
        name=name or f"{role.value.title()} {number}",
        role=role,
        organisation=organisation,
        **columns,
    )
    person.set_password(password)
    db.session.add(person)
    db.session.flush()
    return person


def programme(
    *,
    by: User,
    name: str = "Faciliteren van lokaal maatschappelijk initiatief",
    advisers: tuple[User, ...] | list[User] = (),
    starts_on: date = date(2026, 1, 1),
    ends_on: date = date(2099, 12, 31),
) -> Programme:
    record = create_programme(
        ProgrammeData(
            name=name,
            description="Een jaar samen leren.",
            starts_on=starts_on,
            ends_on=ends_on,
            adviser_ids=[adviser.id for adviser in advisers],
        ),
        by=by,
    )
    db.session.flush()
    return record


def principles() -> list:
    """The nine principles, as the migration stores them."""
    return ensure_default_principles()


def group(
    programme: Programme,
    *,
    by: User,
    name: str = "Leerkring Limburg",
    capacity: int = 20,
    advisers: tuple[User, ...] | list[User] = (),
    region=None,
) -> Group:
    record = create_group(
        programme,
        GroupData(
            name=name,
            description="Samen leren in de regio.",
            capacity=capacity,
            region_id=region.id if region else None,
            adviser_ids=[adviser.id for adviser in advisers],
        ),
        by=by,
    )
    db.session.flush()
    return record


def membership(
    group: Group, person: User, status: MembershipStatus = MembershipStatus.ACTIVE
) -> Membership:
    record = Membership(group=group, user=person)
    record.set_status(status)
    db.session.add(record)
    db.session.flush()
    return record


def application(
    programme: Programme,
    organisation: Organisation,
    *,
    applicant: User | None = None,
    status: ApplicationStatus = ApplicationStatus.SUBMITTED,
    title: str = "Een initiatievenloket",
) -> Application:
    """An application in a given state, written directly (no mail, no intake)."""
    record = Application(
        programme=programme,
        organisation=organisation,
        applicant=applicant,
        project_type=ProjectType.INITIATIVES_DESK,
        project_title=title,
        description="Wij willen initiatieven beter ondersteunen.",
        question="Hoe richten we het loket in?",
        has_college_commitment=True,
    )
    record.set_status(status)
    db.session.add(record)
    db.session.flush()
    return record


def meeting(
    programme: Programme,
    group: Group | None = None,
    *,
    by: User,
    starts_at: datetime = SESSION_START,
    ends_at: datetime | None = None,
    capacity: int | None = None,
    title: str = "Uitwisselingsbijeenkomst",
    kind: str = "regional_exchange",
    location: str = "Gemeentehuis Stein",
    online_url: str = "",
    hosts: tuple[User, ...] | list[User] | None = None,
    now: datetime | None = None,
) -> Meeting:
    """A session scheduled through the service, invitations included."""
    hosts = [by] if hosts is None else hosts
    record = schedule_meeting(
        programme,
        group,
        MeetingData(
            kind=kind,
            title=title,
            agenda="- welkom\n- **tips**",
            starts_at=starts_at,
            ends_at=ends_at or starts_at + timedelta(hours=2),
            location=location,
            online_url=online_url,
            capacity=capacity,
            host_ids=[host.id for host in hosts],
        ),
        by=by,
        now=now or utcnow(),
    )
    db.session.flush()
    return record


def thread(
    programme: Programme,
    group: Group | None = None,
    *,
    by: User,
    title: str = "Hoe beoordeelt de raad een initiatief?",
    body: str = "Wie heeft ervaring met een afwegingskader?",
    case_id: int | None = None,
    now: datetime | None = None,
) -> Thread:
    record = start_thread(
        programme,
        ThreadData(
            title=title,
            group_id=group.id if group else None,
            theme_ids=[],
            case_id=case_id,
            post=PostData(body),
        ),
        by=by,
        now=now or utcnow(),
    )
    db.session.flush()
    return record


def board(meeting: Meeting, *, by: User, title: str = "Tips en vragen") -> Board:
    record = boards.create_board(meeting, title, by=by, now=utcnow())
    db.session.flush()
    return record


def card(board: Board, *, by: User, text: str = "Begin klein", column=None) -> Card:
    column = column or board.columns[0]
    written = boards.add_card(
        board,
        column_id=column.id,
        text=text,
        key=f"factory-{next(_numbers):08d}",
        by=by,
        now=utcnow(),
    )
    db.session.flush()
    return written.card


def comment(card: Card, *, by: User, text: str = "Goed punt") -> CardComment:
    facilitation.add_comment(
        card.board,
        card.id,
        text=text,
        key=f"factory-{next(_numbers):08d}",
        by=by,
        now=utcnow(),
    )
    db.session.flush()
    return db.session.scalars(
        sa.select(CardComment)
        .where(CardComment.card_id == card.id)
        .order_by(CardComment.id.desc())
    ).first()
