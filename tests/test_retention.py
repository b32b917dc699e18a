"""R1, R3–R5, R8, T6: the retention job archives and restores a file unchanged, ends it
with anonymous counts only, purges care sheets and receipts, waits for suspended files,
records each run; a dry run changes nothing. Encryption of what is kept:
test_retention_storage.py; crash safety: test_retention_crash.py; the pages:
test_retention_pages.py."""

import datetime
import decimal
import json

import pytest

from tests.archiving import old_patient, run_job, visible
from tests.conftest import traces


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def test_archive_then_restore_gives_back_the_same_file(app, ctx, make_patient, user):
    from cabinet.patients.models import Patient
    from cabinet.retention import documents, engine

    patient = old_patient(app, make_patient, user)
    before = documents.comparable(documents.dump_many([patient.id])[patient.id])
    summary = run_job(app, "2026-11-29")
    assert summary["archived"] == 1
    active, archived = visible(app)
    assert patient.ref not in active and patient.ref in archived
    restored = engine.restore(patient.ref, user("practitioner"))
    after = documents.comparable(documents.dump_many([restored.id])[restored.id])
    # Everything identical but the restart of the clock, which is the point of restoring.
    assert after["patient"][0].pop("retention_restarted_at") is not None
    before["patient"][0].pop("retention_restarted_at")
    assert after == before
    active, archived = visible(app)
    assert patient.ref in active and patient.ref not in archived
    assert Patient.get(Patient.ref == patient.ref).retention_restarted_at is not None
    actions = [t.action for t in traces(app, patient_ref=patient.ref)]
    assert "retention.archive" in actions and "retention.restore" in actions


def test_restored_patient_is_not_archived_again_at_once(app, ctx, make_patient, user):
    from cabinet.retention import engine

    patient = old_patient(app, make_patient, user)
    run_job(app, "2026-11-29")
    engine.restore(patient.ref, user("practitioner"))
    assert run_job(app, "2026-11-30")["archived"] == 0


def test_dry_run_changes_nothing_and_says_why(app, ctx, make_patient, user):
    patient = old_patient(app, make_patient, user)
    before = visible(app)
    summary = run_job(app, "2026-11-29", dry_run=True)
    assert summary["archived"] == 1 and visible(app) == before
    (item,) = [i for i in summary["items"] if i["ref"] == patient.ref]
    assert item["action"] == "archive" and "02/03/2020" in item["reason"]


def test_dry_run_counts_files_archived_and_ended_in_the_same_run(app, ctx, make_patient, user):
    old_patient(app, make_patient, user, when=datetime.datetime(2006, 3, 2, 10))
    dry = run_job(app, "2026-11-29", dry_run=True)
    real = run_job(app, "2026-11-29")
    assert (dry["archived"], dry["deleted"]) == (real["archived"], real["deleted"]) == (1, 1)


def _session_paid_in_cash(practitioner, patient):
    """One AMK 8 session today: its care sheet (FSE copy) and its receipt."""
    from cabinet.records import services
    from cabinet.records.models import Act

    acts = [(Act.get(Act.code == "AMK 8"), 1)]
    services.record_session(practitioner, patient, datetime.date.today(), acts, paid_mode="cash")


def test_dry_run_counts_the_care_sheets_the_real_run_purges(app, ctx, make_patient, user):
    """A file archived takes its care sheets with it: the simulation does not count them
    among the purged copies, as the real run does not (R5: the report says what will be
    done)."""
    from cabinet.patients.models import Patient
    from cabinet.records.models import CareSheet

    long_ago = datetime.datetime(2019, 3, 2, 10)
    archived = old_patient(app, make_patient, user, when=long_ago)
    kept = make_patient(treated_by="practitioner")
    for patient in (archived, kept):
        _session_paid_in_cash(user("practitioner"), patient)
    CareSheet.update(created_at=datetime.datetime.now() - datetime.timedelta(days=91)).execute()
    Patient.update(last_care_at=long_ago).where(Patient.id == archived.id).execute()
    as_of = datetime.datetime.now().isoformat()
    dry = run_job(app, as_of, dry_run=True)
    real = run_job(app, as_of)
    assert (real["archived"], real["care_sheets_purged"]) == (1, 1)
    assert (dry["archived"], dry["care_sheets_purged"]) == (1, 1)
    assert CareSheet.select().count() == 0


def test_small_counts_are_suppressed(app, ctx, make_patient, user):
    from cabinet.retention.engine import statistics

    old_patient(app, make_patient, user, when=datetime.datetime(2006, 3, 2, 10))
    run_job(app, "2026-11-29")
    assert statistics()[0]["patients"] == "< 5"


def test_care_sheets_after_three_months_and_receipts_after_six_years(app, ctx, make_patient, user):
    from cabinet.records.models import CareSheet, Receipt

    _session_paid_in_cash(user("practitioner"), make_patient(treated_by="practitioner"))
    CareSheet.update(created_at=datetime.datetime.now() - datetime.timedelta(days=91)).execute()
    Receipt.update(received_on=datetime.date.today() - datetime.timedelta(days=6 * 366)).execute()
    summary = run_job(app, datetime.datetime.now().isoformat())
    assert summary["care_sheets_purged"] == 1 and summary["receipts_purged"] == 1
    assert CareSheet.select().count() == 0 and Receipt.select().count() == 0


def test_suspended_files_wait(app, ctx, make_patient, user):
    from cabinet.patients.models import Patient

    patient = old_patient(app, make_patient, user)
    Patient.update(retention_suspended=True).where(Patient.id == patient.id).execute()
    summary = run_job(app, "2045-01-01")
    assert summary["archived"] == 0 and summary["suspended"] == 1


def test_each_run_is_recorded(app, ctx, make_patient, user):
    from cabinet.retention.models import RetentionRun

    run_job(app, "2026-11-29", dry_run=True)
    run_job(app, "2026-11-29")
    runs = list(RetentionRun.select().order_by(RetentionRun.id))
    assert [(r.dry_run, r.outcome) for r in runs] == [(True, "ok"), (False, "ok")]
    assert json.loads(runs[1].summary)["as_of"] == "2026-11-29"
    assert len(traces(app, action="system.retention_run")) == 2


def test_the_fast_dump_gives_what_the_models_give_on_every_table(app, ctx, make_patient, user):
    """Issue 20: `dump_many` reads raw rows and converts them column by column; the result is
    exactly the reference conversion (peewee's values, then `_plain`), on demo data that fills
    the file's tables (appointments, series, record, sessions, prescriptions, transmissions)."""
    from cabinet import demo
    from cabinet.patients.models import Patient
    from cabinet.retention import documents

    demo.seed(patients=60, seed=5, appointments=600)
    patient = old_patient(app, make_patient, user)  # a record, a session, its acts and sheet
    _rows_of_every_other_kind(patient, user("practitioner"))
    ids = [p.id for p in Patient.select(Patient.id)]
    fast = documents.dump_many(ids)
    filled = set()
    for name, model, _links in documents.TABLES:
        reference = [
            {k: documents._plain(v) for k, v in row.items()}
            for row in model.select().order_by(model.id).dicts()
        ]
        ours = sorted((row for doc in fast.values() for row in doc[name]), key=lambda r: r["id"])
        assert ours == reference, name
        assert all(
            type(a) is type(b)
            for x, y in zip(ours, reference, strict=True)
            for a, b in zip(x.values(), y.values(), strict=True)
        )
        if reference:
            filled.add(name)
    assert filled == {name for name, _, _ in documents.TABLES}


def _rows_of_every_other_kind(patient, nurse):
    """A row in each table the demo leaves empty: a blob, decimals, booleans, a time."""
    from cabinet.appointments.models import Appointment, AppointmentEvent
    from cabinet.billing.models import PricedVisit
    from cabinet.patients.models import PatientChange
    from cabinet.prescriptions.models import NursingAssessment, Prescription, PrescriptionPhoto
    from cabinet.records.models import LifestyleConsent

    day = datetime.date(2020, 3, 2)
    PatientChange.create(patient=patient.id, field="phone", old_value="1", new_value="2")
    visit = Appointment.get(Appointment.patient == patient.id)
    AppointmentEvent.create(appointment=visit.id, kind="created")
    LifestyleConsent.create(patient=patient.id, recorded_by=nurse.id)
    order = Prescription.create(
        patient=patient.id,
        practitioner=nurse.id,
        prescriber_name="Dr Faux",
        prescribed_on=day,
        kind="nursing",
        acts_text="AMI 1",
        sessions_count=10,
        starts_on=day,
        valid_until=datetime.date(2020, 6, 2),
    )
    PrescriptionPhoto.create(
        prescription=order.id, data=b"\x00\xffimage", width=1, height=1, size=7
    )
    NursingAssessment.create(patient=patient.id, nurse=nurse.id, done_on=day, level="BSA")
    PricedVisit.create(
        patient=patient.id,
        practitioner=nurse.id,
        prescription=order.id,
        visit_at=datetime.datetime(2020, 3, 2, 21, 30, 15, 120),
        visit_day=day,
        profession="nurse",
        acts="AMI 1",
        steps="[]",
        total=decimal.Decimal("34.58"),
    )


def test_files_per_move_follow_how_long_the_lock_was_held(monkeypatch):
    """Issue 20: moves grow while they hold the write lock briefly, shrink when they hold it
    long, within bounds; a test's small batches stay small."""
    from cabinet.retention import jobs

    monkeypatch.delenv("CABINET_RETENTION_BATCH", raising=False)
    chunk = jobs._Chunk()
    assert chunk.size == jobs.FIRST_CHUNK
    sizes = []
    for _ in range(6):
        chunk.took(jobs.LOCK_SECONDS / 10)
        sizes.append(chunk.size)
    assert sizes == [1000, 2000, 4000, 8000, 8000, 8000]
    chunk.took(jobs.LOCK_SECONDS * 2)
    assert chunk.size == 4000
    chunk.took(jobs.LOCK_SECONDS * 0.75)  # within the budget: kept
    assert chunk.size == 4000
    for _ in range(6):
        chunk.took(jobs.LOCK_SECONDS * 3)
    assert chunk.size == jobs.FIRST_CHUNK
    monkeypatch.setenv("CABINET_RETENTION_BATCH", "2")
    small = jobs._Chunk()
    small.took(0.0)
    assert small.size == 2


def test_moves_run_with_a_larger_cache_and_their_own_checkpoints_then_both_are_restored(
    app, ctx, make_patient, user, monkeypatch
):
    """Issue 20, R2: while files move, the job's connection keeps more pages decrypted and
    copies the WAL back itself every few moves; a scheduler process left like that would
    let the WAL grow without end, so both settings come back when the run ends."""
    from cabinet.db import PRAGMAS, database
    from cabinet.retention import engine, jobs

    seen = []
    delete = engine._delete_archived

    def delete_and_look(*args):
        seen.append(_cache_and_checkpoint(database))
        return delete(*args)

    monkeypatch.setattr(engine, "_delete_archived", delete_and_look)
    old_patient(app, make_patient, user)
    assert jobs.run(datetime.datetime(2026, 11, 29))["archived"] == 1
    assert seen == [(-engine.MOVE_CACHE_KIB, 0)]
    assert _cache_and_checkpoint(database) == (PRAGMAS["cache_size"], 1000)


def _cache_and_checkpoint(database) -> tuple[int, int]:
    return (
        database.execute_sql("PRAGMA cache_size").fetchone()[0],
        database.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0],
    )


def _between_copy_and_delete(monkeypatch, meanwhile):
    """Run `meanwhile()` between step A's copy and step B's delete of every move; return
    the step as it was, to put back."""
    from cabinet.retention import engine

    insert = engine._insert_pending

    def insert_then(rows):
        insert(rows)
        meanwhile()

    monkeypatch.setattr(engine, "_insert_pending", insert_then)
    return insert


def test_a_file_changed_while_it_moves_stays_active_and_moves_the_next_night(
    app, ctx, make_patient, user, monkeypatch
):
    """R2, R8: the copy of a file is read before the move deletes it. A secretary who
    corrects the phone number in between (or opens the file) would lose her change with the
    file, or leave a copy older than the file: the move leaves that file where it is, drops
    its copy, says so in the run's report, and the next run archives it as it is then."""
    from cabinet.patients.models import Patient
    from cabinet.patients.services import update_patient
    from cabinet.retention import engine
    from cabinet.retention.archive import ArchivedFile

    changed = old_patient(app, make_patient, user, name="Modifié")
    quiet = old_patient(app, make_patient, user, name="Tranquille")
    secretary = user("secretary")
    insert = _between_copy_and_delete(
        monkeypatch,
        lambda: update_patient(
            Patient.get_by_id(changed.id), {"phone": "06 11 22 33 44"}, secretary
        ),
    )
    summary = run_job(app, "2026-11-29")
    assert (summary["archived"], summary["postponed"]) == (1, 1)
    active, archived = visible(app)
    assert changed.ref in active and changed.ref not in archived
    assert quiet.ref in archived and quiet.ref not in active
    assert ArchivedFile.get_or_none(ArchivedFile.ref == changed.ref) is None  # copy dropped
    (item,) = [i for i in summary["items"] if i["ref"] == changed.ref]
    assert item["action"] == "postpone" and "prochaine" in item["reason"]
    assert Patient.get_by_id(changed.id).phone == "06 11 22 33 44"  # the change is kept

    monkeypatch.setattr(engine, "_insert_pending", insert)
    assert run_job(app, "2026-11-30")["archived"] == 1
    active, archived = visible(app)
    assert changed.ref in archived and changed.ref not in active
    (row,) = ArchivedFile.select().where(ArchivedFile.ref == changed.ref)
    assert "06 11 22 33 44" in engine.read(row)["patient"][0]["phone"]


def test_a_file_opened_while_it_moves_stays_active(app, ctx, make_patient, user, monkeypatch):
    """R2, T1: opening a file traces it in the journal of readings (lectures.db), not in the
    active base; the move looks there too, and leaves the file where it is."""
    from cabinet.audit import trace

    opened = old_patient(app, make_patient, user, name="Ouvert")
    quiet = old_patient(app, make_patient, user, name="Paisible")
    secretary = user("secretary")
    _between_copy_and_delete(
        monkeypatch, lambda: trace(secretary, "patient.view", patient=opened.ref, target="patient")
    )
    summary = run_job(app, "2026-11-29")
    assert (summary["archived"], summary["postponed"]) == (1, 1)
    assert traces(app, action="patient.view", patient_ref=opened.ref)[-1].journal == (
        "consultations"
    )
    active, archived = visible(app)
    assert opened.ref in active and quiet.ref in archived
