"""The home-visit round: the day's visits in the order the practitioner sets (big up/down
buttons, keyboard reachable, no script needed), access notes and a `geo:` link per stop, and
the kilometres of the day."""

import datetime

from flask import flash, redirect, request, url_for
from flask_login import current_user

from cabinet import dates
from cabinet.appointments import agenda, bp, rounds
from cabinet.appointments.forms_round import KilometresForm, MoveForm
from cabinet.forms import FrenchForm
from cabinet.htmx import render
from cabinet.patients import access_notes


def _back(form, **extra):
    return redirect(
        url_for(
            "appointments.round_order",
            praticien=form.praticien.data,
            jour=form.jour.data.isoformat() if form.jour.data else None,
            **extra,
        )
    )


@bp.route("/tournee/ordre")
def round_order():
    """The day's home visits in the round's order, to reorder; access notes and a map link
    per stop (reading traced per patient). Secretary, practitioners."""
    day = dates.parse_day(request.args.get("jour")) or datetime.date.today()
    practitioner, visits = rounds.open_round(current_user, request.args.get("praticien"), day)
    km = rounds.day_kilometres(practitioner, day)
    return render(
        "appointments/round.html",
        "appointments/_round.html",
        practitioner=practitioner,
        day=day,
        previous=day - datetime.timedelta(days=1),
        following=day + datetime.timedelta(days=1),
        visits=visits,
        notes=access_notes.read_many(current_user, [v.patient for v in visits], "tournée"),
        note_lines=access_notes.lines,
        address=agenda.visit_address,
        geo=rounds.geo_uri,
        practitioners=agenda.practitioners(),
        is_ordered=rounds.is_ordered(practitioner, day),
        moved=request.args.get("deplace", ""),
        direction=request.args.get("sens", ""),
        km_form=KilometresForm(praticien=practitioner.ref, jour=day, km=km, formdata=None),
        action_form=FrenchForm(),
    )


@bp.route("/tournee/deplacer", methods=["POST"])
def round_move():
    """Move one visit up or down the round (saved, traced). Secretary, practitioners."""
    form = MoveForm()
    if not form.validate_on_submit():
        flash("Déplacement refusé : visite ou jour invalide.", "error")
        return redirect(url_for("appointments.round_order"))
    practitioner = agenda.get_practitioner_or_404(form.praticien.data)
    try:
        rounds.move(current_user, practitioner, form.jour.data, form.rdv.data, form.step)
    except rounds.RoundRefused as refused:
        flash(str(refused), "error")
        return _back(form)
    return _back(form, deplace=form.rdv.data, sens=form.sens.data)


@bp.route("/tournee/kilometres", methods=["POST"])
def round_kilometres():
    """Record the kilometres of the day's round (traced). Secretary, practitioners."""
    form = KilometresForm()
    if not form.validate_on_submit():
        flash("Kilomètres refusés : " + " ".join(sum(form.errors.values(), [])), "error")
        return _back(form) if form.jour.data else redirect(url_for("appointments.round_order"))
    practitioner = agenda.get_practitioner_or_404(form.praticien.data)
    try:
        rounds.set_kilometres(current_user, practitioner, form.jour.data, form.km.data)
    except rounds.RoundRefused as refused:
        flash(str(refused), "error")
    else:
        flash("Kilomètres de la tournée enregistrés.")
    return _back(form)
