"""Every main page, timed from outside against the production server set-up.

    .venv/bin/python bench/pages.py [--scale 0 0.1 1.0] [--database sqlite postgresql]

For each database and scale it builds a fresh database (scale 0: the demo
programme alone; otherwise the demo plus bench/generate.py's national data at
that fraction), starts `gunicorn -k gevent -w 1` on it, logs in as each demo
role and requests every page in a shuffled order, interleaved with two
baselines served by the same process: `/bench/hello` (no database) and
`/bench/one-row` (one row through SQLAlchemy). It prints p50/p95 per page, the
ratio of the p50 to the one-row route's, the SQL statements and the server CPU
time the page used, and the server's memory after warm-up and after the run.

PostgreSQL needs BENCH_POSTGRES_URL (a server URL whose user may create
databases), by default postgresql://postgres@127.0.0.1:5432/postgres.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.servers import free_port  # noqa: E402

PASSWORD = "circle-demo"
ROLES = {
    "admin": "admin@example.org",
    "adviser": "adviseur@example.org",
    "participant": "gemeente@example.org",
}


def _database(kind: str, folder: str, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder}/{name}.db"
    server = os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return sa.make_url(server).set(database=name).render_as_string(hide_password=False)


def _build(url: str, scale: float) -> None:
    python = sys.executable
    if scale > 0:
        command = [python, "bench/generate.py", url, "--scale", str(scale)]
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    else:
        env = {**os.environ, "DATABASE_URL": url, "CIRCLE_ENV": "development"}
        flask = [python, "-m", "flask", "--app", "circle"]
        for step in (["db", "upgrade"], ["circle", "seed-demo", "--if-empty"]):
            subprocess.run(
                flask + step, cwd=ROOT, env=env, check=True, capture_output=True
            )


class Server:
    """gunicorn with one gevent worker, serving bench/wsgi_bench.py's app."""

    def __init__(self, url: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "CIRCLE_ENV": "development",
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "BASE_URL": self.base,
            "JOBS_IN_SERVER": "false",
            "RATELIMIT_ENABLED": "false",
        }

    def __enter__(self) -> Server:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.process = subprocess.Popen(
            [gunicorn, "-k", "gevent", "-w", "1", "-b", f"127.0.0.1:{self.port}"]
            + ["--log-level", "warning", "bench.wsgi_bench:app"],
            cwd=ROOT,
            env=self.env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(self.base + "/bench/hello", timeout=5)
                return self
            except requests.RequestException:  # not listening yet, or still starting
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(10)

    def rss_mb(self) -> float:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = children.read_text().split() or [str(self.process.pid)]
        status = Path(f"/proc/{pids[0]}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status)[1]) / 1024


def _login(base: str, email: str) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', page)
    response = session.post(
        base + "/login",
        data={"csrf_token": token[1], "email": email, "password": PASSWORD},
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise RuntimeError(f"login as {email} failed: {response.status_code}")
    return session


def _pages(url: str) -> dict[str, dict[str, str]]:
    """Per role, the pages to measure, chosen from the database's own ids."""
    engine = sa.create_engine(url)

    def one(sql: str):
        # Each query on its own connection, closed at once: an open SQLite read
        # would block the server's first write (the login).
        with engine.connect() as connection:
            return connection.execute(sa.text(sql)).scalar()

    stein_group = one(
        "SELECT m.group_id FROM memberships m JOIN users u ON u.id = m.user_id "
        "WHERE u.email = 'gemeente@example.org' ORDER BY m.group_id DESC LIMIT 1"
    )
    programme = one(f"SELECT programme_id FROM groups WHERE id = {stein_group}")
    meeting = one(
        f"SELECT id FROM meetings WHERE group_id = {stein_group} ORDER BY id LIMIT 1"
    )
    thread = one(
        "SELECT p.thread_id FROM posts p JOIN threads t ON t.id = p.thread_id "
        f"WHERE t.group_id = {stein_group} "
        "GROUP BY p.thread_id ORDER BY count(*) DESC, p.thread_id LIMIT 1"
    )
    posts = one(f"SELECT count(*) FROM posts WHERE thread_id = {thread}")
    board = one(
        f"SELECT b.id FROM boards b JOIN meetings m ON m.id = b.meeting_id "
        f"WHERE m.group_id = {stein_group} ORDER BY b.id LIMIT 1"
    ) or one("SELECT id FROM boards ORDER BY id LIMIT 1")
    engine.dispose()
    last_page = max(1, -(-posts // 30))
    common = {
        "home": "/home",
        "programme": f"/programmes/{programme}",
        "group": f"/groups/{stein_group}",
        "group sessions": f"/groups/{stein_group}/sessions",
        "my sessions": "/my/sessions",
        "session": f"/sessions/{meeting}",
        "group threads": f"/groups/{stein_group}/threads",
        "thread p1": f"/threads/{thread}",
        "thread last": f"/threads/{thread}?page={last_page}",
        "search common": "/search?q=initiatieven",
        "search rare": "/search?q=zonnecoöperatie",
        "group feed": f"/groups/{stein_group}/calendar.ics",
        "notifications": "/notifications",
        "board": f"/boards/{board}",
    }
    return {role: dict(common) for role in ROLES}


def _feed_links(url: str) -> dict[str, str]:
    """Each role's personal calendar feed, its token made as the profile page would."""
    from circle import create_app
    from circle.accounts.models import User
    from circle.extensions import db
    from circle.meetings.feeds import regenerate_calendar_token
    from config import DevelopmentConfig

    config = type("PagesConfig", (DevelopmentConfig,), {"SQLALCHEMY_DATABASE_URI": url})
    app = create_app(config)
    with app.app_context():
        links = {}
        for role, email in ROLES.items():
            user = db.session.scalar(sa.select(User).filter_by(email=email))
            links[role] = f"/calendar/{regenerate_calendar_token(user)}.ics"
        db.session.commit()
        db.engine.dispose()
    return links


def _measure(session, url, headers=None):
    started = time.perf_counter()
    response = session.get(url, headers=headers or {})
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, response


def run(kind: str, scale: float, rounds: int, folder: str) -> list[str]:
    url = _database(kind, folder, f"circle_bench_{kind}_{str(scale).replace('.', '_')}")
    started = time.perf_counter()
    _build(url, scale)
    built = time.perf_counter() - started
    pages = _pages(url)
    lines = [f"## {kind}, scale {scale} (built in {built:.0f} s)", ""]
    with Server(url) as server:
        sessions = {role: _login(server.base, email) for role, email in ROLES.items()}
        anonymous = requests.Session()
        feeds = _feed_links(url)
        work = [("", "hello", anonymous, "/bench/hello", None)]
        work.append(("", "one-row", anonymous, "/bench/one-row", None))
        for role, session in sessions.items():
            for name, path in pages[role].items():
                work.append((role, name, session, path, None))
            if role in feeds:
                etag = session.get(server.base + feeds[role]).headers.get("ETag")
                work.append((role, "personal feed", session, feeds[role], None))
                if etag:
                    headers = {"If-None-Match": etag}
                    work.append(
                        (role, "personal feed 304", session, feeds[role], headers)
                    )
        for _role, _name, session, path, headers in work:  # warm-up
            session.get(server.base + path, headers=headers or {})
        rss_warm = server.rss_mb()
        times: dict[tuple, list[float]] = {}
        facts: dict[tuple, tuple] = {}
        for _ in range(rounds):
            random.shuffle(work)
            for role, name, session, path, headers in work:
                elapsed, response = _measure(session, server.base + path, headers)
                key = (role, name)
                times.setdefault(key, []).append(elapsed)
                facts[key] = (
                    response.status_code,
                    response.headers.get("X-Bench-Statements", "?"),
                    float(response.headers.get("X-Bench-CPU-ms", "nan")),
                    len(response.content),
                )
        rss_end = server.rss_mb()
    baseline = statistics.median(times[("", "one-row")])
    lines.append(
        "| role | page | p50 ms | p95 ms | × one-row | SQL | CPU ms | kB | status |"
    )
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    worst_cpu = ("", 0.0)
    for key in sorted(times, key=lambda k: (k[0], k[1])):
        values = sorted(times[key])
        p50 = statistics.median(values)
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        status, statements, cpu, size = facts[key]
        if cpu == cpu and cpu > worst_cpu[1]:
            worst_cpu = (f"{key[0]} {key[1]}", cpu)
        lines.append(
            f"| {key[0] or '-'} | {key[1]} | {p50:.1f} | {p95:.1f} | "
            f"{p50 / baseline:.1f} | {statements} | {cpu:.1f} | {size / 1024:.0f} "
            f"| {status} |"
        )
    lines += [
        "",
        f"Server RSS: {rss_warm:.0f} MB after warm-up, {rss_end:.0f} MB after the run. "
        f"Most CPU per request: {worst_cpu[0]} ({worst_cpu[1]:.1f} ms).",
        "",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description="Time every main page.")
    parser.add_argument("--scale", type=float, nargs="+", default=[0, 0.1, 1.0])
    parser.add_argument(
        "--database",
        nargs="+",
        default=["sqlite", "postgresql"],
        choices=["sqlite", "postgresql"],
    )
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    print(f"# bench/pages.py on {os.cpu_count()} cores, {args.rounds} rounds\n")
    with tempfile.TemporaryDirectory() as folder:
        for kind in args.database:
            for scale in args.scale:
                print("\n".join(run(kind, scale, args.rounds, folder)), flush=True)


if __name__ == "__main__":
    main()
