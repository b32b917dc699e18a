"""Patients' administrative file: identity, INS/NIR, contact, search, rectification history."""

from flask import Blueprint

from cabinet.security import declare

bp = Blueprint("patients", __name__)
declare(bp, "patient.admin.read")

from cabinet.patients import views, views_access  # noqa: E402,F401


@bp.context_processor
def _labels():
    from cabinet.patients.identity import IDENTITY_STATUSES
    from cabinet.patients.models import SEXES

    return {"sexes": SEXES, "statuses": IDENTITY_STATUSES}


@bp.app_context_processor
def _care_team_labels():
    # App-wide: the home page of a practitioner lists who joined her patients' teams.
    from cabinet.patients import care_team

    return {"team_sources": care_team.SOURCES, "team_reasons": care_team.REASONS}
