"""I6, I7: a frozen file (restriction) refuses every change whatever the route, with one
wording — the service's —, suspends retention, and is lifted by the admin; the patient's
objections to reminders and to sharing are honoured."""

import datetime
import html

import pytest

from tests.care import appointment, record_care
from tests.conftest import traces

FROZEN = (
    "Ce dossier est gelé (limitation demandée par le patient) : aucune modification "
    "n'est possible tant que la limitation n'est pas levée."
)


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def _cared_patient(app, make_patient, user):
    patient = make_patient(birth_name="Soigné", treated_by="practitioner")
    record_care(app, user("practitioner"), patient, "Allergie de Soigné", paid_mode="cash")
    return patient


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

    from cabinet.records.models import RecordItem

    patient = _cared_patient(app, make_patient, user)
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    booked = appointment(
        app,
        patient,
        user("practitioner"),
        datetime.datetime.combine(yesterday, datetime.time(9)),
        user("secretary"),
    )
    with app.app_context():
        item = RecordItem.get(RecordItem.patient == patient.id)
    admin_client.post(f"/droits/patients/{patient.ref}/limiter")
    page = admin_client.get(f"/patients/{patient.ref}").get_data(as_text=True)
    assert "Dossier gelé" in page
    before = _snapshot(app, patient.id)
    values = {"patient_ref": patient.ref, "appointment_ref": booked.ref, "item_ref": item.ref}
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
    with app.app_context():
        from cabinet.patients.models import Patient

        assert not Patient.get_by_id(agreed.id).objects_to_reminders
        assert Patient.get_by_id(refused.id).objects_to_reminders
    assert len(traces(app, action="rights.objection")) == 2
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


def test_restricting_and_lifting_are_written_and_said(app, admin_client, make_patient):
    from cabinet.patients.models import Patient

    patient = make_patient()
    frozen = admin_client.post(f"/droits/patients/{patient.ref}/limiter", follow_redirects=True)
    assert "Dossier gelé : lecture seule jusqu&#39;à la levée" in frozen.get_data(as_text=True)
    with app.app_context():
        row = Patient.get_by_id(patient.id)
        assert row.restricted_at is not None and row.retention_suspended
    lifted = admin_client.post(
        f"/droits/patients/{patient.ref}/lever-limitation", follow_redirects=True
    )
    assert "Limitation levée." in lifted.get_data(as_text=True)
    with app.app_context():
        row = Patient.get_by_id(patient.id)
        assert row.restricted_at is None and not row.retention_suspended


def test_preferences_of_a_frozen_file_are_refused_in_the_services_words(
    app, admin_client, secretary_client, make_patient
):
    """One rule, one wording: the preferences page says what every other write path says
    (patients.services.PatientRestricted), and nothing changes."""
    from cabinet.patients.models import Patient

    patient = make_patient()
    admin_client.post(f"/droits/patients/{patient.ref}/limiter")
    response = secretary_client.post(
        f"/droits/patients/{patient.ref}/preferences",
        data={"reminders": "y", "sharing_objection": "y"},
        follow_redirects=True,
    )
    assert FROZEN in html.unescape(response.get_data(as_text=True))
    with app.app_context():
        row = Patient.get_by_id(patient.id)
    assert row.objects_to_reminders and not row.objects_to_sharing  # the defaults, untouched
    assert not traces(app, action="rights.objection")
    edit = secretary_client.post(
        f"/patients/{patient.ref}/modifier",
        data={
            "birth_name": "Changé",
            "first_names": "X",
            "birth_date": "1950-03-14",
            "sex": "F",
            "identity_status": "provisoire",
        },
        follow_redirects=True,
    )
    assert FROZEN in html.unescape(edit.get_data(as_text=True))
