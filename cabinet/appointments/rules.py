"""Booking rules (P1, P3, A2): why a slot cannot be booked, the next free slots, a series'
preview. Reads only: the writes that obey these rules are in `services.py`.
"""

import datetime
from dataclasses import dataclass, field

from cabinet.appointments import schedule
from cabinet.appointments.models import (
    ABSENCE_KINDS,
    ACTIVE_STATUSES,
    Absence,
    Appointment,
    AppointmentType,
    OpeningHours,
)
from cabinet.auth.models import User
from cabinet.patients import care_team
from cabinet.patients.models import Patient

SLOT_STEP = datetime.timedelta(minutes=15)
SLOT_SEARCH_DAYS = 21


class BookingRefused(Exception):
    """The French reasons why a slot cannot be booked, and free slots to propose instead."""

    def __init__(self, reasons: list[str], proposals: list[datetime.datetime] | None = None):
        super().__init__(" ".join(reasons))
        self.reasons = reasons
        self.proposals = proposals or []


class TakingOnNeedsReason(BookingRefused):
    """Booking oneself a patient that colleagues treat opens their care record: the
    practitioner states why first (break-glass, A2)."""

    def __init__(self, names: list[str]):
        super().__init__(
            [
                f"Ce patient est suivi par {', '.join(names)}. Le prendre en charge vous ouvre son "
                "dossier de soins : choisissez le motif ci-dessous (il est tracé et signalé au "
                "praticien traitant)."
            ]
        )


def taking_on_needs_reason(actor, practitioner, patient: Patient) -> bool:
    return care_team.booking_source(actor, practitioner, patient) == care_team.REASON_NEEDED


def care_team_source(actor, practitioner, patient: Patient, reason: str) -> str | None:
    """How the booking changes the care team, or TakingOnNeedsReason (nothing is saved)."""
    source = care_team.booking_source(actor, practitioner, patient)
    if source != care_team.REASON_NEEDED:
        return source
    if reason not in care_team.REASONS:
        raise TakingOnNeedsReason(care_team.member_names(patient))
    return "break_glass"


# Conflicts --------------------------------------------------------------------------------


def _overlapping(query_field, owner_id, start, end, exclude: set[int]):
    query = Appointment.select().where(
        (query_field == owner_id)
        & (Appointment.starts_at > start - schedule.MAX_DURATION)
        & (Appointment.starts_at < end)
        & (Appointment.ends_at > start)
        & Appointment.status.in_(ACTIVE_STATUSES)
    )
    if exclude:
        query = query.where(Appointment.id.not_in(list(exclude)))
    return list(query)


def _opening_intervals(practitioner: User, weekday: int):
    rows = OpeningHours.select().where(OpeningHours.practitioner == practitioner.id)
    by_day = [(row.opens, row.closes) for row in rows if row.weekday == weekday]
    return by_day, rows.exists()


def absence_during(practitioner: User, start, end) -> Absence | None:
    """An absence of the practitioner overlapping [start, end), if any."""
    return (
        Absence.select()
        .where(
            (Absence.practitioner == practitioner.id)
            & (Absence.starts_at < end)
            & (Absence.ends_at > start)
        )
        .first()
    )


def conflicts(
    practitioner: User, patient: Patient | None, start, end, exclude: set[int] = frozenset()
) -> list[str]:
    """Why [start, end) cannot be booked, in French; empty when it can."""
    reasons = []
    if end <= start:
        return ["L'heure de fin doit suivre l'heure de début."]
    for other in _overlapping(Appointment.practitioner, practitioner.id, start, end, exclude):
        reasons.append(
            f"{practitioner.display_name} a déjà un rendez-vous de {schedule.hhmm(other.starts_at)} "
            f"à {schedule.hhmm(other.ends_at)}."
        )
    if patient is not None:
        # Said even when the other appointment is with the same practitioner: "Dr X is busy"
        # alone would hide that the patient is already booked then (a duplicate booking).
        for other in _overlapping(Appointment.patient, patient.id, start, end, exclude):
            reasons.append(
                f"Le patient a déjà un rendez-vous de {schedule.hhmm(other.starts_at)} à "
                f"{schedule.hhmm(other.ends_at)} avec {other.practitioner.display_name}."
            )
    local_start, local_end = schedule.to_local(start), schedule.to_local(end)
    intervals, has_hours = _opening_intervals(practitioner, local_start.weekday())
    same_day = local_start.date() == local_end.date() or local_end.time() == datetime.time(0)
    if has_hours and not (
        same_day
        and schedule.within(
            intervals,
            local_start.time(),
            local_end.time() if local_end.time() != datetime.time(0) else datetime.time(23, 59, 59),
        )
    ):
        opening = ", ".join(f"{o:%H:%M}–{c:%H:%M}" for o, c in sorted(intervals)) or "fermé"
        reasons.append(
            f"En dehors des horaires de {practitioner.display_name} le "
            f"{schedule.WEEKDAYS[local_start.weekday()]} ({opening})."
        )
    absence = absence_during(practitioner, start, end)
    if absence is not None:
        reasons.append(
            f"{practitioner.display_name} est absent·e ({ABSENCE_KINDS.get(absence.kind, 'absence')}) "
            f"du {schedule.describe(absence.starts_at)} au {schedule.describe(absence.ends_at)}."
        )
    return reasons


def free_slots(
    practitioner: User,
    patient: Patient | None,
    duration: datetime.timedelta,
    after: datetime.datetime,
    wanted: int = 3,
    exclude: set[int] = frozenset(),
) -> list[datetime.datetime]:
    """The next free starts (every quarter hour, opening hours permitting) after `after`."""
    hours = list(OpeningHours.select().where(OpeningHours.practitioner == practitioner.id))
    found = []
    minute = (after.minute // 15 + (1 if after.minute % 15 or after.second else 0)) * 15
    cursor = after.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(minutes=minute)
    limit = after + datetime.timedelta(days=SLOT_SEARCH_DAYS)
    while cursor < limit and len(found) < wanted:
        local_start, local_end = schedule.to_local(cursor), schedule.to_local(cursor + duration)
        if hours:
            # Cheap check first: most quarter hours of a week are outside opening hours.
            today = [(h.opens, h.closes) for h in hours if h.weekday == local_start.weekday()]
            if local_start.date() != local_end.date() or not schedule.within(
                today, local_start.time(), local_end.time()
            ):
                cursor += SLOT_STEP
                continue
        elif not 8 <= local_start.hour < 20:
            cursor += SLOT_STEP
            continue
        if not conflicts(practitioner, patient, cursor, cursor + duration, exclude):
            found.append(cursor)
        cursor += SLOT_STEP
    return found


# Care series --------------------------------------------------------------------------------


@dataclass
class Occurrence:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    reasons: list[str] = field(default_factory=list)


def preview_series(
    practitioner: User,
    patient: Patient,
    appointment_type: AppointmentType,
    first_date: datetime.date,
    weekdays: set[int],
    local_time: datetime.time,
    count: int,
) -> list[Occurrence]:
    """Every occurrence of the series with its conflicts, computed before anything is saved."""
    duration = datetime.timedelta(minutes=appointment_type.duration_minutes)
    occurrences = []
    for day in schedule.series_dates(first_date, weekdays, count):
        start = schedule.to_utc(day, local_time)
        reasons = conflicts(practitioner, patient, start, start + duration)
        for earlier in occurrences:
            if schedule.overlaps(earlier.starts_at, earlier.ends_at, start, start + duration):
                reasons.append("Chevauche une autre séance de la même série.")
        occurrences.append(Occurrence(start, start + duration, reasons))
    return occurrences
