"""P1, P3, A6: conflicts, care series (DST included), moves and cancellations, tour sheet."""

import datetime

import pytest

from cabinet.appointments import schedule
from tests.conftest import traces

MONDAY, THURSDAY = 0, 3


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


# Services against the database -----------------------------------------------------------


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def kinds(app):
    from cabinet.appointments.models import AppointmentType

    with app.app_context():
        return {t.name: t for t in AppointmentType.select()}


def _booking(user, patient, kind, day, hour, minute=0, **extra):
    from cabinet.appointments.services import Booking

    return Booking(
        practitioner=user,
        patient=patient,
        appointment_type=kind,
        starts_at=schedule.to_utc(day, datetime.time(hour, minute)),
        **extra,
    )


def _count(app):
    from cabinet.appointments.models import Appointment

    with app.app_context():
        return Appointment.select().count()


FUTURE = datetime.date.today() + datetime.timedelta(days=14)


def test_a_practitioner_cannot_be_double_booked(app, ctx, user, make_patient, kinds):
    from cabinet.appointments import services

    doctor, secretary = user("practitioner"), user("secretary")
    services.book(_booking(doctor, make_patient(), kinds["Séance"], FUTURE, 10), secretary)
    with pytest.raises(services.BookingRefused) as refused:
        services.book(_booking(doctor, make_patient(), kinds["Séance"], FUTURE, 10, 15), secretary)
    assert "a déjà un rendez-vous de 10:00 à 10:30" in refused.value.reasons[0]
    assert refused.value.proposals and refused.value.proposals[0] >= schedule.to_utc(
        FUTURE, datetime.time(10, 30)
    )
    assert _count(app) == 1


def test_a_patient_cannot_be_in_two_places_even_with_two_practitioners(
    app, ctx, user, make_patient, kinds
):
    from cabinet.appointments import services

    patient, secretary = make_patient(), user("secretary")
    services.book(_booking(user("practitioner"), patient, kinds["Bilan"], FUTURE, 14), secretary)
    with pytest.raises(services.BookingRefused) as refused:
        services.book(_booking(user("locum"), patient, kinds["Séance"], FUTURE, 14, 30), secretary)
    assert (
        "Le patient a déjà un rendez-vous de 14:00 à 15:00 avec Dr Paul Soignant"
        in refused.value.reasons[0]
    )
    assert _count(app) == 1


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
    with pytest.raises(services.BookingRefused) as refused:
        services.book(
            _booking(doctor, make_patient(), kinds["Séance"], FUTURE, 13), user("secretary")
        )
    assert (
        "En dehors des horaires" in refused.value.reasons[0]
        and "09:00–12:00" in refused.value.reasons[0]
    )
    assert all(schedule.to_local(p).hour < 12 for p in refused.value.proposals)
    services.book(
        _booking(doctor, make_patient(), kinds["Séance"], FUTURE, 11, 30), user("secretary")
    )
    start, end = schedule.local_day_bounds(FUTURE + datetime.timedelta(days=7))
    Absence.create(practitioner=doctor, kind="training", starts_at=start, ends_at=end)
    with pytest.raises(services.BookingRefused) as refused:
        services.book(
            _booking(
                doctor, make_patient(), kinds["Séance"], FUTURE + datetime.timedelta(days=7), 10
            ),
            user("secretary"),
        )
    assert "absent·e (Formation)" in " ".join(refused.value.reasons)
    assert _count(app) == 1


def _series(user, patient, kinds, first, weekdays=frozenset({MONDAY, THURSDAY}), hour=18, count=10):
    from cabinet.appointments import services

    return services.create_series(
        user("secretary"),
        user("practitioner"),
        patient,
        kinds["Séance"],
        first,
        set(weekdays),
        datetime.time(hour),
        count,
    )


def test_series_preview_equals_what_is_saved(app, ctx, user, make_patient, kinds):
    from cabinet.appointments import services

    patient = make_patient()
    monday = FUTURE + datetime.timedelta(days=(7 - FUTURE.weekday()) % 7)
    preview = services.preview_series(
        user("practitioner"),
        patient,
        kinds["Séance"],
        monday,
        {MONDAY, THURSDAY},
        datetime.time(18),
        10,
    )
    assert len(preview) == 10 and not any(o.reasons for o in preview)
    series = _series(user, patient, kinds, monday)
    from cabinet.appointments.models import Appointment

    saved = [a.starts_at for a in series.appointments.order_by(Appointment.starts_at)]
    assert saved == [o.starts_at for o in preview]
    assert all(schedule.to_local(s).hour == 18 for s in saved)
    (created,) = traces(app, action="appointment.series_create")
    assert created.patient_ref == patient.ref and created.detail == "10 séances"


def test_a_series_with_one_conflict_saves_nothing(app, ctx, user, make_patient, kinds):
    from cabinet.appointments import services

    patient = make_patient()
    monday = FUTURE + datetime.timedelta(days=(7 - FUTURE.weekday()) % 7)
    services.book(
        _booking(
            user("practitioner"),
            make_patient(),
            kinds["Séance"],
            monday + datetime.timedelta(days=7),
            18,
        ),
        user("secretary"),
    )
    preview = services.preview_series(
        user("practitioner"), patient, kinds["Séance"], monday, {MONDAY}, datetime.time(18), 4
    )
    assert [bool(o.reasons) for o in preview] == [False, True, False, False]
    with pytest.raises(services.BookingRefused):
        _series(user, patient, kinds, monday, weekdays={MONDAY}, count=4)
    assert _count(app) == 1


def test_moving_one_occurrence_leaves_the_others_intact(app, ctx, user, make_patient, kinds):
    from cabinet.appointments import services
    from cabinet.appointments.models import Appointment, AppointmentEvent

    monday = FUTURE + datetime.timedelta(days=(7 - FUTURE.weekday()) % 7)
    series = _series(user, make_patient(), kinds, monday, weekdays={MONDAY}, count=4)
    occurrences = list(series.appointments.order_by(Appointment.starts_at))
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
    from cabinet.appointments import services
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
            Appointment.create(
                practitioner=doctor,
                patient=patient,
                appointment_type=kinds["Séance"],
                starts_at=start,
                ends_at=start + datetime.timedelta(minutes=30),
                series=series,
                created_by=doctor.id,
            )
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
    from cabinet.appointments import services
    from cabinet.appointments.models import Appointment

    monday = FUTURE + datetime.timedelta(days=(7 - FUTURE.weekday()) % 7)
    series = _series(user, make_patient(), kinds, monday, weekdays={MONDAY}, count=4)
    occurrences = list(series.appointments.order_by(Appointment.starts_at))
    with pytest.raises(services.BookingRefused):
        services.cancel(occurrences[0], "parce que", user("secretary"))
    assert services.cancel(occurrences[2], "hospital", user("secretary"), "following") == 2
    statuses = [a.status for a in Appointment.select().order_by(Appointment.starts_at)]
    assert statuses == ["booked", "booked", "cancelled", "cancelled"]
    # A cancelled slot is free again.
    services.book(
        _booking(
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
    from cabinet.appointments import services
    from cabinet.appointments.models import Appointment
    from cabinet.patients.models import Patient

    patient, doctor = make_patient(), user("practitioner")
    past = datetime.datetime(2026, 1, 5, 9)
    with app.app_context():
        done = Appointment.create(
            practitioner=doctor,
            patient=patient,
            appointment_type=kinds["Séance"],
            starts_at=past,
            ends_at=past + datetime.timedelta(minutes=30),
            created_by=doctor.id,
        )
    services.mark(done, "honoured", doctor)
    assert Patient.get_by_id(patient.id).last_care_at == past
    future = services.book(_booking(doctor, patient, kinds["Séance"], FUTURE, 9), doctor)
    with pytest.raises(services.BookingRefused):
        services.mark(future, "honoured", doctor)


# Through HTTP ------------------------------------------------------------------------------


def _form(patient, practitioner, kind, day, time="10:00", **extra):
    return {
        "patient_ref": patient.ref,
        "practitioner": practitioner.ref,
        "appointment_type": str(kind.id),
        "day": day.isoformat(),
        "time": time,
        "location": "practice",
        **extra,
    }


def test_secretary_books_and_sees_the_appointment(app, secretary_client, user, make_patient, kinds):
    patient = make_patient(birth_name="Réservé")
    response = secretary_client.post(
        "/agenda/rdv/nouveau", data=_form(patient, user("practitioner"), kinds["Séance"], FUTURE)
    )
    assert response.status_code == 302
    page = secretary_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "RÉSERVÉ" in page and "Réservé" in page
    agenda = secretary_client.get(f"/agenda/?jour={FUTURE.isoformat()}").get_data(as_text=True)
    assert "RÉSERVÉ" in agenda and "10:00–10:30" in agenda
    assert len(traces(app, action="appointment.agenda_view")) == 1


def test_booking_without_patient_or_on_a_taken_slot_changes_nothing(
    app, secretary_client, user, make_patient, kinds
):
    form = _form(make_patient(), user("practitioner"), kinds["Séance"], FUTURE)
    missing = secretary_client.post("/agenda/rdv/nouveau", data={**form, "patient_ref": ""})
    assert missing.status_code == 422 and "Choisissez le patient." in missing.get_data(as_text=True)
    long_note = secretary_client.post("/agenda/rdv/nouveau", data={**form, "note": "x" * 141})
    assert long_note.status_code == 422
    assert secretary_client.post("/agenda/rdv/nouveau", data=form).status_code == 302
    taken = secretary_client.post(
        "/agenda/rdv/nouveau", data={**form, "patient_ref": make_patient().ref}
    )
    page = taken.get_data(as_text=True)
    assert taken.status_code == 422 and "ne peut pas être réservé" in page
    assert "Prochains créneaux libres" in page
    assert _count(app) == 1


def test_quick_patient_is_created_with_the_minimum_identity(app, secretary_client):
    response = secretary_client.post(
        "/agenda/patients/nouveau",
        data={
            "birth_name": "Nouvelle",
            "first_names": "Zoé",
            "birth_date": "1990-05-02",
            "sex": "F",
        },
        headers={"HX-Request": "true"},
    )
    assert 'data-picked-ref="' in response.get_data(as_text=True)
    # It replaces the one "chosen patient" box, so a patient chosen before is forgotten.
    assert response.headers["HX-Retarget"] == "#picked"
    assert response.headers["HX-Reswap"] == "outerHTML"
    (created,) = traces(app, action="patient.create")
    assert created.role == "secretary"
    bad = secretary_client.post(
        "/agenda/patients/nouveau",
        data={"birth_name": "", "first_names": "", "birth_date": "2999-01-01"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422 and "Indiquez le nom." in bad.get_data(as_text=True)


def test_series_page_previews_then_saves(app, secretary_client, user, make_patient, kinds):
    patient = make_patient()
    monday = FUTURE + datetime.timedelta(days=(7 - FUTURE.weekday()) % 7)
    form = {
        "patient_ref": patient.ref,
        "practitioner": user("practitioner").ref,
        "appointment_type": str(kinds["Séance"].id),
        "count": "10",
        "weekdays": ["0", "3"],
        "time": "18:00",
        "first_date": monday.isoformat(),
        "location": "practice",
    }
    preview = secretary_client.post("/agenda/serie/nouvelle", data=form).get_data(as_text=True)
    assert "Aperçu : 10 séances" in preview and "Enregistrer les 10 séances" in preview
    assert _count(app) == 0
    saved = secretary_client.post("/agenda/serie/nouvelle", data={**form, "confirm": "y"})
    assert saved.status_code == 302 and _count(app) == 10
    no_days = secretary_client.post("/agenda/serie/nouvelle", data={**form, "weekdays": []})
    assert "Cochez au moins un jour." in no_days.get_data(as_text=True)


def test_tour_sheet_holds_only_the_allowed_fields_and_is_traced(
    app, ctx, practitioner_client, user, make_patient, kinds
):
    from cabinet.appointments import services

    doctor = user("practitioner")
    home = make_patient(
        birth_name="Domicile",
        phone="06 11 22 33 44",
        address="12 rue du Port",
        postcode="13002",
        city="Marseille",
        nir="253072B07300470",
        profession="Boulanger",
    )
    services.book(
        _booking(
            doctor,
            home,
            kinds["Soin à domicile"],
            FUTURE,
            9,
            location="home",
            access_info="Code 1234B",
            note="Sonner deux fois",
        ),
        doctor,
    )
    services.book(
        _booking(doctor, make_patient(birth_name="Cabinet"), kinds["Séance"], FUTURE, 11), doctor
    )
    page = practitioner_client.get(
        f"/agenda/tournee?praticien={doctor.ref}&jour={FUTURE.isoformat()}"
    )
    text = page.get_data(as_text=True)
    assert "DOMICILE" in text and "12 rue du Port, 13002 Marseille" in text
    assert "06 11 22 33 44" in text and "Code 1234B" in text
    for forbidden in [
        "CABINET",
        "253072B07300470",
        "Boulanger",
        "Sonner deux fois",
        "Soin à domicile",
    ]:
        assert forbidden not in text
    (printed,) = traces(app, action="appointment.tour_print")
    assert printed.patient_ref == home.ref


def test_confirmation_card_reserves_the_notice_place(
    ctx, secretary_client, user, make_patient, kinds
):
    from cabinet.appointments import services

    appointment = services.book(
        _booking(user("practitioner"), make_patient(), kinds["Séance"], FUTURE, 16),
        user("secretary"),
    )
    page = secretary_client.get(f"/agenda/rdv/{appointment.ref}/confirmation").get_data(
        as_text=True
    )
    assert 'id="notice-short"' in page and "Votre rendez-vous" in page


def test_types_are_kept_by_the_admin(app, admin_client, secretary_client):
    assert secretary_client.get("/agenda/types").status_code == 403
    response = admin_client.post(
        "/agenda/types",
        data={"name": "Rééducation périnéale", "duration_minutes": "45", "active": "y"},
    )
    assert response.status_code == 302
    bad = admin_client.post("/agenda/types", data={"name": "X", "duration_minutes": "2"})
    assert bad.status_code == 422 and "Entre 5 et 480 minutes." in bad.get_data(as_text=True)
