"""What the agenda tests share: a day two weeks ahead, bookings and series built through the
services (as the booking forms do), the number of appointments in the database."""

import datetime

from cabinet.appointments import schedule

MONDAY, THURSDAY = 0, 3
FUTURE = datetime.date.today() + datetime.timedelta(days=14)


def first_monday(day: datetime.date = FUTURE) -> datetime.date:
    """`day` itself when a Monday, else the next Monday."""
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def booking(user, patient, kind, day, hour, minute=0, **extra):
    from cabinet.appointments.services import Booking

    return Booking(
        practitioner=user,
        patient=patient,
        appointment_type=kind,
        starts_at=schedule.to_utc(day, datetime.time(hour, minute)),
        **extra,
    )


def book_series(
    user, patient, kinds, first, weekdays=frozenset({MONDAY, THURSDAY}), hour=18, count=10
):
    """A series booked by the secretary for the practitioner, sessions of the "Séance" type."""
    from cabinet.appointments import care_series

    return care_series.create(
        user("secretary"),
        user("practitioner"),
        patient,
        kinds["Séance"],
        first,
        set(weekdays),
        datetime.time(hour),
        count,
    )


def appointment_count(app) -> int:
    from cabinet.appointments.models import Appointment

    with app.app_context():
        return Appointment.select().count()
