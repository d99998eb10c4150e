"""Signals a feature sends so that packages it may not import can react.

`access_lost` is sent inside the transaction that took something away from a
person: their login sessions ended (logout, password change or reset, account
deletion) or they left or were removed from a group. Live boards listen
(circle.boards.access) and take the person's open sockets out of every board
they may no longer see once that transaction commits.
"""

from blinker import Namespace

signals = Namespace()

#: sender: the user id; `signed_out=True` when their login sessions ended.
access_lost = signals.signal("access-lost")
