"""Printable documents of the agenda: the home-visit tour sheet and the confirmation card."""

import datetime

from flask import request
from flask_login import current_user

from cabinet import dates
from cabinet.appointments import agenda, bp, rounds
from cabinet.htmx import render
from cabinet.patients import access_notes


@bp.route("/tournee")
def tour_sheet():
    """A4 tour sheet of a practitioner's day in the round's order: time, name, address, phone,
    access notes — nothing else (A6). Printing it is traced for each patient on it. Same
    users."""
    day = dates.parse_day(request.args.get("jour")) or datetime.date.today()
    practitioner, visits = rounds.tour_sheet(current_user, request.args.get("praticien"), day)
    return render(
        "appointments/tour_sheet.html",
        practitioner=practitioner,
        day=day,
        visits=visits,
        notes=access_notes.read_many(
            current_user, [v.patient for v in visits], "feuille de tournée"
        ),
        note_lines=access_notes.lines,
        km=rounds.day_kilometres(practitioner, day),
        address=agenda.visit_address,
        practitioners=agenda.practitioners(),
    )


@bp.route("/rdv/<appointment_ref>/confirmation")
def confirmation(appointment_ref):
    """Printable confirmation card for the patient, with the short information text. Same users."""
    appointment = agenda.open_appointment(
        appointment_ref, current_user, "appointment.confirmation_print"
    )
    return render(
        "appointments/confirmation.html",
        appointment=appointment,
        address=agenda.visit_address(appointment),
    )


@bp.route("/rappels")
def reminders():
    """Tomorrow's (or a given day's) reminders: only patients who accepted them (I7, X5).
    Secretary, practitioners."""
    day = dates.parse_day(request.args.get("jour"))
    day = day or datetime.date.today() + datetime.timedelta(days=1)
    to_remind, excluded = agenda.reminders(current_user, day)
    return render("appointments/reminders.html", day=day, to_remind=to_remind, excluded=excluded)
