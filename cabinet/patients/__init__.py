"""Patients' administrative file: identity, INS/NIR, contact, search, rectification history."""

from flask import Blueprint

from cabinet.security import declare

bp = Blueprint("patients", __name__)
declare(bp, "patient.admin.read")

from cabinet.patients import care_team, views, views_access, views_access_notes  # noqa: E402,F401
from cabinet.patients.identity import IDENTITY_STATUSES  # noqa: E402
from cabinet.patients.models import SEXES  # noqa: E402


@bp.context_processor
def _labels():
    return {"sexes": SEXES, "statuses": IDENTITY_STATUSES}


@bp.app_context_processor
def _care_team_labels():
    # App-wide: the home page of a practitioner lists who joined her patients' teams.
    return {"team_sources": care_team.SOURCES, "team_reasons": care_team.REASONS}
