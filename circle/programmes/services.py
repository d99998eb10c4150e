"""Creating and editing programmes, their phases, themes and advisers."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from circle.accounts.models import Role, User
from circle.errors import ServiceError
from circle.extensions import db
from circle.permissions import can_edit_programme, can_manage_programmes
from circle.programmes.models import DEFAULT_THEMES, Phase, PhaseKind, Programme, Theme


@dataclass
class ProgrammeData:
    name: str
    description: str
    starts_on: date
    ends_on: date
    adviser_ids: list[int]
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""


def _check_dates(starts_on: date, ends_on: date, field: str = "ends_on") -> None:
    if ends_on < starts_on:
        raise ServiceError(_l("The end date must not be before the start date."), field)


def list_advisers() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.role == Role.ADVISER, User.deleted_at.is_(None))
            .order_by(User.name)
        )
    )


def advisers_by_ids(ids: list[int]) -> list[User]:
    if not ids:
        return []
    advisers = list(
        db.session.scalars(
            sa.select(User).where(User.id.in_(ids), User.role == Role.ADVISER)
        )
    )
    if len(advisers) != len(set(ids)):
        raise ServiceError(_l("Choose advisers from the list."), "adviser_ids")
    return advisers


def default_phases(starts_on: date, ends_on: date) -> list[Phase]:
    """The shape of the seed programme, stretched over the programme's dates."""
    length = max((ends_on - starts_on).days, 1)

    def at(fraction: float) -> date:
        return starts_on + timedelta(days=round(length * fraction))

    return [
        Phase(kind=PhaseKind.INTAKE, starts_on=starts_on, ends_on=at(0.12)),
        Phase(kind=PhaseKind.KICKOFF, starts_on=at(0.14), ends_on=at(0.15)),
        Phase(kind=PhaseKind.LOCAL_SUPPORT, starts_on=at(0.15), ends_on=at(0.9)),
        Phase(kind=PhaseKind.REGIONAL_EXCHANGE, starts_on=at(0.25), ends_on=at(0.85)),
        Phase(kind=PhaseKind.CLOSING, starts_on=at(0.95), ends_on=ends_on),
    ]


def create_programme(data: ProgrammeData, *, by: User) -> Programme:
    if not can_manage_programmes(by):
        raise ServiceError(_l("You may not create programmes."))
    _check_dates(data.starts_on, data.ends_on)
    programme = Programme(
        name=data.name,
        description=data.description,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        contact_name=data.contact_name,
        contact_email=data.contact_email,
        contact_phone=data.contact_phone,
        advisers=advisers_by_ids(data.adviser_ids),
        phases=default_phases(data.starts_on, data.ends_on),
        themes=[Theme(name=nl, name_en=en) for nl, en in DEFAULT_THEMES],
    )
    db.session.add(programme)
    db.session.flush()
    return programme


@dataclass
class PhaseData:
    kind: PhaseKind
    starts_on: date
    ends_on: date


def update_programme(
    programme: Programme, data: ProgrammeData, phases: list[PhaseData], *, by: User
) -> None:
    if not can_edit_programme(by, programme):
        raise ServiceError(_l("You may not edit this programme."))
    _check_dates(data.starts_on, data.ends_on)
    for phase in phases:
        _check_dates(phase.starts_on, phase.ends_on, "phases")
        if phase.starts_on < data.starts_on or phase.ends_on > data.ends_on:
            raise ServiceError(
                _l("Every phase must fall within the programme's dates."), "phases"
            )
    programme.name = data.name
    programme.description = data.description
    programme.contact_name = data.contact_name
    programme.contact_email = data.contact_email
    programme.contact_phone = data.contact_phone
    programme.starts_on = data.starts_on
    programme.ends_on = data.ends_on
    programme.advisers = advisers_by_ids(data.adviser_ids)
    by_kind = {phase.kind: phase for phase in programme.phases}
    for item in phases:
        phase = by_kind.get(item.kind)
        if phase is None:
            phase = Phase(kind=item.kind)
            programme.phases.append(phase)
        phase.starts_on, phase.ends_on = item.starts_on, item.ends_on


def add_theme(
    programme: Programme, name: str, name_en: str | None, *, by: User
) -> Theme:
    if not can_edit_programme(by, programme):
        raise ServiceError(_l("You may not edit this programme."))
    duplicate = db.session.scalar(
        sa.select(Theme).where(
            Theme.programme_id == programme.id,
            sa.func.lower(Theme.name) == name.lower(),
        )
    )
    if duplicate is not None:
        raise ServiceError(_l("This programme already has that theme."), "name")
    theme = Theme(programme=programme, name=name, name_en=name_en or None)
    db.session.add(theme)
    db.session.flush()
    return theme


def list_programmes() -> list[Programme]:
    return list(
        db.session.scalars(sa.select(Programme).order_by(Programme.starts_on.desc()))
    )
