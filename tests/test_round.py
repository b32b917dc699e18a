"""Issue 16, the round (P3, A6, T1): the day's home visits in an order the practitioner sets,
saved, followed by the tour sheet; a `geo:` link per stop; the kilometres of the day entered
once, prefilling the IK of the cotation aid."""

import datetime
import re
from decimal import Decimal

import pytest

from cabinet.appointments import rounds, services
from tests.appointment_helpers import FUTURE, booking
from tests.conftest import traces

DAY = FUTURE.isoformat()


@pytest.fixture
def three_visits(app, user, make_patient, kinds):
    """Three home visits of the practitioner on FUTURE at 9, 10 and 11 h, booked by the
    secretary (the practitioner joins each care team)."""
    doctor = user("practitioner")
    patients = []
    for hour, name in [(9, "Aubert"), (10, "Bernard"), (11, "Chevalier")]:
        patient = make_patient(birth_name=name, address=f"{hour} rue des Lilas")
        with app.test_request_context():
            services.book(
                booking(doctor, patient, kinds["Soin à domicile"], FUTURE, hour, location="home"),
                user("secretary"),
            )
        patients.append(patient)
    return patients


def _names_in_order(text: str) -> list[str]:
    """The patients in the order they first appear (a stop names its patient several times)."""
    return list(dict.fromkeys(re.findall(r"AUBERT|BERNARD|CHEVALIER", text)))


def _move(client, doctor, appointment_ref, sens):
    return client.post(
        "/agenda/tournee/deplacer",
        data={"praticien": doctor.ref, "jour": DAY, "rdv": appointment_ref, "sens": sens},
    )


def _visit_ref(app, patient):
    from cabinet.appointments.models import Appointment

    with app.app_context():
        return Appointment.get(Appointment.patient == patient.id).ref


def test_round_starts_in_time_order_and_the_order_set_is_saved_and_printed(
    app, practitioner_client, user, three_visits
):
    doctor = user("practitioner")
    page = practitioner_client.get(f"/agenda/tournee/ordre?praticien={doctor.ref}&jour={DAY}")
    assert page.status_code == 200
    assert _names_in_order(page.get_data(as_text=True)) == ["AUBERT", "BERNARD", "CHEVALIER"]
    chevalier = _visit_ref(app, three_visits[2])
    assert _move(practitioner_client, doctor, chevalier, "up").status_code == 302
    moved = _move(practitioner_client, doctor, chevalier, "up")
    assert "deplace=" in moved.headers["Location"]
    page = practitioner_client.get(moved.headers["Location"]).get_data(as_text=True)
    assert _names_in_order(page) == ["CHEVALIER", "AUBERT", "BERNARD"]
    # The moved button keeps the keyboard focus after the page comes back.
    assert re.search(r'aria-label="Monter CHEVALIER"\s+autofocus', page)
    sheet = practitioner_client.get(f"/agenda/tournee?praticien={doctor.ref}&jour={DAY}")
    assert _names_in_order(sheet.get_data(as_text=True)) == ["CHEVALIER", "AUBERT", "BERNARD"]
    with app.app_context():
        assert [v.patient.birth_name for v in rounds.ordered(doctor, FUTURE)] == [
            "Chevalier",
            "Aubert",
            "Bernard",
        ]
    assert len(traces(app, action="round.order")) == 2
    assert {t.patient_ref for t in traces(app, action="round.view")} == {
        p.ref for p in three_visits
    }


def test_moving_past_either_end_is_refused_and_changes_nothing(
    app, practitioner_client, user, three_visits
):
    doctor = user("practitioner")
    first = _visit_ref(app, three_visits[0])
    response = _move(practitioner_client, doctor, first, "up")
    follow = practitioner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "déjà à ce bout de la tournée" in follow
    assert traces(app, action="round.order") == []
    bad = _move(practitioner_client, doctor, first, "sideways")
    assert bad.status_code == 302 and traces(app, action="round.order") == []


def test_a_visit_booked_after_the_order_comes_last_and_a_cancelled_one_leaves(
    app, ctx, practitioner_client, user, make_patient, kinds, three_visits
):
    doctor = user("practitioner")
    _move(practitioner_client, doctor, _visit_ref(app, three_visits[2]), "up")
    late = make_patient(birth_name="Dupont")
    services.book(
        booking(doctor, late, kinds["Soin à domicile"], FUTURE, 8, location="home"),
        user("secretary"),
    )
    names = [v.patient.birth_name for v in rounds.ordered(doctor, FUTURE)]
    assert names == ["Aubert", "Chevalier", "Bernard", "Dupont"]
    from cabinet.appointments.models import Appointment

    cancelled = Appointment.get(Appointment.patient == three_visits[0].id)
    services.cancel(cancelled, "patient", user("secretary"))
    assert [v.patient.birth_name for v in rounds.ordered(doctor, FUTURE)] == [
        "Chevalier",
        "Bernard",
        "Dupont",
    ]


def test_each_stop_links_to_the_devices_maps_app(practitioner_client, user, three_visits):
    doctor = user("practitioner")
    page = practitioner_client.get(f"/agenda/tournee/ordre?praticien={doctor.ref}&jour={DAY}")
    text = page.get_data(as_text=True)
    assert 'href="geo:0,0?q=9%20rue%20des%20Lilas%2C%2075011%20Paris"' in text
    # Nothing of a map service is fetched by the page.
    assert "openstreetmap" not in text and "google" not in text


def test_round_partial_for_htmx(practitioner_client, user, three_visits):
    doctor = user("practitioner")
    response = practitioner_client.get(
        f"/agenda/tournee/ordre?praticien={doctor.ref}&jour={DAY}", headers={"HX-Request": "true"}
    )
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith('<section class="card" id="round"')
    assert "<html" not in text


def test_secretary_orders_a_round_too_and_the_admin_cannot(
    app, secretary_client, admin_client, user, three_visits
):
    doctor = user("practitioner")
    ref = _visit_ref(app, three_visits[1])
    assert _move(secretary_client, doctor, ref, "down").status_code == 302
    with app.app_context():
        assert rounds.ordered(doctor, FUTURE)[-1].ref == ref
    assert admin_client.get(f"/agenda/tournee/ordre?jour={DAY}").status_code == 403
    assert _move(admin_client, doctor, ref, "up").status_code == 403


def test_round_get_on_post_routes_is_405(practitioner_client):
    assert practitioner_client.get("/agenda/tournee/deplacer").status_code == 405
    assert practitioner_client.get("/agenda/tournee/kilometres").status_code == 405


def test_unknown_practitioner_is_404(practitioner_client):
    response = practitioner_client.post(
        "/agenda/tournee/deplacer",
        data={"praticien": "inconnu", "jour": DAY, "rdv": "x", "sens": "up"},
    )
    assert response.status_code == 404


def test_kilometres_of_the_day_are_entered_once_and_prefill_the_ik(
    app, ctx, practitioner_client, user, make_patient
):
    doctor = user("practitioner")
    today = datetime.date.today()
    saved = practitioner_client.post(
        "/agenda/tournee/kilometres",
        data={"praticien": doctor.ref, "jour": today.isoformat(), "km": "42,5"},
    )
    assert saved.status_code == 302
    assert rounds.day_kilometres(doctor, today) == Decimal("42.5")
    assert rounds.day_kilometres(doctor, today + datetime.timedelta(days=1)) is None
    (trace,) = traces(app, action="round.kilometres")
    assert trace.patient_ref is None
    patient = make_patient(treated_by="practitioner")
    page = practitioner_client.get(f"/cotation/patient/{patient.ref}").get_data(as_text=True)
    assert 'value="42.5"' in page and "kilomètres de votre tournée du jour" in page


def test_kilometres_out_of_bounds_are_refused(app, ctx, practitioner_client, user):
    doctor = user("practitioner")
    response = practitioner_client.post(
        "/agenda/tournee/kilometres",
        data={"praticien": doctor.ref, "jour": DAY, "km": "5000"},
        follow_redirects=True,
    )
    assert "Entre 0 et 999,9 km." in response.get_data(as_text=True)
    assert rounds.day_kilometres(doctor, FUTURE) is None
    assert traces(app, action="round.kilometres") == []
