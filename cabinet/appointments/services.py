"""Booking rules (P1, P3): conflicts, free slots, care series, moves and cancellations.

Every change writes an `AppointmentEvent` and a trace inside one transaction.
"""

import datetime
from dataclasses import dataclass, field

from flask import abort

from cabinet.appointments import schedule
from cabinet.appointments.models import (
    ABSENCE_KINDS,
    ACTIVE_STATUSES,
    CANCEL_REASONS,
    STATUSES,
    Absence,
    Appointment,
    AppointmentEvent,
    AppointmentType,
    OpeningHours,
    Series,
)
from cabinet.audit import trace
from cabinet.auth.models import User
from cabinet.db import database, utcnow
from cabinet.patients import care_team
from cabinet.patients.models import Patient
from cabinet.patients.services import PatientRestricted, ensure_writable
from cabinet.security import has_permission

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


def _care_team_source(actor, practitioner, patient: Patient, reason: str) -> str | None:
    """How the booking changes the care team, or TakingOnNeedsReason (nothing is saved)."""
    source = care_team.booking_source(actor, practitioner, patient)
    if source != care_team.REASON_NEEDED:
        return source
    if reason not in care_team.REASONS:
        raise TakingOnNeedsReason(care_team.member_names(patient))
    return "break_glass"


def _join_team(patient, practitioner, actor, source, reason: str, note: str) -> None:
    if source is not None:
        taken_on = source == "break_glass"
        care_team.join(
            patient,
            practitioner,
            actor,
            source,
            reason=reason if taken_on else "",
            note=note if taken_on else "",
        )


def _writable(patient: Patient) -> None:
    try:
        ensure_writable(patient)
    except PatientRestricted as frozen:
        raise BookingRefused([str(frozen)]) from None


# Lookups ----------------------------------------------------------------------------------


def practitioners():
    """Accounts that hold an agenda: practitioners (locums included), active ones."""
    return [
        user
        for user in User.select().where(User.disabled_at.is_null()).order_by(User.display_name)
        if has_permission(user, "record.write") and not user.is_expired()
    ]


def get_practitioner_or_404(ref: str) -> User:
    user = User.get_or_none(User.ref == ref)
    if user is None or not has_permission(user, "record.write"):
        abort(404)
    return user


def get_appointment_or_404(ref: str) -> Appointment:
    appointment = Appointment.get_or_none(Appointment.ref == ref)
    if appointment is None:
        abort(404)
    return appointment


def active_types():
    return AppointmentType.select().where(AppointmentType.active).order_by(AppointmentType.name)


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
    absence = (
        Absence.select()
        .where(
            (Absence.practitioner == practitioner.id)
            & (Absence.starts_at < end)
            & (Absence.ends_at > start)
        )
        .first()
    )
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


# Changes ------------------------------------------------------------------------------------


def _event(appointment: Appointment, actor, kind: str, detail: str = "") -> None:
    AppointmentEvent.create(
        appointment=appointment,
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "display_name", "système"),
        kind=kind,
        detail=detail,
    )


@dataclass
class Booking:
    practitioner: User
    patient: Patient
    appointment_type: AppointmentType
    starts_at: datetime.datetime
    location: str = "practice"
    visit_address: str = ""
    access_info: str = ""
    note: str = ""
    # Stated when a practitioner books herself a patient treated by colleagues (A2).
    team_reason: str = ""
    team_note: str = ""

    @property
    def ends_at(self) -> datetime.datetime:
        return self.starts_at + datetime.timedelta(minutes=self.appointment_type.duration_minutes)


def book(booking: Booking, actor, series: Series | None = None) -> Appointment:
    """Create an appointment, or raise BookingRefused with reasons and free slots."""
    _writable(booking.patient)
    reasons = conflicts(booking.practitioner, booking.patient, booking.starts_at, booking.ends_at)
    if reasons:
        duration = booking.ends_at - booking.starts_at
        raise BookingRefused(
            reasons, free_slots(booking.practitioner, booking.patient, duration, booking.starts_at)
        )
    source = _care_team_source(actor, booking.practitioner, booking.patient, booking.team_reason)
    with database.atomic():
        _join_team(
            booking.patient,
            booking.practitioner,
            actor,
            source,
            booking.team_reason,
            booking.team_note,
        )
        appointment = Appointment.create(
            practitioner=booking.practitioner,
            patient=booking.patient,
            appointment_type=booking.appointment_type,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            location=booking.location,
            visit_address=booking.visit_address,
            access_info=booking.access_info,
            note=booking.note,
            series=series,
            created_by=actor.id,
        )
        _event(appointment, actor, "booked", schedule.describe(appointment.starts_at))
        trace(
            actor,
            "appointment.create",
            patient=booking.patient,
            target=f"appointment:{appointment.ref}",
        )
    return appointment


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


def create_series(
    actor,
    practitioner,
    patient,
    appointment_type,
    first_date,
    weekdays,
    local_time,
    count,
    location="practice",
    access_info="",
    note="",
    team_reason="",
    team_note="",
) -> Series:
    """Save the whole series in one transaction, or nothing if any occurrence conflicts."""
    _writable(patient)
    occurrences = preview_series(
        practitioner, patient, appointment_type, first_date, weekdays, local_time, count
    )
    refused = [o for o in occurrences if o.reasons]
    if refused:
        raise BookingRefused(
            [f"Séance du {schedule.describe(o.starts_at)} : {' '.join(o.reasons)}" for o in refused]
        )
    source = _care_team_source(actor, practitioner, patient, team_reason)
    with database.atomic():
        _join_team(patient, practitioner, actor, source, team_reason, team_note)
        series = Series.create(
            practitioner=practitioner,
            patient=patient,
            appointment_type=appointment_type,
            count=count,
            weekdays=",".join(str(d) for d in sorted(weekdays)),
            local_time=local_time,
            first_date=first_date,
            created_by=actor.id,
        )
        for occurrence in occurrences:
            appointment = Appointment.create(
                practitioner=practitioner,
                patient=patient,
                appointment_type=appointment_type,
                starts_at=occurrence.starts_at,
                ends_at=occurrence.ends_at,
                location=location,
                access_info=access_info,
                note=note,
                series=series,
                created_by=actor.id,
            )
            _event(appointment, actor, "booked", f"série de {count} séances")
        trace(
            actor,
            "appointment.series_create",
            patient=patient,
            target=f"series:{series.ref}",
            detail=f"{count} séances",
        )
    return series


def _scope(appointment: Appointment, scope: str) -> list[Appointment]:
    """This appointment, or this one and the following ones of its series (not cancelled)."""
    if scope != "following" or appointment.series_id is None:
        return [appointment]
    return list(
        Appointment.select()
        .where(
            (Appointment.series == appointment.series_id)
            & (Appointment.starts_at >= appointment.starts_at)
            & (Appointment.status == "booked")
        )
        .order_by(Appointment.starts_at)
    )


def move(
    appointment: Appointment,
    new_day: datetime.date,
    new_time: datetime.time,
    actor,
    scope: str = "one",
) -> list[Appointment]:
    """Move one occurrence to a new day and time, or shift this and the following ones by the
    same number of days and to the same local time (so a DST change keeps "18 h" at 18 h)."""
    _writable(appointment.patient)
    if appointment.status != "booked":
        raise BookingRefused(["Seul un rendez-vous prévu peut être déplacé."])
    targets = _scope(appointment, scope)
    day_shift = new_day - schedule.to_local(appointment.starts_at).date()
    plan = []
    ids = {t.id for t in targets}
    for target in targets:
        day = schedule.to_local(target.starts_at).date() + day_shift
        start = schedule.to_utc(day, new_time)
        end = start + (target.ends_at - target.starts_at)
        reasons = conflicts(target.practitioner, target.patient, start, end, exclude=ids)
        if reasons:
            proposals = (
                free_slots(target.practitioner, target.patient, end - start, start, exclude=ids)
                if len(targets) == 1
                else []
            )
            raise BookingRefused(
                [f"Séance du {schedule.describe(start)} : {' '.join(reasons)}"], proposals
            )
        plan.append((target, start, end))
    with database.atomic():
        for target, start, end in plan:
            before = schedule.describe(target.starts_at)
            Appointment.update(starts_at=start, ends_at=end, updated_at=utcnow()).where(
                Appointment.id == target.id
            ).execute()
            _event(target, actor, "moved", f"{before} → {schedule.describe(start)}")
            trace(
                actor,
                "appointment.move",
                patient=target.patient,
                target=f"appointment:{target.ref}",
            )
    return [t for t, _, _ in plan]


def cancel(appointment: Appointment, reason: str, actor, scope: str = "one") -> int:
    _writable(appointment.patient)
    if reason not in CANCEL_REASONS:
        raise BookingRefused(["Choisissez un motif d'annulation dans la liste."])
    if appointment.status != "booked":
        raise BookingRefused(["Ce rendez-vous n'est plus prévu : il ne peut pas être annulé."])
    targets = _scope(appointment, scope)
    with database.atomic():
        for target in targets:
            Appointment.update(status="cancelled", cancel_reason=reason, updated_at=utcnow()).where(
                Appointment.id == target.id
            ).execute()
            _event(target, actor, "cancelled", CANCEL_REASONS[reason])
            trace(
                actor,
                "appointment.cancel",
                patient=target.patient,
                target=f"appointment:{target.ref}",
                detail=CANCEL_REASONS[reason],
            )
    return len(targets)


def mark(appointment: Appointment, status: str, actor) -> None:
    """Honoured or missed, once the time has come."""
    _writable(appointment.patient)
    if status not in ("honoured", "missed"):
        raise BookingRefused(["Statut inconnu."])
    if appointment.status not in ("booked", "honoured", "missed"):
        raise BookingRefused(["Un rendez-vous annulé ne peut pas être marqué."])
    if appointment.starts_at > utcnow():
        raise BookingRefused(["Ce rendez-vous n'a pas encore eu lieu."])
    with database.atomic():
        Appointment.update(status=status, updated_at=utcnow()).where(
            Appointment.id == appointment.id
        ).execute()
        _event(appointment, actor, status, STATUSES[status])
        if status == "honoured":
            # An honoured appointment is an intervention on the file: the retention clock restarts.
            appointment.patient.touch_last_care(appointment.starts_at)
        trace(
            actor,
            "appointment.mark",
            patient=appointment.patient,
            target=f"appointment:{appointment.ref}",
            detail=STATUSES[status],
        )


def record_leaflet_given(appointment_ref: str, actor) -> Appointment | None:
    """The information leaflet handed at this home visit (I1): noted on the appointment and
    traced. None when the ref names no home visit still planned or held."""
    appointment = Appointment.get_or_none(
        (Appointment.ref == appointment_ref)
        & (Appointment.location == "home")
        & (Appointment.status != "cancelled")
    )
    if appointment is None:
        return None
    with database.atomic():
        Appointment.update(leaflet_given_at=utcnow()).where(
            Appointment.id == appointment.id
        ).execute()
        trace(
            actor,
            "notice.leaflet_given",
            patient=appointment.patient,
            target=f"appointment:{appointment.ref}",
        )
    return appointment


# Reading ------------------------------------------------------------------------------------


def agenda(practitioner_ids: list[int], start: datetime.datetime, end: datetime.datetime):
    """Appointments of these practitioners in [start, end), with patient and type joined."""
    return (
        Appointment.select(Appointment, Patient, AppointmentType)
        .join(Patient)
        .switch(Appointment)
        .join(AppointmentType)
        .where(
            (Appointment.practitioner.in_(practitioner_ids))
            & (Appointment.starts_at >= start)
            & (Appointment.starts_at < end)
        )
        .order_by(Appointment.starts_at)
    )


def absences(practitioner_ids: list[int], start, end):
    return Absence.select().where(
        (Absence.practitioner.in_(practitioner_ids))
        & (Absence.starts_at < end)
        & (Absence.ends_at > start)
    )


def tour(practitioner: User, day: datetime.date):
    """Home visits of a practitioner's day, in order (A6: the tour sheet's only content)."""
    start, end = schedule.local_day_bounds(day)
    return [
        a
        for a in agenda([practitioner.id], start, end)
        if a.location == "home" and a.status in ACTIVE_STATUSES
    ]


def visit_address(appointment: Appointment) -> str:
    if appointment.visit_address:
        return appointment.visit_address
    patient = appointment.patient
    return f"{patient.address}, {patient.postcode} {patient.city}".strip(", ")
