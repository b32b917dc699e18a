"""Changes to appointments (P1, P3): book, move, cancel, mark honoured or missed, note the
leaflet handed at a home visit (care series: `care_series.py`).

Each change obeys the booking rules of `rules.py` and writes an `AppointmentEvent` and a
trace inside one transaction.
"""

import datetime
from dataclasses import dataclass

from cabinet.appointments import schedule
from cabinet.appointments.models import (
    CANCEL_REASONS,
    STATUSES,
    Appointment,
    AppointmentEvent,
    AppointmentType,
    Series,
)
from cabinet.appointments.rules import (
    BookingRefused,
    care_team_source,
    conflicts,
    free_slots,
)
from cabinet.audit import trace
from cabinet.auth.models import User
from cabinet.db import database, utcnow
from cabinet.patients import care_team
from cabinet.patients.models import Patient
from cabinet.patients.services import PatientRestricted, ensure_writable


def join_team(patient, practitioner, actor, source, reason: str, note: str) -> None:
    """Put the practitioner in the patient's care team as `rules.care_team_source` said;
    the reason and note are kept only for a break-glass taking on (A2)."""
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


def ensure_bookable(patient: Patient) -> None:
    """A frozen file (I6) refuses every change to its appointments, said as a refusal."""
    try:
        ensure_writable(patient)
    except PatientRestricted as frozen:
        raise BookingRefused([str(frozen)]) from None


def log_event(appointment: Appointment, actor, kind: str, detail: str = "") -> None:
    """One line of the appointment's own history (booked, moved, cancelled…)."""
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
    ensure_bookable(booking.patient)
    reasons = conflicts(booking.practitioner, booking.patient, booking.starts_at, booking.ends_at)
    if reasons:
        duration = booking.ends_at - booking.starts_at
        raise BookingRefused(
            reasons, free_slots(booking.practitioner, booking.patient, duration, booking.starts_at)
        )
    source = care_team_source(actor, booking.practitioner, booking.patient, booking.team_reason)
    with database.atomic():
        join_team(
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
        log_event(appointment, actor, "booked", schedule.describe(appointment.starts_at))
        trace(
            actor,
            "appointment.create",
            patient=booking.patient,
            target=f"appointment:{appointment.ref}",
        )
    return appointment


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
    ensure_bookable(appointment.patient)
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
            log_event(target, actor, "moved", f"{before} → {schedule.describe(start)}")
            trace(
                actor,
                "appointment.move",
                patient=target.patient,
                target=f"appointment:{target.ref}",
            )
    return [t for t, _, _ in plan]


def cancel(appointment: Appointment, reason: str, actor, scope: str = "one") -> int:
    ensure_bookable(appointment.patient)
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
            log_event(target, actor, "cancelled", CANCEL_REASONS[reason])
            trace(
                actor,
                "appointment.cancel",
                patient=target.patient,
                target=f"appointment:{target.ref}",
                detail=CANCEL_REASONS[reason],
            )
    return len(targets)


def markable(appointment: Appointment) -> bool:
    """Whether it may be marked honoured or missed now: not cancelled, its time come (the
    page offers the two buttons only then)."""
    return appointment.status in ("booked", "honoured", "missed") and (
        appointment.starts_at <= utcnow()
    )


def mark(appointment: Appointment, status: str, actor) -> None:
    """Honoured or missed, once the time has come."""
    ensure_bookable(appointment.patient)
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
        log_event(appointment, actor, status, STATUSES[status])
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
