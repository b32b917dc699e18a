"""Care series: preview every occurrence and its conflicts, then save all at once (P3)."""

from flask import flash, redirect, request, url_for
from flask_login import current_user

from cabinet.appointments import agenda, appointment_types, bp, care_series, forms
from cabinet.appointments.views import booking_form, booking_page


def _plan(form, patient) -> tuple:
    """Who, for whom, which type, and when: the arguments of `rules.preview_series`."""
    return (
        agenda.get_practitioner_or_404(form.practitioner.data),
        patient,
        appointment_types.get_or_404(form.appointment_type.data),
        *form.rhythm(),
    )


@bp.route("/serie/nouvelle", methods=["GET", "POST"])
def new_series():
    """ "10 séances, lundi et jeudi à 18 h": preview, then save atomically. Same users."""
    form = booking_form(forms.SeriesForm)
    patient = agenda.picked_patient(form.patient_ref.data)
    outcome = care_series.SeriesOutcome()
    if form.validate_on_submit() and patient is not None:
        outcome = care_series.preview_or_save(
            current_user, _plan(form, patient), form.confirm.data, **form.details()
        )
    if outcome.series:
        flash(f"Série de {outcome.series.count} séances enregistrée.")
        week = {"vue": "semaine", "jour": outcome.series.first_date.isoformat()}
        return redirect(url_for("appointments.index", praticien=form.practitioner.data, **week))
    shown = request.method == "GET" or (outcome.occurrences and not outcome.refusal)
    return booking_page(
        "appointments/series.html",
        status=200 if shown else 422,
        form=form,
        patient=patient,
        occurrences=outcome.occurrences,
        refusal=outcome.refusal,
        taking_on=outcome.taking_on,
    )
