"""Transmissions between colleagues (P2, A2, T1, X6): short structured notes per patient,
read by the care team only (records.scope: care team, a locum's dated grant, the shared
record, break-glass), with unread counts on the home page and a read mark per colleague.
Part of the care record: versioned, archived and retained with it. Above `records`."""

from flask import Blueprint

from cabinet.security import declare

bp = Blueprint("transmissions", __name__)
declare(bp, "record.read")

from cabinet.transmissions import models, services, views  # noqa: E402,F401


@bp.app_context_processor
def _labels():
    return {"transmission_fields": models.FIELDS}


def patient_panel(patient, user):
    """The transmissions section of a practitioner's patient page (traced when shown)."""
    return services.panel(user, patient)
