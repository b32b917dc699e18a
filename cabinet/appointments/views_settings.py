"""The agenda's settings: appointment types (admin), opening hours and absences."""

from flask import flash, redirect, request, url_for
from flask_login import current_user

from cabinet.appointments import agenda, appointment_types, bp, forms
from cabinet.appointments import availability as hours_and_absences  # a view has its name
from cabinet.forms import FrenchForm
from cabinet.htmx import render
from cabinet.security import require


def _settings_page(template: str, **context):
    """A settings page with its forms: after a POST, one was refused (a saved one redirects)."""
    return render(template, status=200 if request.method == "GET" else 422, **context)


@bp.route("/types", methods=["GET", "POST"])
@require("settings.manage")
def types():
    """The list of appointment types and durations (X6: no free-text reason). Admin."""
    form = forms.AppointmentTypeForm()
    if form.validate_on_submit():
        appointment_types.save(
            current_user,
            form.name.data,
            form.duration_minutes.data,
            form.is_home_visit.data,
            form.active.data,
        )
        flash("Type de rendez-vous enregistré.")
        return redirect(url_for("appointments.types"))
    return _settings_page(
        "appointments/types.html", form=form, types=list(appointment_types.every())
    )


def _saved(form, add) -> bool:
    """Whether this form of the page was posted, valid and saved; an overlap with a recorded
    interval becomes the form's error (nothing saved)."""
    if not (form.is_posted() and form.validate()):
        return False
    try:
        add(current_user, **form.values())
    except hours_and_absences.Overlap as overlap:
        form.form_errors.append(str(overlap))
        return False
    return True


@bp.route("/disponibilites", methods=["GET", "POST"])
def availability():
    """Opening hours and absences of each practitioner. Secretary, practitioners."""
    hours_form, absence_form = forms.OpeningHoursForm(prefix="h"), forms.AbsenceForm(prefix="a")
    holders = agenda.practitioners()
    for form in (hours_form, absence_form):
        form.offer(holders)
    if _saved(hours_form, hours_and_absences.add_opening_hours):
        flash("Horaires enregistrés.")
        return redirect(url_for("appointments.availability"))
    if _saved(absence_form, hours_and_absences.add_absence):
        flash("Absence enregistrée.")
        return redirect(url_for("appointments.availability"))
    return _settings_page(
        "appointments/availability.html",
        hours_form=hours_form,
        absence_form=absence_form,
        action_form=FrenchForm(),
        **hours_and_absences.listing(),
    )


@bp.route("/disponibilites/horaires/<int:hours_id>/supprimer", methods=["POST"])
def delete_hours(hours_id):
    """Remove an opening-hours interval. Secretary, practitioners."""
    hours_and_absences.delete_opening_hours(hours_id, current_user)
    flash("Horaires supprimés.")
    return redirect(url_for("appointments.availability"))


@bp.route("/disponibilites/absences/<int:absence_id>/supprimer", methods=["POST"])
def delete_absence(absence_id):
    """Remove an absence. Secretary, practitioners."""
    hours_and_absences.delete_absence(absence_id, current_user)
    flash("Absence supprimée.")
    return redirect(url_for("appointments.availability"))
