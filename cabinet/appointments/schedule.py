"""Pure time rules of the agenda: Paris local time <-> stored UTC, series dates, overlaps.

No I/O here, so the DST boundaries and the series expansion are unit-tested directly.
"""

import datetime

from cabinet.config import TIMEZONE
from cabinet.formatting import paris_to_utc

WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MAX_DURATION = datetime.timedelta(hours=12)  # bounds the overlap search window


# A Paris wall-clock time on a given day, as the naive UTC datetime we store.
to_utc = paris_to_utc


def to_local(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(tzinfo=datetime.UTC).astimezone(TIMEZONE)


def local_day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of a Paris calendar day in UTC (23 or 25 hours on DST days)."""
    return to_utc(day, datetime.time(0)), to_utc(day + datetime.timedelta(days=1), datetime.time(0))


def series_dates(first: datetime.date, weekdays: set[int], count: int) -> list[datetime.date]:
    """The `count` dates from `first` (included) that fall on the given weekdays."""
    if not weekdays or count <= 0:
        return []
    dates, day = [], first
    while len(dates) < count:
        if day.weekday() in weekdays:
            dates.append(day)
        day += datetime.timedelta(days=1)
    return dates


def overlaps(a_start, a_end, b_start, b_end) -> bool:
    return a_start < b_end and b_start < a_end


def within(
    intervals: list[tuple[datetime.time, datetime.time]], start: datetime.time, end: datetime.time
) -> bool:
    """Whether [start, end] (local times of one day) fits inside one opening interval."""
    return any(opens <= start and end <= closes for opens, closes in intervals)


def hhmm(moment: datetime.datetime) -> str:
    return to_local(moment).strftime("%H:%M")


def describe(moment: datetime.datetime) -> str:
    local = to_local(moment)
    return f"{WEEKDAYS[local.weekday()]} {local:%d/%m/%Y} à {local:%H:%M}"


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())
