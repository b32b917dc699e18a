"""Issue 16, access notes (A1, X6, T1): administrative notes for a home visit, kept and read
by the secretary and the care team, never the admin, bounded, framed by a reminder, shown on
the round and the tour sheet, every reading traced."""

import pytest

from cabinet.appointments import services
from tests.appointment_helpers import FUTURE, booking
from tests.conftest import traces

NOTE = {
    "door_code": "4521B",
    "key_box": "Boîte grise, code 0815",
    "floor": "3e sans ascenseur",
    "parking": "Place livraison",
    "animal": "Chat craintif",
    "contact": "Fille, 06 12 34 56 78",
}


@pytest.fixture
def home_patient(app, user, make_patient, kinds):
    """A patient of the practitioner's care team with a home visit on FUTURE."""
    patient = make_patient(birth_name="Lefort", treated_by="practitioner")
    with app.test_request_context():
        services.book(
            booking(
                user("practitioner"), patient, kinds["Soin à domicile"], FUTURE, 9, location="home"
            ),
            user("secretary"),
        )
    return patient


def _save(client, patient, **fields):
    return client.post(f"/patients/{patient.ref}/acces-domicile", data={**NOTE, **fields})


def _note(app, patient):
    from cabinet.patients.models import AccessNote

    with app.app_context():
        return AccessNote.get_or_none(AccessNote.patient == patient.id)


def test_secretary_writes_the_note_and_the_form_reminds_what_may_be_written(
    app, secretary_client, home_patient
):
    page = secretary_client.get(f"/patients/{home_patient.ref}/acces-domicile")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "aucune information sur sa santé" in text
    assert 'maxlength="40"' in text
    assert _save(secretary_client, home_patient).status_code == 302
    note = _note(app, home_patient)
    assert note.door_code == "4521B" and note.contact == "Fille, 06 12 34 56 78"
    (changed,) = traces(app, action="access_note.update")
    assert changed.patient_ref == home_patient.ref and "4521B" not in (changed.detail or "")
    assert "Digicode" in changed.detail


def test_a_too_long_field_is_refused_with_a_french_message_and_nothing_saved(
    app, secretary_client, home_patient
):
    response = _save(secretary_client, home_patient, door_code="x" * 41)
    assert response.status_code == 422
    assert "40 caractères au plus." in response.get_data(as_text=True)
    assert _note(app, home_patient) is None


def test_the_note_shows_on_the_patient_page_round_and_tour_sheet_and_each_read_is_traced(
    app, secretary_client, practitioner_client, user, home_patient
):
    _save(secretary_client, home_patient)
    doctor = user("practitioner")
    for client in (secretary_client, practitioner_client):
        page = client.get(f"/patients/{home_patient.ref}").get_data(as_text=True)
        assert "Boîte grise, code 0815" in page
    day = FUTURE.isoformat()
    for url in [
        f"/agenda/tournee/ordre?praticien={doctor.ref}&jour={day}",
        f"/agenda/tournee?praticien={doctor.ref}&jour={day}",
    ]:
        text = practitioner_client.get(url).get_data(as_text=True)
        assert "Digicode" in text and "4521B" in text and "Chat craintif" in text, url
    where = [t.detail for t in traces(app, action="access_note.view")]
    assert where.count("fiche patient") == 2
    assert "tournée" in where and "feuille de tournée" in where


def test_admin_never_reads_nor_writes_access_notes(
    app, secretary_client, admin_client, home_patient
):
    _save(secretary_client, home_patient)
    page = admin_client.get(f"/patients/{home_patient.ref}").get_data(as_text=True)
    assert page and "4521B" not in page and "Accès au domicile" not in page
    assert admin_client.get(f"/patients/{home_patient.ref}/acces-domicile").status_code == 403
    assert _save(admin_client, home_patient, door_code="0000").status_code == 403
    assert _note(app, home_patient).door_code == "4521B"


def test_a_practitioner_outside_the_care_team_neither_reads_nor_writes_them(
    app, secretary_client, role_client, user, home_patient
):
    _save(secretary_client, home_patient)
    locum = role_client("locum")
    page = locum.get(f"/patients/{home_patient.ref}").get_data(as_text=True)
    assert "4521B" not in page
    assert locum.get(f"/patients/{home_patient.ref}/acces-domicile").status_code == 404
    assert _save(locum, home_patient, door_code="0000").status_code == 404
    sheet = locum.get(f"/agenda/tournee?praticien={user('practitioner').ref}&jour={FUTURE}")
    assert sheet.status_code == 200 and "4521B" not in sheet.get_data(as_text=True)
    assert _note(app, home_patient).door_code == "4521B"


def test_a_frozen_file_keeps_its_note(app, ctx, secretary_client, user, home_patient):
    from cabinet.db import utcnow
    from cabinet.patients.models import Patient

    Patient.update(restricted_at=utcnow()).where(Patient.id == home_patient.id).execute()
    response = secretary_client.post(
        f"/patients/{home_patient.ref}/acces-domicile", data=NOTE, follow_redirects=True
    )
    assert "gelé" in response.get_data(as_text=True)
    assert _note(app, home_patient) is None


def test_unknown_patient_is_404(secretary_client):
    assert secretary_client.get("/patients/inconnu/acces-domicile").status_code == 404
