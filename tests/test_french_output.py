"""What users read is French: every printable document and the journal show dates in Paris
local time, and no internal code (`user:1`, `rights_request:…`, `setting:…`, raw counters,
opaque patient refs). The journal's CSV export keeps the raw values, for auditors (T1, I3)."""

import datetime
import html
import re
from pathlib import Path

import pytest

from tests.care import new_appointment
from tests.conftest import login

ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
INTERNAL_CODES = re.compile(
    r"user:\d|rights_request:|record_item:|setting:|appointment:|series:|receipt:|session:\w"
    r"|retention_run:|notice:|archived \d|deleted \d|care_sheets_purged|receipts_purged"
    r"|\bTrue\b|\bFalse\b"
)
# 10:00 in Paris on a summer day, stored in UTC.
VISIT = datetime.datetime(2027, 6, 7, 8, 0)


def visible_text(response) -> str:
    """The text a reader sees: tags (and the refs inside their attributes) removed."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", "", body, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def assert_readable(text: str, where: str, refs=()) -> None:
    for pattern in (ISO_TIMESTAMP, ISO_DATE, INTERNAL_CODES):
        found = pattern.search(text)
        assert found is None, (where, text[max(0, found.start() - 80) : found.end() + 80])
    for ref in refs:
        assert ref not in text, (where, "opaque ref shown")


@pytest.fixture
def practice(app, user, make_patient):
    """A patient with a home visit, a record, a session, a rights request, a rectification;
    another patient archived by a real retention run; account and setting changes."""
    from cabinet.patients.models import CareAssignment, Patient
    from cabinet.patients.services import update_patient
    from cabinet.records import services as records
    from cabinet.records.models import Act
    from cabinet.retention import jobs
    from cabinet.rights import services as rights
    from cabinet.users import services as users

    doctor, admin = user("practitioner"), user("admin")
    patient = make_patient(birth_name="Lisible", address="3 rue des Lilas")
    old = make_patient(birth_name="Ancien")
    with app.test_request_context():
        CareAssignment.create(patient=patient, practitioner=doctor)
        records.add_item(doctor, patient, "allergy", "Pollen", note="saisonnière")
        records.add_item(
            doctor,
            patient,
            "measurement",
            "Poids",
            value=71.5,
            unit="kg",
            observed_on=datetime.date(2026, 11, 2),
        )
        records.record_session(
            doctor,
            patient,
            datetime.date.today(),
            [(Act.get(Act.code == "AMK 8"), 1)],
            pain_score=3,
            note="Bonne séance",
            paid_mode="card",
        )
        visit = new_appointment(patient, doctor, VISIT, location="home")
        long_ago = datetime.datetime(2014, 12, 1, 9, 0)  # 10:00 in Paris (winter time)
        new_appointment(old, doctor, long_ago, kind=visit.appointment_type, status="honoured")
        data = {f: getattr(patient, f) for f in ("birth_name", "first_names", "birth_date")}
        update_patient(patient, {**patient.__data__, **data, "city": "Lyon"}, admin)
        request = rights.create_request(
            admin,
            "Le patient",
            "medical_access",
            datetime.date.today() - datetime.timedelta(days=3),
            True,
            False,
            patient.ref,
        )
        users.save_security_settings(admin, {"idle_lock_minutes": 7, "shared_record": True})
        users.update(user("locum"), admin, "Léa Remplaçante", "practitioner", None)
        Patient.update(last_care_at=datetime.datetime(2015, 1, 1)).where(
            Patient.id == old.id
        ).execute()
        jobs.run(datetime.datetime.now())
    return {"patient": patient, "old": old, "visit": visit, "request": request}


def test_printed_documents_show_paris_time_and_no_internal_code(app, practice, user):
    from cabinet.retention.models import RetentionRun

    patient, old, visit = practice["patient"], practice["old"], practice["visit"]
    refs = (patient.ref, old.ref, visit.ref, practice["request"].ref)
    doctor = login(app.test_client(), "practitioner")
    admin = login(app.test_client(), "admin")
    secretary = login(app.test_client(), "secretary")
    with app.app_context():
        run_id = RetentionRun.select().order_by(RetentionRun.id.desc()).first().id
    doctor_ref = user("practitioner").ref
    documents = {
        "whole file (admin part)": admin.get(f"/droits/patients/{patient.ref}/dossier"),
        "whole file (complete)": doctor.get(f"/droits/demande/{practice['request'].ref}/dossier"),
        "care summary": doctor.get(f"/soins/{patient.ref}/synthese"),
        "archived file": doctor.post(f"/archives/{old.ref}", data={"reason": "request"}),
        "access report": admin.get(f"/patients/{patient.ref}/acces"),
        "tour sheet": secretary.get(f"/agenda/tournee?jour=2027-06-07&praticien={doctor_ref}"),
        "confirmation card": secretary.get(f"/agenda/rdv/{visit.ref}/confirmation"),
        "retention run": admin.get(f"/conservation/{run_id}"),
    }
    for name, response in documents.items():
        assert response.status_code == 200, name
        assert_readable(visible_text(response), name, refs)
    complete = visible_text(documents["whole file (complete)"])
    assert "07/06/2027 à 10:00" in complete  # the visit, in Paris summer time
    assert "71,5 kg" in complete and "constaté le 02/11/2026" in complete
    assert "AMK 8 × 1" in complete and "Carte bancaire" in complete
    assert "07/06/2027 à 10:00" in visible_text(documents["whole file (admin part)"])
    archived = visible_text(documents["archived file"])
    assert "01/12/2014 à 10:00" in archived and "14/03/1950" in archived


@pytest.mark.parametrize("htmx", [False, True])
def test_journal_names_things_in_french(app, practice, admin_client, htmx):
    patient, old = practice["patient"], practice["old"]
    headers = {"HX-Request": "true"} if htmx else {}
    response = admin_client.get("/journal/", headers=headers)
    text = visible_text(response)
    assert_readable(text, "journal", (patient.ref, old.ref, practice["request"].ref))
    for words in (
        "Demande de droits",
        "Compte de Léa Remplaçante",
        "Paramètre « Verrouillage après inactivité (minutes) »",
        "Élément du dossier",
        "dossier(s) archivé(s)",
        "LISIBLE",
        "ANCIEN",  # archived: named from the archive
    ):
        assert words in text, words
    # The patient filter is a link, not a ref to type.
    page = response.get_data(as_text=True)
    assert f'href="/journal/?patient={patient.ref}"' in page
    assert 'name="patient" type="text"' not in page
    filtered = visible_text(admin_client.get(f"/journal/?patient={patient.ref}"))
    assert "Patient : LISIBLE" in filtered and "Tous les patients" in filtered
    assert "ANCIEN" not in filtered


def test_journal_csv_keeps_raw_values_for_auditors(app, practice, admin_client):
    body = admin_client.get("/journal/export.csv").get_data(as_text=True)
    assert body.lstrip("\ufeff").startswith(
        "journal;seq;at;actor_id;actor_name;role;action;label;patient_ref;target;detail;"
    )
    assert f"rights_request:{practice['request'].ref}" in body and "setting:" in body
    assert practice["patient"].ref in body and ISO_TIMESTAMP.search(body)


def test_retention_trace_detail_is_french_where_it_is_written(app, practice):
    from cabinet.audit.models import Trace

    with app.app_context():
        run = Trace.select().where(Trace.action == "system.retention_run").get()
    assert re.fullmatch(
        r"Au \d{2}/\d{2}/\d{4} : 1 dossier\(s\) archivé\(s\), 0 supprimé\(s\), \d+ copie\(s\) "
        r"de feuille de soins et \d+ ligne\(s\) de recettes purgée\(s\)",
        run.detail,
    ), run.detail


def test_every_traced_target_kind_has_a_french_label():
    """A new `target=f"kind:…"` in the code must come with its label in audit/targets.py."""
    from cabinet.audit import targets

    source = "\n".join(
        path.read_text() for path in (Path(__file__).parent.parent / "cabinet").rglob("*.py")
    )
    kinds = set(re.findall(r'target=f"(\w+):', source))
    plain = set(re.findall(r'target="(\w+)"', source))
    assert kinds and plain
    accounts = {1: ("ref1", "Dr Paul Soignant")}
    for kind in kinds:
        shown = targets.describe(f"{kind}:1" if kind == "user" else f"{kind}:ref1", accounts)
        assert ":" not in shown and kind not in shown, kind
    for name in plain:
        assert name in targets.PLAIN, name
    assert targets.describe("user:1", accounts) == "Compte de Dr Paul Soignant"
    assert targets.describe("patients.show", accounts) == "Page de l'application"
    legacy = (
        "simulation au 2026-11-29 : archived 2, deleted 0, care_sheets_purged 1, receipts_purged 0"
    )
    assert targets.detail("system.retention_run", legacy).startswith("Simulation au 29/11/2026 : 2")


def test_dates_and_times_are_written_as_strftime_writes_them():
    """french_date and local_datetime write their digits themselves (issue 20): the same
    text as strftime, every day of two years and across both DST changes in Paris."""
    from cabinet.config import TIMEZONE
    from cabinet.formatting import french_date, local_datetime

    day = datetime.date(2027, 1, 1)
    while day.year < 2029:
        assert french_date(day) == day.strftime("%d/%m/%Y")
        for hour in (0, 1, 2, 23):
            utc = datetime.datetime.combine(day, datetime.time(hour, 7))
            paris = utc.replace(tzinfo=datetime.UTC).astimezone(TIMEZONE)
            assert local_datetime(utc) == paris.strftime("%d/%m/%Y à %H:%M")
        day += datetime.timedelta(days=1)
    assert french_date(datetime.date(1901, 2, 3)) == "03/02/1901"
    assert local_datetime("2027-03-28T01:30:00Z") == "28/03/2027 à 03:30"
