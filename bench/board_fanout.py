"""Benchmark: how fast a card reaches everyone on a busy board, and that none is lost,
next to a bare rebroadcasting server (bench/bare_server.py) with the same clients.

Starts the servers itself (Circle: `python wsgi.py`, gevent; the bare one on the
same stack) on loopback ports, connects N Socket.IO clients to one board, lets W of
them add M cards each, and prints per run the delivery latency (p50, p95, p99, max)
over every (card, client) pair, cards lost and duplicated, and the servers' memory
per connected client. Sizes: 100, 300 and 1,000 clients on one process each, then
the largest across 4 processes through Redis.

    .venv/bin/python bench/board_fanout.py [--sizes 100,300,1000] [--processes 4]
        [--writers 10] [--cards 5] [--pause 1.0]
"""

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis  # noqa: E402
import requests  # noqa: E402
import socketio  # noqa: E402

from bench.servers import ROOT, Server, free_port, log_in  # noqa: E402
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
    """One connected client (an AsyncClient), noting when each card reached it."""

    def __init__(self):
        self.received: Counter = Counter()
        self.arrival: dict[str, float] = {}
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on("change", self._on_change, namespace="/boards")

    async def open(self, url: str, cookie: str, board_id: int) -> "Listener":
        await self.client.connect(
            url,
            headers={"Cookie": cookie} if cookie else {},
            namespaces=["/boards"],
            transports=["websocket"],
            wait_timeout=60,
        )
        reply = await self.client.call(
            "join", {"board_id": board_id}, namespace="/boards", timeout=60
        )
        assert reply["ok"], reply
        return self

    async def _on_change(self, data):
        card = data.get("card") or {}
        text = card.get("text")
        if text:
            self.received[text] += 1
            self.arrival.setdefault(text, time.monotonic())


class BareServer:
    """bench/bare_server.py in its own process, started and stopped like a Server."""

    def __init__(self, redis_url: str | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.redis_url = redis_url
        self.process = None

    def start(self) -> "BareServer":
        command = [sys.executable, "bench/bare_server.py", str(self.port)]
        self.process = subprocess.Popen(
            command + ([self.redis_url] if self.redis_url else []),
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=1).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the bare server did not start")

    def stop(self) -> None:
        Server.stop(self)


def rss_mb(servers) -> float:
    """The resident memory of the server processes together, in MB."""
    total = 0
    for server in servers:
        status = Path(f"/proc/{server.process.pid}/status").read_text()
        total += next(
            int(line.split()[1]) for line in status.splitlines()
            if line.startswith("VmRSS:")
        )  # fmt: skip
    return total / 1024


def cookie_of(session: requests.Session) -> str:
    return "; ".join(f"{name}={value}" for name, value in session.cookies.items())


def run(servers: list, args, clients: int, board: tuple[int, int], *, bare: bool):
    """Connect `clients` listeners spread over `servers`, let the writers add
    cards, and return the figures of the run."""
    cookies = {
        (index, number): ""
        if bare
        else cookie_of(log_in(server, f"p{number}@bench.example.org", PASSWORD))
        for index, server in enumerate(servers)
        for number in range(PEOPLE)
    }
    return asyncio.run(_run(servers, args, clients, board, cookies))


async def _run(servers, args, clients, board, cookies) -> dict:
    board_id, column_id = board
    before = rss_mb(servers)
    limit = asyncio.Semaphore(50)  # a room's people arrive within seconds

    async def connect(number: int) -> Listener:
        index = number % len(servers)
        async with limit:
            return await Listener().open(
                servers[index].url, cookies[(index, number % PEOPLE)], board_id
            )

    joining = time.monotonic()
    listeners = await asyncio.gather(*(connect(n) for n in range(clients)))
    joined_in = time.monotonic() - joining
    await asyncio.sleep(3)  # let the joins' (coalesced) presence messages go out
    per_client = (rss_mb(servers) - before) / clients * 1024
    sent: dict[str, float] = {}

    async def write(writer: Listener, start_after: float) -> None:
        # Like a room: people start typing at different moments, not in lock-step.
        await asyncio.sleep(start_after)
        for _ in range(args.cards):
            text = f"kaart-{uuid.uuid4().hex}"
            sent[text] = time.monotonic()
            reply = await writer.client.call(
                "card_add",
                {"board_id": board_id, "column_id": column_id, "text": text,
                 "key": uuid.uuid4().hex},
                namespace="/boards",
                timeout=60,
            )  # fmt: skip
            assert reply["ok"], reply
            await asyncio.sleep(args.pause * random.uniform(0.5, 1.5))

    writers = listeners[: args.writers]
    await asyncio.gather(
        *(write(w, args.pause * i / len(writers)) for i, w in enumerate(writers))
    )
    expected = len(sent) * len(listeners)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if sum(len(listener.arrival) for listener in listeners) >= expected:
            break
        await asyncio.sleep(0.05)
    latencies = sorted(
        (listener.arrival[text] - sent[text]) * 1000
        for listener in listeners
        for text in sent
        if text in listener.arrival
    )
    duplicates = sum(
        count - 1
        for listener in listeners
        for count in listener.received.values()
        if count > 1
    )
    await asyncio.gather(
        *(listener.client.disconnect() for listener in listeners),
        return_exceptions=True,
    )

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]

    return {
        "joined_s": joined_in,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": pct(95) if latencies else float("nan"),
        "p99": pct(99) if latencies else float("nan"),
        "max": latencies[-1] if latencies else float("nan"),
        "lost": expected - len(latencies),
        "duplicates": duplicates,
        "kb_per_client": per_client,
    }


def measure(label: str, make, count: int, args, clients: int, board, *, bare: bool):
    servers = [make().start() for _ in range(count)]
    try:
        figures = run(servers, args, clients, board, bare=bare)
    finally:
        for server in servers:
            server.stop()
    print(
        f"{label:<34} {clients:>5}  join {figures['joined_s']:5.1f} s  "
        f"p50 {figures['p50']:7.1f}  p95 {figures['p95']:7.1f}  "
        f"p99 {figures['p99']:7.1f}  max {figures['max']:7.1f} ms  "
        f"lost {figures['lost']}  dup {figures['duplicates']}  "
        f"{figures['kb_per_client']:6.0f} kB/client",
        flush=True,
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,300,1000")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--writers", type=int, default=10)
    parser.add_argument("--cards", type=int, default=5, help="cards per writer")
    parser.add_argument(
        "--pause", type=float, default=1.0, help="seconds between one writer's cards"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"{args.writers} writers x {args.cards} cards, ~{args.pause} s apart; "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        # As in production: the background jobs run in their own worker process
        # (`flask circle worker`), not as a greenlet beside the sockets.
        settings = {"RATELIMIT_ENABLED": "false", "JOBS_IN_SERVER": "false"}
        database_url = f"sqlite:///{folder}/bench.db"
        board = build(database_url)
        for clients in sizes:
            base = measure("bare rebroadcast, one process", BareServer, 1, args,
                           clients, board, bare=True)  # fmt: skip
            circle = measure("Circle, one process",
                             lambda: Server(database_url, **settings), 1, args,
                             clients, board, bare=False)  # fmt: skip
            print(f"{'':<34} p95 ratio Circle / bare: "
                  f"{circle['p95'] / base['p95']:.2f}", flush=True)  # fmt: skip
        try:
            redis.Redis.from_url(args.redis, socket_connect_timeout=2).ping()
        except redis.RedisError:
            print(f"several processes: skipped, no Redis at {args.redis}")
            return
        clients, count = max(sizes), args.processes
        base = measure(f"bare rebroadcast, {count} processes + Redis",
                       lambda: BareServer(args.redis), count, args, clients, board,
                       bare=True)  # fmt: skip
        circle = measure(f"Circle, {count} processes + Redis",
                         lambda: Server(database_url, args.redis, **settings), count,
                         args, clients, board, bare=False)  # fmt: skip
        print(f"{'':<34} p95 ratio Circle / bare: {circle['p95'] / base['p95']:.2f}")


if __name__ == "__main__":
    main()
