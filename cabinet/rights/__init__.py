"""Patients' rights (I3–I8): requests register, copies of the file, erasure, restriction,
objection.

Every signed-in profile may register and follow a request (`rights.register`): the secretary
or the admin usually receives it. Copies of the file need more, per view: the administrative
part `rights.answer` (admin), the medical part `rights.release` (practitioners).
"""

from flask import Blueprint

from cabinet.security import declare

bp = Blueprint("rights", __name__)
declare(bp, "rights.register")

from cabinet.rights import services, views, views_access  # noqa: E402,F401


def patient_panel(patient, user):
    """The rights section of a patient page: the patient's requests, and for the admin the
    answers from the administrative part."""
    return services.patient_panel(user, patient)


def preferences_panel(patient, user):
    return {}
