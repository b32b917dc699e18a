"""Printable documents of the agenda: the home-visit tour sheet and the confirmation card."""

import datetime

from flask import abort, request
from flask_login import current_user

from cabinet import dates
from cabinet.appointments import bp, services
from cabinet.audit import trace
from cabinet.htmx import render


@bp.route("/tournee")
def tour_sheet():
    """A4 tour sheet of a practitioner's day: time, name, address, phone, access — nothing
    else (A6). Printing it is traced for each patient on it. Same users."""
    everyone = services.practitioners()
    wanted = request.args.get("praticien")
    if wanted:
        practitioner = services.get_practitioner_or_404(wanted)
    else:
        # Mine if I hold an agenda, otherwise (the secretary) the first practitioner's.
        practitioner = next((p for p in everyone if p.id == current_user.id), None)
        practitioner = practitioner or (everyone[0] if everyone else None)
        if practitioner is None:
            abort(404)
    day = dates.parse_day(request.args.get("jour")) or datetime.date.today()
    visits = services.tour(practitioner, day)
    for visit in visits:
        trace(
            current_user,
            "appointment.tour_print",
            patient=visit.patient,
            target=f"appointment:{visit.ref}",
            detail=f"tournée du {day:%d/%m/%Y}",
        )
    return render(
        "appointments/tour_sheet.html",
        practitioner=practitioner,
        day=day,
        visits=visits,
        address=services.visit_address,
        practitioners=services.practitioners(),
    )


@bp.route("/rdv/<appointment_ref>/confirmation")
def confirmation(appointment_ref):
    """Printable confirmation card for the patient, with the short information text. Same users."""
    appointment = services.get_appointment_or_404(appointment_ref)
    trace(
        current_user,
        "appointment.confirmation_print",
        patient=appointment.patient,
        target=f"appointment:{appointment.ref}",
    )
    return render(
        "appointments/confirmation.html",
        appointment=appointment,
        address=services.visit_address(appointment),
    )


@bp.route("/rappels")
def reminders():
    """Tomorrow's (or a given day's) reminders: only patients who accepted them (I7, X5).
    Secretary, practitioners."""
    from cabinet.appointments import schedule

    day = dates.parse_day(request.args.get("jour"))
    day = day or datetime.date.today() + datetime.timedelta(days=1)
    start, end = schedule.local_day_bounds(day)
    booked = [
        a
        for a in services.agenda([p.id for p in services.practitioners()], start, end)
        if a.status == "booked"
    ]
    to_remind = [a for a in booked if not a.patient.objects_to_reminders]
    trace(
        current_user,
        "appointment.reminders",
        target="agenda",
        detail=f"{len(to_remind)} rappel(s) le {day:%d/%m/%Y}",
    )
    return render(
        "appointments/reminders.html",
        day=day,
        to_remind=to_remind,
        excluded=len(booked) - len(to_remind),
    )
