"""Care record and the secretary / practitioner split (P2–P5, A1, A2, D3, D5, X6)."""

from flask import Blueprint

from cabinet.security import declare

bp = Blueprint("records", __name__)
declare(bp, "record.read")

from cabinet.patients import care_team  # noqa: E402
from cabinet.records import billing, forms, models, services, views, views_receipts  # noqa: E402,F401


@bp.app_context_processor
def _labels():
    return {
        "item_kinds": models.ITEM_KINDS,
        "payment_modes": models.PAYMENT_MODES,
        "break_glass_reasons": care_team.REASONS,
        "units": models.MEASUREMENT_UNITS,
        "record_reminder": forms.REMINDER,
    }


def patient_panel(patient, user):
    """The care-record panel of a practitioner's patient page (None for anyone else)."""
    return services.record_panel(user, patient)


def payments_panel(patient, user):
    """The payments panel of the patient page: act codes and amounts, no care content."""
    return {"receipts": billing.patient_payments(patient)}
