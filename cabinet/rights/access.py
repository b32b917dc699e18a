"""Copies of the file for the right of access and portability (I3, P6).

The administrative part (identity, contact, rectifications, appointments, payments, the
report of accesses) is answered by the data controller at once. The medical part is only
ever released by a practitioner, from a registered medical-record request, once its legal
delay has passed (art. L1111-7 CSP), within the care team or under break-glass (A1, A2).
"""

import io
import json
import secrets

import pyzipper

from cabinet.audit import services as audit_services
from cabinet.audit import trace
from cabinet.audit.actions import label
from cabinet.audit.models import Trace
from cabinet.db import utcnow
from cabinet.patients.models import Patient
from cabinet.patients.services import open_patient
from cabinet.records.models import Receipt
from cabinet.records.scope import access_basis
from cabinet.retention import documents
from cabinet.rights.deadlines import too_early, urgency
from cabinet.rights.models import RightsRequest
from cabinet.rights.services import RightsRefused, erasure_refusal, linked_patient, today
from cabinet.security import has_permission

EXPORT_SCHEMA_VERSION = 2
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
    "prescription",
    "prescription_photo",
    "nursing_assessment",
    "priced_visit",
    "transmission",
    "transmission_version",
    "transmission_read",
)


def whole_file(patient: Patient, part: str) -> dict:
    """What the practice holds about the patient — the administrative part, or the complete
    file with the medical part — plus the report of accesses."""
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
        for r in Receipt.of_patient(patient).order_by(Receipt.received_on)
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
    if request.kind != "medical_access":
        return None, "Seule une demande d'accès au dossier médical ouvre la partie médicale."
    if request.status != "open":
        return None, "Cette demande est close : enregistrez une nouvelle demande."
    patient = linked_patient(request)
    if patient is None:
        return None, "Aucun dossier de la base active n'est rattaché à cette demande."
    if not request.identity_checked:
        return patient, "Vérifiez d'abord l'identité du demandeur."
    refusal = too_early(request.earliest_on, today())
    if refusal:
        return patient, refusal
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


def request_page(user, request: RightsRequest) -> dict:
    """One request's page: its file (the reading traced), the answers this profile may give
    now or why not, the copies already handed over."""
    patient = linked_patient(request)
    if patient is not None:
        open_patient(patient.ref, user)
    refusal = None
    if request.kind == "medical_access" and has_permission(user, "rights.release"):
        _, refusal = release_refusal(user, request)
    return {
        "patient": patient,
        "refusal": erasure_refusal(patient) if patient else None,
        "release_refusal": refusal,
        "break_glass": refusal == NOT_IN_CARE_TEAM,
        "releases": list(releases(request)),
        "urgency": urgency(request.due_on, today()),
    }
