"""The agenda's settings: appointment types (admin), opening hours and absences."""

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from cabinet.appointments import bp, forms, schedule, services
from cabinet.appointments.models import Absence, AppointmentType, OpeningHours
from cabinet.audit import trace
from cabinet.db import database
from cabinet.forms import FrenchForm
from cabinet.htmx import render
from cabinet.security import require


@bp.route("/types", methods=["GET", "POST"])
@require("settings.manage")
def types():
    """The list of appointment types and durations (X6: no free-text reason). Admin."""
    form = forms.AppointmentTypeForm()
    if form.validate_on_submit():
        name = " ".join(form.name.data.split())
        existing = AppointmentType.get_or_none(AppointmentType.name == name)
        with database.atomic():
            if existing:
                AppointmentType.update(
                    duration_minutes=form.duration_minutes.data,
                    is_home_visit=form.is_home_visit.data,
                    active=form.active.data,
                ).where(AppointmentType.id == existing.id).execute()
            else:
                AppointmentType.create(
                    name=name,
                    duration_minutes=form.duration_minutes.data,
                    is_home_visit=form.is_home_visit.data,
                    active=form.active.data,
                )
            trace(
                current_user,
                "settings.update",
                target="appointment_type",
                detail=f"{name} : {form.duration_minutes.data} min",
            )
        flash("Type de rendez-vous enregistré.")
        return redirect(url_for("appointments.types"))
    status = 200 if request.method == "GET" else 422
    return render(
        "appointments/types.html",
        form=form,
        types=list(AppointmentType.select().order_by(AppointmentType.name)),
    ), status


def _practitioner_choices(form) -> None:
    form.practitioner.choices = [(p.ref, p.display_name) for p in services.practitioners()]


@bp.route("/disponibilites", methods=["GET", "POST"])
def availability():
    """Opening hours and absences of each practitioner. Secretary, practitioners."""
    hours_form, absence_form = forms.OpeningHoursForm(prefix="h"), forms.AbsenceForm(prefix="a")
    _practitioner_choices(hours_form)
    _practitioner_choices(absence_form)
    if request.method == "POST":
        if "h-weekday" in request.form and hours_form.validate():
            practitioner = services.get_practitioner_or_404(hours_form.practitioner.data)
            with database.atomic():
                OpeningHours.create(
                    practitioner=practitioner,
                    weekday=int(hours_form.weekday.data),
                    opens=hours_form.opens.data,
                    closes=hours_form.closes.data,
                )
                trace(current_user, "settings.update", target=f"opening_hours:{practitioner.ref}")
            flash("Horaires enregistrés.")
            return redirect(url_for("appointments.availability"))
        if "a-kind" in request.form and absence_form.validate():
            practitioner = services.get_practitioner_or_404(absence_form.practitioner.data)
            start, _ = schedule.local_day_bounds(absence_form.first_day.data)
            _, end = schedule.local_day_bounds(absence_form.last_day.data)
            with database.atomic():
                Absence.create(
                    practitioner=practitioner,
                    kind=absence_form.kind.data,
                    starts_at=start,
                    ends_at=end,
                )
                trace(current_user, "settings.update", target=f"absence:{practitioner.ref}")
            flash("Absence enregistrée.")
            return redirect(url_for("appointments.availability"))
    status = 200 if request.method == "GET" else 422
    return render(
        "appointments/availability.html",
        hours_form=hours_form,
        absence_form=absence_form,
        practitioners=services.practitioners(),
        action_form=FrenchForm(),
        hours=list(OpeningHours.select().order_by(OpeningHours.weekday, OpeningHours.opens)),
        absences=list(Absence.select().order_by(Absence.starts_at.desc()).limit(50)),
    ), status


@bp.route("/disponibilites/horaires/<int:hours_id>/supprimer", methods=["POST"])
def delete_hours(hours_id):
    """Remove an opening-hours interval. Secretary, practitioners."""
    row = OpeningHours.get_or_none(OpeningHours.id == hours_id)
    if row is None:
        abort(404)
    with database.atomic():
        row.delete_instance()
        trace(current_user, "settings.update", target="opening_hours", detail="suppression")
    flash("Horaires supprimés.")
    return redirect(url_for("appointments.availability"))


@bp.route("/disponibilites/absences/<int:absence_id>/supprimer", methods=["POST"])
def delete_absence(absence_id):
    """Remove an absence. Secretary, practitioners."""
    row = Absence.get_or_none(Absence.id == absence_id)
    if row is None:
        abort(404)
    with database.atomic():
        row.delete_instance()
        trace(current_user, "settings.update", target="absence", detail="suppression")
    flash("Absence supprimée.")
    return redirect(url_for("appointments.availability"))
