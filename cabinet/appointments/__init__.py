"""Agenda (P1, P3, A6): day and week views, booking, care series, home visits, tour sheet."""

from flask import Blueprint, request

from cabinet.appointments import agenda, models, schedule
from cabinet.security import declare

bp = Blueprint("appointments", __name__)
declare(bp, "appointment.manage")
IMPORT_LIMIT = 4 * 1024 * 1024  # the export of the previous software (cabinet/uploads.py)


@bp.url_value_preprocessor
def _import_limit(endpoint, values):
    if endpoint == "appointments.import_new":
        request.max_content_length = IMPORT_LIMIT


from cabinet.appointments import (  # noqa: E402,F401
    views,
    views_import,
    views_print,
    views_round,
    views_series,
    views_settings,
)


@bp.context_processor
def _labels():
    return {
        "statuses": models.STATUSES,
        "locations": models.LOCATIONS,
        "cancel_reasons": models.CANCEL_REASONS,
        "absence_kinds": models.ABSENCE_KINDS,
        "hhmm": schedule.hhmm,
        "describe": schedule.describe,
        "to_local": schedule.to_local,
        "weekdays": schedule.WEEKDAYS,
    }


def patient_panel(patient, user):
    """The appointments section of a patient's page: times, types, places, statuses."""
    return {"appointments": agenda.patient_appointments(patient)}
