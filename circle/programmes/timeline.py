"""The programme's year as a picture: phases as bands, sessions as points, today.

Pure layout: positions are computed here (in percent of the year) and the
template draws them as SVG beside a table that says the same in words.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date

from circle.programmes.models import Programme


@dataclass
class Band:
    label: str
    starts_on: date
    ends_on: date
    x: float
    width: float
    row: int


@dataclass
class Point:
    label: str
    on: date
    x: float
    url: str | None = None
    is_cancelled: bool = False


@dataclass
class Tick:
    label: str
    x: float


@dataclass
class Timeline:
    bands: list[Band]
    points: list[Point]
    ticks: list[Tick]
    today_x: float | None
    rows: int


def _position(day: date, start: date, total_days: int) -> float:
    return round(100 * (day - start).days / total_days, 3)


def _months(start: date, end: date):
    year, month = start.year, start.month
    if start.day != 1:
        month += 1
    while True:
        if month > 12:
            year, month = year + 1, 1
        first = date(year, month, 1)
        if first > end:
            return
        yield first
        month += 1


def build_timeline(
    programme: Programme, *, today: date, sessions: list[Point] | None = None
) -> Timeline:
    start, end = programme.starts_on, programme.ends_on
    total = max((end - start).days, 1)
    bands = []
    for row, phase in enumerate(programme.phases):
        first = max(phase.starts_on, start)
        last = min(phase.ends_on, end)
        x = _position(first, start, total)
        width = max(_position(last, start, total) - x, 0.8)
        bands.append(
            Band(phase.kind.label, phase.starts_on, phase.ends_on, x, width, row)
        )
    points = []
    for point in sessions or []:
        if start <= point.on <= end:
            point.x = _position(point.on, start, total)
            points.append(point)
    ticks = [
        Tick(format_date(first, "MMM"), _position(first, start, total))
        for first in _months(start, end)
    ]
    today_x = _position(today, start, total) if start <= today <= end else None
    return Timeline(bands, points, ticks, today_x, rows=len(bands))
