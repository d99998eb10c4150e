"""Regions: sets of provinces that regional learning groups are formed from."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from circle.accounts.models import PROVINCES, User
from circle.errors import ServiceError
from circle.extensions import db
from circle.groups.models import Region
from circle.permissions import can_manage_regions


def list_regions() -> list[Region]:
    return list(db.session.scalars(sa.select(Region).order_by(Region.name)))


@dataclass
class RegionData:
    name: str
    provinces: list[str]


def save_region(region: Region | None, data: RegionData, *, by: User) -> Region:
    if not can_manage_regions(by):
        raise ServiceError(_l("You may not manage regions."))
    unknown = set(data.provinces) - set(PROVINCES)
    if unknown or not data.provinces:
        raise ServiceError(_l("Choose provinces from the list."), "provinces")
    duplicate = db.session.scalar(
        sa.select(Region).where(
            sa.func.lower(Region.name) == data.name.lower(),
            Region.id != (region.id if region else -1),
        )
    )
    if duplicate is not None:
        raise ServiceError(_l("A region with this name exists already."), "name")
    if region is None:
        region = Region()
        db.session.add(region)
    region.name = data.name
    region.provinces = sorted(data.provinces)
    db.session.flush()
    return region
