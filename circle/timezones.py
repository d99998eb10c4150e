"""Times are stored in UTC and entered and shown in Europe/Amsterdam.

The clock change makes two kinds of local times special: in spring one hour
does not exist (02:00-03:00 on the last Sunday of March), in autumn one hour
happens twice. Both are refused with a clear message instead of being guessed.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from circle.errors import ServiceError

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class LocalTimeError(ServiceError):
    """A wall-clock time that does not exist, or exists twice, in the zone."""


def local_to_utc(
    local: datetime, zone: ZoneInfo = AMSTERDAM, *, field: str | None = None
) -> datetime:
    """A naive wall-clock time in `zone` as an aware UTC datetime.

    `field` names the form field to show a refusal at.
    """
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if round_trip != local:
            raise LocalTimeError(
                _l(
                    "This time does not exist in the Netherlands: the clocks move "
                    "forward an hour that night. Choose another time."
                ),
                field,
            )
        raise LocalTimeError(
            _l(
                "This time happens twice in the Netherlands: the clocks move back an "
                "hour that night. Choose another time."
            ),
            field,
        )
    return first.astimezone(UTC)


def utc_to_local(moment: datetime, zone: ZoneInfo = AMSTERDAM) -> datetime:
    """An aware datetime as an aware wall-clock time in `zone`."""
    return moment.astimezone(zone)
