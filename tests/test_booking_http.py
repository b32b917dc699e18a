"""P1, X6: booking through the pages — the secretary books and sees the appointment, an
invalid or taken slot changes nothing, a patient created on the spot, the confirmation card,
the list of appointment types kept by the admin."""

import datetime
import re

from cabinet.appointments import services
from cabinet.patients.models import Patient
from tests.appointment_helpers import FUTURE, appointment_count, booking
from tests.conftest import traces


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
    # The free slot after it books in the same agenda, that day, at its end.
    (free,) = re.findall(r'<a href="([^"]*)">Libre à 10:30 — réserver', agenda)
    who = user("practitioner").ref
    assert free == f"/agenda/rdv/nouveau?praticien={who}&amp;jour={FUTURE}&amp;heure=10:30"


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
    assert appointment_count(app) == 1


def test_quick_patient_is_created_with_the_minimum_identity(app, secretary_client):
    response = secretary_client.post(
        "/agenda/patients/nouveau",
        data={
            "birth_name": " Nouvelle ",
            "first_names": "Zoé  Anne",
            "birth_date": "1990-05-02",
            "sex": "F",
        },
        headers={"HX-Request": "true"},
    )
    picked = re.search(r'data-picked-ref="([^"]+)"', response.get_data(as_text=True)).group(1)
    with app.app_context():
        patient = Patient.get(Patient.ref == picked)
    # Blanks are tidied; the birth name is also the used name until the file is completed.
    assert (patient.birth_name, patient.last_name, patient.first_names) == (
        "Nouvelle",
        "Nouvelle",
        "Zoé Anne",
    )
    assert (patient.birth_date, patient.sex, patient.phone) == (
        datetime.date(1990, 5, 2),
        "F",
        "",
    )
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
    unsexed = secretary_client.post(
        "/agenda/patients/nouveau",
        data={"birth_name": "Autre", "first_names": "Léon", "birth_date": "1990-05-02"},
        headers={"HX-Request": "true"},
    )
    assert unsexed.status_code == 422
    assert "Indiquez le sexe de l&#39;état civil." in unsexed.get_data(as_text=True)
    with app.app_context():
        assert Patient.select().count() == 1


def test_confirmation_card_reserves_the_notice_place(
    ctx, secretary_client, user, make_patient, kinds
):
    appointment = services.book(
        booking(user("practitioner"), make_patient(), kinds["Séance"], FUTURE, 16),
        user("secretary"),
    )
    page = secretary_client.get(f"/agenda/rdv/{appointment.ref}/confirmation").get_data(
        as_text=True
    )
    assert 'id="notice-short"' in page and "Votre rendez-vous" in page


def test_types_are_kept_by_the_admin(app, admin_client, secretary_client):
    from cabinet.appointments.models import AppointmentType

    def saved(name):
        with app.app_context():
            kind = AppointmentType.get_or_none(AppointmentType.name == name)
            return kind and (kind.duration_minutes, kind.is_home_visit, kind.active)

    assert secretary_client.get("/agenda/types").status_code == 403
    response = admin_client.post(
        "/agenda/types",
        data={"name": " Rééducation   périnéale", "duration_minutes": "45", "active": "y"},
    )
    assert response.status_code == 302
    assert saved("Rééducation périnéale") == (45, False, True)
    # The same name changes that type (no second row): longer, at home, no longer offered.
    changed = admin_client.post(
        "/agenda/types",
        data={"name": "Rééducation périnéale", "duration_minutes": "60", "is_home_visit": "y"},
    )
    assert changed.status_code == 302
    assert saved("Rééducation périnéale") == (60, True, False)
    assert [t.detail for t in traces(app, action="settings.update")] == [
        "Rééducation périnéale : 45 min",
        "Rééducation périnéale : 60 min",
    ]
    bad = admin_client.post("/agenda/types", data={"name": "X", "duration_minutes": "2"})
    assert bad.status_code == 422 and "Entre 5 et 480 minutes." in bad.get_data(as_text=True)
    assert saved("X") is None


def test_the_agenda_offers_free_slots_only_within_opening_hours(
    app, secretary_client, user, make_patient, kinds
):
    """Found in a walk-through: « Libre à 19:00 — réserver » was offered at closing time,
    and booking it then refused. A free slot is offered where the booking rules accept
    one: within the day's opening hours, or at any time for an agenda without any."""
    from cabinet.appointments import availability

    doctor, locum, secretary = user("practitioner"), user("locum"), user("secretary")
    with app.test_request_context():
        availability.add_opening_hours(
            secretary, doctor.ref, FUTURE.weekday(), datetime.time(8), datetime.time(11)
        )
        for who, hour, minute in ((doctor, 9, 0), (doctor, 10, 30), (locum, 18, 30)):
            services.book(
                booking(who, make_patient(), kinds["Séance"], FUTURE, hour, minute), secretary
            )
    agenda = secretary_client.get(f"/agenda/?jour={FUTURE.isoformat()}").get_data(as_text=True)
    # 09:30 is free until the next appointment (10:30); 19:00, in an agenda without opening
    # hours and nothing after, is free without a bound to say.
    assert _free_slots(agenda) == [("09:30", "1 h"), ("19:00", "")]
    week = secretary_client.get(
        f"/agenda/?jour={FUTURE.isoformat()}&vue=semaine&praticien={doctor.ref}"
    ).get_data(as_text=True)
    assert _free_slots(week) == [("09:30", "1 h")]


def _free_slots(agenda: str) -> list[tuple[str, str]]:
    """(time, how long) of each « Libre à 09:30 (1 h) — réserver » of an agenda page."""
    return re.findall(r"Libre à (\d\d:\d\d)(?: \(([^)]*)\))? — réserver", agenda)


def _chosen_type(page: str) -> str:
    (chosen,) = re.findall(
        r'<option selected value="[^"]*"[^>]*>([^<]*)</option>|'
        r'<option value="[^"]*"[^>]*selected[^>]*>([^<]*)</option>',
        page.split('name="appointment_type"', 1)[1].split("</select>", 1)[0],
    )
    return "".join(chosen)


def test_a_free_slot_says_how_long_it_lasts_and_books_a_type_that_fits(
    app, secretary_client, user, make_patient, kinds
):
    """Found in a walk-through: the 15 minutes left between two appointments opened the
    booking form on « Séance (30 min) », and booking it refused. The agenda now says how
    long each free slot lasts, and its link proposes the longest type that fits — the
    usual one when it does."""
    from cabinet.appointments import availability

    doctor, secretary = user("practitioner"), user("secretary")
    with app.test_request_context():
        availability.add_opening_hours(
            secretary, doctor.ref, FUTURE.weekday(), datetime.time(8), datetime.time(12)
        )
        # Sessions of 30 minutes at 09:00, 09:45 and 10:45; closing at 12:00.
        for hour, minute in ((9, 0), (9, 45), (10, 45)):
            services.book(
                booking(doctor, make_patient(), kinds["Séance"], FUTURE, hour, minute), secretary
            )
    agenda = secretary_client.get(f"/agenda/?jour={FUTURE.isoformat()}").get_data(as_text=True)
    assert _free_slots(agenda) == [("09:30", "15 min"), ("10:15", "30 min"), ("11:15", "45 min")]
    short, _, rest = re.findall(r'<a href="([^"]*)">Libre à', agenda)
    assert short.endswith("&amp;heure=09:30&amp;libre=15")
    assert rest.endswith("&amp;heure=11:15&amp;libre=45")
    form = secretary_client.get(short.replace("&amp;", "&")).get_data(as_text=True)
    assert _chosen_type(form) == "Séance courte (15 min)"
    assert re.search(r'<input[^>]*name="time"[^>]*value="09:30"', form), form
    # Where the usual type fits, it stays the one proposed.
    assert _chosen_type(
        secretary_client.get(rest.replace("&amp;", "&")).get_data(as_text=True)
    ) == ("Séance (30 min)")
    # A gap no type fits (5 minutes) leaves the usual choice; the booking will say why.
    tight = secretary_client.get(
        f"/agenda/rdv/nouveau?praticien={doctor.ref}&jour={FUTURE}&heure=09:30&libre=5"
    ).get_data(as_text=True)
    assert _chosen_type(tight) == "Séance (30 min)"
    # What the link says is what booking accepts: the short type fits the gap.
    patient = make_patient()
    booked = secretary_client.post(
        "/agenda/rdv/nouveau",
        data=_form(patient, doctor, kinds["Séance courte"], FUTURE, time="09:30"),
    )
    assert booked.status_code == 302
