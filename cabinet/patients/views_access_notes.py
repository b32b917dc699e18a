"""A patient's access notes for a home visit: read on the patient page, the round and the
tour sheet; kept here by the secretary and the care team."""

from flask import flash, redirect, request, url_for
from flask_login import current_user

from cabinet.htmx import render
from cabinet.patients import access_notes, bp
from cabinet.patients.forms import AccessNoteForm
from cabinet.patients.services import PatientRestricted
from cabinet.security import require


@bp.route("/<patient_ref>/acces-domicile", methods=["GET", "POST"])
@require("access_note.write")
def access_note(patient_ref):
    """Edit the access notes (door code, key box, floor, parking, animal, whom to call).
    Secretary; practitioners of the care team."""
    patient = access_notes.get_editable_or_404(current_user, patient_ref)
    note = (
        access_notes.read(current_user, patient, "modification")
        if request.method == "GET"
        else None
    )
    form = AccessNoteForm(obj=note)
    if form.validate_on_submit():
        try:
            access_notes.save(current_user, patient, form.cleaned())
        except (access_notes.AccessNoteRefused, PatientRestricted) as refused:
            flash(str(refused), "error")
        else:
            flash("Notes d'accès enregistrées.")
        return redirect(url_for("patients.show", patient_ref=patient.ref))
    status = 200 if request.method == "GET" else 422
    return render(
        "patients/access_note.html", form=form, patient=patient, reminder=access_notes.REMINDER
    ), status
