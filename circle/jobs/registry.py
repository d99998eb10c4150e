"""What a job is: a name, a schedule and a function(now); and when it is due.

Schedules become APScheduler triggers. Every worker computes the same fire
times (intervals count from a fixed moment, daily times are Dutch wall-clock
times), so "the period that is due now" is the same everywhere and serves as
the key of the lease that lets one worker run it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask_babel import lazy_gettext as _l

from circle.timezones import AMSTERDAM

#: Intervals count from here, so that workers started at different times agree.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Every:
    """Every `seconds`, or every `config[setting]` seconds."""

    seconds: int | None = None
    setting: str | None = None

    def length(self, config) -> int:
        return int(self.seconds or config[self.setting])

    def trigger(self, config) -> BaseTrigger:
        return IntervalTrigger(
            seconds=self.length(config), start_date=EPOCH, timezone=UTC
        )

    def period(self, config) -> timedelta:
        return timedelta(seconds=self.length(config))

    def describe(self, config) -> str:
        seconds = self.length(config)
        if seconds % 60:
            return str(_l("every %(num)s seconds", num=seconds))
        return str(_l("every %(num)s minutes", num=seconds // 60))


@dataclass(frozen=True)
class Daily:
    """Every day at `hour` (or `config[setting]`):`minute`, Dutch time."""

    hour: int | None = None
    setting: str | None = None
    minute: int = 0

    def at(self, config) -> int:
        return int(self.hour if self.hour is not None else config[self.setting])

    def trigger(self, config) -> BaseTrigger:
        return CronTrigger(hour=self.at(config), minute=self.minute, timezone=AMSTERDAM)

    def period(self, config) -> timedelta:
        return timedelta(hours=25)  # the day the clocks go back

    def describe(self, config) -> str:
        return str(
            _l("daily at %(time)s", time=f"{self.at(config):02d}:{self.minute:02d}")
        )


Schedule = Every | Daily


@dataclass(frozen=True)
class Job:
    name: str
    schedule: Schedule
    #: Called as run(now=...) inside an app context; the runner commits after it.
    run: Callable[..., object]
    #: True: one worker runs each period (a lease row). False: every worker runs
    #: it, because the job divides its work itself (the outbox claims rows).
    exclusive: bool = True


def due_at(schedule: Schedule, config, now: datetime) -> datetime | None:
    """The latest fire time at or before `now`: the period that is due."""
    trigger = schedule.trigger(config)
    fire = trigger.get_next_fire_time(None, now - schedule.period(config))
    latest = None
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return latest.astimezone(UTC) if latest is not None else None
