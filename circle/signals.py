"""Signals a feature sends so that packages it may not import can react.

`access_lost` is sent inside the transaction that took something away from a
person: their login sessions ended (logout, password change or reset, account
deletion) or they left or were removed from a group. Live boards listen
(circle.boards.access) and take the person's open sockets out of every board
they may no longer see once that transaction commits.

`taking_part_changes` wraps a change of where people take part (joining or
leaving a group, an organisation approving them, a municipality accepted into
a programme). Calendars listen (circle.meetings.following): they note each
person's sessions before the change and mail the difference after it.
"""

from collections.abc import Iterable
from contextlib import contextmanager
from datetime import datetime

from blinker import Namespace

signals = Namespace()

#: sender: the user id; `signed_out=True` when their login sessions ended.
access_lost = signals.signal("access-lost")

#: sender: the list of people; `now`. A receiver may return a callable, which
#: is called once the change is made (still inside the transaction).
taking_part_will_change = signals.signal("taking-part-will-change")


@contextmanager
def taking_part_changes(people: Iterable, *, now: datetime):
    """Make a change of where `people` take part inside this block."""
    people = list(people)
    finishers = [
        finish
        for _, finish in taking_part_will_change.send(people, now=now)
        if callable(finish)
    ]
    yield
    for finish in finishers:
        finish()
