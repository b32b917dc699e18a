"""I3, A1, A2 (art. L1111-7 CSP): the medical part of a file is released only by a
practitioner of the care team (or under break-glass), from a registered medical-record
request, once its 48-hour delay has passed — whatever the button or the URL. The
administrative part is the admin's to answer at once."""

import datetime
import html
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
import pyzipper

from tests.care import assign, record_care
from tests.conftest import login, traces

SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "docs" / "export-schema.json").read_text()
)
ALLERGY = "Allergie au latex de Témoin"
SESSION_NOTE = "Séance : épaule raide"
DELAY_REFUSAL = "Le dossier médical ne peut être communiqué qu'après un délai de 48 heures"


@pytest.fixture
def cared(app, make_patient, user):
    """A patient assigned to the practitioner, with an allergy and a session."""
    doctor = user("practitioner")
    patient = make_patient(birth_name="Témoin")
    assign(app, patient, doctor)
    record_care(app, doctor, patient, ALLERGY, note=SESSION_NOTE, paid_mode="cash")
    return patient


def _request(app, actor, patient, days_ago=0, kind="medical_access", identity=True):
    from cabinet.rights import services

    with app.test_request_context():
        return services.create_request(
            actor,
            "Le patient",
            kind,
            datetime.date.today() - datetime.timedelta(days=days_ago),
            identity,
            False,
            patient.ref,
        )


def _text(response) -> str:
    """The page as read (entities decoded: French apostrophes are escaped in the HTML)."""
    return html.unescape(response.get_data(as_text=True))


def _password(page: str) -> str:
    return re.search(r"<code data-export-password>([^<]+)</code>", page).group(1)


def _decrypt(data: bytes, password: str) -> dict:
    with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
        archive.setpassword(password.encode())
        return json.loads(archive.read("dossier.json"))


def _released(app, row) -> list:
    return [
        t
        for t in traces(app)
        if t.action in ("rights.access_print", "rights.access_export")
        and t.target == f"rights_request:{row.ref}"
    ]


def test_care_team_practitioner_releases_the_complete_file_after_the_delay(
    app, practitioner_client, cared, user
):
    row = _request(app, user("secretary"), cared, days_ago=3)
    page = _text(practitioner_client.get(f"/droits/demande/{row.ref}"))
    assert "Dossier complet à imprimer" in page and "data-refusal" not in page
    printed = practitioner_client.get(f"/droits/demande/{row.ref}/dossier")
    assert printed.status_code == 200
    assert ALLERGY in _text(printed)
    assert SESSION_NOTE in _text(printed)
    prepared = practitioner_client.post(f"/droits/demande/{row.ref}/export")
    assert prepared.headers["Location"] == f"/droits/demande/{row.ref}/export/pret"
    password = _password(
        practitioner_client.get(prepared.headers["Location"]).get_data(as_text=True)
    )
    data = practitioner_client.get(f"/droits/demande/{row.ref}/export/dossier.zip").get_data()
    exported = _decrypt(data, password)
    jsonschema.validate(exported, SCHEMA)
    assert exported["part"] == "complete" and exported["patient_ref"] == cared.ref
    text = json.dumps(exported, ensure_ascii=False)
    assert ALLERGY in text and SESSION_NOTE in text
    # Downloaded once.
    again = practitioner_client.get(f"/droits/demande/{row.ref}/export/dossier.zip")
    assert again.status_code == 302
    released = _released(app, row)
    assert [t.action for t in released] == ["rights.access_print", "rights.access_export"]
    assert all(t.patient_ref == cared.ref and t.actor_name == "Dr Paul Soignant" for t in released)
    page = _text(practitioner_client.get(f"/droits/demande/{row.ref}"))
    assert "Remises" in page and "export chiffré" in page


def test_release_before_the_delay_is_refused_and_creates_nothing(
    app, practitioner_client, cared, user
):
    row = _request(app, user("secretary"), cared, days_ago=0)
    earliest = f"{datetime.date.today() + datetime.timedelta(days=2):%d/%m/%Y}"
    page = _text(practitioner_client.get(f"/droits/demande/{row.ref}"))
    assert DELAY_REFUSAL in page and f"à partir du {earliest}" in page
    assert f"/droits/demande/{row.ref}/dossier" not in page  # no release button
    for method, url in [
        ("GET", f"/droits/demande/{row.ref}/dossier"),
        ("POST", f"/droits/demande/{row.ref}/export"),
        ("GET", f"/droits/demande/{row.ref}/export/pret"),
        ("GET", f"/droits/demande/{row.ref}/export/dossier.zip"),
    ]:
        response = practitioner_client.open(url, method=method)
        assert response.status_code == 302, url
        assert response.headers["Location"] == f"/droits/demande/{row.ref}", url
        shown = _text(practitioner_client.get(response.headers["Location"]))
        assert ALLERGY not in shown and SESSION_NOTE not in shown
    with practitioner_client.session_transaction() as session:
        assert "pending_release" not in session
    assert _released(app, row) == []
    refused = traces(app, action="rights.release_refused")
    assert len(refused) == 2  # the print and the export were asked for
    assert {t.outcome for t in refused} == {"refused"}
    assert all(t.patient_ref == cared.ref for t in refused)


def test_the_download_checks_again_whatever_led_to_it(app, practitioner_client, cared, user):
    """An export prepared in time cannot be downloaded once the request no longer allows it."""
    from cabinet.rights.models import RightsRequest

    row = _request(app, user("secretary"), cared, days_ago=3)
    prepared = practitioner_client.post(f"/droits/demande/{row.ref}/export")
    practitioner_client.get(prepared.headers["Location"])
    with app.app_context():
        RightsRequest.update(status="refused").where(RightsRequest.id == row.id).execute()
    response = practitioner_client.get(
        f"/droits/demande/{row.ref}/export/dossier.zip", follow_redirects=True
    )
    assert response.mimetype == "text/html"
    assert "Cette demande est close" in _text(response)
    assert _released(app, row) == []


def test_practitioner_outside_the_care_team_must_break_glass(app, cared, user):
    client = login(app.test_client(), "locum")
    row = _request(app, user("secretary"), cared, days_ago=3)
    page = _text(client.get(f"/droits/demande/{row.ref}"))
    assert "Vous ne suivez pas ce patient" in page
    assert f"/soins/{cared.ref}/acces-exceptionnel" in page
    refused = client.get(f"/droits/demande/{row.ref}/dossier", follow_redirects=True)
    assert ALLERGY not in _text(refused)
    client.post(
        f"/soins/{cared.ref}/acces-exceptionnel", data={"reason": "patient_request", "note": ""}
    )
    printed = client.get(f"/droits/demande/{row.ref}/dossier")
    assert printed.status_code == 200 and ALLERGY in _text(printed)
    assert _released(app, row)[-1].actor_name == "Léa Remplaçante"


@pytest.mark.parametrize(
    ("kind", "identity", "reason"),
    [
        ("access", True, "Seule une demande d'accès au dossier médical"),
        ("medical_access", False, "Vérifiez d'abord l'identité du demandeur."),
    ],
)
def test_release_needs_a_medical_record_request_with_a_checked_identity(
    app, practitioner_client, cared, user, kind, identity, reason
):
    row = _request(app, user("admin"), cared, days_ago=3, kind=kind, identity=identity)
    response = practitioner_client.get(f"/droits/demande/{row.ref}/dossier", follow_redirects=True)
    body = _text(response)
    assert reason in body and ALLERGY not in body
    assert _released(app, row) == []


def test_identity_checked_later_opens_the_release(app, practitioner_client, cared, user):
    row = _request(app, user("secretary"), cared, days_ago=3, identity=False)
    secretary = login(app.test_client(), "secretary")
    secretary.post(f"/droits/demande/{row.ref}/identite")
    assert practitioner_client.get(f"/droits/demande/{row.ref}/dossier").status_code == 200
    assert "identité du demandeur vérifiée" in {t.detail for t in traces(app)}


def test_admin_and_secretary_never_release_the_medical_part(app, role_client, cared, user):
    row = _request(app, user("admin"), cared, days_ago=3)
    for role in ("admin", "secretary"):
        client = role_client(role)
        page = _text(client.get(f"/droits/demande/{row.ref}"))
        assert "préparée et remise par un praticien qui suit le patient" in page
        assert f"/droits/demande/{row.ref}/dossier" not in page
        for method, url in [
            ("GET", f"/droits/demande/{row.ref}/dossier"),
            ("POST", f"/droits/demande/{row.ref}/export"),
            ("GET", f"/droits/demande/{row.ref}/export/dossier.zip"),
        ]:
            response = client.open(url, method=method)
            assert response.status_code == 403, (role, url)
            assert ALLERGY not in _text(response)
    assert _released(app, row) == []


def test_secretary_registers_a_request_received_at_the_desk(app, secretary_client, cared):
    from cabinet.rights.models import RightsRequest

    response = secretary_client.post(
        "/droits/",
        data={
            "requester": "La fille du patient",
            "kind": "medical_access",
            "received_on": datetime.date.today().isoformat(),
            "patient_ref": cared.ref,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        row = RightsRequest.get()
    assert row.patient_ref == cared.ref and not row.identity_checked
    assert traces(app, action="rights.request_create")[-1].role == "secretary"
    page = _text(secretary_client.get(f"/patients/{cared.ref}"))
    assert "Accès au dossier médical" in page and f"/droits/demande/{row.ref}" in page


def test_admin_answers_the_administrative_part_at_once(app, admin_client, cared, user):
    """No request, no delay: identity, appointments (Paris time), payments, accesses."""
    from cabinet.appointments.models import Appointment, AppointmentType

    with app.app_context():
        Appointment.create(
            practitioner=user("practitioner"),
            patient=cared,
            appointment_type=AppointmentType.get(AppointmentType.name == "Séance"),
            starts_at=datetime.datetime(2027, 6, 7, 8, 0),  # 10:00 in Paris (summer time)
            ends_at=datetime.datetime(2027, 6, 7, 8, 30),
            created_by=user("secretary").id,
        )
    page = _text(admin_client.get(f"/droits/patients/{cared.ref}/dossier"))
    assert "TÉMOIN" in page and "07/06/2027 à 10:00" in page and "AMK 8" in page
    assert ALLERGY not in page and SESSION_NOTE not in page
    prepared = admin_client.post(f"/droits/patients/{cared.ref}/export")
    password = _password(_text(admin_client.get(prepared.headers["Location"])))
    exported = _decrypt(
        admin_client.get(f"/droits/patients/{cared.ref}/export/dossier.zip").get_data(), password
    )
    jsonschema.validate(exported, SCHEMA)
    text = json.dumps(exported, ensure_ascii=False)
    assert exported["part"] == "administrative" and exported["file"]["appointment"]
    assert ALLERGY not in text and SESSION_NOTE not in text


def test_refusals_use_the_error_style_and_confirmations_do_not(
    app, admin_client, practitioner_client, cared, user
):
    row = _request(app, user("admin"), cared, days_ago=0)
    closed = _text(
        admin_client.post(
            f"/droits/demande/{row.ref}", data={"status": "answered"}, follow_redirects=True
        )
    )
    assert re.search(
        r'<p class="flash flash-error" role="alert" data-flash="error">' + DELAY_REFUSAL, closed
    )
    refused = _text(
        practitioner_client.get(f"/droits/demande/{row.ref}/dossier", follow_redirects=True)
    )
    assert re.search(r'class="flash flash-error" role="alert"[^>]*>' + DELAY_REFUSAL, refused)
    registered = admin_client.post(
        "/droits/",
        data={
            "requester": "Le patient",
            "kind": "access",
            "received_on": datetime.date.today().isoformat(),
        },
        follow_redirects=True,
    )
    registered = _text(registered)
    assert '<p class="flash" role="status" data-flash="ok">Demande enregistrée' in registered
    assert "flash-error" not in registered
