"""Patients' administrative file: identity, INS/NIR, contact, search, rectification history."""

from flask import Blueprint, request

from cabinet.security import declare

bp = Blueprint("patients", __name__)
declare(bp, "patient.admin.read")

# An export of the previous software may exceed the application's 2 MiB; set before any hook
# reads the form (CSRF included). The file stays in memory (cabinet/uploads.py).
IMPORT_LIMIT = 4 * 1024 * 1024


@bp.url_value_preprocessor
def _import_limit(endpoint, values):
    if endpoint == "patients.import_new":
        request.max_content_length = IMPORT_LIMIT


from cabinet.patients import (  # noqa: E402,F401
    care_team,
    views,
    views_access,
    views_access_notes,
    views_import,
)
from cabinet.patients.identity import IDENTITY_STATUSES  # noqa: E402
from cabinet.patients.models import SEXES  # noqa: E402


@bp.context_processor
def _labels():
    return {"sexes": SEXES, "statuses": IDENTITY_STATUSES}


@bp.app_context_processor
def _care_team_labels():
    # App-wide: the home page of a practitioner lists who joined her patients' teams.
    return {"team_sources": care_team.SOURCES, "team_reasons": care_team.REASONS}
