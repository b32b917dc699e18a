"""The receipts journal (P5): payments with act codes and amounts, never care content."""

import io

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user

from cabinet import csvsafe
from cabinet.audit import trace
from cabinet.formatting import euros
from cabinet.htmx import render
from cabinet.patients.forms import SearchForm
from cabinet.patients.services import get_patient_or_404
from cabinet.records import bp, forms, services
from cabinet.security import require


def _payment_form():
    form = forms.PaymentForm()
    form.act.choices = [(str(a.id), f"{a.code} ({euros(a.fee)})") for a in services.active_acts()]
    return form


@bp.route("/recettes/")
@require("payment.record")
def receipts():
    """Receipts of a month with daily totals, per mode and overall. Secretary, practitioners."""
    month_form = forms.MonthForm(request.args)
    first, last = month_form.period()
    rows = list(services.journal(first, last))
    trace(
        current_user,
        "receipt.view",
        target="receipts",
        detail=f"{first:%m/%Y}, {len(rows)} ligne(s)",
    )
    form = _payment_form()
    if request.args.get("patient"):
        form.patient_ref.data = request.args["patient"]
    return render(
        "records/receipts.html",
        rows=rows,
        totals=services.totals(rows),
        first=first,
        form=form,
        month_form=month_form,
        search_form=SearchForm(),
    )


@bp.route("/recettes/paiement", methods=["POST"])
@require("payment.record")
def record_payment():
    """Record a payment (act code, amount, mode). Secretary, practitioners."""
    form = _payment_form()
    if form.validate_on_submit():
        patient = get_patient_or_404(form.patient_ref.data)
        act = services.Act.get_or_none(services.Act.id == int(form.act.data))
        try:
            services.record_payment(
                current_user,
                patient,
                form.received_on.data,
                act,
                form.amount.data,
                form.payment_mode.data,
            )
        except services.RecordRefused as refused:
            flash(str(refused), "error")
        else:
            flash("Paiement enregistré.")
    else:
        flash(
            "Paiement refusé : " + " ".join(e for errors in form.errors.values() for e in errors),
            "error",
        )
    return redirect(url_for("records.receipts"))


@bp.route("/recettes/export.csv")
@require("payment.record")
def export_receipts():
    """The month's journal as CSV for the accountant (traced). Secretary, practitioners."""
    first, last = forms.MonthForm(request.args).period()
    rows = list(services.journal(first, last))
    trace(current_user, "receipt.export", target="receipts", detail=f"{first:%m/%Y}")
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csvsafe.writer(buffer)  # no patient name can run as a formula
    writer.writerow(["date", "patient", "actes", "montant", "mode"])
    for row in rows:
        writer.writerow(
            [
                row.received_on.isoformat(),
                row.patient_name,
                row.act_codes,
                str(row.amount).replace(".", ","),
                row.payment_mode,
            ]
        )
    totals = services.totals(rows)
    writer.writerow(["total", "", "", str(totals["overall"]).replace(".", ","), ""])
    response = current_app.response_class(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="recettes-{first:%Y-%m}.csv"'
    return response
