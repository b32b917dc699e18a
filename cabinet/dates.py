"""The calendar range user input may name: 1900 to 2199.

Python's dates stop at year 1 and 9999, and the agenda and retention rules add days,
weeks and years to what users type: `9999-12-31` plus one day, or `0001-01-01` at Paris
midnight in UTC, overflows. Every typed date (forms, `?jour=`, `--as-of`) is checked
here, so an absurd date is refused with a French message instead of failing deep inside.
"""

import calendar
import datetime

FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(2199, 12, 31)
OUT_OF_RANGE = f"Date hors de la plage permise ({FIRST_DAY.year} à {LAST_DAY.year})."


def in_range(day: datetime.date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def parse_day(text: str | None) -> datetime.date | None:
    """An ISO date (AAAA-MM-JJ) within the range, or None."""
    try:
        day = datetime.date.fromisoformat(text or "")
    except ValueError:
        return None
    return day if in_range(day) else None


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the 29 February → the 28th)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
