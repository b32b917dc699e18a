"""Prescriptions (P3, A1): sessions left, renewals due, the BSI of dependent patients.

A domain above `records` (whose care-team scope opens a prescription) and `appointments`
(whose honoured sessions count against it), so neither of those imports the other."""

from flask import Blueprint, request

from cabinet.audit import trace
from cabinet.db import database
from cabinet.records import scope
from cabinet.security import declare

bp = Blueprint("prescriptions", __name__)
declare(bp, "record.read")

# The photo's own bound, above the application's 2 MiB: set before any hook reads the form
# (CSRF included), which url_value_preprocessors precede.
UPLOAD_LIMIT = 10 * 1024 * 1024
UPLOADS = {"prescriptions.new", "prescriptions.add_photo"}


@bp.url_value_preprocessor
def _upload_limit(endpoint, values):
    if endpoint in UPLOADS:
        request.max_content_length = UPLOAD_LIMIT


from cabinet.prescriptions import models, services, views  # noqa: E402,F401


@bp.app_context_processor
def _labels():
    return {"prescription_kinds": models.KINDS, "bsi_levels": models.BSI_LEVELS}


def patient_panel(patient, user):
    """The prescriptions section of a practitioner's patient page (traced when shown)."""
    bsi, due = services.bsi_of(patient)
    return {
        "prescriptions": services.patient_prescriptions(user, patient, "fiche patient"),
        "bsi": bsi,
        "bsi_due": due,
    }


def agenda_notes(user, cells) -> dict[int, str]:
    """ "séance 7/10" under each appointment of a series proposed from a prescription, for
    the practitioners whose record of that patient is open (traced per patient). `cells`:
    the agenda grid's rows (id, patient_id, patient_ref, prescription_ref)."""
    shown_ids = {cell.id for cell in cells}
    refs = {cell.prescription_ref for cell in cells if cell.prescription_ref}
    notes, shown = {}, {}
    for appointment_id, (rank, prescription) in services.session_numbers(refs).items():
        if appointment_id not in shown_ids:
            continue
        patient = prescription.patient
        if patient.id not in shown:
            shown[patient.id] = scope.access_basis(user, patient) is not None
        if shown[patient.id]:
            notes[appointment_id] = services.session_label(rank, prescription)
    with database.atomic():
        for cell in cells:
            if cell.id in notes and shown.pop(cell.patient_id, False):
                trace(user, "prescription.view", patient=cell.patient_ref, target="agenda")
    return notes
