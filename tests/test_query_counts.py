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


def test_a_page_view_writes_no_session_row_and_reads_each_setting_once(
    app, secretary_client, statements
):
    """Issue 20: the session row is rewritten when its data changes or once a minute, not on
    every request (each rewrite took the write lock); a setting is read once per request."""
    secretary_client.get("/")  # warm: the first visit notes the activity
    statements.clear()
    assert secretary_client.get("/").status_code == 200
    writes = [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert not any("user_session" in s for s in writes), writes
    reads = [s for s in statements if 'FROM "setting"' in s]
    assert reads, statements  # the home page does read settings (the idle delay at least)
    statements.clear()
    with app.test_request_context():
        from cabinet import settings

        first = settings.get("idle_lock_minutes")
        assert settings.get("idle_lock_minutes") == first
        assert len([s for s in statements if 'FROM "setting"' in s]) == 1
        settings.put("idle_lock_minutes", 12)
        assert settings.get("idle_lock_minutes") == 12  # a change is seen at once


def test_a_page_view_of_a_patient_still_writes_its_trace(app, secretary_client, make_patient):
    """Fewer writes per request, never fewer traces (T1)."""
    from tests.conftest import traces

    patient = make_patient()
    before = len(traces(app, patient_ref=patient.ref))
    for _ in range(3):
        assert secretary_client.get(f"/patients/{patient.ref}").status_code == 200
    assert len(traces(app, patient_ref=patient.ref)) == before + 3


def test_the_care_record_does_not_grow_with_the_sessions_or_the_items(
    app, practitioner_client, make_patient, user, statements
):
    """Each session's practitioner and acts come with the sessions (two statements), not
    three more statements per session, and each item's latest version with the items; the
    page and its printed summary show every code and every item."""
    from cabinet.records import services
    from cabinet.records.models import Act

    patient, doctor = make_patient(treated_by="practitioner"), user("practitioner")

    def sessions(count: int, first: int) -> None:
        with app.test_request_context():
            amk, ifd = Act.get(Act.code == "AMK 8"), Act.get(Act.code == "IFD")
            for day in range(first, first + count):
                when = datetime.date(2026, 1, 1) + datetime.timedelta(days=day)
                services.record_session(doctor, patient, when, [(amk, 1), (ifd, 1)])
                services.add_item(doctor, patient, "allergy", f"Allergie n° {day}")

    sessions(1, 0)
    practitioner_client.get(f"/soins/{patient.ref}")  # warm
    statements.clear()
    assert practitioner_client.get(f"/soins/{patient.ref}").status_code == 200
    with_one = len(statements)
    sessions(5, 10)
    statements.clear()
    page = practitioner_client.get(f"/soins/{patient.ref}").get_data(as_text=True)
    assert len(statements) == with_one, statements
    assert page.count("AMK 8, IFD") == 6 and page.count("Dr Paul Soignant") >= 6
    assert all(f"Allergie n° {day}" in page for day in (0, 10, 14))
    summary = practitioner_client.get(f"/soins/{patient.ref}/synthese").get_data(as_text=True)
    assert summary.count("AMK 8, IFD") == 6
