"""Two real server processes sharing Redis: a card added on one arrives on the
other, and both restarted still have it. Runs against the machine's Redis (and
PostgreSQL when TEST_DATABASE_URL is set, else a shared SQLite file)."""

import os
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import socketio as socketio_client

from bench.servers import Server, log_in
from circle.accounts.models import Organisation, OrganisationKind, Role, User
from circle.boards import services as boards
from circle.database import utcnow
from circle.extensions import db
from circle.groups.models import Membership, MembershipStatus
from circle.groups.services import GroupData, create_group
from circle.meetings.services import MeetingData, schedule_meeting
from circle.programmes.services import ProgrammeData, create_programme
from config import normalise_database_url
from tests.conftest import make_test_app, running, service_url

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "twee-processen"


def board_client(server: Server, email: str):
    http = log_in(server, email, PASSWORD)
    client = socketio_client.Client(http_session=http, reconnection=False)
    received = []
    arrived = threading.Event()

    @client.on("change", namespace="/boards")
    def on_change(data):
        received.append(data)
        arrived.set()

    client.connect(
        server.url, namespaces=["/boards"], transports=["websocket"], wait_timeout=10
    )
    return client, received, arrived


PEOPLE = [
    ("admin@two.example.org", Role.ADMIN),
    ("adviser@two.example.org", Role.ADVISER),
    ("one@two.example.org", Role.PARTICIPANT),
    ("two@two.example.org", Role.INITIATOR),
]


@pytest.fixture
def shared_database(tmp_path):
    """A group session with a board, in a database both server processes open."""
    redis_url = service_url("TEST_REDIS_URL")
    # The suite's PostgreSQL database when there is one, else a shared SQLite file.
    database_url = os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path / 'shared.db'}"
    )
    app = make_test_app(SQLALCHEMY_DATABASE_URI=normalise_database_url(database_url))
    with running(app):
        people = {}
        for number, (email, role) in enumerate(PEOPLE):
            user = User(
                email=email,
                name=f"Persoon {number}",
                role=role,
                organisation=Organisation(
                    name=f"Org {number}", kind=OrganisationKind.OTHER
                ),
            )
            user.set_password(PASSWORD)
            db.session.add(user)
            people[email] = user
        db.session.commit()
        admin, adviser = (
            people["admin@two.example.org"],
            people["adviser@two.example.org"],
        )
        programme = create_programme(
            ProgrammeData(
                "Traject", "", date(2026, 1, 1), date(2099, 1, 1), [adviser.id]
            ),
            by=admin,
        )
        group = create_group(
            programme, GroupData("Groep", "", 20, None, [adviser.id]), by=admin
        )
        for email in ("one@two.example.org", "two@two.example.org"):
            membership = Membership(group=group, user=people[email])
            membership.set_status(MembershipStatus.ACTIVE)
            db.session.add(membership)
        starts = datetime(2098, 6, 3, 17, tzinfo=UTC)
        meeting = schedule_meeting(
            programme,
            group,
            MeetingData(
                kind="regional_exchange",
                title="Uitwisseling",
                agenda="",
                starts_at=starts,
                ends_at=starts.replace(hour=19),
                location="Stein",
                online_url="",
                capacity=None,
                host_ids=[adviser.id],
            ),
            by=adviser,
            now=utcnow(),
        )
        board = boards.create_board(meeting, "Ronde 1", by=adviser, now=utcnow())
        db.session.commit()
        yield database_url, redis_url, board.id, board.columns[0].id


def test_two_processes_share_a_board_and_keep_it_across_restarts(shared_database):
    database_url, redis_url, board_id, column_id = shared_database
    servers = [
        Server(database_url, redis_url).start(),
        Server(database_url, redis_url).start(),
    ]
    clients = []
    try:
        writer, _, _ = board_client(servers[0], "one@two.example.org")
        reader, received, arrived = board_client(servers[1], "two@two.example.org")
        clients += [writer, reader]
        for client in clients:
            assert client.call(
                "join", {"board_id": board_id}, namespace="/boards", timeout=10
            )["ok"]
        card = {
            "board_id": board_id,
            "column_id": column_id,
            "text": "Over twee processen",
            "key": "two-process-key-1",
        }
        reply = writer.call("card_add", card, namespace="/boards", timeout=10)
        assert reply["ok"], reply
        assert arrived.wait(10), "the card never reached the other process"
        assert received[0]["card"]["text"] == "Over twee processen"
        for client in clients:
            client.disconnect()
        clients.clear()
        for server in servers:
            server.stop()
        servers = [
            Server(database_url, redis_url).start(),
            Server(database_url, redis_url).start(),
        ]
        for server in servers:
            client, _, _ = board_client(server, "two@two.example.org")
            clients.append(client)
            state = client.call(
                "join", {"board_id": board_id}, namespace="/boards", timeout=10
            )
            assert [card["text"] for card in state["cards"]] == ["Over twee processen"]
    finally:
        for client in clients:
            client.disconnect()
        for server in servers:
            server.stop()
