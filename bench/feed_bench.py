"""Benchmark: a personal calendar feed of 500 sessions next to a trivial route.

Run with `make bench` (or `.venv/bin/python bench/feed_bench.py [--sessions N]`).
Both routes are requested through the real app and database (SQLite file in a
temporary folder), so the ratio shows what building the feed costs.
"""

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from circle import create_app  # noqa: E402
from circle.accounts.models import Role  # noqa: E402
from circle.extensions import db  # noqa: E402
from circle.meetings.feeds import regenerate_calendar_token  # noqa: E402
from circle.meetings.models import Meeting, MeetingKind  # noqa: E402
from config import TestConfig  # noqa: E402
from tests import factories  # noqa: E402


def build(sessions: int, folder: str):
    config = type(
        "BenchConfig",
        (TestConfig,),
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "TESTING": False},
    )
    app = create_app(config)
    with app.app_context():
        db.create_all()
        admin = factories.user(Role.ADMIN)
        person = factories.user(email="bench@example.org", name="Bench")
        adviser = factories.user(Role.ADVISER, email="adviser@example.org")
        programme = factories.programme(by=admin, advisers=[adviser])
        group = factories.group(programme, by=admin, advisers=[adviser])
        factories.membership(group, person)
        start = datetime(2027, 1, 4, 17, tzinfo=UTC)
        for number in range(sessions):
            # Written directly: scheduling through the service would mail everyone.
            begins = start + timedelta(days=number)
            db.session.add(
                Meeting(
                    programme=programme,
                    group=group,
                    kind=MeetingKind.REGIONAL_EXCHANGE,
                    title=f"Uitwisselingsbijeenkomst {number}",
                    agenda="- inloop\n- tips voor gemeenten\n- oogst",
                    starts_at=begins,
                    ends_at=begins + timedelta(hours=2),
                    location="Gemeentehuis Stein",
                    hosts=[adviser],
                )
            )
        db.session.commit()
        token = regenerate_calendar_token(person)
        db.session.commit()
    return app, f"/calendar/{token}.ics"


def measure(client, path: str, repeat: int, headers=None) -> list[float]:
    client.get(path, headers=headers)  # warm up: templates, SQL compilation caches
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        response = client.get(path, headers=headers)
        timings.append(time.perf_counter() - began)
        assert response.status_code in (200, 304), response.status_code
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app, feed_path = build(args.sessions, folder)
        client = app.test_client()
        first = client.get(feed_path)
        size = len(first.data)
        trivial = measure(client, "/healthz", args.repeat)
        feed = measure(client, feed_path, args.repeat)
        revalidate = measure(
            client,
            feed_path,
            args.repeat,
            headers={"If-None-Match": first.headers["ETag"]},
        )
    trivial_ms = statistics.median(trivial) * 1000
    feed_ms = statistics.median(feed) * 1000
    print(f"sessions in feed:        {args.sessions}")
    print(f"feed size:               {size / 1024:.0f} KiB")
    print(f"/healthz median:         {trivial_ms:.2f} ms  (n={args.repeat})")
    print(f"feed median:             {feed_ms:.2f} ms  (n={args.repeat})")
    p95_ms = sorted(feed)[int(0.95 * len(feed)) - 1] * 1000
    print(f"feed p95:                {p95_ms:.2f} ms")
    print(f"ratio feed / trivial:    {feed_ms / trivial_ms:.1f}x")
    revalidate_ms = statistics.median(revalidate) * 1000
    print(f"304 revalidation median: {revalidate_ms:.2f} ms  (calendar app polling)")
    print(f"ratio 304 / trivial:     {revalidate_ms / trivial_ms:.1f}x")
    print(f"per session:             {feed_ms / args.sessions * 1000:.0f} µs")


if __name__ == "__main__":
    main()
