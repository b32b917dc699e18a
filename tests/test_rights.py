"""I3–I8: requests register, encrypted export, erasure, restriction, objection."""

import datetime
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
import pyzipper

from tests.conftest import traces

SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "docs" / "export-schema.json").read_text()
)


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def _cared_patient(app, make_patient, user, name="Soigné"):
    from cabinet.records import services
    from cabinet.records.models import Act

    patient = make_patient(birth_name=name, treated_by="practitioner")
    with app.test_request_context():
        services.add_item(user("practitioner"), patient, "allergy", f"Allergie de {name}")
        services.record_session(
            user("practitioner"),
            patient,
            datetime.date.today(),
            [(Act.get(Act.code == "AMK 8"), 1)],
            paid_mode="cash",
        )
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
    from cabinet.appointments.models import Appointment, AppointmentType
    from cabinet.patients.models import Patient

    with app.app_context():
        start = datetime.datetime(2027, 1, 5, 9)
        Appointment.create(
            practitioner=user("practitioner"),
            patient=booked,
            appointment_type=AppointmentType.get(),
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=30),
            created_by=user("secretary").id,
        )
    assert admin_client.post(f"/droits/patients/{booked.ref}/effacer").status_code == 302
    with app.app_context():
        assert Patient.get_or_none(Patient.ref == booked.ref) is None
        assert Appointment.select().count() == 0
        assert Patient.get_or_none(Patient.ref == cared.ref) is not None
    assert traces(app, action="rights.erasure")[-1].patient_ref == booked.ref
    assert traces(app, action="rights.erasure_refused")[-1].patient_ref == cared.ref


def test_optional_data_can_be_erased_from_a_kept_record(app, ctx, admin_client, make_patient, user):
    from cabinet.records import services
    from cabinet.records.models import RecordItem

    patient = _cared_patient(app, make_patient, user)
    services.record_lifestyle_consent(user("practitioner"), patient)
    services.add_item(user("practitioner"), patient, "lifestyle", "Marche 30 min par jour")
    admin_client.post(f"/droits/patients/{patient.ref}/effacer-facultatif")
    kinds = [i.kind for i in RecordItem.select().where(RecordItem.patient == patient.id)]
    assert kinds == ["allergy"]


def _snapshot(app, patient_id):
    from cabinet.appointments.models import Appointment
    from cabinet.db import database
    from cabinet.patients.models import PatientChange
    from cabinet.records.models import CareSession, Receipt, RecordItemVersion

    with app.app_context():
        return (
            database.execute_sql("SELECT * FROM patient WHERE id = ?", (patient_id,)).fetchall(),
            PatientChange.select().count(),
            Appointment.select().count(),
            RecordItemVersion.select().count(),
            CareSession.select().count(),
            Receipt.select().count(),
        )


def test_restriction_blocks_every_write_path(app, admin_client, role_client, make_patient, user):
    """Walk every POST route with a practitioner and a secretary: nothing changes."""
    from flask import url_for

    from cabinet.appointments.models import Appointment, AppointmentType

    patient = _cared_patient(app, make_patient, user)
    with app.app_context():
        start = datetime.datetime.combine(
            datetime.date.today() - datetime.timedelta(days=1), datetime.time(9)
        )
        appointment = Appointment.create(
            practitioner=user("practitioner"),
            patient=patient,
            appointment_type=AppointmentType.get(),
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=30),
            created_by=user("secretary").id,
        )
        from cabinet.records.models import RecordItem

        item = RecordItem.get(RecordItem.patient == patient.id)
    admin_client.post(f"/droits/patients/{patient.ref}/limiter")
    page = admin_client.get(f"/patients/{patient.ref}").get_data(as_text=True)
    assert "Dossier gelé" in page
    before = _snapshot(app, patient.id)
    values = {"patient_ref": patient.ref, "appointment_ref": appointment.ref, "item_ref": item.ref}
    forms = {
        "patients.edit": {
            "birth_name": "Changé",
            "first_names": "X",
            "birth_date": "1950-03-14",
            "sex": "F",
            "family_situation": "",
            "identity_status": "provisoire",
        },
        "records.add_item": {"kind": "allergy", "label": "Nouvelle"},
        "records.correct_item": {"kind": "allergy", "label": "Corrigée"},
        "records.new_session": {"session_date": datetime.date.today().isoformat(), "acts": ["1"]},
        "appointments.move": {"day": datetime.date.today().isoformat(), "time": "15:00"},
        "appointments.cancel": {"reason": "patient"},
        "appointments.mark": {"status": "missed"},
        "rights.preferences": {"reminders": "y"},
    }
    for role in ("practitioner", "secretary"):
        client = role_client(role)
        with app.test_request_context():
            urls = []
            for rule in app.url_map.iter_rules():
                if "POST" not in rule.methods or not set(rule.arguments) <= set(values):
                    continue
                if (
                    not rule.arguments
                    or rule.endpoint.startswith("rights.")
                    and rule.endpoint != "rights.preferences"
                ):
                    continue
                urls.append(
                    (
                        rule.endpoint,
                        url_for(rule.endpoint, **{a: values[a] for a in rule.arguments}),
                    )
                )
        for endpoint, url in urls:
            client.post(url, data=forms.get(endpoint, {}))
        client.post(
            "/agenda/rdv/nouveau",
            data={
                "patient_ref": patient.ref,
                "practitioner": user("practitioner").ref,
                "appointment_type": "2",
                "day": (datetime.date.today() + datetime.timedelta(days=9)).isoformat(),
                "time": "10:00",
                "location": "practice",
            },
        )
        client.post(
            "/soins/recettes/paiement",
            data={
                "patient_ref": patient.ref,
                "received_on": datetime.date.today().isoformat(),
                "act": "1",
                "amount": "10",
                "payment_mode": "cash",
            },
        )
        assert len(urls) >= 8
    assert _snapshot(app, patient.id) == before
    admin_client.post(f"/droits/patients/{patient.ref}/lever-limitation")
    assert "Dossier gelé" not in admin_client.get(f"/patients/{patient.ref}").get_data(as_text=True)
    assert {"rights.restriction", "rights.restriction_lifted"} <= {
        t.action for t in traces(app, patient_ref=patient.ref)
    }


def test_restriction_suspends_retention(app, ctx, admin_client, make_patient, user):
    from cabinet.patients.models import Patient
    from cabinet.retention import jobs

    patient = _cared_patient(app, make_patient, user)
    Patient.update(last_care_at=datetime.datetime(2000, 1, 1)).where(
        Patient.id == patient.id
    ).execute()
    admin_client.post(f"/droits/patients/{patient.ref}/limiter")
    summary = jobs.run(datetime.datetime(2026, 11, 29))
    assert summary["archived"] == 0 and summary["suspended"] == 1


def test_objection_to_reminders_is_honoured(app, secretary_client, make_patient, user):
    from cabinet.appointments import services

    agreed, refused = make_patient(birth_name="Accepte"), make_patient(birth_name="Refuse")
    secretary_client.post(f"/droits/patients/{agreed.ref}/preferences", data={"reminders": "y"})
    secretary_client.post(f"/droits/patients/{refused.ref}/preferences", data={})
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    with app.test_request_context():
        from cabinet.appointments.models import AppointmentType
        from cabinet.appointments.schedule import to_utc

        kind = AppointmentType.get(AppointmentType.name == "Séance")
        for patient, hour in ((agreed, 9), (refused, 10)):
            services.book(
                services.Booking(
                    user("practitioner"), patient, kind, to_utc(tomorrow, datetime.time(hour))
                ),
                user("secretary"),
            )
    page = secretary_client.get(f"/agenda/rappels?jour={tomorrow.isoformat()}").get_data(
        as_text=True
    )
    assert "ACCEPTE" in page and "REFUSE" not in page
    assert "1 patient(s) s'opposent" in page or "s'oppose" in page


def test_printable_administrative_part_speaks_french(app, admin_client, make_patient, user):
    patient = _cared_patient(app, make_patient, user)
    page = admin_client.get(f"/droits/patients/{patient.ref}/dossier").get_data(as_text=True)
    assert "Nom de naissance" in page and "Date de naissance" in page and "14/03/1950" in page
    assert "birth_name" not in page and "first_names" not in page
    assert "Allergie de Soigné" not in page and "<h2>Dossier de soins" not in page  # A1
    assert traces(app, action="rights.access_print")[-1].patient_ref == patient.ref
