"""Cotation of a visit and the day's pre-bill: price (explained, with warnings), keep, export,
print, mark paid. Practitioners, for the patients whose record is open to them."""

import datetime

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user

from cabinet import dates
from cabinet.billing import bp, forms, services
from cabinet.billing.pricing import PricingError, euros
from cabinet.htmx import render
from cabinet.records import scope
from cabinet.security import require


@bp.errorhandler(scope.OutsideCareTeam)
def _break_glass_first(outside: scope.OutsideCareTeam):
    return redirect(url_for("records.break_glass", patient_ref=outside.patient.ref))


def _day() -> datetime.date:
    return dates.parse_day(request.args.get("jour")) or datetime.date.today()


@bp.route("/patient/<patient_ref>", methods=["GET", "POST"])
@require("record.write")
def price_visit(patient_ref):
    """Price a visit by the NGAP rules, each step explained; keep it in the pre-bill."""
    patient, _ = scope.get_record_or_404(current_user, patient_ref, traced=False)
    form = forms.VisitForm.for_patient(current_user, patient)
    priced, error = None, None
    if form.validate_on_submit():
        try:
            if request.form.get("save"):
                visit = services.save(current_user, patient, form.visit())
                flash(f"Visite cotée {euros(visit.total)} ajoutée à la pré-facturation.")
                return redirect(url_for("billing.prebill", jour=visit.visit_day.isoformat()))
            priced = services.price(patient, form.visit())
        except (PricingError, scope.RecordRefused) as refused:
            error = str(refused)
    status = 422 if form.is_submitted() and not priced else 200
    return render(
        "billing/price.html", patient=patient, form=form, priced=priced, error=error
    ), status


@bp.route("/jour")
def prebill():
    """The day's pre-bill per patient (an aid, not a care sheet). Practitioners."""
    day = _day()
    return render(
        "billing/prebill.html",
        day=day,
        previous=day - datetime.timedelta(days=1),
        following=day + datetime.timedelta(days=1),
        groups=services.open_day(current_user, day),
        paid_form=forms.PaidForm(),
    )


@bp.route("/jour/export.csv")
def export_prebill():
    """The day's pre-bill as CSV, to re-enter or import in the billing software."""
    day = _day()
    response = current_app.response_class(
        services.export_day(current_user, day), mimetype="text/csv"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="prefacturation-{day}.csv"'
    return response


@bp.route("/jour/impression")
def print_prebill():
    """The printable day sheet of the pre-bill (traced). Practitioners."""
    day = _day()
    groups = services.open_day(current_user, day, "billing.prebill_print")
    return render("billing/day_sheet.html", day=day, groups=groups)


@bp.route("/visite/<visit_ref>/reglee", methods=["POST"])
@require("record.write")
def mark_paid(visit_ref):
    """The visit paid: it joins the receipts journal. Practitioners."""
    visit = services.get_visit_or_404(current_user, visit_ref)
    form = forms.PaidForm()
    if form.validate_on_submit():
        try:
            services.mark_paid(current_user, visit, form.mode.data)
        except scope.RecordRefused as refused:
            flash(str(refused), "error")
        else:
            flash("Règlement inscrit au journal des recettes.")
    return redirect(url_for("billing.prebill", jour=visit.visit_day.isoformat()))
