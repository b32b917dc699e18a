"""A2, T1: the care team cannot be entered by the back door. Booking a patient treated by
colleagues for oneself asks for a reason (traced, shown to the treating practitioner); other
people's acts (a secretary's booking, a referral) and a first booking put a practitioner in
the team; nobody reads a record written by others without one of them."""

import datetime

import pytest

from tests.care import new_appointment
from tests.conftest import login, traces

SENTINEL = "SENTINELLE-EQUIPE-41c9"
DAY = datetime.date.today() + datetime.timedelta(days=9)


@pytest.fixture
def followed(app, make_patient, user):
    """A patient treated by the practitioner, whose record holds a sentinel."""
    from cabinet.records import services

    patient = make_patient(birth_name="Suivi", treated_by="practitioner")
    with app.test_request_context():
        services.add_item(user("practitioner"), patient, "allergy", f"{SENTINEL} allergie")
    return patient


def _form(patient, practitioner, kind, time="10:00", **extra):
    return {
        "patient_ref": patient.ref,
        "practitioner": practitioner.ref,
        "appointment_type": str(kind.id),
        "day": DAY.isoformat(),
        "time": time,
        "location": "practice",
        **extra,
    }


def _appointments(app, patient):
    from cabinet.appointments.models import Appointment

    with app.app_context():
        return Appointment.select().where(Appointment.patient == patient.id).count()


def _members(app, patient):
    from cabinet.patients.models import CareAssignment

    with app.app_context():
        return {
            (m.practitioner.login, m.source, m.reason)
            for m in CareAssignment.select().where(CareAssignment.patient == patient.id)
        }


def _record(client, patient) -> str:
    response = client.get(f"/soins/{patient.ref}")
    return response.get_data(as_text=True) if response.status_code == 200 else ""


NAMES = {"practitioner": "Dr Paul Soignant", "locum": "Léa Remplaçante"}


@pytest.mark.parametrize(
    "treating, booking", [("practitioner", "locum"), ("locum", "practitioner")]
)
def test_booking_oneself_a_followed_patient_asks_for_a_reason_first(
    app, role_client, user, make_patient, kinds, treating, booking
):
    """The finding: book the patient for oneself, then read the whole record with no trace."""
    from cabinet.records import services

    followed = make_patient(birth_name="Suivi", treated_by=treating)
    with app.test_request_context():
        services.add_item(user(treating), followed, "allergy", f"{SENTINEL} allergie")
    client = role_client(booking)
    me = user(booking)
    assert SENTINEL not in _record(client, followed)

    refused = client.post("/agenda/rdv/nouveau", data=_form(followed, me, kinds["Séance"]))
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert f"Ce patient est suivi par {NAMES[treating]}" in page and "data-taking-on" in page
    assert _appointments(app, followed) == 0
    assert SENTINEL not in _record(client, followed)
    assert traces(app, action="care_team.join", actor_id=me.id) == []

    booked = client.post(
        "/agenda/rdv/nouveau",
        data=_form(followed, me, kinds["Séance"], team_reason="replacement", team_note="congés"),
    )
    assert booked.status_code == 302
    assert (me.login, "break_glass", "replacement") in _members(app, followed)
    assert SENTINEL in _record(client, followed)
    (joined,) = traces(app, action="care_team.join", actor_id=me.id)
    assert "Remplacement d'un confrère" in joined.detail and joined.actor_id == me.id

    # The treating practitioner is told on her home page.
    home = login(app.test_client(), treating).get("/").get_data(as_text=True)
    assert f"{NAMES[booking]} suit désormais" in home and "Remplacement d&#39;un confrère" in home


def test_a_series_for_oneself_asks_for_the_reason_too(app, role_client, user, followed, kinds):
    client = role_client("locum")
    monday = DAY + datetime.timedelta(days=(7 - DAY.weekday()) % 7)
    form = {
        "patient_ref": followed.ref,
        "practitioner": user("locum").ref,
        "appointment_type": str(kinds["Séance"].id),
        "count": "3",
        "weekdays": ["0"],
        "time": "18:00",
        "first_date": monday.isoformat(),
        "location": "practice",
    }
    preview = client.post("/agenda/serie/nouvelle", data=form).get_data(as_text=True)
    assert "data-taking-on" in preview
    refused = client.post("/agenda/serie/nouvelle", data={**form, "confirm": "y"})
    assert refused.status_code == 422 and _appointments(app, followed) == 0
    saved = client.post(
        "/agenda/serie/nouvelle", data={**form, "confirm": "y", "team_reason": "continuity"}
    )
    assert saved.status_code == 302 and _appointments(app, followed) == 3
    assert SENTINEL in _record(client, followed)


def test_a_secretarys_booking_puts_the_practitioner_in_the_team(
    app, secretary_client, role_client, user, followed, kinds
):
    """Another person's act: traced, shown to the treating practitioner."""
    booked = secretary_client.post(
        "/agenda/rdv/nouveau", data=_form(followed, user("locum"), kinds["Séance"])
    )
    assert booked.status_code == 302
    assert ("remplacant", "booking", "") in _members(app, followed)
    (joined,) = traces(app, action="care_team.join", actor_id=user("secretary").id)
    assert joined.patient_ref == followed.ref
    assert SENTINEL in _record(role_client("locum"), followed)
    # The secretary herself never reads the record.
    assert secretary_client.get(f"/soins/{followed.ref}").status_code == 403


def test_a_first_booking_of_a_new_patient_needs_no_reason(
    app, role_client, user, make_patient, kinds
):
    newcomer = make_patient(birth_name="Nouveau")
    client = role_client("locum")
    booked = client.post(
        "/agenda/rdv/nouveau", data=_form(newcomer, user("locum"), kinds["Séance"])
    )
    assert booked.status_code == 302
    assert _members(app, newcomer) == {("remplacant", "first_booking", "")}


def test_a_cancelled_or_past_appointment_opens_nothing_by_itself(
    app, role_client, user, followed, kinds
):
    """Appointments written straight into the table (an import, an old bug) give no access:
    only the care team does."""

    locum = user("locum")
    start = datetime.datetime.combine(DAY, datetime.time(9))
    with app.app_context():
        new_appointment(followed, locum, start)
    response = role_client("locum").get(f"/soins/{followed.ref}")
    assert response.status_code == 302 and "acces-exceptionnel" in response.headers["Location"]


def test_referral_by_a_treating_practitioner_or_the_admin_only(
    app, role_client, admin_client, user, followed
):
    locum = role_client("locum")
    # Outside the team, the locum cannot refer the patient to herself.
    refused = locum.post(
        f"/patients/{followed.ref}/equipe-de-soins", data={"practitioner": user("locum").ref}
    )
    assert refused.status_code == 302 and _members(app, followed) == {("praticien", "assigned", "")}
    page = locum.get(f"/patients/{followed.ref}").get_data(as_text=True)
    assert "Dr Paul Soignant" in page and "Adresser à ce confrère" not in page

    treating = role_client("practitioner")
    treating.post(
        f"/patients/{followed.ref}/equipe-de-soins", data={"practitioner": user("locum").ref}
    )
    assert ("remplacant", "referral", "") in _members(app, followed)
    assert SENTINEL in _record(locum, followed)
    # The admin refers too, and still reads nothing of the record.
    assert admin_client.get(f"/soins/{followed.ref}").status_code == 403
    assert SENTINEL not in admin_client.get(f"/patients/{followed.ref}").get_data(as_text=True)


def test_the_secretary_cannot_refer(secretary_client, user, followed):
    response = secretary_client.post(
        f"/patients/{followed.ref}/equipe-de-soins", data={"practitioner": user("locum").ref}
    )
    assert response.status_code == 403


def test_care_recorded_under_break_glass_joins_the_team_with_its_reason(
    app, role_client, user, followed
):
    locum = role_client("locum")
    locum.post(f"/soins/{followed.ref}/acces-exceptionnel", data={"reason": "emergency"})
    assert SENTINEL in _record(locum, followed)
    assert ("remplacant", "break_glass", "") not in _members(app, followed)
    locum.post(
        f"/soins/{followed.ref}/elements",
        data={"kind": "exam", "label": "Tension prise au domicile"},
    )
    assert ("remplacant", "break_glass", "emergency") in _members(app, followed)


def test_migration_keeps_the_access_existing_appointments_gave(app, user, make_patient, kinds):
    """0009: a practitioner booked before the change stays in the team (nobody loses access)."""
    from cabinet.db import database
    from cabinet.patients.models import CareAssignment

    patient = make_patient()
    doctor = user("practitioner")
    start = datetime.datetime.combine(DAY, datetime.time(9))
    with app.app_context():
        new_appointment(patient, doctor, start)
        from importlib import import_module

        migration = import_module("migrations.0009_care_team")
        for query in migration.EXISTING:
            database.execute_sql(
                "INSERT OR IGNORE INTO care_assignment "
                f"(patient_id, practitioner_id, created_at, source, reason, note) {query}"
            )
        (member,) = CareAssignment.select().where(CareAssignment.patient == patient.id)
        assert member.practitioner_id == doctor.id and member.source == "migration"
