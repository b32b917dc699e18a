"""Prescriptions: record one (with its photo), read it, propose its care series, renewals
and the BSI. Practitioners in the care team; the secretary's renewal calls list apart."""

import datetime

from flask import current_app, flash, redirect, url_for
from flask_login import current_user

from cabinet.htmx import render
from cabinet.prescriptions import bp, forms, services
from cabinet.records import scope
from cabinet.security import require


@bp.errorhandler(scope.OutsideCareTeam)
def _break_glass_first(outside: scope.OutsideCareTeam):
    """Outside the care team, a reason is stated first (the record's break-glass page)."""
    return redirect(url_for("records.break_glass", patient_ref=outside.patient.ref))


def _to_prescription(prescription):
    return redirect(url_for("prescriptions.show", prescription_ref=prescription.ref))


@bp.route("/patient/<patient_ref>/nouvelle", methods=["GET", "POST"])
@require("record.write")
def new(patient_ref):
    """Record a prescription from the paper one, its photo optional. Practitioners in scope."""
    patient, _ = scope.get_record_or_404(current_user, patient_ref, traced=False)
    form = forms.PrescriptionForm()
    error = None
    if form.validate_on_submit():
        try:
            prescription = services.create(current_user, patient, form.fields(), form.raw_photo())
        except scope.RecordRefused as refused:
            error = str(refused)
        else:
            flash("Ordonnance enregistrée.")
            return _to_prescription(prescription)
    status = 200 if not form.is_submitted() else 422
    return render("prescriptions/new.html", patient=patient, form=form, error=error), status


@bp.route("/<prescription_ref>")
def show(prescription_ref):
    """A prescription, its sessions done and left, its photo. Practitioners in scope."""
    prescription = services.get_prescription_or_404(current_user, prescription_ref)
    return render(
        "prescriptions/show.html",
        prescription=prescription,
        progress=services.progress(prescription),
        has_photo=services.has_photo(prescription),
        photo_form=forms.PhotoForm(),
    )


@bp.route("/<prescription_ref>/photo", methods=["POST"])
@require("record.write")
def add_photo(prescription_ref):
    """Add or replace the photo of the paper prescription. Practitioners in scope."""
    prescription = services.get_prescription_or_404(current_user, prescription_ref, traced=False)
    form = forms.PhotoForm()
    raw = form.raw_photo() if form.validate_on_submit() else None
    if raw is None:
        flash("Choisissez une photo.", "error")
        return _to_prescription(prescription)
    try:
        services.add_photo(current_user, prescription, raw)
    except scope.RecordRefused as refused:
        flash(str(refused), "error")
    else:
        flash("Photo enregistrée.")
    return _to_prescription(prescription)


@bp.route("/<prescription_ref>/photo.jpg")
def photo(prescription_ref):
    """The photo of the paper prescription (traced). Practitioners in scope."""
    prescription = services.get_prescription_or_404(current_user, prescription_ref, traced=False)
    data = services.photo_of(current_user, prescription)
    if data is None:
        return redirect(url_for("prescriptions.show", prescription_ref=prescription.ref))
    return current_app.response_class(data, mimetype="image/jpeg")


@bp.route("/<prescription_ref>/serie")
def propose_series(prescription_ref):
    """The agenda's series page, filled with the sessions left. Practitioners in scope."""
    prescription = services.get_prescription_or_404(current_user, prescription_ref, traced=False)
    plan = services.series_plan(prescription, datetime.date.today())
    return redirect(url_for("appointments.new_series", praticien=current_user.ref, **plan))


@bp.route("/a-renouveler")
def renewals():
    """My patients' prescriptions to renew, and the BSI due. Practitioners."""
    today = datetime.date.today()
    return render(
        "prescriptions/renewals.html",
        items=services.renewals(current_user, today),
        bsi=services.bsi_due(current_user, today),
        today=today,
    )


@bp.route("/a-renouveler/appels")
@require("prescription.renewals")
def renewal_calls():
    """Prescriptions to renew: patient, prescriber, date only (A1). Secretary, practitioners."""
    calls = services.renewal_calls(current_user, datetime.date.today())
    return render("prescriptions/renewal_calls.html", calls=calls)


@bp.route("/patient/<patient_ref>/bsi", methods=["GET", "POST"])
@require("record.write")
def record_bsi(patient_ref):
    """Note a BSI (bilan de soins infirmiers) and its dependency level. Practitioners."""
    patient, _ = scope.get_record_or_404(current_user, patient_ref, traced=False)
    form = forms.AssessmentForm()
    if form.validate_on_submit():
        try:
            services.record_bsi(current_user, patient, form.done_on.data, form.level.data)
        except scope.RecordRefused as refused:
            flash(str(refused), "error")
        else:
            flash("BSI enregistré.")
            return redirect(url_for("patients.show", patient_ref=patient.ref))
    status = 200 if not form.is_submitted() else 422
    return render("prescriptions/bsi.html", patient=patient, form=form), status
