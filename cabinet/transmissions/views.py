"""Transmissions of one patient, my unread ones, writing, correcting, marking read."""

from flask import flash, redirect, request, url_for
from flask_login import current_user

from cabinet.forms import FrenchForm
from cabinet.htmx import render
from cabinet.records import scope
from cabinet.security import require
from cabinet.transmissions import bp, forms, services


@bp.errorhandler(scope.OutsideCareTeam)
def _break_glass_first(outside: scope.OutsideCareTeam):
    """Outside the care team (or a locum outside her dates): a stated reason first."""
    return redirect(url_for("records.break_glass", patient_ref=outside.patient.ref))


def _to_patient(patient):
    return redirect(url_for("transmissions.patient", patient_ref=patient.ref))


@bp.route("/")
def index():
    """My unread transmissions, for the patients of my care team. Practitioners."""
    return render(
        "transmissions/index.html", unread=services.unread(current_user), action_form=FrenchForm()
    )


@bp.route("/patient/<patient_ref>")
def patient(patient_ref):
    """A patient's transmissions, who read them, and the form to write one. Care team."""
    patient, basis = scope.get_record_or_404(current_user, patient_ref, traced=False)
    return render(
        "transmissions/patient.html",
        patient=patient,
        basis=basis,
        transmissions=services.patient_page(current_user, patient),
        form=forms.TransmissionForm(),
        reminder=forms.REMINDER,
        action_form=FrenchForm(),
    )


@bp.route("/patient/<patient_ref>/nouvelle", methods=["POST"])
@require("record.write")
def new(patient_ref):
    """Write a transmission, dated and signed. Practitioners in scope."""
    patient, _ = scope.get_record_or_404(current_user, patient_ref, traced=False)
    form = forms.TransmissionForm()
    if not form.validate_on_submit():
        flash("Transmission refusée : " + " ".join(sum(form.errors.values(), [])), "error")
        return _to_patient(patient)
    try:
        services.write(current_user, patient, form.cleaned())
    except scope.RecordRefused as refused:
        flash(str(refused), "error")
    else:
        flash("Transmission enregistrée : l'équipe de soins la verra comme non lue.")
    return _to_patient(patient)


@bp.route("/<transmission_ref>/corriger", methods=["GET", "POST"])
@require("record.write")
def correct(transmission_ref):
    """Correct my transmission: a new version, the former kept. Its author."""
    transmission = services.get_transmission_or_404(
        current_user, transmission_ref, traced=request.method == "GET"
    )
    form = forms.TransmissionForm(obj=transmission.latest_version())
    error = None
    if form.validate_on_submit():
        try:
            services.correct(current_user, transmission, form.cleaned())
        except scope.RecordRefused as refused:
            error = str(refused)
        else:
            flash("Correction enregistrée (nouvelle version).")
            return _to_patient(transmission.patient)
    return render(
        "transmissions/correct.html",
        transmission=transmission,
        history=services.history(transmission),
        form=form,
        reminder=forms.REMINDER,
        error=error,
    ), 200 if request.method == "GET" else 422


@bp.route("/<transmission_ref>/lue", methods=["POST"])
def mark_read(transmission_ref):
    """Mark a transmission read (my mark, seen by my colleagues). Care team."""
    transmission = services.get_transmission_or_404(current_user, transmission_ref)
    if FrenchForm().validate_on_submit():
        services.mark_read(current_user, transmission)
    back = request.form.get("retour") == "non-lues"
    return redirect(
        url_for("transmissions.index")
        if back
        else url_for("transmissions.patient", patient_ref=transmission.patient.ref)
    )
