"""National-scale data for benchmarks: `python bench/generate.py --scale 1.0 URL`.

At scale 1.0: 5 programmes, 350 municipalities (two civil servants each),
40 groups, 2,000 sessions, 20,000 answers, 5,000 threads, 100,000 posts (all in
the search index), 500 boards with 50,000 cards, and a few thousand unread
notifications for the demo adviser. Smaller scales shrink every count.

The skeleton (programmes, groups, the demo people) goes through the test
factories and the demo loader, so it obeys the same rules as real use; the
masses are written with one multi-row INSERT per table, which keeps a full
run under two minutes on SQLite and PostgreSQL. The demo people take part in
the generated programmes (the adviser advises all of them, Gemeente Stein sits
in one of the groups), so logging in as them shows pages at full size.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from circle.accounts.models import Organisation, OrganisationKind, Role, User  # noqa: E402
from circle.boards.models import Board, BoardColumn, Card  # noqa: E402
from circle.extensions import db  # noqa: E402
from circle.groups.models import Membership, MembershipStatus  # noqa: E402
from circle.meetings.models import (  # noqa: E402
    Answer,
    Meeting,
    MeetingKind,
    Rsvp,
    meeting_hosts,
)
from circle.notifications.models import Notification, NotificationKind  # noqa: E402
from circle.search.models import SearchDocument, SearchKind  # noqa: E402
from circle.threads.models import Post, Thread  # noqa: E402
from tests import factories  # noqa: E402

FULL = {
    "programmes": 5,
    "municipalities": 350,
    "groups": 40,
    "sessions": 2000,
    "answers": 20000,
    "threads": 5000,
    "posts": 100000,
    "boards": 500,
    "cards": 50000,
    "notifications": 3000,
}

#: Sentences in the programme's own words (from the seed documents), mixed at
#: random so that search finds common words everywhere and rare words seldom.
PHRASES = [
    "Hoe richten we een initiatievenloket in dat bewoners echt helpt?",
    "Het initiatievenfonds verdeelt geld eerlijk over wijken en dorpen.",
    "De raad wil kaders stellen zonder initiatieven dicht te regelen.",
    "Een contactfunctionaris is het vaste aanspreekpunt voor initiatiefnemers.",
    "Omgaan met weerstand in de eigen organisatie vraagt geduld.",
    "Overheidsparticipatie in plaats van burgerparticipatie: de gemeente sluit aan.",
    "Wij hebben een afwegingskader gemaakt met criteria voor waardering.",
    "Begin klein, maak zichtbaar wat werkt en deel het met de buurgemeenten.",
    "Coalities van initiatieven staan sterker bij de gemeente en fondsen.",
    "De dorpsdagvoorziening draait op vrijwilligers uit de kern.",
    "Financiële en juridische vragen bespreken we met een externe expert.",
    "Het college heeft het initiatievenbeleid vastgesteld na een bewonersavond.",
    "Wie heeft ervaring met right to challenge in een kleine gemeente?",
    "Leg afspraken vast, maar houd de lijnen kort en persoonlijk.",
    "De regionale uitwisseling leverde tachtig tips op voor gemeenten.",
]
RARE_WORD = "zonnecoöperatie"


def _text(rng: random.Random, sentences: int = 3) -> str:
    return " ".join(rng.choice(PHRASES) for _ in range(sentences))


def _insert(model_or_table, rows: list[dict]) -> None:
    for start in range(0, len(rows), 5000):
        db.session.execute(sa.insert(model_or_table), rows[start : start + 5000])


def _ids(model, column, values) -> dict:
    """Map a unique column's values to ids, for rows just inserted in bulk."""
    found = db.session.execute(sa.select(column, model.id).where(column.in_(values)))
    return dict(found.all())


def generate(scale: float = 1.0, *, seed: int = 1) -> dict[str, int]:
    """Add national-scale data to the current app's database; returns the counts."""
    from circle.demo import seed_demo

    rng = random.Random(seed)
    count = {name: max(1, round(value * scale)) for name, value in FULL.items()}
    count["groups"] = max(count["groups"], count["programmes"])
    seed_demo()
    admin = db.session.scalar(sa.select(User).filter_by(email="admin@example.org"))
    adviser = db.session.scalar(sa.select(User).filter_by(email="adviseur@example.org"))
    stein = db.session.scalar(sa.select(Organisation).filter_by(name="Gemeente Stein"))
    now = datetime.now(UTC).replace(microsecond=0)
    year_start = date(now.year, 1, 1)

    # -- programmes and groups, through the factories (rules, phases, themes) -------
    programmes, groups = [], []
    for p in range(count["programmes"]):
        programme = factories.programme(
            by=admin,
            name=f"Ontwikkeltraject {year_start.year + p - count['programmes'] + 1}",
            advisers=[adviser],
            starts_on=year_start.replace(year=year_start.year + p - 2),
            ends_on=year_start.replace(year=year_start.year + p - 1) - timedelta(1),
        )
        programmes.append(programme)
    for g in range(count["groups"]):
        programme = programmes[g % len(programmes)]
        groups.append(
            factories.group(
                programme,
                by=admin,
                name=f"Leerkring {g + 1}",
                capacity=200,
                advisers=[adviser],
            )
        )
    db.session.flush()

    # -- municipalities and their people --------------------------------------------
    names = [f"Gemeente Generated {n + 1:03d}" for n in range(count["municipalities"])]
    _insert(
        Organisation,
        [
            {
                "name": name,
                "kind": OrganisationKind.MUNICIPALITY,
                "province": "Limburg",
                "approved_at": now,
            }
            for name in names
        ],
    )
    organisation_ids = list(_ids(Organisation, Organisation.name, names).values())
    password_hash = db.session.scalar(
        sa.select(User.password_hash).where(User.id == adviser.id)
    )
    emails = [
        f"ambtenaar{n}.{o}@generated.example.org"
        for o in range(len(organisation_ids))
        for n in (1, 2)
    ]
    _insert(
        User,
        [
            {
                "email": email,
                "name": f"Ambtenaar {index + 1}",
                "password_hash": password_hash,
                "role": Role.PARTICIPANT,
                "organisation_id": organisation_ids[index // 2],
                "email_verified_at": now,
            }
            for index, email in enumerate(emails)
        ],
    )
    people = list(_ids(User, User.email, emails).values())
    people += list(
        db.session.scalars(sa.select(User.id).where(User.organisation_id == stein.id))
    )

    # -- memberships: each organisation's people in one group -----------------------
    members_of: dict[int, list[int]] = {group.id: [] for group in groups}
    rows = []
    for index, person in enumerate(people):
        group = groups[(index // 2) % len(groups)]
        members_of[group.id].append(person)
        rows.append(
            {
                "group_id": group.id,
                "user_id": person,
                "status": MembershipStatus.ACTIVE,
                "decided_at": now,
            }
        )
    _insert(Membership, rows)

    # -- sessions over each programme's year, with hosts and answers ----------------
    meeting_rows = []
    for s in range(count["sessions"]):
        group = groups[s % len(groups)]
        programme = group.programme
        day = programme.starts_on + timedelta(days=(s * 7) % 360)
        starts = datetime(day.year, day.month, day.day, 17, tzinfo=UTC)
        meeting_rows.append(
            {
                "programme_id": programme.id,
                "group_id": group.id,
                "kind": MeetingKind.REGIONAL_EXCHANGE,
                "title": f"Uitwisseling {s + 1}: {rng.choice(PHRASES)[:80]}",
                "agenda": _text(rng),
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "location": "Gemeentehuis",
                "created_at": now,
                "updated_at": now,
            }
        )
    _insert(Meeting, meeting_rows)
    meetings = db.session.execute(
        sa.select(Meeting.id, Meeting.group_id).where(
            Meeting.title.like("Uitwisseling %:%")
        )
    ).all()
    _insert(
        meeting_hosts, [{"meeting_id": m, "user_id": adviser.id} for m, _ in meetings]
    )
    rsvp_rows, per_meeting = [], max(1, count["answers"] // max(1, len(meetings)))
    for meeting_id, group_id in meetings:
        for person in members_of[group_id][:per_meeting]:
            rsvp_rows.append(
                {
                    "meeting_id": meeting_id,
                    "user_id": person,
                    "response": rng.choice(list(Answer)),
                    "created_at": now,
                    "updated_at": now,
                }
            )
    _insert(Rsvp, rsvp_rows)

    # -- threads and posts, indexed for search --------------------------------------
    thread_rows = []
    for t in range(count["threads"]):
        group = groups[t % len(groups)]
        thread_rows.append(
            {
                "programme_id": group.programme_id,
                "group_id": group.id,
                "author_id": rng.choice(members_of[group.id] or [adviser.id]),
                "title": f"Vraag {t + 1}: {rng.choice(PHRASES)[:150]}",
                "created_at": now - timedelta(minutes=t),
                "last_post_at": now - timedelta(minutes=t),
            }
        )
    _insert(Thread, thread_rows)
    threads = db.session.execute(
        sa.select(Thread.id, Thread.programme_id, Thread.group_id, Thread.title).where(
            Thread.title.like("Vraag %:%")
        )
    ).all()
    post_rows = []
    per_thread = max(1, count["posts"] // max(1, len(threads)))
    for thread_id, _programme_id, group_id, _title in threads:
        for n in range(per_thread):
            body = _text(rng, rng.randint(1, 4))
            if rng.random() < 0.001:
                body += f" Wij startten een {RARE_WORD}."
            post_rows.append(
                {
                    "thread_id": thread_id,
                    "author_id": rng.choice(members_of[group_id] or [adviser.id]),
                    "body": body,
                    "created_at": now - timedelta(minutes=per_thread - n),
                }
            )
    _insert(Post, post_rows)
    documents = [
        {
            "kind": SearchKind.THREAD,
            "object_id": thread_id,
            "programme_id": programme_id,
            "group_id": group_id,
            "thread_id": thread_id,
            "title": title,
            "body": "",
        }
        for thread_id, programme_id, group_id, title in threads
    ]
    thread_scope = {row[0]: row for row in threads}
    for post_id, thread_id, body in db.session.execute(
        sa.select(Post.id, Post.thread_id, Post.body).where(
            Post.thread_id.in_(list(thread_scope))
        )
    ):
        _thread, programme_id, group_id, title = thread_scope[thread_id]
        documents.append(
            {
                "kind": SearchKind.POST,
                "object_id": post_id,
                "programme_id": programme_id,
                "group_id": group_id,
                "thread_id": thread_id,
                "title": title,
                "body": body,
            }
        )
    _insert(SearchDocument, documents)

    # -- boards with three columns and their cards ----------------------------------
    board_rows = [
        {
            "meeting_id": meetings[b * len(meetings) // count["boards"]][0],
            "title": "Tips",
        }
        for b in range(min(count["boards"], len(meetings)))
    ]
    _insert(Board, board_rows)
    boards = list(
        db.session.execute(
            sa.select(Board.id, Meeting.group_id)
            .join(Meeting, Meeting.id == Board.meeting_id)
            .where(Meeting.title.like("Uitwisseling %:%"))
        )
    )
    _insert(
        BoardColumn,
        [
            {"board_id": board_id, "title": title, "position": position}
            for board_id, _g in boards
            for position, title in enumerate(("Tips", "Vragen", "Ideeën"))
        ],
    )
    columns: dict[int, list[int]] = {}
    for column_id, board_id in db.session.execute(
        sa.select(BoardColumn.id, BoardColumn.board_id)
    ):
        columns.setdefault(board_id, []).append(column_id)
    card_rows, per_board = [], max(1, count["cards"] // max(1, len(boards)))
    for board_id, group_id in boards:
        for n in range(per_board):
            card_rows.append(
                {
                    "board_id": board_id,
                    "column_id": columns[board_id][n % 3],
                    "author_id": rng.choice(members_of[group_id] or [adviser.id]),
                    "text": rng.choice(PHRASES),
                    "position": float(n),
                    "client_key": f"gen-{board_id}-{n}",
                    "created_at": now,
                    "updated_at": now,
                }
            )
    _insert(Card, card_rows)

    # -- unread notices for the demo adviser ----------------------------------------
    post_ids = [row["object_id"] for row in documents if row["kind"] == SearchKind.POST]
    _insert(
        Notification,
        [
            {
                "user_id": adviser.id,
                "kind": NotificationKind.REPLY,
                "post_id": post_ids[n % len(post_ids)],
                "created_at": now - timedelta(minutes=n),
            }
            for n in range(count["notifications"])
        ],
    )
    db.session.commit()
    return {
        "programmes": len(programmes),
        "groups": len(groups),
        "municipalities": len(organisation_ids),
        "people": len(people),
        "sessions": len(meetings),
        "answers": len(rsvp_rows),
        "threads": len(threads),
        "posts": len(post_rows),
        "boards": len(boards),
        "cards": len(card_rows),
        "notifications": count["notifications"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url", help="an empty database (it is migrated)")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    from flask_migrate import upgrade

    from circle import create_app
    from config import DevelopmentConfig

    config = type(
        "GenerateConfig",
        (DevelopmentConfig,),
        {"SQLALCHEMY_DATABASE_URI": args.database_url},
    )
    app = create_app(config)
    with app.app_context():
        started = time.perf_counter()
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        counts = generate(args.scale)
        seconds = time.perf_counter() - started
    print(f"scale {args.scale}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    print(f"generated in {seconds:.1f} s")


if __name__ == "__main__":
    main()
