"""The patient's access report (T4): who opened this file, when, to do what."""

import datetime

from flask import request
from flask_login import current_user

from cabinet.audit.actions import label
from cabinet.htmx import render
from cabinet.patients import bp, services
from cabinet.patients.forms import PeriodForm
from cabinet.security import require


@bp.route("/<patient_ref>/acces")
@require("patient.access_report")
def access_report(patient_ref):
    """Every access to this patient's data over a period, printable. Admin, practitioners."""
    patient = services.get_patient_or_404(patient_ref)
    form = PeriodForm(request.args)
    rows = services.access_report(current_user, patient, *form.period()) if form.validate() else []
    return render(
        "patients/access_report.html",
        patient=patient,
        form=form,
        rows=rows,
        label=label,
        generated_at=datetime.datetime.now(datetime.UTC),
    ), 200 if not form.errors else 422
