"""Benchmark: how fast a card reaches everyone on a busy board, and that none is lost.

Starts the server(s) itself (`python wsgi.py`, gevent, on loopback ports), connects
N Socket.IO clients to one board, lets W of them add M cards each, and prints the
delivery latency (p50, p95, p99, max) over every (card, client) pair, plus cards
lost and duplicated. Runs with one process, then with two processes sharing Redis.

    .venv/bin/python bench/board_fanout.py [--clients 100] [--writers 10] [--cards 5]
"""

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis  # noqa: E402
import socketio  # noqa: E402

from bench.servers import Server, log_in  # noqa: E402
from circle import create_app  # noqa: E402
from circle.accounts.models import Role  # noqa: E402
from circle.extensions import db  # noqa: E402
from config import TestConfig  # noqa: E402
from tests import factories  # noqa: E402

PASSWORD = "bench-password"
PEOPLE = 10  # the clients are these people, several tabs each


def build(database_url: str) -> tuple[int, int]:
    config = type(
        "BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url}
    )
    app = create_app(config)
    with app.app_context():
        db.create_all()
        admin = factories.user(
            Role.ADMIN, email="admin@bench.example.org", password=PASSWORD
        )
        adviser = factories.user(
            Role.ADVISER, email="adviser@bench.example.org", password=PASSWORD
        )
        people = [
            factories.user(
                Role.PARTICIPANT,
                email=f"p{number}@bench.example.org",
                name=f"Deelnemer {number}",
                password=PASSWORD,
            )
            for number in range(PEOPLE)
        ]
        programme = factories.programme(by=admin, advisers=[adviser])
        group = factories.group(programme, by=admin, capacity=200, advisers=[adviser])
        for person in people:
            factories.membership(group, person)
        meeting = factories.meeting(programme, group, by=adviser, title="Bench")
        board = factories.board(meeting, by=adviser, title="Bench")
        db.session.commit()
        return board.id, board.columns[0].id


class Listener:
    """One connected client, noting when each card's change reached it."""

    def __init__(self, server: Server, session, board_id: int):
        self.received: Counter = Counter()
        self.arrival: dict[str, float] = {}
        self.client = socketio.Client(http_session=session, reconnection=False)
        self.client.on("change", self._on_change, namespace="/boards")
        self.client.connect(
            server.url,
            namespaces=["/boards"],
            transports=["websocket"],
            wait_timeout=20,
        )
        reply = self.client.call(
            "join", {"board_id": board_id}, namespace="/boards", timeout=20
        )
        assert reply["ok"], reply

    def _on_change(self, data):
        card = data.get("card") or {}
        text = card.get("text")
        if text:
            self.received[text] += 1
            self.arrival.setdefault(text, time.monotonic())


def run(label: str, servers: list[Server], args, board_id: int, column_id: int) -> None:
    sessions = {}
    for index, server in enumerate(servers):
        for number in range(PEOPLE):
            sessions[(index, number)] = log_in(
                server, f"p{number}@bench.example.org", PASSWORD
            )
    listeners = []
    for number in range(args.clients):
        index = number % len(servers)
        session = sessions[(index, number % PEOPLE)]
        listeners.append(Listener(servers[index], session, board_id))
    sent: dict[str, float] = {}
    lock = threading.Lock()

    def write(writer: Listener, start_after: float) -> None:
        # Like a room: people start typing at different moments, not in lock-step.
        time.sleep(start_after)
        for _ in range(args.cards):
            text = f"kaart-{uuid.uuid4().hex}"
            with lock:
                sent[text] = time.monotonic()
            reply = writer.client.call(
                "card_add",
                {"board_id": board_id, "column_id": column_id, "text": text,
                 "key": uuid.uuid4().hex},
                namespace="/boards",
                timeout=20,
            )  # fmt: skip
            assert reply["ok"], reply
            time.sleep(args.pause * random.uniform(0.5, 1.5))

    writers = listeners[: args.writers]
    threads = [
        threading.Thread(target=write, args=(writer, args.pause * index / len(writers)))
        for index, writer in enumerate(writers)
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = len(sent) * len(listeners)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if sum(len(listener.arrival) for listener in listeners) >= expected:
            break
        time.sleep(0.05)
    elapsed = time.monotonic() - began
    latencies = sorted(
        (listener.arrival[text] - sent[text]) * 1000
        for listener in listeners
        for text in sent
        if text in listener.arrival
    )
    delivered = len(latencies)
    duplicates = sum(
        count - 1
        for listener in listeners
        for count in listener.received.values()
        if count > 1
    )

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]

    print(f"\n== {label}: {args.clients} clients, {len(sent)} cards, {elapsed:.1f} s")
    print(f"deliveries:  {delivered} of {expected}")
    if latencies:
        print(
            f"latency ms:  p50 {statistics.median(latencies):.1f}  p95 {pct(95):.1f}  "
            f"p99 {pct(99):.1f}  max {latencies[-1]:.1f}"
        )
    print(f"lost:        {expected - delivered}")
    print(f"duplicates:  {duplicates}")
    # python-socketio's disconnect() waits about 3 s for the connection to close;
    # one after the other that was five minutes for 100 clients, so all at once.
    closing = [threading.Thread(target=item.client.disconnect) for item in listeners]
    for thread in closing:
        thread.start()
    for thread in closing:
        thread.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--writers", type=int, default=10)
    parser.add_argument("--cards", type=int, default=5, help="cards per writer")
    parser.add_argument(
        "--pause", type=float, default=1.0, help="seconds between one writer's cards"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = {"RATELIMIT_ENABLED": "false"}
        database_url = f"sqlite:///{folder}/bench.db"
        board_id, column_id = build(database_url)
        single = [Server(database_url, **settings).start()]
        try:
            run("one process", single, args, board_id, column_id)
        finally:
            single[0].stop()
        try:
            redis.Redis.from_url(args.redis, socket_connect_timeout=2).ping()
        except redis.RedisError:
            print(f"\n== two processes: skipped, no Redis at {args.redis}")
            return
        pair = [Server(database_url, args.redis, **settings).start() for _ in range(2)]
        try:
            run("two processes + Redis", pair, args, board_id, column_id)
        finally:
            for server in pair:
                server.stop()


if __name__ == "__main__":
    main()
