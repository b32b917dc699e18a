"""Opening hours and absences of each practitioner (P1): the rows the booking rules read.

Recorded by the secretary and the practitioners; an interval overlapping one already
recorded for the same practitioner is refused, so the list says each hour once.
"""

import datetime

from cabinet.appointments import schedule
from cabinet.appointments.agenda import get_practitioner_or_404
from cabinet.appointments.models import ABSENCE_KINDS, Absence, OpeningHours
from cabinet.appointments.rules import absence_during
from cabinet.audit import trace
from cabinet.db import database

ABSENCES_LISTED = 50


class Overlap(Exception):
    """The French reason why an interval was not recorded (it overlaps another one)."""


def listing() -> dict:
    """Every opening-hours interval, and the latest absences, for the availability page."""
    return {
        "hours": list(OpeningHours.select().order_by(OpeningHours.weekday, OpeningHours.opens)),
        "absences": list(
            Absence.select().order_by(Absence.starts_at.desc()).limit(ABSENCES_LISTED)
        ),
    }


def add_opening_hours(
    actor, practitioner_ref: str, weekday: int, opens: datetime.time, closes: datetime.time
) -> OpeningHours:
    """Record an opening interval of one weekday, or raise Overlap (nothing is saved)."""
    practitioner = get_practitioner_or_404(practitioner_ref)
    same_day = OpeningHours.select().where(
        (OpeningHours.practitioner == practitioner.id) & (OpeningHours.weekday == weekday)
    )
    for other in same_day:
        if schedule.overlaps(other.opens, other.closes, opens, closes):
            raise Overlap(
                f"Ces horaires chevauchent ceux du {schedule.WEEKDAYS[weekday]} déjà enregistrés "
                f"pour {practitioner.display_name} ({other.opens:%H:%M}–{other.closes:%H:%M}) : "
                "rien n'a été enregistré."
            )
    with database.atomic():
        row = OpeningHours.create(
            practitioner=practitioner, weekday=weekday, opens=opens, closes=closes
        )
        trace(actor, "settings.update", target=f"opening_hours:{practitioner.ref}")
    return row


def _days(absence: Absence) -> str:
    """ "du 03/08/2026 au 21/08/2026": the local days an absence covers, last one included."""
    first = schedule.to_local(absence.starts_at).date()
    last = schedule.to_local(absence.ends_at - datetime.timedelta(microseconds=1)).date()
    return f"du {first:%d/%m/%Y} au {last:%d/%m/%Y}"


def add_absence(
    actor, practitioner_ref: str, kind: str, first_day: datetime.date, last_day: datetime.date
) -> Absence:
    """Record an absence over whole local days, or raise Overlap (nothing is saved)."""
    practitioner = get_practitioner_or_404(practitioner_ref)
    start, _ = schedule.local_day_bounds(first_day)
    _, end = schedule.local_day_bounds(last_day)
    other = absence_during(practitioner, start, end)
    if other is not None:
        raise Overlap(
            f"Cette absence chevauche celle déjà enregistrée pour {practitioner.display_name} "
            f"({ABSENCE_KINDS.get(other.kind, 'absence')} {_days(other)}) : "
            "rien n'a été enregistré."
        )
    with database.atomic():
        row = Absence.create(practitioner=practitioner, kind=kind, starts_at=start, ends_at=end)
        trace(actor, "settings.update", target=f"absence:{practitioner.ref}")
    return row


def _delete(model, row_id: int, target: str, actor) -> None:
    row = model.get_or_404(model.id == row_id)
    with database.atomic():
        row.delete_instance()
        trace(actor, "settings.update", target=target, detail="suppression")


def delete_opening_hours(hours_id: int, actor) -> None:
    _delete(OpeningHours, hours_id, "opening_hours", actor)


def delete_absence(absence_id: int, actor) -> None:
    _delete(Absence, absence_id, "absence", actor)
