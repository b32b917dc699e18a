"""The nomenclature and tariffs in force, and a new version when an avenant comes (admin)."""

from flask import flash, redirect, url_for
from flask_login import current_user

from cabinet.billing import bp, forms, tariffs
from cabinet.billing.pricing import PricingError
from cabinet.htmx import render
from cabinet.security import require


@bp.route("/tarifs", methods=["GET", "POST"])
@require("settings.manage")
def tariffs_page():
    """Every version of every tariff and act with its source; add a version. Admin."""
    form = forms.TariffForm(tariffs.tariff_choices())
    error = None
    if form.validate_on_submit():
        try:
            tariffs.add_tariff_version(
                current_user,
                form.tariff.data,
                form.amount.data,
                form.effective_from.data,
                form.source.data,
                form.confirmed.data,
            )
        except PricingError as refused:
            error = str(refused)
        else:
            flash("Nouvelle version du tarif enregistrée.")
            return redirect(url_for("billing.tariffs_page"))
    status = 422 if form.is_submitted() else 200
    return render(
        "billing/tariffs.html",
        form=form,
        error=error,
        rows=list(tariffs.history()),
        acts=list(tariffs.act_history()),
    ), status
