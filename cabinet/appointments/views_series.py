"""Care series: preview every occurrence and its conflicts, then save all at once (P3)."""

import datetime

from flask import flash, redirect, request, url_for
from flask_login import current_user

from cabinet.appointments import bp, forms, schedule, services
from cabinet.appointments.models import AppointmentType
from cabinet.appointments.views import _fill_choices, _picked_patient
from cabinet.htmx import render
from cabinet.patients.forms import SearchForm


@bp.route("/serie/nouvelle", methods=["GET", "POST"])
def new_series():
    """ "10 séances, lundi et jeudi à 18 h": preview, then save atomically. Same users."""
    form = forms.SeriesForm()
    _fill_choices(form)
    if request.method == "GET":
        form.first_date.data = datetime.date.today()
        if request.args.get("patient"):
            form.patient_ref.data = request.args["patient"]
        if request.args.get("praticien"):
            form.practitioner.data = request.args["praticien"]
    patient = _picked_patient(form.patient_ref.data)
    occurrences, refusal, taking_on = [], None, False
    if form.validate_on_submit() and patient is not None:
        practitioner = services.get_practitioner_or_404(form.practitioner.data)
        appointment_type = AppointmentType.get_by_id(int(form.appointment_type.data))
        weekdays = {int(d) for d in form.weekdays.data}
        arguments = (
            practitioner,
            patient,
            appointment_type,
            form.first_date.data,
            weekdays,
            form.time.data,
            form.count.data,
        )
        if form.confirm.data:
            try:
                series = services.create_series(
                    current_user,
                    *arguments,
                    location=form.location.data,
                    access_info=form.access_info.data,
                    note=form.note.data,
                    team_reason=form.team_reason.data or "",
                    team_note=form.team_note.data or "",
                )
            except services.BookingRefused as refused:
                refusal = refused
            else:
                flash(f"Série de {series.count} séances enregistrée.")
                return redirect(
                    url_for(
                        "appointments.index",
                        vue="semaine",
                        praticien=practitioner.ref,
                        jour=form.first_date.data.isoformat(),
                    )
                )
        occurrences = services.preview_series(*arguments)
        taking_on = services.taking_on_needs_reason(current_user, practitioner, patient)
    status = 200 if request.method == "GET" or (occurrences and not refusal) else 422
    return render(
        "appointments/series.html",
        form=form,
        patient=patient,
        occurrences=occurrences,
        refusal=refusal,
        taking_on=taking_on or isinstance(refusal, services.TakingOnNeedsReason),
        search_form=SearchForm(),
        quick_form=forms.QuickPatientForm(),
        describe=schedule.describe,
    ), status
