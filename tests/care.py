"""Care data for the tests of the record, rights and retention: the practice's acts, a
practitioner put in a care team, an appointment, care recorded through the services as a
user would."""

import datetime

from cabinet.appointments.models import Appointment, AppointmentType
from cabinet.patients.models import CareAssignment
from cabinet.records import services
from cabinet.records.models import Act


def acts(app) -> dict[str, Act]:
    """The practice's acts by code (AMK 8, AMI 1, IFD…)."""
    with app.app_context():
        return {act.code: act for act in Act.select()}


def assign(app, patient, practitioner) -> None:
    """Put `practitioner` in the patient's care team."""
    with app.app_context():
        CareAssignment.create(patient=patient, practitioner=practitioner)


def record_care(app, doctor, patient, allergy: str, day=None, allergy_note="", **session):
    """An allergy, then a session of one AMK 8 on `day` (today by default); `session` holds
    the session's other fields (pain_score, note, paid_mode…)."""
    with app.test_request_context():
        services.add_item(doctor, patient, "allergy", allergy, note=allergy_note)
        services.record_session(
            doctor,
            patient,
            day or datetime.date.today(),
            [(Act.get(Act.code == "AMK 8"), 1)],
            **session,
        )


def new_appointment(
    patient, practitioner, starts_at, kind="Séance", created_by=None, **fields
) -> Appointment:
    """Half an hour written straight into the agenda, past the booking rules (which refuse a
    date gone by, for one). `kind` is a type or its name; inside an app context."""
    if isinstance(kind, str):
        kind = AppointmentType.get(AppointmentType.name == kind)
    return Appointment.create(
        practitioner=practitioner,
        patient=patient,
        appointment_type=kind,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=30),
        created_by=(created_by or practitioner).id,
        **fields,
    )


def appointment(app, patient, practitioner, starts_at, created_by, **fields) -> Appointment:
    """A 30-minute "Séance" written straight into the agenda (no booking rule is run)."""
    with app.app_context():
        return new_appointment(patient, practitioner, starts_at, created_by=created_by, **fields)
