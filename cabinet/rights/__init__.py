"""Patients' rights (I3–I8): requests register, encrypted export, erasure, restriction,
objection."""

from flask import Blueprint

from cabinet.security import declare

bp = Blueprint("rights", __name__)
declare(bp, "settings.manage")

from cabinet.rights import views  # noqa: E402,F401


def patient_panel(patient, user):
    """The rights section of the admin's view of a patient page."""
    from cabinet.rights import services

    return {"erasure_refusal": services.erasure_refusal(patient)}


def preferences_panel(patient, user):
    return {}
