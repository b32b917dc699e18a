"""A1: neither the secretary nor the admin (who holds no care permission) ever receives a
byte of care-record content — not in a page, a fragment, a JSON answer, a CSV export, an
encrypted export, a print or an error page."""

import datetime
import io
import json
import re

import pytest
import pyzipper

from cabinet.db import utcnow

SENTINEL = "SENTINELLE-SOIN-7f3a"
NUMBER = "987,65"  # a measurement value, as the pages would print it


@pytest.fixture
def record_full_of_sentinels(app, user, make_patient):
    from cabinet.appointments.models import Appointment, AppointmentType
    from cabinet.patients.models import CareAssignment
    from cabinet.records import services
    from cabinet.records.models import ITEM_KINDS, Act

    doctor = user("practitioner")
    patient = make_patient(birth_name="Témoin")
    with app.test_request_context():
        CareAssignment.create(patient=patient, practitioner=doctor)
        services.record_lifestyle_consent(doctor, patient)
        items = []
        for kind in ITEM_KINDS:
            items.append(
                services.add_item(
                    doctor,
                    patient,
                    kind,
                    f"{SENTINEL} {kind}",
                    value=987.65 if kind == "measurement" else None,
                    unit="kg" if kind == "measurement" else "",
                    note=f"note {SENTINEL}",
                )
            )
        act = Act.get(Act.code == "AMK 8")
        services.record_session(
            doctor,
            patient,
            datetime.date.today(),
            [(act, 1)],
            pain_score=7,
            range_of_motion=173,
            note=f"séance {SENTINEL}",
            paid_mode="cash",
        )
        kind = AppointmentType.get(AppointmentType.name == "Séance")
        start = datetime.datetime.combine(datetime.date.today(), datetime.time(9))
        appointment = Appointment.create(
            practitioner=doctor,
            patient=patient,
            appointment_type=kind,
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=30),
            location="home",
            created_by=doctor.id,
        )
        from cabinet.rights import services as rights

        # A medical-record request whose delay has passed: only a practitioner may answer it.
        request = rights.create_request(
            user("secretary"),
            "Le patient",
            "medical_access",
            datetime.date.today() - datetime.timedelta(days=3),
            True,
            False,
            patient.ref,
        )
        prescription, visit = _prescription_full_of_sentinels(doctor, patient)
        transmission = _transmission_full_of_sentinels(doctor, patient, user("locum"))
        from cabinet.handover import services as handovers

        # Handed over to the locum from tomorrow: until then, closed to her like the rest.
        soon = datetime.date.today() + datetime.timedelta(days=1)
        handover = handovers.prepare(
            doctor, user("locum"), soon, soon + datetime.timedelta(days=4), [patient]
        )
    return {
        "patient_ref": patient.ref,
        "appointment_ref": appointment.ref,
        "item_ref": items[0].ref,
        "prescription_ref": prescription.ref,
        "visit_ref": visit.ref,
        "transmission_ref": transmission.ref,
        "handover_ref": handover.ref,
        "user_ref": user("locum").ref,
        "filename": "css/app.css",
        "credential_id": 1,
        "session_id": 1,
        "hours_id": 1,
        "absence_id": 1,
        "target": "application",
        "run_id": 1,
        "request_ref": request.ref,
        "kind": "poster",
        "entry_ref": "inconnu",
        "incident_ref": "inconnu",
        "review_ref": "inconnu",
        "import_ref": "inconnu",
    }


def _prescription_full_of_sentinels(doctor, patient):
    """A prescription due for renewal whose acts (words and codes) hold the sentinel, with a
    photo, a BSI and a priced, paid visit: the secretary's renewal list shows the patient,
    the prescriber and the date, and nothing of the acts."""
    from cabinet.billing import services as billing
    from cabinet.prescriptions import services as prescriptions
    from tests.photos import jpeg

    today = datetime.date.today()
    prescription = prescriptions.create(
        doctor,
        patient,
        {
            "prescriber_name": "Dr Prescriptrice",
            "prescriber_rpps": "",
            "prescribed_on": today,
            "kind": "nursing",
            "acts_text": f"pansement {SENTINEL}",
            "act_codes": f"AMI 4, {SENTINEL}",
            "sessions_count": 10,
            "per_week": 7,
            "rhythm": f"rythme {SENTINEL}",
            "starts_on": today,
            "valid_until": today + datetime.timedelta(days=3),
            "renewable": True,
            "night_required": False,
            "home_care": True,
        },
        jpeg(),
    )
    prescriptions.record_bsi(doctor, patient, today, "BSB")
    visit = billing.save(
        doctor,
        patient,
        billing.Visit(today, datetime.time(9), ["ami-pansement-lourd"], prescription, home=True),
    )
    billing.mark_paid(doctor, visit, "cash")
    return prescription, visit


def _transmission_full_of_sentinels(doctor, patient, locum):
    """A transmission (every field holding the sentinel, corrected once) and the patient's
    access notes: the secretary reads the notes, never the transmission."""
    from cabinet.patients import access_notes
    from cabinet.transmissions import services as transmissions

    fields = {name: f"{name} {SENTINEL}" for name in ("target", "data", "actions", "results")}
    transmission = transmissions.write(doctor, patient, fields)
    transmissions.correct(doctor, transmission, {**fields, "results": f"mieux {SENTINEL}"})
    access_notes.save(doctor, patient, {"door_code": "CODE-PORTE-42", "animal": "Chien calme"})
    return transmission


def test_secretary_renewal_list_names_patient_prescriber_date_only(
    secretary_client, record_full_of_sentinels
):
    page = secretary_client.get("/ordonnances/a-renouveler/appels").get_data(as_text=True)
    assert "TÉMOIN" in page and "Dr Prescriptrice" in page
    assert SENTINEL not in page and "AMI 4" not in page and "séance" not in page.lower()


def _urls(app, values):
    from flask import url_for

    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint in ("static", "auth.logout"):
                continue
            url = url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})
            today = datetime.date.today().isoformat()
            if rule.endpoint.startswith("appointments.") and "jour" not in url:
                url += ("&" if "?" in url else "?") + f"jour={today}&praticien="
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, method, url


def _leaks(response) -> bool:
    # Bytes: some answers are binary (an encrypted ZIP; its content is decrypted apart).
    body = response.get_data()
    return any(word.encode() in body for word in (SENTINEL, NUMBER, "987.65"))


def test_practitioner_does_see_the_sentinels(app, practitioner_client, record_full_of_sentinels):
    ref = record_full_of_sentinels["patient_ref"]
    assert SENTINEL in practitioner_client.get(f"/patients/{ref}").get_data(as_text=True)
    page = practitioner_client.get(f"/soins/{ref}").get_data(as_text=True)
    assert page.count(SENTINEL) >= 14 and NUMBER in page
    page = practitioner_client.get(f"/transmissions/patient/{ref}").get_data(as_text=True)
    assert page.count(SENTINEL) >= 4


@pytest.mark.parametrize("htmx", [False, True])
def test_secretary_never_receives_care_content(
    app, secretary_client, record_full_of_sentinels, htmx
):
    headers = {"HX-Request": "true"} if htmx else {}
    # Access notes are administrative: hers to read, on the file, the round and the sheet
    # (read before the walk, whose empty posts clear them).
    today = datetime.date.today()
    ref = record_full_of_sentinels["patient_ref"]
    for url in [
        f"/patients/{ref}",
        f"/agenda/tournee?jour={today}",
        f"/agenda/tournee/ordre?jour={today}",
    ]:
        assert "CODE-PORTE-42" in secretary_client.get(url).get_data(as_text=True), url
    walked = 0
    for endpoint, method, url in _urls(app, record_full_of_sentinels):
        response = secretary_client.open(url, method=method, headers=headers)
        assert not _leaks(response), (endpoint, method, response.status_code)
        walked += 1
    assert walked > 60
    ref = record_full_of_sentinels["patient_ref"]
    # The pages the secretary does use about this patient: the file, agenda, tour, receipts.
    for url in [
        f"/patients/{ref}",
        f"/agenda/tournee?jour={datetime.date.today()}",
        "/soins/recettes/",
        f"/soins/recettes/export.csv?month={datetime.date.today():%Y-%m}",
        f"/agenda/rdv/{record_full_of_sentinels['appointment_ref']}",
        f"/agenda/rdv/{record_full_of_sentinels['appointment_ref']}/confirmation",
        f"/agenda/tournee/ordre?jour={datetime.date.today()}",
        f"/patients/{ref}/acces-domicile",
    ]:
        response = secretary_client.get(url, headers=headers)
        assert response.status_code in (200, 302), url
        assert not _leaks(response), url
    page = secretary_client.get(f"/patients/{ref}").get_data(as_text=True)
    assert "TÉMOIN" in page and "Paiements" in page and "AMK 8" in page
    assert "Dossier de soins" not in page and "Transmissions" not in page


def test_emailed_reminders_and_cards_carry_no_care_content(app, record_full_of_sentinels):
    """Issue 17: what leaves by e-mail is built from the appointment at send time; it holds
    the practice, the day, the time, the place and the short text, nothing of the record."""
    from cabinet import demo
    from cabinet.appointments.models import Appointment
    from cabinet.reminders import messages

    with app.test_request_context():
        demo.seed_practice_settings()
        appointment = Appointment.get(
            Appointment.ref == record_full_of_sentinels["appointment_ref"]
        )
        for kind in ("reminder", "card"):
            message = messages.build(
                kind, appointment, "patient@example.org", "cabinet@example.org", "<id@x>", utcnow()
            )
            text = message.as_string()
            assert SENTINEL not in text and NUMBER not in text and "987.65" not in text
            assert appointment.appointment_type.name not in text


# Walked last: they would erase the lifestyle sentinels the other routes must be tried on.
DESTRUCTIVE = {"rights.erase", "rights.erase_optional"}


def _decrypted_export(client, patient_ref: str) -> str:
    prepared = client.post(f"/droits/patients/{patient_ref}/export")
    page = client.get(prepared.headers["Location"]).get_data(as_text=True)
    password = re.search(r"<code data-export-password>([^<]+)</code>", page).group(1)
    data = client.get(f"/droits/patients/{patient_ref}/export/dossier.zip").get_data()
    with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
        archive.setpassword(password.encode())
        return json.dumps(json.loads(archive.read("dossier.json")), ensure_ascii=False)


@pytest.mark.parametrize("htmx", [False, True])
def test_admin_never_receives_care_content(app, admin_client, record_full_of_sentinels, htmx):
    """A1, §6: the admin manages the practice; the record is not theirs to read, even when a
    patient asks for it (a practitioner releases it)."""
    headers = {"HX-Request": "true"} if htmx else {}
    ref = record_full_of_sentinels["patient_ref"]
    request_ref = record_full_of_sentinels["request_ref"]
    # What the admin does answer: the administrative part, printed and exported.
    printed = admin_client.get(f"/droits/patients/{ref}/dossier", headers=headers)
    assert printed.status_code == 200 and "TÉMOIN" in printed.get_data(as_text=True)
    assert not _leaks(printed)
    exported = _decrypted_export(admin_client, ref)
    assert "Témoin" in exported and '"access_report"' in exported
    assert SENTINEL not in exported and "987.65" not in exported and NUMBER not in exported
    # The medical release of the patient's own request, by every button and URL: refused.
    for method, url in [
        ("GET", f"/droits/demande/{request_ref}/dossier"),
        ("POST", f"/droits/demande/{request_ref}/export"),
        ("GET", f"/droits/demande/{request_ref}/export/pret"),
        ("GET", f"/droits/demande/{request_ref}/export/dossier.zip"),
    ]:
        response = admin_client.open(url, method=method, headers=headers)
        assert response.status_code == 403 and not _leaks(response), url
    walked = ok = 0
    urls = sorted(_urls(app, record_full_of_sentinels), key=lambda u: u[0] in DESTRUCTIVE)
    for endpoint, method, url in urls:
        response = admin_client.open(url, method=method, headers=headers)
        assert not _leaks(response), (endpoint, method, response.status_code)
        walked += 1
        ok += response.status_code == 200
    assert walked > 60 and ok >= 25
    # Still signed in and unlocked at the end: the walk was not served login pages.
    page = admin_client.get(f"/patients/{ref}", headers=headers)
    assert page.status_code == 200 and "TÉMOIN" in page.get_data(as_text=True)
    assert not _leaks(page)


@pytest.mark.parametrize("htmx", [False, True])
def test_practitioner_outside_the_team_never_receives_care_content(
    app, role_client, user, record_full_of_sentinels, htmx
):
    """A2: the locum (a practitioner not in this patient's care team) walks every route,
    books the patient for herself without a reason, and still reads nothing of the record."""
    locum = role_client("locum")
    headers = {"HX-Request": "true"} if htmx else {}
    ref = record_full_of_sentinels["patient_ref"]
    walked = 0
    for endpoint, method, url in _urls(app, record_full_of_sentinels):
        response = locum.open(url, method=method, headers=headers)
        assert not _leaks(response), (endpoint, method, response.status_code)
        walked += 1
    assert walked > 60
    from cabinet.appointments.models import AppointmentType

    with app.app_context():
        kind = AppointmentType.get(AppointmentType.name == "Séance")
    day = datetime.date.today() + datetime.timedelta(days=3)
    booking = {
        "patient_ref": ref,
        "practitioner": user("locum").ref,
        "appointment_type": str(kind.id),
        "day": day.isoformat(),
        "time": "15:00",
        "location": "practice",
    }
    refused = locum.post("/agenda/rdv/nouveau", data=booking, headers=headers)
    assert refused.status_code == 422 and not _leaks(refused)
    record = locum.get(f"/soins/{ref}", headers=headers)
    assert record.status_code == 302 and "acces-exceptionnel" in record.headers["Location"]
    # The handover she receives opens only tomorrow: refused today, and traced as such.
    handover = locum.get(f"/passations/{record_full_of_sentinels['handover_ref']}")
    assert handover.status_code == 403 and not _leaks(handover)
    from tests.conftest import traces

    assert traces(app, action="handover.refused") and traces(app, action="care_grant.refused")


def test_secretary_cannot_reach_the_record_even_by_guessing(
    secretary_client, record_full_of_sentinels
):
    ref = record_full_of_sentinels["patient_ref"]
    for url in [
        f"/soins/{ref}",
        f"/soins/{ref}/synthese",
        f"/soins/{ref}/seance",
        f"/soins/element/{record_full_of_sentinels['item_ref']}/corriger",
    ]:
        response = secretary_client.get(url)
        assert response.status_code == 403 and not _leaks(response), url


def test_no_care_content_in_any_trace(app, practitioner_client, record_full_of_sentinels):
    from cabinet.audit.models import Trace

    practitioner_client.get(f"/soins/{record_full_of_sentinels['patient_ref']}")
    with app.app_context():
        for trace in Trace.select():
            assert SENTINEL not in " ".join(str(v) for v in trace.__data__.values())
