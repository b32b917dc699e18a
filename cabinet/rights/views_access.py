"""Copies of the file for the right of access (I3, P6): the administrative part, answered by
the admin at once, and the complete file, released by a practitioner from a medical-record
request after its legal delay (art. L1111-7 CSP) — whatever the button or the URL."""

from flask import abort, current_app, flash, redirect, render_template, session, url_for
from flask_login import current_user

from cabinet.forms import FrenchForm
from cabinet.patients.services import get_patient_or_404
from cabinet.retention.documents import labels
from cabinet.rights import access, bp, services
from cabinet.security import require

EXPIRED = "Export expiré : préparez-le de nouveau."


def _zip_response(data: bytes):
    response = current_app.response_class(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = 'attachment; filename="dossier-patient.zip"'
    return response


def _pending(key: str, ref_field: str, ref: str, back: str, take: bool = False) -> dict:
    """The export prepared in this session for `ref` (taken out when `take`: a download
    happens once); otherwise the request ends on the "expired" message, sent to `back`."""
    pending = session.pop(key, None) if take else session.get(key)
    if not pending or pending[ref_field] != ref:
        flash(EXPIRED, "error")
        abort(redirect(back))
    return pending


def _ready(patient, part: str, key: str, pending: dict, download_url: str):
    """The export's page: its password the first time it is shown, then only the download."""
    shown = pending.get("shown", False)
    session[key] = {**pending, "shown": True}
    return render_template(
        "rights/export_ready.html",
        patient=patient,
        part=part,
        password=None if shown else pending["password"],
        download_url=download_url,
    )


# The administrative part (admin, at once) -------------------------------------------------


@bp.route("/patients/<patient_ref>/dossier")
@require("rights.answer")
def print_file(patient_ref):
    """The administrative part of the file, printable for the patient (no care content). Admin."""
    patient = get_patient_or_404(patient_ref)
    whole = access.print_administrative(current_user, patient)
    return render_template("rights/whole_file.html", patient=patient, whole=whole, labels=labels())


@bp.route("/patients/<patient_ref>/export", methods=["POST"])
@require("rights.answer")
def export(patient_ref):
    """Prepare the encrypted export of the administrative part; its password is shown once.
    Admin."""
    patient = get_patient_or_404(patient_ref)
    if FrenchForm().validate_on_submit():
        session["pending_export"] = {"patient_ref": patient.ref, "password": access.new_password()}
        return redirect(url_for("rights.export_ready", patient_ref=patient.ref))
    return redirect(url_for("patients.show", patient_ref=patient.ref))


@bp.route("/patients/<patient_ref>/export/pret")
@require("rights.answer")
def export_ready(patient_ref):
    """The password, shown once, and the download. Admin."""
    pending = _pending("pending_export", "patient_ref", patient_ref, url_for("rights.index"))
    patient = get_patient_or_404(patient_ref)
    download_url = url_for("rights.download", patient_ref=patient.ref)
    return _ready(patient, access.ADMINISTRATIVE, "pending_export", pending, download_url)


@bp.route("/patients/<patient_ref>/export/dossier.zip")
@require("rights.answer")
def download(patient_ref):
    """The administrative part in an AES-256 encrypted ZIP (downloaded once). Admin."""
    back = url_for("rights.index")
    pending = _pending("pending_export", "patient_ref", patient_ref, back, take=True)
    patient = get_patient_or_404(patient_ref)
    return _zip_response(access.export_administrative(current_user, patient, pending["password"]))


# The complete file, from a medical-record request (practitioners) --------------------------


def _refused(refused: services.RightsRefused, request_ref: str):
    flash(str(refused), "error")
    return redirect(url_for("rights.show", request_ref=request_ref))


@bp.route("/demande/<request_ref>/dossier")
@require("rights.release")
def release_print(request_ref):
    """The complete file, printed from a medical-record request once its delay has passed.
    Practitioners of the patient's care team (or under break-glass)."""
    row = services.get_request_or_404(request_ref)
    try:
        patient, whole = access.print_release(current_user, row)
    except services.RightsRefused as refused:
        return _refused(refused, row.ref)
    return render_template("rights/whole_file.html", patient=patient, whole=whole, labels=labels())


@bp.route("/demande/<request_ref>/export", methods=["POST"])
@require("rights.release")
def release_export(request_ref):
    """Prepare the encrypted export of the complete file (refused before the delay).
    Practitioners of the patient's care team (or under break-glass)."""
    row = services.get_request_or_404(request_ref)
    if not FrenchForm().validate_on_submit():
        return redirect(url_for("rights.show", request_ref=row.ref))
    try:
        access.check_release(current_user, row)
    except services.RightsRefused as refused:
        return _refused(refused, row.ref)
    session["pending_release"] = {"request_ref": row.ref, "password": access.new_password()}
    return redirect(url_for("rights.release_ready", request_ref=row.ref))


@bp.route("/demande/<request_ref>/export/pret")
@require("rights.release")
def release_ready(request_ref):
    """The password, shown once, and the download. Practitioners."""
    row = services.get_request_or_404(request_ref)
    back = url_for("rights.show", request_ref=row.ref)
    pending = _pending("pending_release", "request_ref", row.ref, back)
    patient = get_patient_or_404(row.patient_ref)
    download_url = url_for("rights.release_download", request_ref=row.ref)
    return _ready(patient, access.COMPLETE, "pending_release", pending, download_url)


@bp.route("/demande/<request_ref>/export/dossier.zip")
@require("rights.release")
def release_download(request_ref):
    """The complete file in an AES-256 encrypted ZIP (downloaded once; the delay and the care
    team are checked again here). Practitioners."""
    row = services.get_request_or_404(request_ref)
    back = url_for("rights.show", request_ref=row.ref)
    pending = _pending("pending_release", "request_ref", row.ref, back, take=True)
    try:
        data = access.export_release(current_user, row, pending["password"])
    except services.RightsRefused as refused:
        return _refused(refused, row.ref)
    return _zip_response(data)
