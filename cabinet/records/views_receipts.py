"""The receipts journal (P5): payments with act codes and amounts, never care content."""

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user

from cabinet.htmx import render
from cabinet.patients.forms import SearchForm
from cabinet.patients.services import get_patient_or_404
from cabinet.records import billing, bp, forms, scope
from cabinet.security import require


@bp.route("/recettes/")
@require("payment.record")
def receipts():
    """Receipts of a month with daily totals, per mode and overall. Secretary, practitioners."""
    month_form = forms.MonthForm(request.args)
    first, last = month_form.period()
    rows = billing.open_journal(current_user, first, last)
    form = forms.PaymentForm(billing.active_acts(), patient_ref=request.args.get("patient") or None)
    return render(
        "records/receipts.html",
        rows=rows,
        totals=billing.totals(rows),
        first=first,
        form=form,
        month_form=month_form,
        search_form=SearchForm(),
    )


@bp.route("/recettes/paiement", methods=["POST"])
@require("payment.record")
def record_payment():
    """Record a payment (act code, amount, mode). Secretary, practitioners."""
    form = forms.PaymentForm(billing.active_acts())
    if not form.validate_on_submit():
        flash("Paiement refusé : " + forms.errors_of(form), "error")
        return redirect(url_for("records.receipts"))
    patient = get_patient_or_404(form.patient_ref.data)
    try:
        billing.record_payment(current_user, patient, **form.cleaned())
    except scope.RecordRefused as refused:
        flash(str(refused), "error")
    else:
        flash("Paiement enregistré.")
    return redirect(url_for("records.receipts"))


@bp.route("/recettes/export.csv")
@require("payment.record")
def export_receipts():
    """The month's journal as CSV for the accountant (traced). Secretary, practitioners."""
    first, last = forms.MonthForm(request.args).period()
    body = billing.export_journal(current_user, first, last)
    response = current_app.response_class(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="recettes-{first:%Y-%m}.csv"'
    return response
