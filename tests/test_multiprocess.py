"""Two real server processes sharing Redis: a card added on one arrives on the
other, and both restarted still have it. Runs against the machine's Redis (and
PostgreSQL when TEST_DATABASE_URL is set, else a shared SQLite file)."""

import os
import re
import threading
from pathlib import Path

import pytest
import socketio as socketio_client

from bench.servers import Server, log_in
from circle.accounts.models import Role
from circle.extensions import db
from config import normalise_database_url
from tests import factories
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
        people = {
            email: factories.user(role, email=email, password=PASSWORD)
            for email, role in PEOPLE
        }
        admin = people["admin@two.example.org"]
        adviser = people["adviser@two.example.org"]
        programme = factories.programme(by=admin, advisers=[adviser])
        group = factories.group(programme, by=admin, advisers=[adviser])
        for email in ("one@two.example.org", "two@two.example.org"):
            factories.membership(group, people[email])
        meeting = factories.meeting(programme, group, by=adviser)
        board = factories.board(meeting, by=adviser, title="Ronde 1")
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


def test_logging_out_on_one_process_drops_the_board_socket_on_the_other(
    shared_database,
):
    """Live boards follow the permissions across processes, through Redis."""
    database_url, redis_url, board_id, _column_id = shared_database
    servers = [
        Server(database_url, redis_url).start(),
        Server(database_url, redis_url).start(),
    ]
    clients = []
    try:
        http = log_in(servers[1], "one@two.example.org", PASSWORD)
        member = socketio_client.Client(http_session=http, reconnection=False)
        gone = threading.Event()
        member.on("disconnect", gone.set, namespace="/boards")
        member.connect(
            servers[1].url,
            namespaces=["/boards"],
            transports=["websocket"],
            wait_timeout=10,
        )
        clients.append(member)
        assert member.call(
            "join", {"board_id": board_id}, namespace="/boards", timeout=10
        )["ok"]
        # Log out through the other process, with the same browser cookie.
        page = http.get(servers[0].url + "/home", timeout=10).text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        response = http.post(
            servers[0].url + "/logout",
            data={"csrf_token": token.group(1)},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302
        assert gone.wait(10), "the board socket stayed connected after logout"
    finally:
        for client in clients:
            client.disconnect()
        for server in servers:
            server.stop()
