"""The nine principles of the National Ombudsman, kept as data admins can edit.

Tips and the municipalities' self-assessments refer to them by id, so a change
of wording shows everywhere at once.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from circle.accounts.models import User
from circle.errors import ServiceError
from circle.extensions import db
from circle.permissions import can_edit_principles
from circle.programmes.models import DEFAULT_PRINCIPLES, Principle


def list_principles() -> list[Principle]:
    return list(db.session.scalars(sa.select(Principle).order_by(Principle.position)))


def ensure_default_principles() -> list[Principle]:
    """The nine principles, created from the defaults where a database lacks them.

    The migration stores them; this serves databases built without migrations
    (the tests' create_all) and is harmless where they exist.
    """
    if not db.session.scalar(sa.select(sa.func.count(Principle.id))):
        for position, (name, name_en) in enumerate(DEFAULT_PRINCIPLES, start=1):
            db.session.add(Principle(position=position, name=name, name_en=name_en))
        db.session.flush()
    return list_principles()


def update_principle(
    principle: Principle, name: str, name_en: str | None, description: str, *, by: User
) -> Principle:
    if not can_edit_principles(by):
        raise ServiceError(_l("You may not edit the principles."))
    principle.name = name.strip()
    principle.name_en = (name_en or "").strip() or None
    principle.description = description.strip()
    db.session.flush()
    return principle
