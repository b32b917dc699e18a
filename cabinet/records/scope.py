"""Who may open a care record (A1, A2): the care team (patients/care_team.py), the shared
record when the practice chose it, or break-glass with a stated reason for one login
session. Every opening is traced."""

import datetime

from flask import abort, has_request_context, session

from cabinet import settings
from cabinet.audit import trace
from cabinet.db import database, fetch_all
from cabinet.patients import care_team
from cabinet.patients.models import Patient
from cabinet.patients.services import PatientRestricted, ensure_writable, get_patient_or_404
from cabinet.records.models import BreakGlass
from cabinet.security import has_permission

BASIS_LABELS = {
    "care_team": "équipe de soins",
    "shared": "dossier partagé",
    "break_glass": "accès exceptionnel",
}


class RecordRefused(Exception):
    """A French message: why the record change is refused (nothing was saved)."""


class OutsideCareTeam(Exception):
    """No basis to open this record yet: the practitioner states a reason first (the records
    blueprint answers with the break-glass page)."""

    def __init__(self, patient: Patient):
        super().__init__(patient.ref)
        self.patient = patient


def ensure_record_writable(patient: Patient) -> None:
    """The frozen-file rule of `patients` (I6), as a record refusal."""
    try:
        ensure_writable(patient)
    except PatientRestricted as frozen:
        raise RecordRefused(str(frozen)) from None


def _session_id() -> int | None:
    # Break-glass lasts one login session; outside a request (a command) there is none.
    return getattr(session, "row_id", None) if has_request_context() else None


def _break_glass_reason(user, patient: Patient) -> str | None:
    """The reason stated in this login session to open this record, or None."""
    session_id = _session_id()
    if session_id is None:
        return None
    return (
        BreakGlass.select(BreakGlass.reason)
        .where(
            (BreakGlass.practitioner == user.id)
            & (BreakGlass.patient == patient.id)
            & (BreakGlass.session_id == session_id)
        )
        .order_by(BreakGlass.id.desc())
        .scalar()
    )


def access_basis(user, patient: Patient) -> str | None:
    """Why this user may open this record ("care_team", "shared", "break_glass"), or None."""
    if not has_permission(user, "record.read"):
        return None
    if care_team.is_member(user, patient):
        return "care_team"
    if settings.get("shared_record") and not patient.objects_to_sharing:
        return "shared"
    if _break_glass_reason(user, patient) is not None:
        return "break_glass"
    return None


def require_record_access(user, patient: Patient) -> str:
    """The basis of access: 403 without the permission, OutsideCareTeam without a basis."""
    if not has_permission(user, "record.read"):
        abort(403)
    basis = access_basis(user, patient)
    if basis is None:
        # A locum before or after her handover's dates: refused, and traced as such.
        care_team.trace_refused_grant(user, patient, "dossier de soins")
        raise OutsideCareTeam(patient)
    return basis


def needs_break_glass(user, patient: Patient) -> bool:
    """True when the practitioner must state a reason to open this record (403 without the
    permission)."""
    if not has_permission(user, "record.read"):
        abort(403)
    return access_basis(user, patient) is None


def open_record(user, patient: Patient, basis: str) -> None:
    """Trace a reading of the record, with the basis it was opened on (T1)."""
    trace(user, "record.view", patient=patient, target="record", detail=BASIS_LABELS[basis])


def get_record_or_404(user, patient_ref: str, traced: bool = True) -> tuple[Patient, str]:
    """The patient whose record `user` opens, and on what basis; the reading traced when
    `traced`. 404 for an unknown ref, 403 without the permission, OutsideCareTeam when the
    practitioner must state a reason first."""
    patient = get_patient_or_404(patient_ref)
    basis = require_record_access(user, patient)
    if traced:
        open_record(user, patient, basis)
    return patient, basis


def break_glass(user, patient: Patient, reason: str, note: str) -> BreakGlass:
    if reason not in care_team.REASONS:
        raise RecordRefused("Choisissez un motif dans la liste.")
    session_id = _session_id()
    if session_id is None:
        raise RecordRefused("Session expirée : reconnectez-vous.")
    with database.atomic():
        access = BreakGlass.create(
            patient=patient,
            practitioner=user.id,
            session_id=session_id,
            reason=reason,
            note=note[:200],
        )
        trace(
            user,
            "record.break_glass",
            patient=patient,
            target="record",
            detail=care_team.REASONS[reason],
        )
    return access


def break_glass_on_my_patients(user, since: datetime.datetime, limit: int) -> list[BreakGlass]:
    """The latest accesses by other practitioners to the patients this user cares for (home
    page: a plain statement, db.fetch_all — peewee compiled the query on every visit, issue
    20). Times are compared as stored, str(datetime).

    Break-glass is rare by nature: SQLite reads those rows and asks, for each, whether I am
    in its patient's team (one probe of the team's unique index). Asked the other way — my
    patients, then their accesses — it probed once per patient of my team: 8 ms for a team
    of 4,970 at 100,000 patients, against 0.02 ms."""
    return fetch_all(
        BreakGlass,
        _ON_MY_PATIENTS,
        str(since),
        user.id,
        user.id,
        order_by='"at" DESC, "id" DESC',
        limit=limit,
    )


_ON_MY_PATIENTS = """
    "at" >= ? AND "practitioner_id" != ?
    AND EXISTS (SELECT 1 FROM "care_assignment" AS c
                WHERE c."patient_id" = "break_glass"."patient_id" AND c."practitioner_id" = ?)
"""


def author_joins_team(user, patient: Patient) -> None:
    """Whoever records care is in the care team, joined under the access she had: the
    shared record, or break-glass with its stated reason (A2)."""
    if care_team.is_member(user, patient):
        return
    basis = access_basis(user, patient)
    if basis is None:
        raise RecordRefused("Ce dossier ne vous est pas ouvert : passez par l'accès exceptionnel.")
    reason = _break_glass_reason(user, patient) if basis == "break_glass" else None
    care_team.join(patient, user, user, "break_glass" if reason else "record", reason=reason or "")
