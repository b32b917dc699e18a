"""Prescriptions of the care record (P3): recorded with their photo, opened by the care team
only (records.scope: care team, shared record, break-glass), sessions counted against them
from the agenda, renewals and BSI due. Every read and change is traced (T1).

A session counts as done when its appointment, in a series proposed from the prescription,
is honoured; a cancelled or missed one does not count, a moved one counts once.
"""

import datetime
from dataclasses import dataclass

from cabinet import settings
from cabinet.appointments.models import Appointment, Series
from cabinet.audit import trace
from cabinet.db import database, fetch_all
from cabinet.patients.models import CareAssignment, Patient
from cabinet.prescriptions import photos
from cabinet.prescriptions.models import (
    BSI_LEVELS,
    NursingAssessment,
    Prescription,
    PrescriptionPhoto,
)
from cabinet.records import scope
from cabinet.records.scope import RecordRefused

COUNTED = ("booked", "honoured")  # the occurrences that hold a session of the prescription
WARN_LEFT = 2  # a warning at the last two sessions


# Reading --------------------------------------------------------------------------------------


def get_prescription_or_404(user, ref: str, traced: bool = True) -> Prescription:
    """The prescription, if its patient's record is open to `user` (403 without the
    permission, OutsideCareTeam without a basis); the reading traced when `traced`."""
    prescription = Prescription.get_or_404(Prescription.ref == ref)
    scope.require_record_access(user, prescription.patient)
    if traced:
        trace(
            user,
            "prescription.view",
            patient=prescription.patient,
            target=f"prescription:{prescription.ref}",
        )
    return prescription


def photo_of(user, prescription: Prescription) -> bytes | None:
    """The stored JPEG of the paper prescription (traced), or None."""
    photo = PrescriptionPhoto.get_or_none(PrescriptionPhoto.prescription == prescription.id)
    if photo is None:
        return None
    trace(
        user,
        "prescription.photo_view",
        patient=prescription.patient,
        target=f"prescription:{prescription.ref}",
    )
    return bytes(photo.data)


def has_photo(prescription: Prescription) -> bool:
    return (
        PrescriptionPhoto.select(PrescriptionPhoto.id)
        .where(PrescriptionPhoto.prescription == prescription.id)
        .exists()
    )


@dataclass
class Progress:
    """Where a prescription stands: sessions done (honoured), planned (booked), left."""

    prescription: Prescription
    done: int
    planned: int
    today: datetime.date

    @property
    def total(self) -> int:
        return self.prescription.sessions_count

    @property
    def left(self) -> int:
        return max(0, self.total - self.done)

    @property
    def unscheduled(self) -> int:
        return max(0, self.total - self.done - self.planned)

    @property
    def expired(self) -> bool:
        return self.prescription.valid_until < self.today

    @property
    def last_ones(self) -> bool:
        return 0 < self.left <= WARN_LEFT

    @property
    def used_up(self) -> bool:
        return self.left == 0

    def label(self) -> str:
        return f"{self.done}/{self.total} séances faites"


def _linked_appointments(prescriptions: list[Prescription]):
    refs = {p.ref: p for p in prescriptions}
    if not refs:
        return []
    return (
        Appointment.select(Appointment, Series)
        .join(Series)
        .where(Series.prescription_ref.in_(list(refs)) & Appointment.status.in_(COUNTED))
        .order_by(Appointment.starts_at, Appointment.id)
    )


def progress_of(prescriptions: list[Prescription], today: datetime.date) -> list[Progress]:
    counts = {p.ref: [0, 0] for p in prescriptions}
    owners = {p.ref: p.patient_id for p in prescriptions}
    for appointment in _linked_appointments(prescriptions):
        ref = appointment.series.prescription_ref
        if appointment.patient_id != owners[ref]:
            continue  # a series of another patient cannot count against this prescription
        counts[ref][0 if appointment.status == "honoured" else 1] += 1
    return [Progress(p, *counts[p.ref], today) for p in prescriptions]


def progress(prescription: Prescription, today: datetime.date | None = None) -> Progress:
    return progress_of([prescription], today or datetime.date.today())[0]


def session_numbers(prescription_refs: set[str]) -> dict[int, tuple[int, Prescription]]:
    """For each appointment of a series proposed from one of these prescriptions: its rank
    among the prescription's sessions (done or planned, in time order), and the
    prescription."""
    prescriptions = (
        list(Prescription.select().where(Prescription.ref.in_(list(prescription_refs))))
        if prescription_refs
        else []
    )
    ranks, numbers = {}, {}
    by_ref = {p.ref: p for p in prescriptions}
    for appointment in _linked_appointments(prescriptions):
        prescription = by_ref[appointment.series.prescription_ref]
        if appointment.patient_id != prescription.patient_id:
            continue
        ranks[prescription.ref] = ranks.get(prescription.ref, 0) + 1
        numbers[appointment.id] = (ranks[prescription.ref], prescription)
    return numbers


def session_label(rank: int, prescription: Prescription) -> str:
    total = prescription.sessions_count
    text = f"séance {rank}/{total}"
    if rank > total:
        return f"{text} — au-delà de l'ordonnance"
    if rank > total - WARN_LEFT:
        return f"{text} — fin d'ordonnance proche"
    return text


def patient_prescriptions(user, patient: Patient, where: str) -> list[Progress] | None:
    """The patient's prescriptions with their progress, if the record is open to `user`
    (traced: the patient page or the record page shows them), else None."""
    basis = scope.access_basis(user, patient)
    if basis is None:
        return None
    # A plain statement (db.fetch_all): the patient page and the record ask on every visit,
    # and peewee compiled the query each time (issue 20). The latest first, as of_patient.
    rows = fetch_all(
        Prescription, '"patient_id" = ?', patient.id, order_by='"prescribed_on" DESC, "id"'
    )
    if rows:
        trace(user, "prescription.view", patient=patient, target="prescriptions", detail=where)
    return progress_of(rows, datetime.date.today())


def bsi_of(patient: Patient) -> tuple[NursingAssessment | None, datetime.date | None]:
    """The patient's latest BSI and when it falls due (a plain statement: the patient page
    asks on every visit, issue 20)."""
    found = fetch_all(
        NursingAssessment, '"patient_id" = ?', patient.id, order_by='"done_on" DESC', limit=1
    )
    latest = found[0] if found else None
    return latest, (bsi_due_date(latest.done_on) if latest else None)


def bsi_due_date(done_on: datetime.date) -> datetime.date:
    """The BSI is renewed after the practice's delay (setting, 12 months by default)."""
    months = settings.get("bsi_renewal_months")
    month = done_on.month - 1 + months
    year, month = done_on.year + month // 12, month % 12 + 1
    day = min(done_on.day, 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)
    return datetime.date(year, month, day)


# Renewals --------------------------------------------------------------------------------------


def _candidates(today: datetime.date, practitioner_id: int | None):
    """Prescriptions still relevant: valid, or expired in the last 30 days."""
    query = Prescription.select(Prescription, Patient).join(Patient)
    query = query.where(Prescription.valid_until >= today - datetime.timedelta(days=30))
    if practitioner_id is not None:
        mine = CareAssignment.select(CareAssignment.patient).where(
            CareAssignment.practitioner == practitioner_id
        )
        query = query.where(Prescription.patient.in_(mine))
    return list(query.order_by(Prescription.valid_until))


def _due(items: list[Progress], today: datetime.date) -> list[Progress]:
    horizon = today + datetime.timedelta(days=settings.get("prescription_renewal_days"))
    return [p for p in items if p.prescription.valid_until <= horizon or p.left <= WARN_LEFT]


def renewals(user, today: datetime.date) -> list[Progress]:
    """The practitioner's list: prescriptions of her patients expiring within the setting's
    days, or almost used up, with everything (acts, sessions, dates). Traced per patient."""
    due = _due(progress_of(_candidates(today, user.id), today), today)
    _trace_list(user, "prescription.renewals", [p.prescription for p in due])
    return due


@dataclass
class RenewalCall:
    """What the secretary needs to call the doctor's office, and nothing else (A1)."""

    patient: Patient
    prescriber: str
    prescribed_on: datetime.date


def renewal_calls(user, today: datetime.date) -> list[RenewalCall]:
    """The secretary's list: patient, prescriber and date only, for the whole practice."""
    due = _due(progress_of(_candidates(today, None), today), today)
    _trace_list(user, "prescription.renewal_calls", [p.prescription for p in due])
    return [
        RenewalCall(
            p.prescription.patient, p.prescription.prescriber_name, p.prescription.prescribed_on
        )
        for p in due
    ]


def bsi_due(user, today: datetime.date) -> list[tuple[NursingAssessment, datetime.date]]:
    """The latest BSI of each of the nurse's patients, when its renewal falls within the
    setting's days (or is past)."""
    mine = CareAssignment.select(CareAssignment.patient).where(
        CareAssignment.practitioner == user.id
    )
    latest: dict[int, NursingAssessment] = {}
    query = NursingAssessment.select().where(NursingAssessment.patient.in_(mine))
    for row in query.order_by(NursingAssessment.done_on):
        latest[row.patient_id] = row
    horizon = today + datetime.timedelta(days=settings.get("prescription_renewal_days"))
    due = [(row, bsi_due_date(row.done_on)) for row in latest.values()]
    return sorted([d for d in due if d[1] <= horizon], key=lambda d: d[1])


def _trace_list(user, action: str, rows: list[Prescription]) -> None:
    with database.atomic():
        for patient_id in dict.fromkeys(p.patient_id for p in rows):
            trace(user, action, patient=Patient.get_by_id(patient_id), target="prescriptions")


# Changes ---------------------------------------------------------------------------------------


def create(user, patient: Patient, fields: dict, raw_photo: bytes | None = None) -> Prescription:
    """Record a prescription, and its photo when given (checked and re-encoded first: a
    refused photo stores nothing at all)."""
    scope.ensure_record_writable(patient)
    cleaned = _photo(raw_photo) if raw_photo else None
    with database.atomic():
        scope.author_joins_team(user, patient)
        prescription = Prescription.create(patient=patient, practitioner=user.id, **fields)
        if cleaned:
            _store_photo(prescription, cleaned)
        trace(
            user,
            "prescription.create",
            patient=patient,
            target=f"prescription:{prescription.ref}",
            detail="avec photo" if cleaned else None,
        )
    return prescription


def add_photo(user, prescription: Prescription, raw: bytes) -> None:
    """Add or replace the photo of the paper prescription."""
    scope.ensure_record_writable(prescription.patient)
    cleaned = _photo(raw)
    with database.atomic():
        scope.author_joins_team(user, prescription.patient)
        PrescriptionPhoto.delete().where(
            PrescriptionPhoto.prescription == prescription.id
        ).execute()
        _store_photo(prescription, cleaned)
        trace(
            user,
            "prescription.photo_add",
            patient=prescription.patient,
            target=f"prescription:{prescription.ref}",
        )


def _photo(raw: bytes) -> tuple[bytes, int, int]:
    try:
        return photos.clean(raw)
    except photos.PhotoRefused as refused:
        raise RecordRefused(str(refused)) from None


def _store_photo(prescription: Prescription, cleaned: tuple[bytes, int, int]) -> None:
    data, width, height = cleaned
    PrescriptionPhoto.create(
        prescription=prescription, data=data, width=width, height=height, size=len(data)
    )


def record_bsi(user, patient: Patient, done_on: datetime.date, level: str) -> NursingAssessment:
    """A BSI done for a dependent patient; its renewal date follows from the setting."""
    scope.ensure_record_writable(patient)
    if level not in BSI_LEVELS:
        raise RecordRefused("Choisissez le niveau de dépendance (BSA, BSB ou BSC).")
    with database.atomic():
        scope.author_joins_team(user, patient)
        assessment = NursingAssessment.create(
            patient=patient, nurse=user.id, done_on=done_on, level=level
        )
        trace(user, "prescription.bsi", patient=patient, target=f"bsi:{assessment.ref}")
    return assessment


def series_plan(prescription: Prescription, today: datetime.date) -> dict:
    """The arguments of the agenda's series page for the sessions left (its preview then
    shows every occurrence and its conflicts before anything is saved)."""
    left = progress(prescription, today).unscheduled or 1
    per_week = max(1, min(7, prescription.per_week))
    weekdays = {1: "0", 2: "0,3", 3: "0,2,4", 4: "0,1,3,4", 5: "0,1,2,3,4", 6: "0,1,2,3,4,5"}
    return {
        "patient": prescription.patient.ref,
        "ordonnance": prescription.ref,
        "seances": min(left, 60),
        "jours": weekdays.get(per_week, "0,1,2,3,4,5,6"),
        "debut": max(prescription.starts_on, today).isoformat(),
    }
