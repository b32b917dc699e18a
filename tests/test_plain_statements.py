"""Issue 20, P1: the plain statements that replaced peewee queries on the busiest pages read
exactly what the peewee queries read — the same rows, in the same order, the bounds of a
day kept (an appointment at the first instant is in, one at the next day's first is out)."""

import datetime

from cabinet.appointments import agenda, schedule, services
from cabinet.db import database
from tests.appointment_helpers import FUTURE, booking


def test_fetch_all_reads_the_rows_peewee_reads_in_order_and_limited(app, make_patient, user):
    from cabinet.db import fetch_all
    from cabinet.patients import services as patient_services
    from cabinet.patients.models import PatientChange

    patient = make_patient(city="Lyon")
    with app.test_request_context():
        for city in ("Nantes", "Brest", "Dijon"):
            patient_services.update_patient(patient, {"city": city}, user("secretary"))
        wanted = list(
            PatientChange.select()
            .where(PatientChange.patient == patient.id)
            .order_by(PatientChange.changed_at.desc(), PatientChange.id.desc())
            .limit(2)
        )
        got = list(
            fetch_all(
                PatientChange,
                '"patient_id" = ?',
                patient.id,
                order_by='"changed_at" DESC, "id" DESC',
                limit=2,
            )
        )
    assert [(c.id, c.new_value) for c in got] == [(c.id, c.new_value) for c in wanted]
    assert [c.new_value for c in got] == ["Dijon", "Brest"]
    # Every field as peewee reads it (its types: datetimes, dates, numbers), nothing dirty.
    assert [c.__data__ for c in got] == [c.__data__ for c in wanted]
    assert isinstance(got[0].changed_at, datetime.datetime) and not got[0].is_dirty()


def test_fetch_one_reads_a_patient_as_peewee_does(app, make_patient):
    from cabinet.db import fetch_one
    from cabinet.patients.models import Patient

    patient = make_patient(birth_date=datetime.date(1950, 2, 3))
    with app.app_context():
        mine, peewees = fetch_one(Patient, '"id" = ?', patient.id), Patient.get_by_id(patient.id)
        assert fetch_one(Patient, '"id" = ?', -1) is None
    assert mine.__data__ == peewees.__data__ and mine.birth_date == datetime.date(1950, 2, 3)
    assert not mine.is_dirty()


def test_the_grid_keeps_a_days_bounds_and_matches_the_appointments_query(
    app, user, make_patient, kinds
):
    patient, doctor = make_patient(birth_name="Bornes"), user("practitioner")
    following = FUTURE + datetime.timedelta(days=1)
    with app.test_request_context():
        secretary = user("secretary")
        for day, hour in ((FUTURE, 0), (FUTURE, 23), (following, 0)):
            services.book(booking(doctor, patient, kinds["Séance"], day, hour), secretary)
        start, end = schedule.local_day_bounds(FUTURE)
        cells = agenda.grid_between([doctor.id], start, end)
        expected = _peewee_between([doctor.id], start, end)
    assert [c.start_text for c in cells] == ["00:00", "23:00"]
    assert [(c.ref, c.starts_at) for c in cells] == [(a.ref, a.starts_at) for a in expected]
    assert all(c.who == "BORNES " + patient.first_names.split(" ")[0] for c in cells)


def test_the_grid_reads_agenda_by_agenda_in_time_order_without_sorting(
    app, user, make_patient, kinds
):
    """Two agendas whose appointments interleave in time: the cells come agenda by agenda
    (the index's order), each in time order, and SQLite sorts nothing to give them."""
    patient, first, second = make_patient(), user("practitioner"), user("locum")
    with app.test_request_context():
        secretary = user("secretary")
        for doctor, hours in ((second, (11, 8)), (first, (10, 9))):
            for hour in hours:
                services.book(booking(doctor, patient, kinds["Séance"], FUTURE, hour), secretary)
        start, end = schedule.local_day_bounds(FUTURE)
        ids = sorted([first.id, second.id])
        cells = agenda.grid_between(ids, start, end)
        marks = ", ".join("?" * len(ids))
        plan = database.execute_sql(
            "EXPLAIN QUERY PLAN " + agenda._GRID.format(marks=marks), (*ids, str(start), str(end))
        ).fetchall()
    by_agenda = {first.id: ["09:00", "10:00"], second.id: ["08:00", "11:00"]}
    assert [(c.practitioner_id, c.start_text) for c in cells] == [
        (doctor_id, time) for doctor_id in ids for time in by_agenda[doctor_id]
    ]
    assert not any("TEMP B-TREE" in row[3] for row in plan), plan


def test_a_listed_patient_holds_the_files_own_values(app, make_patient, user):
    from cabinet.patients import services as patient_services

    patient = make_patient(birth_name="Listé", birth_date=datetime.date(1961, 4, 9), city="Albi")
    with app.test_request_context():
        (found,) = patient_services.search("liste", user("secretary"))
        (by_date,) = patient_services.search("09/04/1961", user("secretary"))
    assert found == by_date
    assert (found.ref, found.birth_name, found.birth_date, found.city) == (
        patient.ref,
        "Listé",
        datetime.date(1961, 4, 9),
        "Albi",
    )


def test_the_grid_tells_paris_times_across_both_dst_changes(app, user, make_patient, kinds):
    """The grid's times and days are Paris's on the nights the clocks change (its offset is
    looked up once per UTC hour): on 28 March 2027 at 01:00 UTC, 02:00 becomes 03:00; on 31
    October 2027 at 01:00 UTC, 03:00 becomes 02:00 again."""
    from tests.care import new_appointment

    patient, doctor = make_patient(), user("practitioner")
    nights = {  # UTC times stored -> the Paris day of the month and time the grid shows
        datetime.date(2027, 3, 28): {
            "00:30": (28, "01:30"),
            "01:00": (28, "03:00"),
            "01:30": (28, "03:30"),
            "22:30": (29, "00:30"),
        },
        datetime.date(2027, 10, 31): {
            "00:30": (31, "02:30"),
            "00:59": (31, "02:59"),
            "01:00": (31, "02:00"),
            "01:30": (31, "02:30"),
            "23:30": (1, "00:30"),
        },
    }
    with app.test_request_context():
        for day, times in nights.items():
            for text in times:
                utc = datetime.datetime.combine(day, datetime.time.fromisoformat(text))
                new_appointment(patient, doctor, utc)
        for day, times in nights.items():
            start, _ = schedule.local_day_bounds(day - datetime.timedelta(days=1))
            _, end = schedule.local_day_bounds(day + datetime.timedelta(days=1))
            cells = agenda.grid_between([doctor.id], start, end)
            assert [(c.day.day, c.start_text) for c in cells] == list(times.values())
            assert [c.end_text for c in cells] == [
                f"{schedule.to_local(c.ends_at):%H:%M}" for c in cells
            ]


def test_an_appointments_page_reads_what_peewee_reads(app, user, make_patient, kinds):
    """The appointment's page reads it and its patient, agenda holder, type and history by
    plain statements: the same rows as peewee's query and lazy loads, nothing written."""
    from cabinet.appointments.models import Appointment, AppointmentEvent

    patient, doctor = make_patient(birth_name="Relue"), user("practitioner")
    with app.test_request_context():
        booked = services.book(
            booking(doctor, patient, kinds["Séance"], FUTURE, 10), user("secretary")
        )
        got = agenda.get_appointment_or_404(booked.ref)
        wanted = Appointment.get(Appointment.ref == booked.ref)
        assert got.__data__ == wanted.__data__
        for related in ("patient", "practitioner", "appointment_type"):
            assert getattr(got, related).__data__ == getattr(wanted, related).__data__
        assert got.series is None and wanted.series is None
        assert [e.__data__ for e in agenda.events_of(got)] == [
            e.__data__ for e in wanted.events.order_by(AppointmentEvent.id)
        ]
        assert [e.kind for e in agenda.events_of(got)] == ["booked"]


def _peewee_between(practitioner_ids, start, end):
    """What the plain statements replaced: peewee's query of appointments in [start, end)."""
    from cabinet.appointments.models import Appointment, AppointmentType
    from cabinet.patients.models import Patient

    return list(
        Appointment.select(Appointment, Patient, AppointmentType)
        .join(Patient)
        .switch(Appointment)
        .join(AppointmentType)
        .where(
            Appointment.practitioner.in_(practitioner_ids)
            & (Appointment.starts_at >= start)
            & (Appointment.starts_at < end)
        )
        .order_by(Appointment.starts_at, Appointment.id)
    )


def test_appointments_between_reads_what_peewee_reads_with_their_people(
    app, user, make_patient, kinds
):
    """The round, the tour sheet and the reminders list: the same appointments as peewee's
    query, in order, the day's bounds kept, each with its patient, holder and type."""
    first, second = make_patient(birth_name="Premier"), make_patient(birth_name="Second")
    doctor, locum = user("practitioner"), user("locum")
    following = FUTURE + datetime.timedelta(days=1)
    with app.test_request_context():
        secretary = user("secretary")
        for who, patient, day, hour in (
            (doctor, first, FUTURE, 0),
            (locum, second, FUTURE, 9),
            (doctor, second, FUTURE, 23),
            (doctor, first, following, 0),
        ):
            services.book(booking(who, patient, kinds["Séance"], day, hour), secretary)
        start, end = schedule.local_day_bounds(FUTURE)
        got = agenda.appointments_between([doctor.id, locum.id], start, end)
        wanted = _peewee_between([doctor.id, locum.id], start, end)
        assert [a.__data__ for a in got] == [a.__data__ for a in wanted]
        assert len(got) == 3
        for related in ("patient", "practitioner", "appointment_type"):
            assert [getattr(a, related).__data__ for a in got] == [
                getattr(a, related).__data__ for a in wanted
            ]
