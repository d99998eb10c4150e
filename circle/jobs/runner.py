"""Running the jobs: APScheduler fires them, a lease row lets one worker run a period.

`flask circle worker` runs a BlockingScheduler until SIGTERM; `python wsgi.py`
(`make run`) runs a GeventScheduler as a greenlet beside the web server. Both
start every job once at start-up: a period that passed while no worker ran
(a digest due at 07:00, a restart at 07:05) is caught up at once, and one that
another worker completed is skipped.
"""

import logging
import signal
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy.dialects import postgresql, sqlite

from circle.database import utcnow
from circle.extensions import db
from circle.jobs.models import JobLease
from circle.jobs.registry import Job, due_at
from circle.jobs.schedule import JOBS
from circle.outbox.delivery import worker_name

log = logging.getLogger("circle.jobs")
#: A scheduler may wake a moment before the fire time; it still means that period.
EARLY = timedelta(seconds=1)


def _insert_ignoring_existing(name: str):
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(JobLease).values(name=name).on_conflict_do_nothing()


def claim(job: Job, *, due: datetime, now: datetime, worker: str, ttl) -> bool:
    """Take the lease for period `due` unless it is done or someone holds it."""
    db.session.execute(_insert_ignoring_existing(job.name))
    taken = db.session.execute(
        sa.update(JobLease)
        .where(
            JobLease.name == job.name,
            sa.or_(JobLease.done_due_at.is_(None), JobLease.done_due_at < due),
            sa.or_(JobLease.leased_until.is_(None), JobLease.leased_until < now),
        )
        .values(leased_until=now + ttl, leased_by=worker, last_started_at=now)
    )
    db.session.commit()
    return taken.rowcount == 1


def _settle(job: Job, worker: str, **values) -> None:
    db.session.execute(
        sa.update(JobLease)
        .where(JobLease.name == job.name, JobLease.leased_by == worker)
        .values(leased_until=None, last_finished_at=utcnow(), **values)
    )
    db.session.commit()


def run_job(app: Flask, job: Job, *, worker: str, now: datetime | None = None) -> bool:
    """Run `job` if its period is due and free; returns whether it ran.

    A failing job is logged and its lease released; the next period tries again.
    """
    with app.app_context():
        now = now or utcnow()
        due = None
        if job.exclusive:
            due = due_at(job.schedule, app.config, now + EARLY)
            ttl = timedelta(seconds=app.config["JOB_LEASE_SECONDS"])
            if due is None or not claim(job, due=due, now=now, worker=worker, ttl=ttl):
                return False
        try:
            result = job.run(now=now)
            db.session.commit()
        except Exception as error:  # a job's failure must not stop the runner
            db.session.rollback()
            log.exception("Job %s failed", job.name)
            if job.exclusive:
                _settle(job, worker, last_error=f"{type(error).__name__}: {error}")
            return True
        if job.exclusive:
            _settle(job, worker, done_due_at=due, last_error="")
        if result and not (isinstance(result, dict) and not any(result.values())):
            log.info("Job %s: %s", job.name, result)
        return True


class JobRunner:
    """One worker: every job on an APScheduler scheduler of the given class."""

    def __init__(self, app: Flask, scheduler_class: type[BaseScheduler], jobs=None):
        self.app = app
        self.worker = worker_name()
        self.jobs = list(jobs if jobs is not None else JOBS)
        self.running: set[str] = set()
        self.scheduler = scheduler_class(
            timezone=UTC,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": None,
            },
        )
        for job in self.jobs:
            self.scheduler.add_job(
                self._run,
                job.schedule.trigger(app.config),
                args=[job],
                id=job.name,
                name=job.name,
                next_run_time=datetime.now(UTC),  # catch up at start
            )

    def _run(self, job: Job) -> None:
        self.running.add(job.name)
        try:
            run_job(self.app, job, worker=self.worker)
        finally:
            self.running.discard(job.name)

    def wake(self, name: str = "outbox") -> None:
        """Run a job now instead of at its next time (new mail was committed)."""
        if name not in self.running and self.scheduler.running:
            self.scheduler.modify_job(name, next_run_time=datetime.now(UTC))

    def start(self):
        self.app.extensions["circle_outbox_wake"] = self.wake
        log.info(
            "Background jobs running (%s) as %s",
            ", ".join(job.name for job in self.jobs),
            self.worker,
        )
        return self.scheduler.start()

    def stop(self, *_) -> None:
        self.app.extensions.pop("circle_outbox_wake", None)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)


def start_in_server(app: Flask) -> JobRunner:
    """`python wsgi.py`: the jobs as a greenlet beside the (gevent) web server."""
    from apscheduler.schedulers.gevent import GeventScheduler

    runner = JobRunner(app, GeventScheduler)
    runner.start()
    return runner


def run_worker(app: Flask) -> None:
    """`flask circle worker`: run the jobs until SIGTERM or Ctrl+C.

    On SIGTERM the running jobs finish first; a worker killed outright loses
    nothing either (its claims and leases run out and others take over).
    """
    runner = JobRunner(app, BlockingScheduler)
    signal.signal(signal.SIGTERM, runner.stop)
    signal.signal(signal.SIGINT, runner.stop)
    runner.start()


def run_once(app: Flask, names=None, *, now: datetime | None = None) -> dict:
    """Run each job (or those named) once if due: {name: ran}."""
    worker = worker_name()
    return {
        job.name: run_job(app, job, worker=worker, now=now)
        for job in JOBS
        if names is None or job.name in names
    }
