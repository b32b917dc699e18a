"""What the retention rules say is due for a patient on a date (R1–R3): pure, no I/O.

Sources (docs/retention.md): référentiel §7 — 5 years in the active base after the
last intervention, then 15 years in an archive on a distinct support, then deletion
or anonymisation; R1112-7 CSP by analogy (settings, on by default, documented as
such): a minor's file is kept at least until their 28th birthday, a deceased
patient's at most 10 years after death when that is earlier; a file under dispute
or restriction is suspended.
"""

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    active_years: int = 5
    archive_years: int = 15
    minor_until_28: bool = True
    deceased_ten_years: bool = True


@dataclass(frozen=True)
class Facts:
    last_care: datetime.date  # last intervention on the file (or its creation if none)
    birth_date: datetime.date
    deceased_on: datetime.date | None = None
    suspended: bool = False  # dispute or restriction (I6)


@dataclass(frozen=True)
class Due:
    action: str  # "keep" | "archive" | "delete" | "suspended"
    archive_on: datetime.date | None
    delete_on: datetime.date | None
    reason: str


def add_years(day: datetime.date, years: int) -> datetime.date:
    """Same calendar day `years` later; 29 February becomes 28 February in common years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def dates(facts: Facts, policy: Policy = Policy()) -> tuple[datetime.date, datetime.date]:
    """(archive on, delete on) for a file."""
    archive_on = add_years(facts.last_care, policy.active_years)
    delete_on = add_years(facts.last_care, policy.active_years + policy.archive_years)
    if policy.minor_until_28:
        delete_on = max(delete_on, add_years(facts.birth_date, 28))
    if policy.deceased_ten_years and facts.deceased_on is not None:
        delete_on = max(archive_on, min(delete_on, add_years(facts.deceased_on, 10)))
    return archive_on, delete_on


def due(facts: Facts, today: datetime.date, policy: Policy = Policy()) -> Due:
    """What is due on `today` for a file still in the active base."""
    archive_on, delete_on = dates(facts, policy)
    if facts.suspended:
        return Due(
            "suspended",
            archive_on,
            delete_on,
            "Conservation suspendue (litige ou limitation en cours).",
        )
    if today >= delete_on:
        return Due(
            "delete",
            archive_on,
            delete_on,
            f"Fin de conservation atteinte le {delete_on:%d/%m/%Y}.",
        )
    if today >= archive_on:
        return Due(
            "archive",
            archive_on,
            delete_on,
            f"Plus de {policy.active_years} ans depuis la dernière intervention "
            f"({facts.last_care:%d/%m/%Y}) : archivage.",
        )
    return Due("keep", archive_on, delete_on, "Dossier actif.")
