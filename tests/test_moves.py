"""P3: one occurrence moved or cancelled alone, or with the following ones of its series
(kept at their local time across a DST change); honoured or missed once the time has come."""

import datetime

import pytest

from cabinet.appointments import rules, schedule, services
from tests.appointment_helpers import (
    FUTURE,
    MONDAY,
    book_series,
    booking,
    first_monday,
)
from tests.care import new_appointment


def test_moving_one_occurrence_leaves_the_others_intact(app, ctx, user, make_patient, kinds):
    from cabinet.appointments.models import Appointment, AppointmentEvent

    monday = first_monday()
    saved = book_series(user, make_patient(), kinds, monday, weekdays={MONDAY}, count=4)
    occurrences = list(saved.appointments.order_by(Appointment.starts_at))
    before = {a.id: a.starts_at for a in occurrences}
    services.move(
        occurrences[1],
        schedule.to_local(occurrences[1].starts_at).date(),
        datetime.time(17),
        user("secretary"),
    )
    after = {a.id: a.starts_at for a in Appointment.select()}
    assert after[occurrences[1].id] == before[occurrences[1].id] - datetime.timedelta(hours=1)
    for other in (occurrences[0], occurrences[2], occurrences[3]):
        assert after[other.id] == before[other.id]
        assert [
            e.kind for e in AppointmentEvent.select().where(AppointmentEvent.appointment == other)
        ] == ["booked"]


def test_this_and_following_keeps_local_time_across_dst(app, ctx, user, make_patient, kinds):
    """Series on Mondays at 18 h from 16 March 2026; DST starts on 29 March."""
    from cabinet.appointments.models import Appointment, Series

    patient, doctor = make_patient(), user("practitioner")
    with app.app_context():
        # Built directly: the service refuses a series starting in the past.
        series = Series.create(
            practitioner=doctor,
            patient=patient,
            appointment_type=kinds["Séance"],
            count=4,
            weekdays="0",
            local_time=datetime.time(18),
            first_date=datetime.date(2026, 3, 16),
            created_by=doctor.id,
        )
        for day in schedule.series_dates(datetime.date(2026, 3, 16), {MONDAY}, 4):
            start = schedule.to_utc(day, datetime.time(18))
            new_appointment(patient, doctor, start, series=series)
    occurrences = list(series.appointments.order_by(Appointment.starts_at))
    second = occurrences[1]  # Monday 23 March, before the change
    services.move(
        second, datetime.date(2026, 3, 23), datetime.time(19), user("secretary"), "following"
    )
    moved = list(Appointment.select().order_by(Appointment.starts_at))
    local = [schedule.to_local(a.starts_at) for a in moved]
    assert [t.hour for t in local] == [18, 19, 19, 19]
    assert [t.date() for t in local] == schedule.series_dates(
        datetime.date(2026, 3, 16), {MONDAY}, 4
    )
    assert moved[2].starts_at.hour == 17 and moved[1].starts_at.hour == 18  # UTC+2 then UTC+1


def test_cancel_needs_a_listed_reason_and_can_take_the_following(
    app, ctx, user, make_patient, kinds
):
    from cabinet.appointments.models import Appointment

    monday = first_monday()
    saved = book_series(user, make_patient(), kinds, monday, weekdays={MONDAY}, count=4)
    occurrences = list(saved.appointments.order_by(Appointment.starts_at))
    with pytest.raises(rules.BookingRefused):
        services.cancel(occurrences[0], "parce que", user("secretary"))
    assert services.cancel(occurrences[2], "hospital", user("secretary"), "following") == 2
    statuses = [a.status for a in Appointment.select().order_by(Appointment.starts_at)]
    assert statuses == ["booked", "booked", "cancelled", "cancelled"]
    # A cancelled slot is free again.
    services.book(
        booking(
            user("practitioner"),
            make_patient(),
            kinds["Séance"],
            schedule.to_local(occurrences[2].starts_at).date(),
            18,
        ),
        user("secretary"),
    )


def test_honoured_updates_last_care_and_the_future_cannot_be_marked(
    app, ctx, user, make_patient, kinds
):
    from cabinet.patients.models import Patient

    patient, doctor = make_patient(), user("practitioner")
    past = datetime.datetime(2026, 1, 5, 9)
    with app.app_context():
        done = new_appointment(patient, doctor, past)
    services.mark(done, "honoured", doctor)
    assert Patient.get_by_id(patient.id).last_care_at == past
    future = services.book(booking(doctor, patient, kinds["Séance"], FUTURE, 9), doctor)
    with pytest.raises(rules.BookingRefused):
        services.mark(future, "honoured", doctor)


def test_only_an_appointment_whose_time_has_come_offers_honoured_or_missed(
    app, ctx, user, make_patient, kinds, secretary_client
):
    """Found in a walk-through: a future appointment's page offered « Honoré » and « Non
    honoré », which the server then refused. They show once its time has come."""
    patient, doctor = make_patient(), user("practitioner")
    with app.app_context():
        done = new_appointment(patient, doctor, datetime.datetime(2026, 1, 5, 9))
    future = services.book(booking(doctor, patient, kinds["Séance"], FUTURE, 9), doctor)
    buttons = 'name="status" value="honoured"'
    assert buttons in secretary_client.get(f"/agenda/rdv/{done.ref}").get_data(as_text=True)
    assert buttons not in secretary_client.get(f"/agenda/rdv/{future.ref}").get_data(as_text=True)
