"""The job runner: when a period is due, and that each period runs once across
workers (a lease row), with the time under the tests' control."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from circle.extensions import db as database
from circle.jobs.models import JobLease
from circle.jobs.registry import Daily, Every, Job, due_at
from circle.jobs.runner import JobRunner, run_job
from circle.jobs.schedule import JOBS
from tests.conftest import make_test_app, running, service_url

CONFIG = {"DIGEST_HOUR": 7, "EVERY": 900}


@pytest.mark.parametrize(
    ("schedule", "now", "due"),
    [
        (Every(900), "2027-03-01T10:07:30", "2027-03-01T10:00:00"),
        (Every(setting="EVERY"), "2027-03-01T10:15:00", "2027-03-01T10:15:00"),
        # 07:00 in Amsterdam is 05:00 UTC in summer and 06:00 UTC in winter.
        (Daily(setting="DIGEST_HOUR"), "2027-07-01T06:00:00", "2027-07-01T05:00:00"),
        (Daily(setting="DIGEST_HOUR"), "2027-07-01T04:59:00", "2027-06-30T05:00:00"),
        (Daily(hour=7), "2027-01-10T06:30:00", "2027-01-10T06:00:00"),
        # The night the clocks go back: the day has 25 hours.
        (Daily(hour=7), "2027-10-31T06:30:00", "2027-10-31T06:00:00"),
    ],
)
def test_the_due_period(schedule, now, due):
    moment = datetime.fromisoformat(now).replace(tzinfo=UTC)
    expected = datetime.fromisoformat(due).replace(tzinfo=UTC)
    assert due_at(schedule, CONFIG, moment) == expected


class Counter:
    def __init__(self, fail=False):
        self.runs = []
        self.fail = fail

    def __call__(self, *, now):
        self.runs.append(now)
        if self.fail:
            raise RuntimeError("the mail server's address is wrong")
        return len(self.runs)


def lease(db, name):
    db.session.expire_all()
    return db.session.get(JobLease, name)


def test_each_period_runs_once_across_workers(app, db):
    counter = Counter()
    job = Job("test-job", Every(900), counter)
    ten = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    assert run_job(app, job, worker="a", now=ten + timedelta(seconds=1))
    assert not run_job(app, job, worker="b", now=ten + timedelta(seconds=2))
    assert not run_job(app, job, worker="a", now=ten + timedelta(minutes=14))
    # A moment early is still the next period (schedulers wake a little early).
    assert run_job(
        app,
        job,
        worker="b",
        now=ten + timedelta(minutes=15) - timedelta(milliseconds=300),
    )
    assert len(counter.runs) == 2
    assert lease(db, "test-job").done_due_at == ten + timedelta(minutes=15)


def test_a_running_job_is_not_started_twice(app, db):
    """While one worker holds the lease, another worker does not start it."""
    seen = []

    def inner(*, now):
        seen.append(run_job(app, job, worker="b", now=now))

    job = Job("slow-job", Every(900), inner)
    assert run_job(app, job, worker="a", now=datetime(2027, 3, 1, 10, 1, tzinfo=UTC))
    assert seen == [False]


def test_a_failed_run_is_logged_and_released(app, db):
    job = Job("failing-job", Every(900), Counter(fail=True))
    ten = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    assert run_job(app, job, worker="a", now=ten)
    held = lease(db, "failing-job")
    assert held.leased_until is None and held.done_due_at is None
    assert "the mail server's address is wrong" in held.last_error
    # Another worker (or the next period) tries again.
    assert run_job(app, job, worker="b", now=ten + timedelta(minutes=1))


def test_a_dead_workers_lease_runs_out(app, db):
    counter = Counter()
    job = Job("orphan-job", Every(900), counter)
    ten = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    # Worker a took the lease and was killed before it finished.
    db.session.add(
        JobLease(
            name="orphan-job",
            leased_by="a",
            leased_until=ten + timedelta(hours=1),
            last_error="",
        )
    )
    db.session.commit()
    assert not run_job(app, job, worker="b", now=ten + timedelta(minutes=30))
    assert run_job(app, job, worker="b", now=ten + timedelta(hours=1, minutes=1))
    assert len(counter.runs) == 1


def test_every_job_is_on_the_runner_and_starts_at_once(app):
    from apscheduler.schedulers.background import BackgroundScheduler

    runner = JobRunner(app, BackgroundScheduler)
    names = [job.id for job in runner.scheduler.get_jobs()]
    assert names == ["outbox", "reminders", "digests", "outbox-cleanup", "retention"]
    assert [job.name for job in JOBS] == names
    assert not JOBS[0].exclusive and all(job.exclusive for job in JOBS[1:])


def test_worker_once_runs_the_due_jobs(runner):
    result = runner.invoke(args=["circle", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "outbox" in result.output and "reminders" in result.output


@pytest.mark.parametrize("backend", ["sqlite-file", "postgresql"])
def test_two_workers_share_one_lease_table(backend, tmp_path):
    """Two apps (as two processes would) against one database."""
    if backend == "postgresql":
        url = service_url("TEST_DATABASE_URL")
    else:
        url = f"sqlite:///{tmp_path / 'jobs.db'}"
    first = make_test_app(SQLALCHEMY_DATABASE_URI=url)
    second = make_test_app(SQLALCHEMY_DATABASE_URI=url)
    counter = Counter()
    job = Job("shared-job", Daily(hour=7), counter)
    morning = datetime(2027, 3, 1, 6, 0, 30, tzinfo=UTC)
    with running(first):
        assert run_job(first, job, worker="one", now=morning)
        assert not run_job(second, job, worker="two", now=morning)
        assert run_job(second, job, worker="two", now=morning + timedelta(days=1))
        leases = database.session.scalars(sa.select(JobLease))
        assert [lease.leased_by for lease in leases] == ["two"]
        with second.app_context():
            database.engine.dispose()
    assert len(counter.runs) == 2
