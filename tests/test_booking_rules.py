"""P1: the agenda's time rules (Paris time stored in UTC, series dates, overlaps) and the
booking rules: no double booking of a practitioner or a patient, opening hours and absences
respected, free slots proposed instead."""

import datetime

import pytest

from cabinet.appointments import rules, schedule
from tests.appointment_helpers import FUTURE, MONDAY, THURSDAY, appointment_count, booking

# Pure rules -------------------------------------------------------------------------------


def test_paris_time_is_stored_in_utc_across_dst():
    assert schedule.to_utc(datetime.date(2026, 3, 28), datetime.time(18)) == datetime.datetime(
        2026, 3, 28, 17
    )
    assert schedule.to_utc(datetime.date(2026, 3, 30), datetime.time(18)) == datetime.datetime(
        2026, 3, 30, 16
    )
    start, end = schedule.local_day_bounds(datetime.date(2026, 3, 29))
    assert end - start == datetime.timedelta(hours=23)


def test_series_dates_take_the_chosen_weekdays_from_the_first_date():
    dates = schedule.series_dates(datetime.date(2026, 11, 30), {MONDAY, THURSDAY}, 10)
    assert len(dates) == 10 and dates[0] == datetime.date(2026, 11, 30)
    assert {d.weekday() for d in dates} == {MONDAY, THURSDAY}
    assert dates[-1] == datetime.date(2026, 12, 31)
    assert schedule.series_dates(datetime.date(2026, 12, 1), set(), 5) == []


def test_overlap_is_strict_at_the_edges():
    t = datetime.datetime(2026, 1, 1, 9)
    half = datetime.timedelta(minutes=30)
    assert schedule.overlaps(t, t + half, t + half / 2, t + 2 * half)
    assert not schedule.overlaps(t, t + half, t + half, t + 2 * half)


# Against the database ---------------------------------------------------------------------


def test_a_practitioner_cannot_be_double_booked(app, ctx, user, make_patient, kinds):
    from cabinet.appointments import services

    doctor, secretary = user("practitioner"), user("secretary")
    services.book(booking(doctor, make_patient(), kinds["Séance"], FUTURE, 10), secretary)
    with pytest.raises(rules.BookingRefused) as refused:
        services.book(booking(doctor, make_patient(), kinds["Séance"], FUTURE, 10, 15), secretary)
    assert "a déjà un rendez-vous de 10:00 à 10:30" in refused.value.reasons[0]
    assert refused.value.proposals and refused.value.proposals[0] >= schedule.to_utc(
        FUTURE, datetime.time(10, 30)
    )
    assert appointment_count(app) == 1


def test_a_patient_cannot_be_in_two_places_even_with_two_practitioners(
    app, ctx, user, make_patient, kinds
):
    from cabinet.appointments import services

    patient, secretary = make_patient(), user("secretary")
    services.book(booking(user("practitioner"), patient, kinds["Bilan"], FUTURE, 14), secretary)
    with pytest.raises(rules.BookingRefused) as refused:
        services.book(booking(user("locum"), patient, kinds["Séance"], FUTURE, 14, 30), secretary)
    assert (
        "Le patient a déjà un rendez-vous de 14:00 à 15:00 avec Dr Paul Soignant"
        in refused.value.reasons[0]
    )
    assert appointment_count(app) == 1


def test_opening_hours_and_absences_are_respected(app, ctx, user, make_patient, kinds):
    from cabinet.appointments import services
    from cabinet.appointments.models import Absence, OpeningHours

    doctor = user("practitioner")
    OpeningHours.create(
        practitioner=doctor,
        weekday=FUTURE.weekday(),
        opens=datetime.time(9),
        closes=datetime.time(12),
    )
    with pytest.raises(rules.BookingRefused) as refused:
        services.book(
            booking(doctor, make_patient(), kinds["Séance"], FUTURE, 13), user("secretary")
        )
    assert (
        "En dehors des horaires" in refused.value.reasons[0]
        and "09:00–12:00" in refused.value.reasons[0]
    )
    assert all(schedule.to_local(p).hour < 12 for p in refused.value.proposals)
    services.book(
        booking(doctor, make_patient(), kinds["Séance"], FUTURE, 11, 30), user("secretary")
    )
    start, end = schedule.local_day_bounds(FUTURE + datetime.timedelta(days=7))
    Absence.create(practitioner=doctor, kind="training", starts_at=start, ends_at=end)
    with pytest.raises(rules.BookingRefused) as refused:
        services.book(
            booking(
                doctor, make_patient(), kinds["Séance"], FUTURE + datetime.timedelta(days=7), 10
            ),
            user("secretary"),
        )
    assert "absent·e (Formation)" in " ".join(refused.value.reasons)
    assert appointment_count(app) == 1
