"""The demo programme drawn from the seed documents (`flask circle seed-demo`).

Running it again changes nothing: every record is looked up by its natural key
first. Demo accounts all share the password in `DEMO_PASSWORD`.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from circle.accounts.models import Organisation, OrganisationKind, Role, User
from circle.boards.actions import create_action
from circle.boards.facilitation import add_comment, group_cards, title_cluster
from circle.boards.models import Board
from circle.boards.services import add_card, create_board
from circle.cases.models import Case
from circle.cases.services import open_experience_case, place_case
from circle.database import utcnow
from circle.demo_tips import seed_tips
from circle.extensions import db
from circle.groups.models import DEFAULT_CAPACITY, Region
from circle.groups.regions import RegionData, save_region
from circle.groups.services import (
    GroupData,
    approve_request,
    create_group,
    request_to_join,
)
from circle.intake.services import (
    ApplicationData,
    apply_for_programme,
    decide_application,
    plan_intake,
    withdraw_application,
)
from circle.mail import discard_queued
from circle.meetings.answers import respond
from circle.meetings.invites import invitees
from circle.meetings.models import Answer, Meeting, MeetingKind
from circle.meetings.services import MeetingData, record_attendance, schedule_meeting
from circle.programmes.models import Programme
from circle.programmes.principles import ensure_default_principles
from circle.programmes.services import ProgrammeData, create_programme
from circle.threads.services import (
    PostData,
    ThreadData,
    quote,
    reply,
    start_thread,
)
from circle.timezones import local_to_utc

DEMO_PASSWORD = "circle-demo"

ORGANISATIONS = [
    ("Programmabureau Democratie in Actie", OrganisationKind.OTHER, None),
    ("Gemeente Stein", OrganisationKind.MUNICIPALITY, "Limburg"),
    ("Gemeente Sittard-Geleen", OrganisationKind.MUNICIPALITY, "Limburg"),
    ("Gemeente Meppel", OrganisationKind.MUNICIPALITY, "Drenthe"),
    ("Gemeente Zwolle", OrganisationKind.MUNICIPALITY, "Overijssel"),
    ("Gemeente Eindhoven", OrganisationKind.MUNICIPALITY, "Noord-Brabant"),
    ("Gemeente Helmond", OrganisationKind.MUNICIPALITY, "Noord-Brabant"),
    ("Gemeente Venlo", OrganisationKind.MUNICIPALITY, "Limburg"),
    ("Stichting Dorpsdagvoorziening Meers", OrganisationKind.INITIATIVE, "Limburg"),
    ("Energiecoöperatie De Vechtstroom", OrganisationKind.INITIATIVE, "Overijssel"),
    (
        "Zorgcollectief Samen Oud in Strijp",
        OrganisationKind.INITIATIVE,
        "Noord-Brabant",
    ),
    ("Fonds Samen Doen", OrganisationKind.FUND, None),
]

#: (e-mail, name, role, organisation name); the first four are in the README.
PEOPLE = [
    (
        "admin@example.org",
        "Sanne Bakker",
        Role.ADMIN,
        "Programmabureau Democratie in Actie",
    ),
    (
        "adviseur@example.org",
        "Marleen de Vries",
        Role.ADVISER,
        "Programmabureau Democratie in Actie",
    ),
    ("gemeente@example.org", "Jeroen Smeets", Role.PARTICIPANT, "Gemeente Stein"),
    (
        "initiatief@example.org",
        "Lies Houben",
        Role.INITIATOR,
        "Stichting Dorpsdagvoorziening Meers",
    ),
    (
        "adviseur.oost@example.org",
        "Peter Jansen",
        Role.ADVISER,
        "Programmabureau Democratie in Actie",
    ),
    ("wethouder.stein@example.org", "Ria Ramakers", Role.PARTICIPANT, "Gemeente Stein"),
    ("sittard@example.org", "Bas Coenen", Role.PARTICIPANT, "Gemeente Sittard-Geleen"),
    ("meppel@example.org", "Anouk Mulder", Role.PARTICIPANT, "Gemeente Meppel"),
    ("zwolle@example.org", "Hans Kuipers", Role.PARTICIPANT, "Gemeente Zwolle"),
    (
        "eindhoven@example.org",
        "Fatima el Amrani",
        Role.PARTICIPANT,
        "Gemeente Eindhoven",
    ),
    ("helmond@example.org", "Tom van Dijk", Role.PARTICIPANT, "Gemeente Helmond"),
    ("venlo@example.org", "Sandra Hendriks", Role.PARTICIPANT, "Gemeente Venlo"),
    (
        "vechtstroom@example.org",
        "Gerrit Hofman",
        Role.INITIATOR,
        "Energiecoöperatie De Vechtstroom",
    ),
    (
        "strijp@example.org",
        "Joke Verhoeven",
        Role.INITIATOR,
        "Zorgcollectief Samen Oud in Strijp",
    ),
    ("fonds@example.org", "Karin Smit", Role.INITIATOR, "Fonds Samen Doen"),
]


PROGRAMME_NAME = "Faciliteren van lokaal maatschappelijk initiatief"
PROGRAMME_DESCRIPTION = (
    "Alle gemeenten willen ruimte geven aan lokaal maatschappelijk initiatief. Maar "
    "veel gemeenten zoeken nog een manier om dat concreet in te vullen. Wat is "
    "faciliteren eigenlijk, en hoe doe je dat?\n\n"
    "Het traject bestaat uit lokale maatwerkondersteuning, waar gemeenten worden "
    "begeleid met hun eigen vraagstuk, en uit leren en kennisuitwisseling met andere "
    "gemeenten in regionale leerkringen: een startbijeenkomst, rond drie regionale "
    "uitwisselingsbijeenkomsten en een slotbijeenkomst. De lessen en werkzame "
    "elementen worden gebundeld en verspreid onder een grotere groep gemeenten."
)

#: (name, provinces)
REGIONS = [
    ("Limburg", ["Limburg"]),
    ("Brabant en Zeeland", ["Noord-Brabant", "Zeeland"]),
    ("Noord en Oost", ["Drenthe", "Friesland", "Groningen", "Overijssel"]),
    ("Randstad", ["Flevoland", "Noord-Holland", "Utrecht", "Zuid-Holland"]),
    ("Gelderland", ["Gelderland"]),
]

#: (name, region, adviser e-mails, description)
GROUPS = [
    (
        "Leerkring Limburg",
        "Limburg",
        ["adviseur@example.org"],
        "Gemeenten en initiatieven uit Limburg leren van elkaars initiatievenbeleid, "
        "met de dorpsdagvoorziening in Meers als inspirerend voorbeeld.",
    ),
    (
        "Leerkring Brabant",
        "Brabant en Zeeland",
        ["adviseur.oost@example.org"],
        "Over initiatievenfondsen, zorgcollectieven en een eerlijke verdeling van geld "
        "en aandacht.",
    ),
    (
        "Leerkring Noord en Oost",
        "Noord en Oost",
        ["adviseur.oost@example.org", "adviseur@example.org"],
        "Over overheidsparticipatie en coalities van initiatieven, zoals "
        "energiecoöperaties.",
    ),
]

#: (organisation, applicant, status, project type, title, description, question)
APPLICATIONS = [
    (
        "Gemeente Stein",
        "gemeente@example.org",
        "accepted:Leerkring Limburg",
        "initiatives_fund",
        "Initiatievenfonds Stein",
        "In 2014 stelde Stein €150.000 beschikbaar voor pilots die de eigen kracht van "
        "inwoners versterken, zoals de dorpsdagvoorziening in Meers. Nu willen we een "
        "blijvend initiatievenfonds opzetten.",
        "Hoe beoordelen we aanvragen zonder het initiatief bij de inwoner weg te "
        "halen?",
    ),
    (
        "Gemeente Zwolle",
        "zwolle@example.org",
        "accepted:Leerkring Noord en Oost",
        "initiatives_desk",
        "Initiatievenloket Zwolle",
        "Eén loket waar initiatiefnemers met al hun vragen terechtkunnen.",
        "Hoe voorkomen we dat het loket een extra drempel wordt?",
    ),
    (
        "Gemeente Eindhoven",
        "eindhoven@example.org",
        "accepted:Leerkring Brabant",
        "contact_official",
        "Contactfunctionaris voor initiatieven",
        "Een vaste contactpersoon die initiatieven door de gemeentelijke organisatie "
        "loodst.",
        "Hoe gaan we om met weerstand in de eigen organisatie?",
    ),
    (
        "Gemeente Sittard-Geleen",
        "sittard@example.org",
        "intake_planned",
        "initiatives_policy",
        "Beleidsnota maatschappelijk initiatief",
        "Een nota die de rol van de gemeente bij initiatieven vastlegt.",
        "Welke kaders stelt de raad, en wat laten we aan initiatiefnemers?",
    ),
    (
        "Gemeente Meppel",
        "meppel@example.org",
        "submitted",
        "initiatives_fund",
        "Buurtbudget Meppel",
        "Een budget per buurt waar bewoners zelf over beslissen.",
        "Hoe zorgen we dat iedereen gelijke kansen krijgt?",
    ),
    (
        "Gemeente Helmond",
        "helmond@example.org",
        "declined",
        "other",
        "Participatieplatform",
        "Een digitaal platform voor inspraak.",
        "Hoe krijgen we meer inwoners aan het woord?",
    ),
    (
        "Gemeente Venlo",
        "venlo@example.org",
        "withdrawn",
        "initiatives_desk",
        "Loket Venlo",
        "Een initiatievenloket in het stadskantoor.",
        "Hoe organiseren we het loket met weinig capaciteit?",
    ),
]

DECLINE_REASON = "Het project past beter bij het traject over digitale participatie."

#: Initiators in groups: (e-mail, group, pending?)
GROUP_MEMBERS = [
    ("initiatief@example.org", "Leerkring Limburg", False),
    ("vechtstroom@example.org", "Leerkring Noord en Oost", False),
    ("fonds@example.org", "Leerkring Brabant", False),
    ("strijp@example.org", "Leerkring Brabant", True),
]


def database_is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def seed_demo() -> dict[str, int]:
    """Create what is missing of the demo; returns how many records were added."""
    added = {"organisations": 0, "users": 0, "programmes": 0}
    organisations = {}
    for name, kind, province in ORGANISATIONS:
        organisation = db.session.scalar(sa.select(Organisation).filter_by(name=name))
        if organisation is None:
            organisation = Organisation(
                name=name, kind=kind, province=province, approved_at=utcnow()
            )
            db.session.add(organisation)
            added["organisations"] += 1
        organisations[name] = organisation
    for email, name, role, organisation_name in PEOPLE:
        if db.session.scalar(sa.select(User).filter_by(email=email)) is None:
            user = User(
                email=email,
                name=name,
                role=role,
                organisation=organisations[organisation_name],
                email_verified_at=utcnow(),
            )
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            added["users"] += 1
    db.session.flush()
    ensure_default_principles()
    added.update(_seed_programme())
    # The demo informs nobody: its people and addresses are made up.
    discard_queued(db.session)
    return added


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).filter_by(email=email))


def _seed_programme() -> dict[str, int]:
    admin = _user("admin@example.org")
    programme = db.session.scalar(sa.select(Programme).filter_by(name=PROGRAMME_NAME))
    if programme is not None:
        return {"programmes": 0}
    today = utcnow().date()
    start = (today.replace(day=1) - timedelta(days=80)).replace(day=1)
    end = start.replace(year=start.year + 1) - timedelta(days=1)
    advisers = [_user("adviseur@example.org"), _user("adviseur.oost@example.org")]
    programme = create_programme(
        ProgrammeData(
            name=PROGRAMME_NAME,
            description=PROGRAMME_DESCRIPTION,
            starts_on=start,
            ends_on=end,
            adviser_ids=[adviser.id for adviser in advisers],
            contact_name="Programmabureau Circle",
            contact_email="programmabureau@example.org",
            contact_phone="030 123 45 67",
        ),
        by=admin,
    )
    regions = {}
    for name, provinces in REGIONS:
        region = db.session.scalar(sa.select(Region).filter_by(name=name))
        regions[name] = region or save_region(
            None, RegionData(name, provinces), by=admin
        )
    groups = {}
    for name, region, adviser_emails, description in GROUPS:
        groups[name] = create_group(
            programme,
            GroupData(
                name=name,
                description=description,
                capacity=DEFAULT_CAPACITY,
                region_id=regions[region].id,
                adviser_ids=[_user(email).id for email in adviser_emails],
            ),
            by=admin,
        )
    # Applications were made at the start of the programme, in the order listed.
    applied = datetime.combine(start, time(9), tzinfo=UTC)
    for (
        _organisation,
        email,
        status,
        kind,
        title,
        description,
        question,
    ) in APPLICATIONS:
        applicant = _user(email)
        application = apply_for_programme(
            programme,
            ApplicationData(kind, title, description, question, True, True, True),
            by=applicant,
            now=applied,
        )
        state, _, group_name = status.partition(":")
        if state == "withdrawn":
            withdraw_application(application, by=applicant, now=applied)
        elif state == "intake_planned":
            intake_at = local_to_utc(
                datetime.combine(today + timedelta(days=7), time(10))
            )
            plan_intake(
                application,
                intake_at=intake_at,
                notes="Gemeentehuis, kamer 2.14",
                by=advisers[0],
                now=applied,
            )
        elif state in ("accepted", "declined"):
            plan_intake(
                application,
                intake_at=applied + timedelta(days=7),
                notes="",
                by=advisers[0],
                now=applied,
            )
            case = decide_application(
                application,
                accept=state == "accepted",
                reason="" if state == "accepted" else DECLINE_REASON,
                by=advisers[0],
                now=applied + timedelta(days=8),
            )
            if case is not None:
                place_case(
                    case, groups[group_name], by=admin, now=applied + timedelta(days=9)
                )
    for email, group_name, pending in GROUP_MEMBERS:
        membership = request_to_join(
            groups[group_name],
            _user(email),
            message="",
            now=applied + timedelta(days=10),
        )
        if not pending:
            approve_request(membership, by=admin, now=applied + timedelta(days=11))
    db.session.flush()
    _seed_sessions(
        programme, groups, advisers, admin, scheduled=applied + timedelta(days=12)
    )
    _seed_conversations(programme, groups, scheduled=applied + timedelta(days=20))
    board = _seed_board(
        groups["Leerkring Limburg"], scheduled=applied + timedelta(days=21)
    )
    seed_tips(programme, board, now=applied + timedelta(days=22))
    return {"programmes": 1}


#: Where each group meets: (address, online link for hybrid meetings).
GROUP_PLACES = {
    "Leerkring Limburg": (
        "Gemeentehuis Stein, Stein",
        "https://meet.example.org/limburg",
    ),
    "Leerkring Brabant": ("Wijkcentrum Strijp, Eindhoven", ""),
    "Leerkring Noord en Oost": (
        "Stadskantoor, Zwolle",
        "https://meet.example.org/noord-oost",
    ),
}
EXCHANGE_AGENDA = (
    "## Programma\n\n"
    "- 19.00 Inloop met koffie\n"
    "- 19.15 Twee gemeenten presenteren hun **concrete project**\n"
    "- 20.00 Tafelgesprekken: tips voor gemeenten en voor initiatieven\n"
    "- 21.00 Oogst op het live bord en afsluiting\n"
)


def _at(day, hour: int) -> datetime:
    return local_to_utc(datetime.combine(day, time(hour)))


@dataclass
class DemoSession:
    group: str | None
    kind: str
    title: str
    fraction: float  # of the programme's year
    hours: tuple[int, int]
    place: str
    online: str = ""
    capacity: int | None = None
    agenda: str = ""


PROGRAMME_SESSIONS = [
    DemoSession(
        None, "kickoff", "Startbijeenkomst ontwikkeltraject", 0.14, (13, 17),
        "Provinciehuis, Utrecht", capacity=80,
        agenda="Kennismaking, de **9 uitgangspunten** van de Nationale Ombudsman en "
        "de vragen die gemeenten meebrengen.",
    ),
    DemoSession(
        None, "workshop", "Workshop: van burgerparticipatie naar overheidsparticipatie",
        0.45, (9, 13), "VNG, Den Haag", capacity=20,
        agenda="Wat hebben initiatiefnemers nodig, en hoe faciliteert u als gemeente?",
    ),
    DemoSession(
        None, "closing", "Slotbijeenkomst: lessen en 80 tips", 0.97, (14, 17),
        "Provinciehuis, Utrecht",
    ),
    # A small visit: more people want to come than fit, so there is a waitlist.
    DemoSession(
        "Leerkring Limburg", "workshop", "Werkbezoek Dorpsdagvoorziening Meers", 0.4,
        (10, 12), "Dorpsdagvoorziening, Meers", capacity=2,
    ),
]  # fmt: skip


def _group_sessions() -> list[DemoSession]:
    sessions = []
    for name, (place, online) in GROUP_PLACES.items():
        for number, fraction in enumerate((0.3, 0.55, 0.8), start=1):
            title = f"Uitwisselingsbijeenkomst {number}: {name}"
            sessions.append(
                DemoSession(
                    name, "regional_exchange", title, fraction, (19, 21), place, online,
                    agenda=EXCHANGE_AGENDA,
                )
            )  # fmt: skip
        sessions.append(
            DemoSession(
                name,
                "local_support",
                f"Maatwerkondersteuning {name}",
                0.22,
                (10, 12),
                place,
            )
        )
    return sessions


def _seed_sessions(programme, groups, advisers, admin, *, scheduled: datetime) -> None:
    """The programme's year: kick-off, three exchanges per group, support, closing.

    Sessions are scheduled and answered as if at the start of the programme;
    attendance is recorded for those that have taken place by now.
    """
    length = (programme.ends_on - programme.starts_on).days
    created = []
    for item in PROGRAMME_SESSIONS + _group_sessions():
        group = groups[item.group] if item.group else None
        day = programme.starts_on + timedelta(days=round(length * item.fraction))
        hosts = list(group.advisers) if group else advisers
        created.append(
            schedule_meeting(
                programme,
                group,
                MeetingData(
                    kind=item.kind,
                    title=item.title,
                    agenda=item.agenda,
                    starts_at=_at(day, item.hours[0]),
                    ends_at=_at(day, item.hours[1]),
                    location=item.place,
                    online_url=item.online,
                    capacity=item.capacity,
                    host_ids=[host.id for host in hosts],
                ),
                by=admin,
                now=scheduled,
            )
        )
    answered = scheduled + timedelta(hours=1)
    for meeting in created:
        for number, person in enumerate(invitees(meeting)):
            if person.role in (Role.ADMIN, Role.ADVISER):
                continue
            answer = Answer.MAYBE if number % 5 == 4 else Answer.GOING
            respond(meeting, person, answer, now=answered)
    now = utcnow()
    for meeting in created:
        if meeting.starts_at < now:
            present = {rsvp.user_id for rsvp in meeting.rsvps if rsvp.has_place}
            record_attendance(meeting, present, by=admin, now=now)


def _seed_conversations(programme, groups, *, scheduled: datetime) -> None:
    """A few real-looking conversations and an initiative's experience case."""
    jeroen = _user("gemeente@example.org")
    lies = _user("initiatief@example.org")
    marleen = _user("adviseur@example.org")
    themes = {theme.name: theme for theme in programme.themes}
    stein_case = db.session.scalar(
        sa.select(Case).where(Case.title == "Initiatievenfonds Stein")
    )
    fund = start_thread(
        programme,
        ThreadData(
            title="Hoe beoordelen we aanvragen voor ons initiatievenfonds?",
            group_id=groups["Leerkring Limburg"].id,
            theme_ids=[themes["Beoordelen en waarderen van initiatieven"].id],
            case_id=stein_case.id if stein_case else None,
            post=PostData(
                "In Stein stelden we in 2014 **€150.000** beschikbaar voor pilots. Nu "
                "willen we een blijvend fonds. Hoe beoordelen jullie aanvragen zonder "
                "het initiatief bij de inwoner weg te halen?"
            ),
        ),
        by=jeroen,
        now=scheduled,
    )
    opening = fund.posts[0]
    reply(
        fund,
        PostData(
            quote(opening)
            + "Bij de dorpsdagvoorziening in Meers vroeg de gemeente om een onderzoek "
            "naar draagvlak. Dat hielp ons ook zelf. @Jeroen Smeets, zullen we het "
            "bij de volgende bijeenkomst laten zien?"
        ),
        by=lies,
        now=scheduled + timedelta(hours=3),
        reply_to=opening,
    )
    reply(
        fund,
        PostData(
            "Tip uit de 80 tips: laat bewoners zelf meebeslissen over de toekenning, "
            "bijvoorbeeld met een bewonersjury."
        ),
        by=marleen,
        now=scheduled + timedelta(days=1),
    )
    start_thread(
        programme,
        ThreadData(
            title="De 9 uitgangspunten van de Nationale Ombudsman in de praktijk",
            group_id=None,
            theme_ids=[themes["De 9 uitgangspunten van de Nationale Ombudsman"].id],
            case_id=None,
            post=PostData(
                "Welke van de negen uitgangspunten vinden jullie het lastigst om waar "
                "te maken? Bij ons is het *tijdig en helder communiceren*."
            ),
        ),
        by=_user("zwolle@example.org"),
        now=scheduled + timedelta(days=2),
    )
    open_experience_case(
        programme,
        title="Dorpsdagvoorziening Meers",
        description="Twintig vrijwilligers knapten samen een pand op. Nu is er een "
        "ontmoetingsplek met inloop, koffie, een leeshoek en dagbesteding.",
        question="Hoe blijft een stichting financieel gezond zonder vaste subsidie?",
        by=lies,
        now=scheduled + timedelta(days=3),
    )


DEMO_CARDS = [
    (0, "Laat het initiatief bij de inwoner: vraag om een onderzoek naar draagvlak."),
    (0, "Eén vaste contactpersoon die initiatieven door het gemeentehuis loodst."),
    (1, "Begin klein: een pand opknappen met twintig vrijwilligers kan al veel."),
    (1, "Zoek coalities met andere initiatieven in de kern."),
    (2, "Hoe verdelen we geld en aandacht eerlijk over de kernen?"),
]


def _seed_board(group, *, scheduled: datetime) -> Board:
    """A board with tips on the group's first exchange meeting."""
    meeting = db.session.scalar(
        sa.select(Meeting)
        .where(
            Meeting.group_id == group.id, Meeting.kind == MeetingKind.REGIONAL_EXCHANGE
        )
        .order_by(Meeting.starts_at)
    )
    adviser = group.advisers[0]
    board = create_board(meeting, "Tips uit de zaal", by=adviser, now=scheduled)
    people = [_user("gemeente@example.org"), _user("initiatief@example.org")]
    cards = [
        add_card(
            board,
            column_id=board.columns[column].id,
            text=text,
            key=f"demo-card-{number:04d}",
            by=people[number % 2],
            now=scheduled,
        ).card
        for number, (column, text) in enumerate(DEMO_CARDS)
    ]
    # The room grouped the first two tips, replied to the question and agreed
    # on an action for the municipality.
    group_cards(board, cards[1].id, onto_id=cards[0].id, by=adviser, now=scheduled)
    title_cluster(
        board, cards[0].id, title="Ruimte en één aanspreekpunt", by=adviser,
        now=scheduled,
    )  # fmt: skip
    add_comment(
        board, cards[4].id, key="demo-reply-0001", by=adviser, now=scheduled,
        text="Echt-Susteren werkt met een verdeelsleutel per kern: volgende keer meer.",
    )  # fmt: skip
    create_action(
        cards[0], owner=f"o{people[0].organisation_id}", by=adviser, now=scheduled,
        due_on=(scheduled + timedelta(days=42)).date(),
        text="Wijs één vaste contactpersoon aan voor initiatieven.",
    )  # fmt: skip
    return board
