"""Patients' rights (I3–I8): the register of requests and their deadlines, erasure where
the law allows it, restriction, objection. Copies of the file are in access.py."""

import datetime

from cabinet.appointments.models import Appointment
from cabinet.audit import trace
from cabinet.db import database, fetch_all, utcnow
from cabinet.patients.models import Patient
from cabinet.patients.services import ensure_writable
from cabinet.records import services as records
from cabinet.records.models import Receipt
from cabinet.rights.deadlines import deadlines, too_early, urgency
from cabinet.rights.models import KINDS, STATUSES, RightsRequest
from cabinet.security import has_permission


class RightsRefused(Exception):
    """A French message: why the request cannot be carried out as asked."""


def today() -> datetime.date:
    return datetime.date.today()


# Register of requests (I8) ---------------------------------------------------------------


def get_request_or_404(ref: str) -> RightsRequest:
    return RightsRequest.get_or_404(RightsRequest.ref == ref)


def create_request(
    actor,
    requester: str,
    kind: str,
    received_on: datetime.date,
    identity_checked: bool,
    old_information: bool,
    patient_ref: str = "",
) -> RightsRequest:
    if kind not in KINDS:
        raise RightsRefused("Type de demande inconnu.")
    earliest, due = deadlines(kind, received_on, old_information)
    with database.atomic():
        request = RightsRequest.create(
            requester=requester,
            kind=kind,
            received_on=received_on,
            identity_checked=identity_checked,
            old_information=old_information,
            earliest_on=earliest,
            due_on=due,
            patient_ref=patient_ref,
        )
        trace(
            actor,
            "rights.request_create",
            patient=patient_ref or None,
            target=f"rights_request:{request.ref}",
            detail=KINDS[kind],
        )
    return request


def close_request(actor, request: RightsRequest, status: str, answer: str) -> None:
    if status not in ("answered", "refused"):
        raise RightsRefused("Statut inconnu.")
    if request.kind == "medical_access" and status == "answered":
        refusal = too_early(request.earliest_on, today())
        if refusal:
            raise RightsRefused(refusal)
    if not request.identity_checked:
        raise RightsRefused("Vérifiez d'abord l'identité du demandeur.")
    with database.atomic():
        RightsRequest.update(status=status, answer=answer[:2000], answered_on=today()).where(
            RightsRequest.id == request.id
        ).execute()
        trace(
            actor,
            "rights.request_update",
            patient=request.patient_ref or None,
            target=f"rights_request:{request.ref}",
            detail="répondu" if status == "answered" else "refusé",
        )


def confirm_identity(actor, request: RightsRequest) -> None:
    """The requester's identity was checked after the request was registered."""
    with database.atomic():
        RightsRequest.update(identity_checked=True).where(RightsRequest.id == request.id).execute()
        trace(
            actor,
            "rights.request_update",
            patient=request.patient_ref or None,
            target=f"rights_request:{request.ref}",
            detail="identité du demandeur vérifiée",
        )


def register(day: datetime.date) -> list[tuple[RightsRequest, str]]:
    """Every request with its urgency ("done" once closed), the open ones first."""
    rows = RightsRequest.select().order_by(RightsRequest.status.desc(), RightsRequest.due_on)
    return [(r, urgency(r.due_on, day) if r.status == "open" else "done") for r in rows]


def pending(day: datetime.date):
    """Open requests with their urgency, the most urgent first (home page: a plain statement,
    db.fetch_all — peewee compiled the query on every sign-in's first page, a fifth of the
    home page, issue 20)."""
    rows = fetch_all(RightsRequest, '"status" = ?', "open", order_by='"due_on"')
    return [(row, urgency(row.due_on, day)) for row in rows]


def for_patient(patient: Patient):
    """The patient's requests, the open ones first (patient page: a plain statement,
    db.fetch_all)."""
    return fetch_all(
        RightsRequest,
        '"patient_ref" = ?',
        patient.ref,
        order_by='"status" DESC, "received_on" DESC',
    )


def patient_panel(user, patient: Patient) -> dict:
    """The rights section of the patient page; why erasure is impossible only for the admin,
    who decides it."""
    refusal = erasure_refusal(patient) if has_permission(user, "rights.answer") else None
    return {
        "erasure_refusal": refusal,
        "requests": list(for_patient(patient)),
        "kinds": KINDS,
        "statuses": STATUSES,
    }


def linked_patient(request: RightsRequest) -> Patient | None:
    """The file the request is about, if it is in the active base."""
    if not request.patient_ref:
        return None
    return Patient.get_or_none(Patient.ref == request.patient_ref)


# Erasure (I5) -----------------------------------------------------------------------------


def erasure_refusal(patient: Patient) -> str | None:
    """Why the file cannot be erased, or None when it can (never cared for)."""
    if patient.restricted_at is not None:
        return "Le dossier est gelé (limitation en cours)."
    cared = (
        records.has_care(patient)
        or Appointment.select()
        .where((Appointment.patient == patient.id) & (Appointment.status == "honoured"))
        .exists()
    )
    if cared:
        return (
            "Le dossier médical doit être conservé : c'est une obligation légale "
            "(art. 17.3 b et c du RGPD ; durées du référentiel de la CNIL, §7). "
            "Les informations non obligatoires (habitudes de vie, préférences de rappel) "
            "peuvent être effacées."
        )
    if Receipt.of_patient(patient).exists():
        return "Des paiements sont inscrits au journal des recettes, qui doit être conservé 6 ans."
    return None


def erase(actor, patient: Patient) -> None:
    """Erase a person who only booked and was never cared for (secure_delete is on)."""
    refusal = erasure_refusal(patient)
    if refusal:
        trace(
            actor, "rights.erasure_refused", patient=patient, target="patient", detail=refusal[:120]
        )
        raise RightsRefused(refusal)
    with database.atomic():
        ref = patient.ref
        Patient.delete().where(Patient.id == patient.id).execute()
        trace(
            actor,
            "rights.erasure",
            patient=ref,
            target="patient",
            detail="personne jamais soignée : fiche et rendez-vous effacés",
        )


def erase_optional(actor, patient: Patient) -> int:
    """Erase what the law does not oblige us to keep: lifestyle items and the agreement."""
    with database.atomic():
        removed = records.erase_lifestyle(patient)
        Patient.update(objects_to_reminders=True).where(Patient.id == patient.id).execute()
        trace(
            actor,
            "rights.erasure",
            patient=patient,
            target="record",
            detail=f"habitudes de vie ({removed}) et préférence de rappel effacées",
        )
    return removed


# Restriction (I6) and objection (I7) -----------------------------------------------------


def restrict(actor, patient: Patient) -> None:
    with database.atomic():
        Patient.update(restricted_at=utcnow(), retention_suspended=True).where(
            Patient.id == patient.id
        ).execute()
        trace(actor, "rights.restriction", patient=patient, target="patient")


def lift_restriction(actor, patient: Patient) -> None:
    with database.atomic():
        Patient.update(restricted_at=None, retention_suspended=False).where(
            Patient.id == patient.id
        ).execute()
        trace(actor, "rights.restriction_lifted", patient=patient, target="patient")


def set_objections(actor, patient: Patient, reminders: bool, sharing: bool) -> None:
    """Objection to reminders and to sharing within the practice; PatientRestricted while
    the file is frozen (I6)."""
    ensure_writable(patient)
    with database.atomic():
        Patient.update(objects_to_reminders=reminders, objects_to_sharing=sharing).where(
            Patient.id == patient.id
        ).execute()
        trace(
            actor,
            "rights.objection",
            patient=patient,
            target="patient",
            detail=f"rappels : {'refus' if reminders else 'accord'} ; partage : "
            f"{'opposition' if sharing else 'accepté'}",
        )
