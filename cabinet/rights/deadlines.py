"""Legal deadlines of rights requests (I8): pure functions.

Medical record (art. L1111-7 and R1111-1 CSP): communicated no earlier than 48 hours
and no later than 8 days after the request, 2 months when the information is more
than 5 years old. Other rights (GDPR art. 12.3): one month.
"""

import datetime

SOON = datetime.timedelta(days=3)


def add_month(day: datetime.date, months: int = 1) -> datetime.date:
    """Same day `months` later, or the month's last day (31 January + 1 month = 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def deadlines(
    kind: str, received_on: datetime.date, old_information: bool = False
) -> tuple[datetime.date | None, datetime.date]:
    """(earliest answer date, due date)."""
    if kind == "medical_access":
        earliest = received_on + datetime.timedelta(days=2)
        if old_information:
            return earliest, add_month(received_on, 2)
        return earliest, received_on + datetime.timedelta(days=8)
    return None, add_month(received_on, 1)


def urgency(due_on: datetime.date, today: datetime.date) -> str:
    """ "overdue", "soon" (3 days or less) or "ok"."""
    if today > due_on:
        return "overdue"
    if due_on - today <= SOON:
        return "soon"
    return "ok"


def too_early(earliest_on: datetime.date | None, day: datetime.date) -> str | None:
    """Why the medical record cannot be communicated on `day` yet (48 hours), or None."""
    if earliest_on and day < earliest_on:
        return (
            "Le dossier médical ne peut être communiqué qu'après un délai de "
            f"48 heures, soit à partir du {earliest_on:%d/%m/%Y}."
        )
    return None
