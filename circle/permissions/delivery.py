"""Mail delivery: who looks after the outbox."""

from __future__ import annotations

from circle.accounts.models import User
from circle.permissions.facts import is_admin_user

__all__ = ["can_manage_outbox"]


def can_manage_outbox(user: User) -> bool:
    """The programme office sees every outgoing mail and retries or discards it."""
    return is_admin_user(user)
