"""Patients' rights (I3–I8): requests and deadlines, the encrypted access export, erasure
where the law allows it, restriction, objection."""

import datetime
import io
import json
import secrets

import pyzipper

from cabinet.audit import services as audit_services
from cabinet.audit import trace
from cabinet.audit.actions import label
from cabinet.audit.models import Trace
from cabinet.db import database, utcnow
from cabinet.patients.models import Patient
from cabinet.retention import documents
from cabinet.rights.deadlines import deadlines, urgency
from cabinet.rights.models import KINDS, RightsRequest

EXPORT_SCHEMA_VERSION = 2


class RightsRefused(Exception):
    """A French message: why the request cannot be carried out as asked."""


# Register of requests (I8) ---------------------------------------------------------------


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
        too_early = _too_early(request, _today())
        if too_early:
            raise RightsRefused(too_early)
    if not request.identity_checked:
        raise RightsRefused("Vérifiez d'abord l'identité du demandeur.")
    with database.atomic():
        RightsRequest.update(status=status, answer=answer[:2000], answered_on=_today()).where(
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


def _today() -> datetime.date:
    return datetime.date.today()


def _too_early(request: RightsRequest, day: datetime.date) -> str | None:
    if request.earliest_on and day < request.earliest_on:
        return (
            "Le dossier médical ne peut être communiqué qu'après un délai de "
            f"48 heures, soit à partir du {request.earliest_on:%d/%m/%Y}."
        )
    return None


def pending(today: datetime.date):
    """Open requests with their urgency, the most urgent first (home page)."""
    rows = (
        RightsRequest.select().where(RightsRequest.status == "open").order_by(RightsRequest.due_on)
    )
    return [(row, urgency(row.due_on, today)) for row in rows]


def for_patient(patient: Patient):
    """The patient's requests, the open ones first (patient page)."""
    return (
        RightsRequest.select()
        .where(RightsRequest.patient_ref == patient.ref)
        .order_by(RightsRequest.status.desc(), RightsRequest.received_on.desc())
    )


# Access and portability (I3, P6) -----------------------------------------------------------
#
# The administrative part (identity, contact, rectifications, appointments, payments, the
# report of accesses) is answered by the data controller at once. The medical part is only
# ever released by a practitioner, from a registered medical-record request, once its legal
# delay has passed (art. L1111-7 CSP), within the care team or under break-glass (A1, A2).

ADMINISTRATIVE = "administrative"
COMPLETE = "complete"
# How a copy is described in its trace (the journal and the patient's access report).
PART_DETAIL = {
    ADMINISTRATIVE: "partie administrative",
    COMPLETE: "dossier complet, partie médicale comprise",
}
NOT_IN_CARE_TEAM = (
    "Vous ne suivez pas ce patient : seul un praticien de son équipe de soins, ou un "
    "accès exceptionnel motivé, peut communiquer son dossier médical."
)
MEDICAL_TABLES = (
    "record_item",
    "record_item_version",
    "lifestyle_consent",
    "care_session",
    "session_act",
    "care_sheet",
    "care_assignment",
)


def whole_file(patient: Patient, part: str) -> dict:
    """What the practice holds about the patient — the administrative part, or the complete
    file with the medical part — plus the report of accesses."""
    from cabinet.records.models import Receipt

    if part not in (ADMINISTRATIVE, COMPLETE):
        raise ValueError(part)
    document = documents.dump_many([patient.id])[patient.id]
    if part == ADMINISTRATIVE:
        for name in MEDICAL_TABLES:
            del document[name]
    document["receipt"] = [
        {
            "received_on": r.received_on.isoformat(),
            "act_codes": r.act_codes,
            "amount": str(r.amount),
            "payment_mode": r.payment_mode,
        }
        for r in Receipt.select().where(Receipt.patient == patient.id).order_by(Receipt.received_on)
    ]
    document["access_report"] = [
        {
            "at": t.at.isoformat(timespec="seconds") + "Z",
            "who": t.actor_name,
            "role": t.role,
            "what": label(t.action),
        }
        for t in audit_services.patient_accesses(patient.ref, None, None)
    ]
    return {
        "schema": "cabinet-export",
        "version": EXPORT_SCHEMA_VERSION,
        "part": part,
        "generated_at": utcnow().isoformat(timespec="seconds") + "Z",
        "patient_ref": patient.ref,
        "file": document,
    }


def new_password() -> str:
    """Five groups of four characters: 99 bits, easy to dictate on the phone."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(20))
    return "-".join(raw[i : i + 4] for i in range(0, 20, 4))


def _zip(document: dict, password: str) -> bytes:
    body = json.dumps(document, ensure_ascii=False, indent=2).encode()
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(
        buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as archive:
        archive.setpassword(password.encode())
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        archive.writestr("dossier.json", body)
        archive.writestr(
            "LISEZMOI.txt",
            "Export de votre dossier (format JSON). "
            "Schéma : voir la documentation du logiciel (export-schema.json).\n",
        )
    return buffer.getvalue()


def print_administrative(actor, patient: Patient) -> dict:
    """The administrative part, printable at once (no care content); traced."""
    trace(
        actor,
        "rights.access_print",
        patient=patient,
        target="patient",
        detail=PART_DETAIL[ADMINISTRATIVE],
    )
    return whole_file(patient, ADMINISTRATIVE)


def export_administrative(actor, patient: Patient, password: str) -> bytes:
    """The administrative part as JSON inside an AES-256 encrypted ZIP (P6); traced."""
    data = _zip(whole_file(patient, ADMINISTRATIVE), password)
    trace(
        actor,
        "rights.access_export",
        patient=patient,
        target="patient",
        detail=f"{PART_DETAIL[ADMINISTRATIVE]}, archive chiffrée AES-256",
    )
    return data


def release_refusal(user, request: RightsRequest) -> tuple[Patient | None, str | None]:
    """(patient, None) when this practitioner may release the medical part of this request
    now, else (patient or None, the French reason)."""
    from cabinet.records.services import access_basis

    if request.kind != "medical_access":
        return None, "Seule une demande d'accès au dossier médical ouvre la partie médicale."
    if request.status != "open":
        return None, "Cette demande est close : enregistrez une nouvelle demande."
    patient = (
        Patient.get_or_none(Patient.ref == request.patient_ref) if request.patient_ref else None
    )
    if patient is None:
        return None, "Aucun dossier de la base active n'est rattaché à cette demande."
    if not request.identity_checked:
        return patient, "Vérifiez d'abord l'identité du demandeur."
    too_early = _too_early(request, _today())
    if too_early:
        return patient, too_early
    if access_basis(user, patient) is None:
        return patient, NOT_IN_CARE_TEAM
    return patient, None


def check_release(actor, request: RightsRequest) -> Patient:
    """The patient, or RightsRefused when the release is not allowed now: the refusal is
    traced, nothing else is written. Called again by every step that hands data over."""
    patient, refusal = release_refusal(actor, request)
    if refusal:
        trace(
            actor,
            "rights.release_refused",
            patient=patient or request.patient_ref or None,
            target=f"rights_request:{request.ref}",
            detail=refusal[:120],
            outcome="refused",
        )
        raise RightsRefused(refusal)
    return patient


def print_release(actor, request: RightsRequest) -> tuple[Patient, dict]:
    """The complete file, printed from the request by a practitioner; traced."""
    patient = check_release(actor, request)
    trace(
        actor,
        "rights.access_print",
        patient=patient,
        target=f"rights_request:{request.ref}",
        detail=PART_DETAIL[COMPLETE],
    )
    return patient, whole_file(patient, COMPLETE)


def export_release(actor, request: RightsRequest, password: str) -> bytes:
    """The complete file in an AES-256 ZIP, from the request; checked again here, whatever
    led to the download, and traced."""
    patient = check_release(actor, request)
    data = _zip(whole_file(patient, COMPLETE), password)
    trace(
        actor,
        "rights.access_export",
        patient=patient,
        target=f"rights_request:{request.ref}",
        detail=f"{PART_DETAIL[COMPLETE]}, archive chiffrée AES-256",
    )
    return data


def releases(request: RightsRequest):
    """Prints and exports made from this request (who, when), oldest first."""
    return (
        Trace.select()
        .where(
            Trace.action.in_(["rights.access_print", "rights.access_export"])
            & (Trace.target == f"rights_request:{request.ref}")
            & (Trace.outcome == "ok")
        )
        .order_by(Trace.seq)
    )


# Erasure (I5) -----------------------------------------------------------------------------


def erasure_refusal(patient: Patient) -> str | None:
    """Why the file cannot be erased, or None when it can (never cared for)."""
    from cabinet.appointments.models import Appointment
    from cabinet.records.models import CareSession, CareSheet, Receipt, RecordItem

    if patient.restricted_at is not None:
        return "Le dossier est gelé (limitation en cours)."
    cared = (
        CareSession.select().where(CareSession.patient == patient.id).exists()
        or RecordItem.select().where(RecordItem.patient == patient.id).exists()
        or CareSheet.select().where(CareSheet.patient == patient.id).exists()
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
    if Receipt.select().where(Receipt.patient == patient.id).exists():
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
    from cabinet.records.models import LifestyleConsent, RecordItem

    with database.atomic():
        removed = 0
        for item in RecordItem.select().where(
            (RecordItem.patient == patient.id) & (RecordItem.kind == "lifestyle")
        ):
            item.delete_instance(recursive=True)
            removed += 1
        LifestyleConsent.delete().where(LifestyleConsent.patient == patient.id).execute()
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
