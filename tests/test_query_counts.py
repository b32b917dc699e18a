"""Issue 20: pages run a fixed number of statements, whatever the patient's history holds
(no query per row). Counted, never timed: the benchmark reports the times."""

import datetime

import pytest


@pytest.fixture
def statements():
    """Count the SQL statements run through peewee while the block runs."""
    from cabinet.db import database

    seen = []
    original = database.execute_sql

    def spy(sql, params=None, *args, **kwargs):
        seen.append(sql)
        return original(sql, params, *args, **kwargs)

    database.execute_sql = spy
    yield seen
    database.execute_sql = original


def _book(app, patient, doctor, count: int, first: int = 0):
    from cabinet.appointments.models import Appointment, AppointmentType

    with app.app_context():
        kind = AppointmentType.select().first()
        for day in range(first, first + count):
            start = datetime.datetime(2026, 1, 1, 8) + datetime.timedelta(days=day)
            Appointment.create(
                patient=patient,
                practitioner=doctor,
                created_by=doctor,
                appointment_type=kind,
                starts_at=start,
                ends_at=start + datetime.timedelta(minutes=30),
            )


def test_the_patient_page_does_not_grow_with_the_appointments(
    app, practitioner_client, make_patient, user, statements
):
    patient = make_patient(treated_by="practitioner")
    doctor = user("practitioner")
    _book(app, patient, doctor, 2)
    practitioner_client.get(f"/patients/{patient.ref}")  # warm: first-visit writes
    statements.clear()
    assert practitioner_client.get(f"/patients/{patient.ref}").status_code == 200
    with_two = len(statements)
    _book(app, patient, doctor, 12, first=10)
    statements.clear()
    page = practitioner_client.get(f"/patients/{patient.ref}").get_data(as_text=True)
    assert page.count("Dr Paul Soignant") >= 12  # the practitioner's name on each row
    assert len(statements) == with_two, statements
