"""The demo's harvest: the Limburg group's first exchange produced a bundle of
tips, as the programme's first evening produced "80 tips" (seed documents), and
a short report. Most tips are published to everyone with their authors'
consent, so the public bundle is not empty; a few wait inside the programme.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa

from circle.accounts.models import User
from circle.boards.models import Board
from circle.extensions import db
from circle.meetings.models import Meeting
from circle.programmes.models import Principle, Programme
from circle.tips.models import (
    Consent,
    ReportStatus,
    SessionReport,
    Tip,
    TipAudience,
    TipAuthor,
    TipStatus,
)
from circle.tips.services import harvest, harvest_candidates, reindex

MUN, INI, FUN, TOG = (
    TipAudience.MUNICIPALITY,
    TipAudience.INITIATIVE,
    TipAudience.FUND,
    TipAudience.TOGETHER,
)

#: (audience, title, text, theme index, principle positions, score)
DEMO_TIPS = [
    (
        MUN,
        "Eén loket voor initiatieven",
        (
            "Geef initiatiefnemers één vaste contactpersoon die hen door het "
            "gemeentehuis loodst, ook als hun vraag meerdere afdelingen raakt."
        ),
        1,
        [3],
        14,
    ),
    (
        MUN,
        "Vertrouwen als vertrekpunt",
        (
            "Ga ervan uit dat een initiatief iets goeds wil. Vraag pas om "
            "verantwoording als het geld of risico dat echt vraagt."
        ),
        1,
        [1],
        12,
    ),
    (
        MUN,
        "Maak de spelregels vooraf duidelijk",
        (
            "Leg vast wat de gemeente doet en wat niet, wie beslist en hoe lang dat "
            "duurt, en deel dat voordat het initiatief begint."
        ),
        0,
        [2],
        11,
    ),
    (
        MUN,
        "Vraag om draagvlak, niet om een plan",
        (
            "Laat initiatiefnemers laten zien dat buurtbewoners achter het idee "
            "staan, in plaats van een dik projectplan te eisen."
        ),
        1,
        [5],
        10,
    ),
    (
        MUN,
        "Neem weerstand serieus",
        (
            "Betrek collega's van vergunningen en financiën vroeg: zij zien "
            "risico's die je beter samen kunt oplossen dan achteraf."
        ),
        2,
        [],
        9,
    ),
    (
        MUN,
        "Kleine subsidies, snelle besluiten",
        (
            "Een klein initiatievenfonds met een besluit binnen vier weken helpt "
            "meer dan één grote regeling per jaar."
        ),
        4,
        [7],
        9,
    ),
    (
        MUN,
        "Leg uit waarom je nee zegt",
        (
            "Een afwijzing met uitleg en een alternatief houdt initiatiefnemers "
            "betrokken; een stil nee niet."
        ),
        3,
        [4, 7],
        8,
    ),
    (
        INI,
        "Begin klein",
        (
            "Een pand opknappen met twintig vrijwilligers kan al veel. Laat zien "
            "wat je doet voordat je om geld vraagt."
        ),
        1,
        [],
        13,
    ),
    (
        INI,
        "Zoek coalities in de kern",
        (
            "Werk samen met andere initiatieven, de school en de sportclub: samen "
            "sta je sterker en deel je vrijwilligers."
        ),
        0,
        [],
        11,
    ),
    (
        INI,
        "Ken je wethouder en je ambtenaar",
        (
            "Nodig de wethouder en de ambtelijk contactpersoon uit om te komen "
            "kijken; persoonlijk contact maakt de weg korter."
        ),
        0,
        [3],
        9,
    ),
    (
        INI,
        "Vier successen, ook kleine",
        (
            "Een opening, een mijlpaal of honderd bezoekers: vier het en vertel het "
            "in de buurt. Dat trekt nieuwe vrijwilligers."
        ),
        1,
        [],
        8,
    ),
    (
        INI,
        "Maak het vrijwilligers makkelijk",
        (
            "Korte klussen met een duidelijk begin en eind passen beter bij mensen "
            "met weinig tijd dan vaste diensten."
        ),
        1,
        [],
        7,
    ),
    (
        INI,
        "Denk aan de lange termijn",
        (
            "Vraag je vanaf het begin af hoe je het initiatief over drie jaar "
            "betaalt, ook als de eerste subsidie stopt."
        ),
        4,
        [],
        7,
    ),
    (
        FUN,
        "Beoordeel met inwoners",
        (
            "Laat een jury van inwoners meebeslissen over aanvragen voor het fonds: "
            "dat geeft draagvlak en frisse blikken."
        ),
        1,
        [9],
        10,
    ),
    (
        FUN,
        "Eenvoudige aanvraag, heldere criteria",
        (
            "Eén A4 met vijf vragen en criteria die iedereen vooraf kan lezen "
            "verlaagt de drempel voor kleine initiatieven."
        ),
        4,
        [4],
        9,
    ),
    (
        FUN,
        "Verantwoording naar rato",
        (
            "Vraag bij kleine bedragen een foto en een kort verhaal, geen "
            "accountantsverklaring."
        ),
        4,
        [1, 7],
        8,
    ),
    (
        TOG,
        "Organiseer ontmoeting",
        (
            "Gemeenten en initiatieven zoeken allebei: een vaste avond per kwartaal "
            "om ervaringen te delen helpt beide."
        ),
        0,
        [9],
        12,
    ),
    (
        TOG,
        "Deel wat werkt",
        (
            "Schrijf na elk project op wat werkte en wat niet, en deel dat met "
            "andere kernen en gemeenten."
        ),
        3,
        [9],
        10,
    ),
    (
        TOG,
        "Maak afspraken en kom ze na",
        (
            "Spreek samen af wie wat doet en wanneer, en kom daar allebei op terug "
            "bij de volgende ontmoeting."
        ),
        3,
        [6],
        9,
    ),
    (
        TOG,
        "Gebruik de negen uitgangspunten",
        (
            "Loop samen de negen uitgangspunten van de Nationale Ombudsman langs: "
            "waar staan we, wat kan beter?"
        ),
        3,
        [1, 2, 9],
        8,
    ),
]

REPORT = """Op deze avond presenteerden vijf lokale initiatieven hun idee en aanpak.
Samen verkenden gemeenten en initiatiefnemers hoe zij elkaar kunnen versterken: van een
vaste contactpersoon in het gemeentehuis tot een fonds waarin inwoners meebeslissen.

Er bleken geen eenduidige antwoorden op de vraag naar sturing, wel een grote behoefte
aan **ontmoeting en het delen van kennis en ervaring**. De tips van de avond staan
hieronder; de volgende uitwisseling gaat verder met financiering op de lange termijn.
"""


def seed_tips(programme: Programme, board: Board, *, now: datetime) -> None:
    meeting = db.session.get(Meeting, board.meeting_id)
    adviser = board.meeting.hosts[0] if board.meeting.hosts else None
    people = [
        db.session.scalar(sa.select(User).filter_by(email=email))
        for email in ("gemeente@example.org", "initiatief@example.org")
    ]
    principles = {
        principle.position: principle
        for principle in db.session.scalars(sa.select(Principle))
    }
    # The board's tips columns harvested as the adviser would.
    chosen = [c.card.id for c in harvest_candidates(board) if c.preselected]
    harvested = harvest(board, chosen, by=adviser, now=now)
    for tip in harvested:
        tip.status = TipStatus.PUBLIC
        tip.published_at = now
        for author in tip.authors:
            author.consent, author.decided_at = Consent.NAMED, now
    for number, (audience, title, text, theme, positions, score) in enumerate(
        DEMO_TIPS
    ):
        tip = Tip(
            programme_id=programme.id,
            title=title,
            text=text,
            audience=audience,
            score=score,
            meeting_id=meeting.id,
            board_id=board.id,
            group_id=meeting.group_id,
            created_by_id=adviser.id if adviser else None,
            created_at=now,
            updated_at=now,
            published_at=now,
            # The last three wait inside the programme: one author has not answered.
            status=TipStatus.PUBLIC
            if number < len(DEMO_TIPS) - 3
            else TipStatus.PROGRAMME,
        )
        tip.themes = [programme.themes[theme]] if theme < len(programme.themes) else []
        tip.principles = [principles[p] for p in positions if p in principles]
        author = people[number % 2]
        consent = Consent.ANONYMOUS if number % 3 == 0 else Consent.NAMED
        tip.authors.append(
            TipAuthor(user_id=author.id, consent=consent, decided_at=now, position=0)
        )
        db.session.add(tip)
    db.session.flush()
    for tip in db.session.scalars(
        sa.select(Tip).where(Tip.programme_id == programme.id)
    ):
        reindex(tip)
    db.session.add(
        SessionReport(
            meeting_id=meeting.id,
            body=REPORT,
            status=ReportStatus.PUBLISHED,
            author_id=adviser.id if adviser else None,
            created_at=now,
            updated_at=now,
            published_at=now + timedelta(minutes=5),
        )
    )
