"""Files for the retention tests: a patient whose last care was long ago, the retention
job run at a given date, and where each file is (active base or archive)."""

import datetime

from cabinet.patients.models import Patient
from cabinet.retention import engine, jobs
from cabinet.retention.archive import ArchivedFile, ensure_schema
from tests.care import appointment, record_care

SENTINEL = "Zébulon-Archivé"
LONG_AGO = datetime.datetime(2020, 3, 2, 10)


def old_patient(app, make_patient, user, name=SENTINEL, sessions=True, when=LONG_AGO):
    """A patient whose last care was long ago (March 2020), with appointments and a record."""
    doctor = user("practitioner")
    patient = make_patient(
        birth_name=name, first_names="Léonie", phone="06 99 88 77 66", treated_by="practitioner"
    )
    appointment(app, patient, doctor, when, doctor, status="honoured")
    if sessions:
        record_care(
            app,
            doctor,
            patient,
            f"Allergie {name}",
            day=when.date(),
            allergy_note="note",
            pain_score=3,
            note=f"séance {name}",
        )
    with app.app_context():
        Patient.update(last_care_at=when).where(Patient.id == patient.id).execute()
    return patient


def run_job(app, as_of: str, dry_run=False):
    with app.test_request_context():
        return jobs.run(datetime.datetime.fromisoformat(as_of), dry_run=dry_run)


def visible(app, recover=False):
    """(refs in the active base, refs in the archive). A copy still "pending" while the
    patient is active is not yet a place; `recover` first finishes interrupted moves."""
    with app.test_request_context():
        ensure_schema()
        if recover:
            engine.recover()
        active = {p.ref for p in Patient.select(Patient.ref)}
        rows = list(ArchivedFile.select(ArchivedFile.ref, ArchivedFile.status))
        archived = {
            a.ref
            for a in rows
            if a.status == "archived"
            or (a.status in ("awaiting", "pending", "restoring") and a.ref not in active)
        }
    return active, archived
