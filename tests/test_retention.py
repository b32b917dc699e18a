"""R1–R8, T6: archive and restore round trip, separate key, dry run, end of life without
remnants, aggregates, crash safety, the scheduler lock."""

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.conftest import traces

ROOT = Path(__file__).resolve().parent.parent
SENTINEL = "Zébulon-Archivé"
LONG_AGO = datetime.datetime(2020, 3, 2, 10)


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def _old_patient(app, make_patient, user, name=SENTINEL, sessions=True, when=LONG_AGO):
    """A patient whose last care was long ago (March 2020), with appointments and a record."""
    from cabinet.appointments.models import Appointment, AppointmentType
    from cabinet.patients.models import Patient
    from cabinet.records import services
    from cabinet.records.models import Act

    doctor = user("practitioner")
    patient = make_patient(
        birth_name=name, first_names="Léonie", phone="06 99 88 77 66", treated_by="practitioner"
    )
    with app.test_request_context():
        kind = AppointmentType.get(AppointmentType.name == "Séance")
        Appointment.create(
            practitioner=doctor,
            patient=patient,
            appointment_type=kind,
            starts_at=when,
            ends_at=when + datetime.timedelta(minutes=30),
            status="honoured",
            created_by=doctor.id,
        )
        if sessions:
            services.add_item(doctor, patient, "allergy", f"Allergie {name}", note="note")
            services.record_session(
                doctor,
                patient,
                when.date(),
                [(Act.get(Act.code == "AMK 8"), 1)],
                pain_score=3,
                note=f"séance {name}",
            )
        Patient.update(last_care_at=when).where(Patient.id == patient.id).execute()
    return patient


def _run(app, as_of: str, dry_run=False):
    from cabinet.retention import jobs

    with app.test_request_context():
        return jobs.run(datetime.datetime.fromisoformat(as_of), dry_run=dry_run)


def _visible(app, recover=False):
    """(refs in the active base, refs in the archive). A copy still "pending" while the
    patient is active is not yet a place; `recover` first finishes interrupted moves."""
    from cabinet.patients.models import Patient
    from cabinet.retention import engine
    from cabinet.retention.archive import ArchivedFile, ensure_schema

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
            or (a.status in ("pending", "restoring") and a.ref not in active)
        }
    return active, archived


def test_archive_then_restore_gives_back_the_same_file(app, ctx, make_patient, user):
    from cabinet.patients.models import Patient
    from cabinet.retention import documents, engine

    patient = _old_patient(app, make_patient, user)
    before = documents.comparable(documents.dump_many([patient.id])[patient.id])
    summary = _run(app, "2026-11-29")
    assert summary["archived"] == 1
    active, archived = _visible(app)
    assert patient.ref not in active and patient.ref in archived
    restored = engine.restore(patient.ref, user("practitioner"))
    after = documents.comparable(documents.dump_many([restored.id])[restored.id])
    # Everything identical but the restart of the clock, which is the point of restoring.
    assert after["patient"][0].pop("retention_restarted_at") is not None
    before["patient"][0].pop("retention_restarted_at")
    assert after == before
    active, archived = _visible(app)
    assert patient.ref in active and patient.ref not in archived
    assert Patient.get(Patient.ref == patient.ref).retention_restarted_at is not None
    actions = [t.action for t in traces(app, patient_ref=patient.ref)]
    assert "retention.archive" in actions and "retention.restore" in actions


def test_restored_patient_is_not_archived_again_at_once(app, ctx, make_patient, user):
    from cabinet.retention import engine

    patient = _old_patient(app, make_patient, user)
    _run(app, "2026-11-29")
    engine.restore(patient.ref, user("practitioner"))
    assert _run(app, "2026-11-30")["archived"] == 0


def test_dry_run_changes_nothing_and_says_why(app, ctx, make_patient, user):
    patient = _old_patient(app, make_patient, user)
    before = _visible(app)
    summary = _run(app, "2026-11-29", dry_run=True)
    assert summary["archived"] == 1 and _visible(app) == before
    (item,) = [i for i in summary["items"] if i["ref"] == patient.ref]
    assert item["action"] == "archive" and "02/03/2020" in item["reason"]


def test_archive_is_unreadable_without_its_key(app, ctx, instance, make_patient, user):
    _old_patient(app, make_patient, user)
    _run(app, "2026-11-29")
    from cabinet.retention.archive import archive_database

    archive_database.close()
    raw = (instance / "archive.db").read_bytes()
    assert not raw.startswith(b"SQLite format 3") and SENTINEL.encode() not in raw
    from peewee import DatabaseError
    from playhouse.sqlcipher_ext import SqlCipherDatabase

    for key in ((instance / "keys" / "database.key").read_text().strip(), "ab" * 32):
        other = SqlCipherDatabase(str(instance / "archive.db"), passphrase=f"x'{key}'")
        with pytest.raises(DatabaseError):
            other.execute_sql("SELECT count(*) FROM sqlite_master")
        other.close()


def _decrypted_pages(path: Path, hex_key: str) -> bytes:
    """Decrypt every page of an SQLCipher 4 file (AES-256-CBC, 4096-byte pages, 80 bytes of
    IV and HMAC reserved), free pages included: what an attacker with the key could read."""
    key = bytes.fromhex(hex_key)
    data = path.read_bytes()
    out = []
    for start in range(0, len(data), 4096):
        page = data[start : start + 4096]
        offset = 16 if start == 0 else 0
        iv = page[4096 - 80 : 4096 - 64]
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        out.append(decryptor.update(page[offset : 4096 - 80]) + decryptor.finalize())
    return b"".join(out)


def test_decrypting_is_what_the_pages_hold(app, ctx, instance, make_patient, user):
    _old_patient(app, make_patient, user)
    _run(app, "2026-11-29")
    from cabinet.retention.archive import archive_database

    archive_database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    key = (instance / "keys" / "archive.key").read_text().strip()
    assert SENTINEL.encode() in _decrypted_pages(instance / "archive.db", key)


def test_after_the_end_nothing_remains_in_either_file(app, ctx, instance, make_patient, user):
    """Last care in 2006: on 29/11/2026 the file is archived then ended in the same run."""
    from cabinet.db import database
    from cabinet.retention.archive import AnonymousStat, archive_database
    from cabinet.retention.engine import statistics

    when = datetime.datetime(2006, 3, 2, 10)
    patient = _old_patient(app, make_patient, user, when=when)
    for i in range(5):
        _old_patient(app, make_patient, user, name=f"Autre{i}", when=when)
    summary = _run(app, "2026-11-29")
    assert summary["archived"] == 6 and summary["deleted"] == 6
    assert _visible(app)[1] == set() and patient.ref not in _visible(app)[0]
    # Only anonymous counts remain: 6 patients with one session in 2006.
    stats = {(s.year, s.act_code): (s.patients, s.sessions) for s in AnonymousStat.select()}
    assert stats[(2006, "")] == (6, 6) and stats[(2006, "AMK 8")] == (6, 6)
    assert statistics()[0]["patients"] == 6
    for db in (archive_database, database):
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    for file, key_name in (("archive.db", "archive"), ("cabinet.db", "database")):
        key = (instance / "keys" / f"{key_name}.key").read_text().strip()
        plain = _decrypted_pages(instance / file, key)
        assert SENTINEL.encode() not in plain, file
        assert b"06 99 88 77 66" not in plain, file
    actions = [t.action for t in traces(app, patient_ref=patient.ref)]
    assert "retention.archive" in actions and "retention.delete" in actions


def test_small_counts_are_suppressed(app, ctx, make_patient, user):
    from cabinet.retention.engine import statistics

    _old_patient(app, make_patient, user, when=datetime.datetime(2006, 3, 2, 10))
    _run(app, "2026-11-29")
    assert statistics()[0]["patients"] == "< 5"


def test_care_sheets_after_three_months_and_receipts_after_six_years(app, ctx, make_patient, user):
    from cabinet.records import services
    from cabinet.records.models import Act, CareSheet, Receipt

    patient = make_patient(treated_by="practitioner")
    services.record_session(
        user("practitioner"),
        patient,
        datetime.date.today(),
        [(Act.get(Act.code == "AMK 8"), 1)],
        paid_mode="cash",
    )
    CareSheet.update(created_at=datetime.datetime.now() - datetime.timedelta(days=91)).execute()
    Receipt.update(received_on=datetime.date.today() - datetime.timedelta(days=6 * 366)).execute()
    summary = _run(app, datetime.datetime.now().isoformat())
    assert summary["care_sheets_purged"] == 1 and summary["receipts_purged"] == 1
    assert CareSheet.select().count() == 0 and Receipt.select().count() == 0


def test_suspended_files_wait(app, ctx, make_patient, user):
    from cabinet.patients.models import Patient

    patient = _old_patient(app, make_patient, user)
    Patient.update(retention_suspended=True).where(Patient.id == patient.id).execute()
    summary = _run(app, "2045-01-01")
    assert summary["archived"] == 0 and summary["suspended"] == 1


def test_each_run_is_recorded(app, ctx, make_patient, user):
    from cabinet.retention.models import RetentionRun

    _run(app, "2026-11-29", dry_run=True)
    _run(app, "2026-11-29")
    runs = list(RetentionRun.select().order_by(RetentionRun.id))
    assert [(r.dry_run, r.outcome) for r in runs] == [(True, "ok"), (False, "ok")]
    assert json.loads(runs[1].summary)["as_of"] == "2026-11-29"
    assert len(traces(app, action="system.retention_run")) == 2


def test_recovery_finishes_or_undoes_interrupted_moves(app, ctx, make_patient, user):
    from cabinet.retention import engine
    from cabinet.retention.archive import ArchivedFile, ensure_schema

    ensure_schema()
    kept = make_patient()
    gone = _old_patient(app, make_patient, user, name="Parti")
    for ref, status in ((kept.ref, "pending"), ("absent-ref", "pending"), (gone.ref, "restoring")):
        ArchivedFile.create(
            ref=ref,
            status=status,
            document="{}",
            seal="x",
            search_key="x",
            birth_date=datetime.date(2000, 1, 1),
            last_care_on=datetime.date(2020, 1, 1),
            delete_on=datetime.date(2040, 1, 1),
        )
    assert engine.recover() == {"finished": 2, "undone": 1}
    statuses = {a.ref: a.status for a in ArchivedFile.select()}
    assert statuses == {"absent-ref": "archived"}  # kept: copy dropped; gone: restored already


def test_archives_page_needs_a_reason_and_traces_the_reading(
    app, practitioner_client, make_patient, user
):
    patient = _old_patient(app, make_patient, user)
    _run(app, "2026-11-29")
    found = practitioner_client.post("/archives/", data={"q": "zebulon"}).get_data(as_text=True)
    assert "ZEBULON ARCHIVE" in found.upper()
    page = practitioner_client.get(f"/archives/{patient.ref}").get_data(as_text=True)
    assert "Motif de la consultation" in page and "Allergie" not in page
    refused = practitioner_client.post(f"/archives/{patient.ref}", data={"reason": ""})
    assert refused.status_code == 422
    shown = practitioner_client.post(f"/archives/{patient.ref}", data={"reason": "returning"})
    assert f"Allergie {SENTINEL}" in shown.get_data(as_text=True)
    assert traces(app, action="retention.archive_view")[-1].patient_ref == patient.ref
    restored = practitioner_client.post(f"/archives/{patient.ref}/restaurer")
    assert restored.headers["Location"] == f"/patients/{patient.ref}"


def test_crash_at_any_point_loses_and_duplicates_nothing(instance, tmp_path):
    """From the same starting state, kill `flask retention run` (SIGKILL) at each crash point
    of a run that archives 8 files and ends 4 (batches of 2), and at random moments; after
    each kill the invariant holds, and the next run completes the work."""
    import random
    import shutil
    import time

    from cabinet import create_app
    from cabinet.db import database
    from tests.conftest import instance_config

    app = create_app(instance_config(instance))
    with app.app_context():
        from cabinet import demo
        from cabinet.patients.models import Patient

        demo.seed(patients=12, seed=5)
        Patient.update(birth_date=datetime.date(1950, 1, 1)).execute()  # no minors' extension
        ids = [p.id for p in Patient.select(Patient.id).order_by(Patient.id)]
        Patient.update(last_care_at=LONG_AGO).where(Patient.id.in_(ids[:8])).execute()
        Patient.update(last_care_at=datetime.datetime(2006, 1, 1)).where(
            Patient.id.in_(ids[8:])
        ).execute()
        kept = {p.ref for p in Patient.select(Patient.ref).where(Patient.id.in_(ids[:8]))}
        ending = {p.ref for p in Patient.select(Patient.ref).where(Patient.id.in_(ids[8:]))}
    database.close()
    snapshot = tmp_path / "snapshot"
    shutil.copytree(instance, snapshot)
    env = {**os.environ, "CABINET_INSTANCE": str(instance), "CABINET_RETENTION_BATCH": "2"}
    command = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "app",
        "retention",
        "run",
        "--as-of",
        "2026-11-29",
    ]

    def fresh_start():
        shutil.rmtree(instance)
        shutil.copytree(snapshot, instance)

    def check(label):
        checked = create_app(instance_config(instance))
        for recover in (False, True):
            active, archived = _visible(checked, recover=recover)
            assert kept <= active | archived, label  # nobody lost
            assert not active & archived, label  # nobody twice
            assert active | archived <= kept | ending, label
        database.close()

    def finish(label):
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=120)
        assert done.returncode == 0, (label, done.stderr)
        active, archived = _visible(create_app(instance_config(instance)))
        database.close()
        assert active == set() and archived == kept, label  # the ended ones are gone for good

    kills = 0
    for point in range(1, 40):
        fresh_start()
        crashed = subprocess.run(
            command,
            cwd=ROOT,
            env={**env, "CABINET_CRASH_AT": str(point)},
            capture_output=True,
            timeout=120,
        )
        if crashed.returncode == 0:
            break  # past the last crash point: the run simply completed
        kills += 1
        check(f"crash point {point}")
        finish(f"after crash point {point}")
    assert kills >= 14  # 6 batches × 2 steps to archive, 2 batches to end
    rng = random.Random(7)
    fresh_start()
    for attempt in range(4):
        with subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        ) as process:
            time.sleep(rng.uniform(0.4, 1.2))
            process.kill()
        check(f"random kill {attempt}")
    finish("after random kills")


def test_scheduler_runs_in_one_process_only(tmp_path):
    code = (
        "import sys, time; from pathlib import Path; from cabinet import scheduler; "
        "held = scheduler.acquire_lock(Path(sys.argv[1])); print('held' if held else 'free', flush=True); "
        "time.sleep(2 if held else 0)"
    )
    lock = tmp_path / "scheduler.lock"
    with subprocess.Popen(
        [sys.executable, "-c", code, str(lock)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    ) as first:
        assert first.stdout.readline().strip() == "held"
        second = subprocess.run(
            [sys.executable, "-c", code, str(lock)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert second.stdout.strip() == "free"
        first.wait(timeout=30)


def test_dry_run_counts_files_archived_and_ended_in_the_same_run(app, ctx, make_patient, user):
    _old_patient(app, make_patient, user, when=datetime.datetime(2006, 3, 2, 10))
    dry = _run(app, "2026-11-29", dry_run=True)
    real = _run(app, "2026-11-29")
    assert (dry["archived"], dry["deleted"]) == (real["archived"], real["deleted"]) == (1, 1)
