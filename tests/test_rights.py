"""I3, I5, I8: requests register, the administrative part and its encrypted export,
erasure. Restriction and objection: test_rights_restriction.py; the medical part:
test_rights_release.py."""

import datetime
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
import pyzipper

from tests.care import appointment, record_care
from tests.conftest import traces

TODAY = datetime.date.today()
ONE_WEEK = datetime.timedelta(days=7)
SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "docs" / "export-schema.json").read_text()
)


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def _cared_patient(app, make_patient, user, name="Soigné"):
    patient = make_patient(birth_name=name, treated_by="practitioner")
    record_care(app, user("practitioner"), patient, f"Allergie de {name}", paid_mode="cash")
    return patient


def test_request_register_computes_the_due_date(app, admin_client, make_patient):
    patient = make_patient()
    response = admin_client.post(
        "/droits/",
        data={
            "requester": "La patiente",
            "kind": "medical_access",
            "received_on": datetime.date.today().isoformat(),
            "identity_checked": "y",
            "patient_ref": patient.ref,
        },
    )
    assert response.status_code == 302
    from cabinet.rights.models import RightsRequest

    with app.app_context():
        row = RightsRequest.get()
    assert row.due_on == datetime.date.today() + datetime.timedelta(days=8)
    assert row.earliest_on == datetime.date.today() + datetime.timedelta(days=2)
    # Too early to answer a medical-record access (48 hours).
    early = admin_client.post(
        f"/droits/demande/{row.ref}", data={"status": "answered"}, follow_redirects=True
    )
    assert "48 heures" in early.get_data(as_text=True)
    home = admin_client.get("/").get_data(as_text=True)
    assert "Demandes de droits à traiter" not in home  # due in 8 days: not yet "soon"
    with app.app_context():
        RightsRequest.update(due_on=datetime.date.today() - datetime.timedelta(days=1)).execute()
    assert "dépassée" in admin_client.get("/").get_data(as_text=True)


def test_admin_export_decrypts_with_the_shown_password_only(app, admin_client, make_patient, user):
    """I3, P6: the administrative part, at once and without a request; no care content (A1)."""
    patient = _cared_patient(app, make_patient, user)
    other = _cared_patient(app, make_patient, user, name="Autrui")
    response = admin_client.post(f"/droits/patients/{patient.ref}/export")
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    password = re.search(r"<code data-export-password>([^<]+)</code>", page).group(1)
    again = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert password not in again  # shown once
    data = admin_client.get(f"/droits/patients/{patient.ref}/export/dossier.zip").get_data()
    with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
        with pytest.raises(RuntimeError):
            archive.setpassword(b"mauvais-mot-de-passe")
            archive.read("dossier.json")
        archive.setpassword(password.encode())
        exported = json.loads(archive.read("dossier.json"))
    jsonschema.validate(exported, SCHEMA)
    assert exported["part"] == "administrative"
    assert not {"record_item", "record_item_version", "care_session", "care_sheet"} & set(
        exported["file"]
    )
    text = json.dumps(exported, ensure_ascii=False)
    assert "SOIGNÉ" in text.upper() and "AMK 8" in text  # identity and the receipts journal
    assert "Allergie de Soigné" not in text
    assert "Autrui" not in text and other.ref not in text
    assert exported["file"]["access_report"]
    assert traces(app, action="rights.access_export")[-1].patient_ref == patient.ref
    # The download works once: the password is gone from the session.
    assert admin_client.get(f"/droits/patients/{patient.ref}/export/dossier.zip").status_code == 302


def test_erasure_refused_for_a_medical_record_and_done_for_a_booking_only_person(
    app, admin_client, make_patient, user
):
    cared = _cared_patient(app, make_patient, user)
    refused = admin_client.post(f"/droits/patients/{cared.ref}/effacer", follow_redirects=True)
    assert "obligation légale" in refused.get_data(as_text=True)
    booked = make_patient(birth_name="Rendez-vousSeulement")
    from cabinet.appointments.models import Appointment
    from cabinet.patients.models import Patient

    start = datetime.datetime(2027, 1, 5, 9)
    appointment(app, booked, user("practitioner"), start, user("secretary"))
    assert admin_client.post(f"/droits/patients/{booked.ref}/effacer").status_code == 302
    with app.app_context():
        assert Patient.get_or_none(Patient.ref == booked.ref) is None
        assert Appointment.select().count() == 0
        assert Patient.get_or_none(Patient.ref == cared.ref) is not None
    assert traces(app, action="rights.erasure")[-1].patient_ref == booked.ref
    assert traces(app, action="rights.erasure_refused")[-1].patient_ref == cared.ref


def test_optional_data_can_be_erased_from_a_kept_record(app, ctx, admin_client, make_patient, user):
    from cabinet.patients.models import Patient
    from cabinet.records import services
    from cabinet.records.models import LifestyleConsent, RecordItem

    patient = _cared_patient(app, make_patient, user)
    services.record_lifestyle_consent(user("practitioner"), patient)
    services.add_item(user("practitioner"), patient, "lifestyle", "Marche 30 min par jour")
    done = admin_client.post(
        f"/droits/patients/{patient.ref}/effacer-facultatif", follow_redirects=True
    )
    assert "Informations facultatives effacées (1 habitude(s) de vie)." in done.get_data(
        as_text=True
    )
    kinds = [i.kind for i in RecordItem.select().where(RecordItem.patient == patient.id)]
    assert kinds == ["allergy"]
    assert not LifestyleConsent.select().where(LifestyleConsent.patient == patient.id).exists()
    assert Patient.get_by_id(patient.id).objects_to_reminders


def test_printable_administrative_part_speaks_french(app, admin_client, make_patient, user):
    patient = _cared_patient(app, make_patient, user)
    page = admin_client.get(f"/droits/patients/{patient.ref}/dossier").get_data(as_text=True)
    assert "Nom de naissance" in page and "Date de naissance" in page and "14/03/1950" in page
    assert "birth_name" not in page and "first_names" not in page
    assert "Allergie de Soigné" not in page and "<h2>Dossier de soins" not in page  # A1
    assert traces(app, action="rights.access_print")[-1].patient_ref == patient.ref


def test_an_export_page_without_a_prepared_export_says_it_expired(
    app, admin_client, practitioner_client, make_patient, user
):
    """The password page and the download need an export prepared in this session: else
    the request ends on the French "expired" message, and nothing is exported or traced."""
    from cabinet.rights import services

    patient = _cared_patient(app, make_patient, user)
    expired = "Export expiré : préparez-le de nouveau."
    for url in (
        f"/droits/patients/{patient.ref}/export/pret",
        f"/droits/patients/{patient.ref}/export/dossier.zip",
    ):
        response = admin_client.get(url)
        assert response.headers["Location"] == "/droits/"
        assert expired in admin_client.get("/droits/").get_data(as_text=True)
    with app.test_request_context():
        row = services.create_request(
            user("secretary"),
            "Le patient",
            "medical_access",
            TODAY - ONE_WEEK,
            True,
            False,
            patient.ref,
        )
    for url in (
        f"/droits/demande/{row.ref}/export/pret",
        f"/droits/demande/{row.ref}/export/dossier.zip",
    ):
        response = practitioner_client.get(url)
        assert response.headers["Location"] == f"/droits/demande/{row.ref}"
        page = practitioner_client.get(response.headers["Location"]).get_data(as_text=True)
        assert expired in page
    assert not traces(app, action="rights.access_export")
