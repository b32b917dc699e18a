"""Rules of a handover: who may replace whom, which patients a period holds, the dated
grants, what the locum sees and prints — each step traced (T1).

The locum is a practitioner account with an end date (DESIGN.md); the handover's dates lie
within it. During the dates she is a member of those patients' care teams
(`care_team.is_member` honours the grant); before and after, the handover and the files are
refused, and the refusal traced.
"""

import datetime
from dataclasses import dataclass, field

from flask import abort

from cabinet.appointments import schedule
from cabinet.appointments.agenda import practitioners
from cabinet.appointments.models import ACTIVE_STATUSES, Appointment, Series
from cabinet.audit import trace
from cabinet.auth.models import User
from cabinet.db import database, fetch_all
from cabinet.handover.models import Handover
from cabinet.patients import access_notes, care_team
from cabinet.patients.models import CareGrant, Patient
from cabinet.prescriptions import services as prescriptions
from cabinet.prescriptions.models import Prescription
from cabinet.transmissions import services as transmissions

MAX_DAYS = 92  # a replacement of up to three months; a longer one is a new handover
LATEST_TRANSMISSIONS = 3


class HandoverRefused(Exception):
    """A French message: why the handover cannot be prepared as asked (nothing saved)."""


class HandoverClosed(Exception):
    """The locum opens a handover outside its dates (refused, traced)."""

    def __init__(self, handover: Handover, today: datetime.date):
        if handover.is_cancelled():
            message = "Cette passation a été arrêtée : elle n'ouvre plus aucun dossier."
        else:
            when = "ne commence que le" if today < handover.starts else "est terminée depuis le"
            day = handover.starts if today < handover.starts else handover.ends
            message = (
                f"Cette passation {when} {day:%d/%m/%Y} : elle n'est ouverte que du "
                f"{handover.starts:%d/%m/%Y} au {handover.ends:%d/%m/%Y}."
            )
        super().__init__(message)
        self.handover = handover


def _today(today: datetime.date | None) -> datetime.date:
    return today or datetime.date.today()


def locums(actor) -> list[User]:
    """The locum accounts (practitioners with an end date, still active) she may hand over to."""
    return [u for u in practitioners() if u.end_date is not None and u.id != actor.id]


def period_patients(practitioner: User, starts: datetime.date, ends: datetime.date) -> list:
    """The patients of her care team with an appointment of hers during the period."""
    first, _ = schedule.local_day_bounds(starts)
    _, last = schedule.local_day_bounds(ends)
    booked = (
        Appointment.select(Appointment.patient)
        .where(
            (Appointment.practitioner == practitioner.id)
            & (Appointment.starts_at >= first)
            & (Appointment.starts_at < last)
            & Appointment.status.in_(ACTIVE_STATUSES)
        )
        .distinct()
    )
    patients = Patient.select().where(Patient.id.in_(booked)).order_by(Patient.search_key)
    return [p for p in patients if care_team.is_joined(practitioner, p)]


def check(actor, locum_ref: str, starts, ends, today=None) -> tuple[User, list[Patient]]:
    """The locum and the period's patients, or HandoverRefused; the list shown is traced."""
    day = _today(today)
    locum = next((u for u in locums(actor) if u.ref == locum_ref), None)
    if locum is None:
        raise HandoverRefused("Choisissez un compte de remplaçant actif (avec une date de fin).")
    if starts < day:
        raise HandoverRefused("Une passation ne peut pas commencer dans le passé.")
    if ends < starts:
        raise HandoverRefused("La date de fin précède la date de début.")
    if (ends - starts).days >= MAX_DAYS:
        raise HandoverRefused(f"Une passation dure {MAX_DAYS} jours au plus.")
    if ends > locum.end_date:
        raise HandoverRefused(
            f"Le compte de {locum.display_name} s'arrête le {locum.end_date:%d/%m/%Y} : "
            "la passation doit finir au plus tard ce jour-là."
        )
    patients = period_patients(actor, starts, ends)
    trace(
        actor,
        "patient.list",
        target="patients",
        detail=f"passation : {len(patients)} patient(s) du {starts:%d/%m/%Y} au {ends:%d/%m/%Y}",
    )
    return locum, patients


def prepare(actor, locum: User, starts, ends, patients: list[Patient]) -> Handover:
    """The handover and one dated grant per patient; each grant in the patient's access
    report, the whole traced."""
    if not patients:
        raise HandoverRefused("Choisissez au moins un patient à confier.")
    period = f"du {starts:%d/%m/%Y} au {ends:%d/%m/%Y}"
    with database.atomic():
        handover = Handover.create(practitioner=actor.id, locum=locum.id, starts=starts, ends=ends)
        for patient in patients:
            CareGrant.create(
                patient=patient,
                grantee=locum.id,
                granted_by=actor.id,
                starts=starts,
                ends=ends,
                handover_ref=handover.ref,
            )
            trace(
                actor,
                "care_grant.create",
                patient=patient,
                target=f"handover:{handover.ref}",
                detail=f"{locum.display_name}, {period}",
            )
        trace(
            actor,
            "handover.create",
            target=f"handover:{handover.ref}",
            detail=f"{locum.display_name}, {len(patients)} patient(s), {period}",
        )
    return handover


def end_now(actor, handover: Handover, today=None) -> Handover:
    """End the handover now, at its practitioner's word (she is back early, the locum
    leaves): the locum's grants end yesterday, so her access stops at once; one not begun
    yet, or begun today, ends the day before it starts (`is_cancelled`). Each grant's end
    in its patient's access report, the whole traced. HandoverRefused if already over."""
    day = _today(today)
    if handover.ends < day or handover.is_cancelled():
        raise HandoverRefused("Cette passation est déjà terminée.")
    planned = handover.ends
    ends = max(handover.starts, day) - datetime.timedelta(days=1)
    if handover.starts > day:
        how = "annulée avant de commencer"
    elif ends < handover.starts:
        how = "arrêtée le jour de son début"  # it opened today, until now
    else:
        how = f"fin le {ends:%d/%m/%Y}"
    with database.atomic():
        Handover.update(ends=ends).where(Handover.id == handover.id).execute()
        CareGrant.update(ends=ends).where(CareGrant.handover_ref == handover.ref).execute()
        for patient in patients_of(handover):
            trace(
                actor,
                "care_grant.end",
                patient=patient,
                target=f"handover:{handover.ref}",
                detail=f"{handover.locum.display_name}, prévu jusqu'au {planned:%d/%m/%Y}",
            )
        trace(
            actor,
            "handover.end",
            target=f"handover:{handover.ref}",
            detail=f"{handover.locum.display_name}, {how} au lieu du {planned:%d/%m/%Y}",
        )
    return Handover.get_by_id(handover.id)


def get_handover_or_404(user, ref: str, today=None) -> Handover:
    """The handover, for the practitioner who made it (always) or the locum (during its dates
    only: HandoverClosed otherwise, traced). 404 for anyone else."""
    handover = Handover.get_or_404(Handover.ref == ref)
    if user.id not in (handover.practitioner_id, handover.locum_id):
        abort(404)
    day = _today(today)
    if user.id == handover.locum_id and not handover.is_open(day):
        trace(
            user,
            "handover.refused",
            target=f"handover:{handover.ref}",
            detail=f"ouverte du {handover.starts:%d/%m/%Y} au {handover.ends:%d/%m/%Y}",
            outcome="refused",
        )
        raise HandoverClosed(handover, day)
    return handover


def patients_of(handover: Handover) -> list[Patient]:
    grants = CareGrant.select(CareGrant.patient).where(CareGrant.handover_ref == handover.ref)
    return list(Patient.select().where(Patient.id.in_(grants)).order_by(Patient.search_key))


@dataclass
class Entry:
    """One patient of the handover with what the locum needs to take over."""

    patient: Patient
    access: list[tuple[str, str]] = field(default_factory=list)
    prescriptions: list = field(default_factory=list)  # prescriptions.Progress, current ones
    series: list[tuple[Series, Appointment]] = field(default_factory=list)  # with the next one
    transmissions: list = field(default_factory=list)  # transmissions.Shown, the latest


def _current_series(patient: Patient, today: datetime.date) -> list[tuple[Series, Appointment]]:
    start, _ = schedule.local_day_bounds(today)
    result = []
    for series in Series.select().where(Series.patient == patient.id).order_by(Series.first_date):
        upcoming = (
            Appointment.select()
            .where(
                (Appointment.series == series.id)
                & (Appointment.status == "booked")
                & (Appointment.starts_at >= start)
            )
            .order_by(Appointment.starts_at)
            .first()
        )
        if upcoming is not None:
            result.append((series, upcoming))
    return result


def sheet(user, handover: Handover, action: str = "handover.view", today=None) -> list[Entry]:
    """Each patient's entry; the reading (or printing, A6) traced per patient."""
    day = _today(today)
    patients = patients_of(handover)
    notes = access_notes.read_many(user, patients, "passation")
    entries = []
    for patient in patients:
        progress = prescriptions.progress_of(list(Prescription.of_patient(patient)), day)
        entries.append(
            Entry(
                patient,
                access_notes.lines(notes.get(patient.id)),
                [p for p in progress if not p.expired and not p.used_up],
                _current_series(patient, day),
                transmissions.latest(user, patient, LATEST_TRANSMISSIONS),
            )
        )
    with database.atomic():
        for patient in patients:
            trace(user, action, patient=patient, target=f"handover:{handover.ref}")
    return entries


def mine(user, today=None) -> dict[str, list[Handover]]:
    """The handovers I made and those I receive, not yet over (the index and home page)."""
    day = _today(today).isoformat()  # compared as stored, "2026-12-08"
    # Plain statements (db.fetch_all): the practitioner's home page asks on every visit, and
    # peewee compiled both queries each time (0.75 ms, issue 20). Not yet over, and not
    # stopped on or before its first day (end_now: it then ends before it starts).
    return {
        "given": fetch_all(Handover, _GIVEN, user.id, day, order_by='"starts", "id"'),
        "received": fetch_all(Handover, _RECEIVED, user.id, day, order_by='"starts", "id"'),
    }


_GIVEN = '"practitioner_id" = ? AND "ends" >= ? AND "ends" >= "starts"'
_RECEIVED = '"locum_id" = ? AND "ends" >= ? AND "ends" >= "starts"'
