"""Care record and the secretary / practitioner split (P2–P5, A1, A2, D3, D5, X6)."""

from flask import Blueprint

from cabinet.security import declare

bp = Blueprint("records", __name__)
declare(bp, "record.read")

from cabinet.records import views, views_receipts  # noqa: E402,F401


@bp.app_context_processor
def _labels():
    from cabinet.patients import care_team
    from cabinet.records import forms, models

    return {
        "item_kinds": models.ITEM_KINDS,
        "payment_modes": models.PAYMENT_MODES,
        "break_glass_reasons": care_team.REASONS,
        "units": models.MEASUREMENT_UNITS,
        "record_reminder": forms.REMINDER,
    }


def patient_panel(patient, user):
    """The care-record panel of a practitioner's patient page (None for anyone else)."""
    from cabinet.records import services

    basis = services.access_basis(user, patient)
    if basis is None:
        return {"record_basis": None}
    services.open_record(user, patient, basis)
    return {
        "record_basis": basis,
        "items": services.current_items(patient),
        "sessions": list(
            services.CareSession.select()
            .where(services.CareSession.patient == patient.id)
            .order_by(services.CareSession.session_date.desc())
            .limit(5)
        ),
    }


def payments_panel(patient, user):
    from cabinet.records.models import Receipt

    return {
        "receipts": list(
            Receipt.select()
            .where(Receipt.patient == patient.id)
            .order_by(Receipt.received_on.desc())
            .limit(10)
        )
    }
