"""Issue 18 point 9: words a user needs and did not get — the patient's own appointment
named in a booking conflict (P1), a locum's end date shown as text on the account (A4)."""

import datetime
import html
import re

import pytest

FUTURE = datetime.date.today() + datetime.timedelta(days=15)


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def test_conflict_with_the_patients_own_appointment_says_the_patient_is_booked(
    app, ctx, user, make_patient
):
    from cabinet.appointments import rules, schedule, services
    from cabinet.appointments.models import Appointment, AppointmentType

    doctor, secretary, patient = user("practitioner"), user("secretary"), make_patient()
    kind = AppointmentType.get(AppointmentType.name == "Séance")
    first = services.Booking(doctor, patient, kind, schedule.to_utc(FUTURE, datetime.time(10)))
    services.book(first, secretary)
    again = services.Booking(doctor, patient, kind, schedule.to_utc(FUTURE, datetime.time(10, 15)))
    with pytest.raises(rules.BookingRefused) as refused:
        services.book(again, secretary)
    assert refused.value.reasons[:2] == [
        "Dr Paul Soignant a déjà un rendez-vous de 10:00 à 10:30.",
        "Le patient a déjà un rendez-vous de 10:00 à 10:30 avec Dr Paul Soignant.",
    ]
    assert Appointment.select().where(Appointment.patient == patient.id).count() == 1


def test_another_patient_in_the_slot_names_only_the_practitioner(app, ctx, user, make_patient):
    from cabinet.appointments import rules, schedule, services
    from cabinet.appointments.models import AppointmentType

    doctor, secretary = user("practitioner"), user("secretary")
    kind = AppointmentType.get(AppointmentType.name == "Séance")
    start = schedule.to_utc(FUTURE, datetime.time(11))
    services.book(services.Booking(doctor, make_patient(), kind, start), secretary)
    reasons = rules.conflicts(doctor, make_patient(), start, start + datetime.timedelta(minutes=30))
    assert reasons == ["Dr Paul Soignant a déjà un rendez-vous de 11:00 à 11:30."]


def _end_date_text(admin_client, ref) -> str:
    page = html.unescape(admin_client.get(f"/comptes/{ref}").get_data(as_text=True))
    return re.search(r"<dt>Fin du compte</dt><dd data-end-date>([^<]*)</dd>", page).group(1)


def test_account_page_shows_a_locums_end_date_as_text(app, admin_client, user):
    locum = user("locum")
    assert _end_date_text(admin_client, locum.ref) == f"{locum.end_date:%d/%m/%Y}"
    assert _end_date_text(admin_client, user("practitioner").ref) == (
        "aucune (compte sans date de fin)"
    )
    from cabinet.auth.models import User

    with app.app_context():
        User.update(end_date=datetime.date.today() - datetime.timedelta(days=1)).where(
            User.id == locum.id
        ).execute()
    assert _end_date_text(admin_client, locum.ref).endswith(
        "(date passée : le compte ne peut plus se connecter)"
    )
