"""Handovers: mine (made and received), preparing one, the locum's screen and its print."""

import datetime

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from cabinet.handover import bp, forms, services
from cabinet.htmx import render
from cabinet.security import require


@bp.errorhandler(services.HandoverClosed)
def _closed(closed: services.HandoverClosed):
    """The locum before or after the dates: refused (the refusal is traced)."""
    return render("handover/closed.html", message=str(closed), handover=closed.handover), 403


@bp.route("/")
def index():
    """The handovers I made and those I receive, not yet over. Practitioners."""
    today = datetime.date.today()
    return render("handover/index.html", today=today, **services.mine(current_user, today))


@bp.route("/nouvelle", methods=["GET", "POST"])
@require("record.write")
def new():
    """Prepare a handover: a locum, dates, then the patients of the period. Practitioners."""
    form = forms.HandoverForm(services.locums(current_user))
    patients, error = None, None
    if form.validate_on_submit():
        confirming = request.form.get("confirm") == "oui"
        try:
            locum, period = services.check(
                current_user, form.locum.data, form.starts.data, form.ends.data
            )
            patients = form.offer(period, confirming)
            if confirming:
                handover = services.prepare(
                    current_user, locum, form.starts.data, form.ends.data, patients
                )
                flash(f"Passation préparée pour {locum.display_name}.")
                return redirect(url_for("handover.show", handover_ref=handover.ref))
        except services.HandoverRefused as refused:
            error = str(refused)
    status = 200 if request.method == "GET" or (patients is not None and not error) else 422
    return render("handover/new.html", form=form, patients=patients, error=error), status


@bp.route("/<handover_ref>")
def show(handover_ref):
    """The handover on screen: each patient's prescriptions, series, access notes, latest
    transmissions. Its practitioner; the locum during its dates only."""
    handover = services.get_handover_or_404(current_user, handover_ref)
    entries = services.sheet(current_user, handover)
    return render(
        "handover/show.html",
        handover=handover,
        entries=entries,
        today=datetime.date.today(),
    )


@bp.route("/<handover_ref>/fin", methods=["POST"])
@require("record.write")
def end(handover_ref):
    """End the handover now: the locum's access to its files stops at once (or it is
    cancelled if not begun). Its practitioner only."""
    handover = services.get_handover_or_404(current_user, handover_ref)
    if current_user.id != handover.practitioner_id:
        abort(403)
    # Nothing to fill in: CSRFProtect (cabinet/__init__.py) checks every POST's token.
    try:
        ended = services.end_now(current_user, handover)
    except services.HandoverRefused as refused:
        flash(str(refused), "error")
    else:
        if ended.starts > datetime.date.today():
            flash("Passation annulée : elle n'ouvrira aucun dossier.")
        else:
            flash(f"Passation terminée : {ended.locum.display_name} n'a plus accès à ces dossiers.")
    return redirect(url_for("handover.show", handover_ref=handover.ref))


@bp.route("/<handover_ref>/impression")
def print_sheet(handover_ref):
    """The minimal printable handover sheet (A6: printing traced per patient). Same users."""
    handover = services.get_handover_or_404(current_user, handover_ref)
    entries = services.sheet(current_user, handover, "handover.print")
    return render("handover/sheet.html", handover=handover, entries=entries)
