"""The patient's access report (T4): who opened this file, when, to do what."""

import datetime

from flask import request
from flask_login import current_user
from wtforms.validators import Optional, ValidationError

from cabinet import settings
from cabinet.audit import services as audit_services
from cabinet.audit import trace
from cabinet.audit.actions import label
from cabinet.formatting import paris_midnight_utc
from cabinet.forms import DateField, FrenchForm
from cabinet.htmx import render
from cabinet.patients import bp
from cabinet.patients.services import get_patient_or_404
from cabinet.security import require


class PeriodForm(FrenchForm):
    class Meta:
        csrf = False

    start = DateField("Du", validators=[Optional()])
    end = DateField("Au (inclus)", validators=[Optional()])

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("La fin de la période précède son début.")


@bp.route("/<patient_ref>/acces")
@require("patient.access_report")
def access_report(patient_ref):
    """Every access to this patient's data over a period, printable. Admin, practitioners."""
    patient = get_patient_or_404(patient_ref)
    today = datetime.date.today()
    kept = datetime.timedelta(days=settings.get("trace_retention_days"))
    form = PeriodForm(request.args, data={"start": today - kept, "end": today})
    rows = []
    if form.validate():
        start = paris_midnight_utc(form.start.data or today - kept)
        end = paris_midnight_utc((form.end.data or today) + datetime.timedelta(days=1))
        # The report is itself an access, traced before it is read so it lists itself.
        trace(
            current_user,
            "patient.access_report",
            patient=patient,
            target="patient",
            detail=f"période du {form.start.data or today - kept:%d/%m/%Y}",
        )
        rows = list(audit_services.patient_accesses(patient.ref, start, end))
    status = 200 if not form.errors else 422
    return render(
        "patients/access_report.html",
        patient=patient,
        form=form,
        rows=rows,
        label=label,
        generated_at=datetime.datetime.now(datetime.UTC),
    ), status
