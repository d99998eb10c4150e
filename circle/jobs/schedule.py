"""Every background job Circle runs. A package adds its own here, in one line:

    Job("calendar-replies", Every(setting="CALENDAR_REPLY_SECONDS"), fetch_replies),

`run(now=...)` is called inside an app context and works like a service: it
uses `db.session`, flushes, and leaves the commit to the runner. An exclusive
job (the default) runs once per period across all workers, so it may assume
nobody else runs it at the same time; see docs/delivery.md.
"""

from circle.jobs.registry import Daily, Every, Job
from circle.meetings.reminders import send_reminders
from circle.outbox.delivery import deliver_outbox
from circle.outbox.services import prune_outbox
from circle.privacy.services import retention_job
from circle.threads.notifications import send_digests

JOBS: list[Job] = [
    Job(
        "outbox", Every(setting="OUTBOX_POLL_SECONDS"), deliver_outbox, exclusive=False
    ),
    Job("reminders", Every(setting="REMINDER_INTERVAL_SECONDS"), send_reminders),
    Job("digests", Daily(setting="DIGEST_HOUR"), send_digests),
    Job("outbox-cleanup", Daily(hour=3, minute=30), prune_outbox),
    Job("retention", Daily(hour=4, minute=0), retention_job),
]
