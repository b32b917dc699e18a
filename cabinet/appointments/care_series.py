"""Care series (P3): "10 sessions, Monday and Thursday at 18 h" saved all at once, or not at
all; the series page's preview until then."""

from dataclasses import dataclass, field

from cabinet.appointments import schedule
from cabinet.appointments.models import Appointment, Series
from cabinet.appointments.rules import (
    BookingRefused,
    Occurrence,
    TakingOnNeedsReason,
    care_team_source,
    preview_series,
    taking_on_needs_reason,
)
from cabinet.appointments.services import ensure_bookable, join_team, log_event
from cabinet.audit import trace
from cabinet.db import database


def create(
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
    prescription_ref="",
) -> Series:
    """Save the whole series in one transaction, or nothing if any occurrence conflicts."""
    ensure_bookable(patient)
    occurrences = preview_series(
        practitioner, patient, appointment_type, first_date, weekdays, local_time, count
    )
    refused = [o for o in occurrences if o.reasons]
    if refused:
        raise BookingRefused(
            [f"Séance du {schedule.describe(o.starts_at)} : {' '.join(o.reasons)}" for o in refused]
        )
    source = care_team_source(actor, practitioner, patient, team_reason)
    with database.atomic():
        join_team(patient, practitioner, actor, source, team_reason, team_note)
        series = Series.create(
            practitioner=practitioner,
            patient=patient,
            appointment_type=appointment_type,
            count=count,
            weekdays=",".join(str(d) for d in sorted(weekdays)),
            local_time=local_time,
            first_date=first_date,
            prescription_ref=prescription_ref,
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
            log_event(appointment, actor, "booked", f"série de {count} séances")
        trace(
            actor,
            "appointment.series_create",
            patient=patient,
            target=f"series:{series.ref}",
            detail=f"{count} séances",
        )
    return series


@dataclass
class SeriesOutcome:
    """What the series page shows: the saved series, or the preview of every occurrence with
    its conflicts, the refusal of a save, and whether taking the patient on needs a reason."""

    series: Series | None = None
    occurrences: list[Occurrence] = field(default_factory=list)
    refusal: BookingRefused | None = None
    taking_on: bool = False


def preview_or_save(actor, plan: tuple, confirmed: bool, **details) -> SeriesOutcome:
    """Save the series when the preview was confirmed and nothing conflicts; otherwise (or
    when refused) the preview again. `plan` holds `preview_series`'s arguments."""
    refusal = None
    if confirmed:
        try:
            return SeriesOutcome(series=create(actor, *plan, **details))
        except BookingRefused as refused:
            refusal = refused
    practitioner, patient = plan[0], plan[1]
    return SeriesOutcome(
        occurrences=preview_series(*plan),
        refusal=refusal,
        taking_on=taking_on_needs_reason(actor, practitioner, patient)
        or isinstance(refusal, TakingOnNeedsReason),
    )
