"""Future appointments from the previous software (issue 17, second file): patients found by
their identity traits, every row booked through the agenda's rules, all or nothing, traced."""

import datetime
import io

from cabinet.appointments.models import Appointment
from cabinet.appointments.schedule import to_local
from cabinet.patients.models import PatientImport
from tests.conftest import traces

DAY = datetime.date.today() + datetime.timedelta(days=20)
HEADER = "Nom;Prénom;Date de naissance;Date du rendez-vous;Heure;Praticien;Type;Lieu"


def _upload(client, text: str):
    data = text.encode("cp1252")
    boundary = "limite-rdv"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="rdv.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(
        "/agenda/import",
        input_stream=io.BytesIO(body),
        content_length=len(body),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _pending(app):
    with app.app_context():
        return PatientImport.select().order_by(PatientImport.id.desc()).get()


def _count(app) -> int:
    with app.app_context():
        return Appointment.select().count()


def _patients(make_patient):
    return [
        make_patient(
            birth_name="Lefèvre", first_names="Hélène", birth_date=datetime.date(1985, 3, 14)
        ),
        make_patient(
            birth_name="Noël", first_names="Gaëtan", birth_date=datetime.date(1950, 12, 1)
        ),
    ]


def test_rows_are_matched_checked_and_booked_all_or_nothing(app, admin_client, make_patient):
    lefevre, noel = _patients(make_patient)
    day = f"{DAY:%d/%m/%Y}"
    lines = [
        HEADER,
        f"LEFÈVRE;Hélène;14/03/1985;{day};10h00;praticien;Séance;cabinet",
        f"Noël;Gaëtan;01/12/1950;{day};11:30;Dr Paul Soignant;;domicile",
        f"Inconnu;Personne;01/01/1960;{day};12:00;praticien;;",
        "Lefèvre;Hélène;14/03/1985;31/02/2030;10:00;praticien;;",
        "Lefèvre;Hélène;14/03/1985;01/01/2020;10:00;praticien;;",  # past: left out
    ]
    response = _upload(admin_client, "\n".join(lines))
    assert response.status_code == 302
    pending = _pending(app)
    assert pending.kind == "appointments" and pending.encoding == "Windows-1252"
    from cabinet.retention import engine

    with app.app_context():
        mark = engine.trace_mark()  # as a retention move takes it before reading its files
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-count="create">2<' in page and 'data-count="refused">2<' in page
    assert "patient introuvable" in page
    assert "date du rendez-vous impossible « 31/02/2030 »" in page
    assert "rendez-vous passé" in page
    # The preview named two patients of the base: each one's access report will list it, and
    # a retention move under way sees both files touched since its mark.
    with app.app_context():
        assert engine._touched_since(mark) == {lefevre.ref, noel.ref}
    shown = traces(app, action="appointment.import_preview")
    assert sorted(t.patient_ref for t in shown) == sorted([lefevre.ref, noel.ref])
    assert {t.detail for t in shown} == {"2 à créer sur 5 ligne(s)"}
    assert {t.target for t in shown} == {f"import:{pending.ref}"}
    before = _count(app)
    assert admin_client.post(f"/agenda/import/{pending.ref}/importer").status_code == 422
    assert _count(app) == before
    response = admin_client.post(
        f"/agenda/import/{pending.ref}/importer", data={"leave_out_refused": "y"}
    )
    assert response.status_code == 302
    assert _count(app) == before + 2
    with app.app_context():
        booked = list(Appointment.select().order_by(Appointment.starts_at))[-2:]
        assert [to_local(a.starts_at).strftime("%H:%M") for a in booked] == ["10:00", "11:30"]
        assert [a.location for a in booked] == ["practice", "home"]
        assert {a.practitioner.login for a in booked} == {"praticien"}
    assert len(traces(app, action="appointment.create")) >= 2
    (done,) = traces(app, action="appointment.import")
    assert done.detail.startswith("2 rendez-vous créé(s)")


def test_a_conflict_inside_the_file_refuses_every_booking(app, admin_client, make_patient):
    _patients(make_patient)
    day = f"{DAY:%d/%m/%Y}"
    lines = [
        HEADER,
        f"Lefèvre;Hélène;14/03/1985;{day};10:00;praticien;;",
        f"Noël;Gaëtan;01/12/1950;{day};10:00;praticien;;",  # the same slot
    ]
    _upload(admin_client, "\n".join(lines))
    pending = _pending(app)
    before = _count(app)
    response = admin_client.post(f"/agenda/import/{pending.ref}/importer")
    assert response.status_code == 422
    assert "Ligne 3 :" in response.get_data(as_text=True)
    assert _count(app) == before
    assert traces(app, action="appointment.import") == []


def test_a_patients_import_is_not_an_appointments_import(app, admin_client, make_patient):
    _patients(make_patient)
    _upload(admin_client, HEADER + "\nLefèvre;Hélène;14/03/1985;01/01/2031;10:00;praticien;;")
    pending = _pending(app)
    assert admin_client.get(f"/patients/import/{pending.ref}").status_code == 404
    assert admin_client.get(f"/agenda/import/{pending.ref}").status_code == 200


def test_only_the_admin_imports_appointments(secretary_client, practitioner_client):
    for client in (secretary_client, practitioner_client):
        assert client.get("/agenda/import").status_code == 403
