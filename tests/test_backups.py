"""X2: a backup is a consistent, encrypted, sealed snapshot, tested by a restore in another
process right after it is written; `backup verify` fails on any flipped byte and on an
edited manifest; no patient name and no key is in any byte of a backup; the admin's
indicator follows the last verified backup."""

import datetime
import json
import random
import shutil
import threading

import pytest

from cabinet.compliance import backups, checks, manifest, snapshot
from tests.conftest import traces
from tests.continuity import all_keys, copy_of, flip_byte, listed, make_backup


@pytest.fixture
def with_archive(backup_app):
    """An archive file exists (created on first use), so backups hold both databases."""
    from cabinet.retention.archive import ensure_schema

    with backup_app.app_context():
        ensure_schema()
    return backup_app


def test_backup_is_sealed_verified_traced_and_listed(with_archive, backup_dir, make_patient):
    app = with_archive
    make_patient(birth_name="Sauvegardée")
    summary = make_backup(app)
    assert summary["verified"] is True and summary["problems"] == []
    folder = backup_dir / summary["name"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "archive.db",
        "cabinet.db",
        "lectures.db",
        "manifest.json",
    ]
    with app.app_context():
        body = manifest.read_manifest(folder, manifest.backup_key())
        conn = snapshot.connect(
            app.config["DATABASE_PATH"], all_keys(app.config["INSTANCE_PATH"])["database"]
        )
        live = snapshot.counts(conn)
        applied = snapshot.applied_migrations(conn)
        conn.close()
    assert body["schema"] == applied and "0010_continuity" in applied
    assert body["cabinet_version"] == manifest.cabinet_version()
    active = next(f for f in body["files"] if f["name"] == "cabinet.db")
    assert active["tables"]["patient"] == live["patient"]
    assert active["sha256"] == manifest.sha256(folder / "cabinet.db")
    assert active["size"] == (folder / "cabinet.db").stat().st_size
    # The journal of readings goes with it, under its own derived key, counted.
    readings = next(f for f in body["files"] if f["name"] == "lectures.db")
    assert readings["store"] == "readings" and "trace" in readings["tables"]
    [row] = listed(app)
    assert row["name"] == summary["name"] and row["verified_ok"] is True
    assert row["created_at"].endswith("Z") and row["verified_at"] and row["size"] > 0
    assert [t.outcome for t in traces(app, action="backup.create")] == ["ok"]
    assert [t.outcome for t in traces(app, action="backup.verify")] == ["ok"]


def test_backup_under_concurrent_bookings_is_a_consistent_snapshot(
    backup_app, backup_dir, make_patient, user
):
    """A thread books appointments (each with its trace, in one transaction) while the
    backup runs: the copy holds whole bookings only, its counts match the manifest and its
    audit chain holds."""
    from cabinet.appointments import schedule, services
    from cabinet.appointments.models import AppointmentType

    app = backup_app
    patient, doctor, secretary = make_patient(), user("practitioner"), user("secretary")
    running, stop, booked_during = threading.Event(), threading.Event(), []
    warmed_up = threading.Event()

    def book_all_the_time():
        with app.app_context():
            kind = AppointmentType.get(AppointmentType.name == "Séance")
            day = datetime.date.today() + datetime.timedelta(days=30)
            for n in range(2000):
                if stop.is_set():
                    break
                start = schedule.to_utc(day + datetime.timedelta(days=n), datetime.time(10))
                services.book(services.Booking(doctor, patient, kind, start), secretary)
                if n == 20:
                    warmed_up.set()
                if running.is_set():
                    booked_during.append(n)
            from cabinet.db import database

            database.close()

    worker = threading.Thread(target=book_all_the_time)
    worker.start()
    try:
        assert warmed_up.wait(60)
        running.set()
        summary = make_backup(app)
        running.clear()
    finally:
        stop.set()
        worker.join(timeout=60)
    assert booked_during, "no booking happened while the backup ran"
    assert summary["verified"] is True
    folder = backup_dir / summary["name"]
    with app.app_context():
        key = manifest.file_key(manifest.backup_key(), summary["name"], "cabinet.db")
    copy = snapshot.connect(folder / "cabinet.db", key, read_only=True)
    appointments = copy.execute(
        "SELECT count(*) FROM appointment WHERE patient_id = ?", (patient.id,)
    ).fetchone()[0]
    booked_traces = copy.execute(
        "SELECT count(*) FROM trace WHERE action = 'appointment.create' AND patient_ref = ?",
        (patient.ref,),
    ).fetchone()[0]
    copy.close()
    assert appointments == booked_traces > 20


@pytest.mark.parametrize("filename", ["cabinet.db", "archive.db", "manifest.json"])
def test_verify_fails_on_one_flipped_byte_in_each_file(with_archive, tmp_path, filename):
    app = with_archive
    summary = make_backup(app)
    original = app.config["BACKUP_DIR"] / summary["name"]
    size = (original / filename).stat().st_size
    rng = random.Random(filename)
    for offset in (0, size // 2, size - 1, rng.randrange(size)):
        damaged = copy_of(original, tmp_path / f"abimee-{offset}")
        flip_byte(damaged / filename, offset)
        result = app.test_cli_runner().invoke(args=["backup", "verify", str(damaged)])
        assert result.exit_code == 1, (filename, offset, result.output)
        assert "ÉCHEC" in result.output and filename in result.output
    intact = app.test_cli_runner().invoke(args=["backup", "verify", str(original)])
    assert intact.exit_code == 0, intact.output


def test_sqlcipher_checks_alone_catch_a_flipped_page(with_archive):
    """Beneath the SHA-256: a flipped byte inside a page fails SQLCipher's own HMAC check."""
    app = with_archive
    summary = make_backup(app)
    folder = app.config["BACKUP_DIR"] / summary["name"]
    flip_byte(folder / "cabinet.db", 4096 * 2 + 100)
    with app.app_context():
        key = manifest.file_key(manifest.backup_key(), summary["name"], "cabinet.db")
    problems = snapshot.check(folder / "cabinet.db", key, {}, None)
    assert problems and "altérée" in problems[0]


def test_verify_fails_on_an_edited_manifest(backup_app, tmp_path):
    app = backup_app
    summary = make_backup(app)
    original = app.config["BACKUP_DIR"] / summary["name"]
    damaged = copy_of(original, tmp_path / "manifeste-modifie")
    stored = json.loads((damaged / "manifest.json").read_text())
    stored["manifest"]["files"][0]["tables"]["patient"] += 1  # the seal is left as it was
    (damaged / "manifest.json").write_text(json.dumps(stored))
    result = app.test_cli_runner().invoke(args=["backup", "verify", str(damaged)])
    assert result.exit_code == 1 and "sceau invalide" in result.output
    # Resealed by someone without the backup key: still refused.
    stored["seal"] = manifest.seal("00" * 32, stored["manifest"])
    (damaged / "manifest.json").write_text(json.dumps(stored))
    result = app.test_cli_runner().invoke(args=["backup", "verify", str(damaged)])
    assert result.exit_code == 1 and "sceau invalide" in result.output
    with app.app_context():
        folder_checks = checks.problems(damaged, manifest.backup_key(), None)
    assert folder_checks


def test_an_extra_file_in_a_backup_fails_its_verification(backup_app, tmp_path):
    app = backup_app
    summary = make_backup(app)
    damaged = copy_of(app.config["BACKUP_DIR"] / summary["name"], tmp_path / "ajout")
    (damaged / "cabinet.db-journal").write_bytes(b"x")
    result = app.test_cli_runner().invoke(args=["backup", "verify", str(damaged)])
    assert result.exit_code == 1 and "fichier inattendu" in result.output


def test_no_patient_name_and_no_key_in_any_backup_byte(with_archive, make_patient):
    app = with_archive
    names = ["Quenotte", "Bérangère-Zolvic", "Xylophène"]
    for name in names:
        make_patient(birth_name=name, first_names="Ondine", address="12 rue Zéphyrine")
    summary = make_backup(app)
    folder = app.config["BACKUP_DIR"] / summary["name"]
    secrets_ = all_keys(app.config["INSTANCE_PATH"])
    for path in folder.iterdir():
        data = path.read_bytes()
        for name in [*names, "Ondine", "Zéphyrine"]:
            for form in (name, name.upper(), name.lower()):
                assert form.encode() not in data, (path.name, form)
        for label, key in secrets_.items():
            assert key.encode() not in data and bytes.fromhex(key) not in data, (path.name, label)


def test_a_backup_needs_the_backup_key(backup_app):
    (backup_app.config["KEYS_PATH"] / "backup.key").unlink()
    result = backup_app.test_cli_runner().invoke(args=["backup", "create"])
    assert result.exit_code == 1 and "Clé de sauvegarde introuvable" in result.output
    assert not backup_app.config["BACKUP_DIR"].exists()


def test_destination_environment_then_setting_then_instance_in_red(app, backup_dir):
    from cabinet import settings

    with app.test_request_context():
        target = backups.destination()
        assert target.path == app.config["INSTANCE_PATH"] / "backups"
        assert target.source == "instance" and "même disque" in target.warning
        settings.put("backup_dir", str(backup_dir))
        assert backups.destination().source == "setting"
        app.config["BACKUP_DIR"] = str(backup_dir / "env")
        assert backups.destination().source == "environment"
        assert backups.destination().path == (backup_dir / "env").resolve()


def test_copy_to_the_second_destination_is_tested_again(instance, tmp_path):
    from cabinet import create_app
    from cabinet.db import database
    from tests.conftest import instance_config

    app = create_app(
        instance_config(instance, BACKUP_DIR=tmp_path / "un", BACKUP_COPY_DIR=tmp_path / "deux")
    )
    try:
        summary = make_backup(app)
        assert summary["copy"]["verified"] is True
        with app.app_context():
            copies = backups.listing((tmp_path / "deux").resolve())
        assert [c.name for c in copies] == [summary["name"]] and copies[0].verified_ok
        assert [t.action for t in traces(app, action="backup.copy")] == ["backup.copy"]
    finally:
        database.close()


def test_status_goes_green_after_a_verified_backup_and_red_when_the_last_failed(
    backup_app, tmp_path
):
    app = backup_app
    with app.test_request_context():
        assert backups.status().level == "red"
        assert backups.status().text == "Aucune sauvegarde vérifiée."
    summary = make_backup(app)
    created = datetime.datetime.strptime(summary["name"][8:], "%Y%m%d-%H%M%S")
    with app.test_request_context():
        assert backups.status().level == "green"
        assert backups.status(created + datetime.timedelta(hours=25)).level == "green"
        assert backups.status(created + datetime.timedelta(hours=27)).level == "orange"
        assert backups.status(created + datetime.timedelta(hours=51)).level == "red"
    # The next backup's restore test fails: red at once, the older good one still named.
    second = make_backup(app)
    flip_byte(app.config["BACKUP_DIR"] / second["name"] / "cabinet.db", 5000)
    failed = app.test_cli_runner().invoke(args=["backup", "verify", second["name"]])
    assert failed.exit_code == 1
    with app.test_request_context():
        state = backups.status()
    assert state.level == "red" and "a échoué" in state.text
    assert state.last_good is not None


def test_a_failed_backup_run_is_recorded_and_shown_in_red(backup_app):
    app = backup_app
    make_backup(app)
    # The destination is gone and a file stands in its place (a disk not mounted, say).
    shutil.rmtree(app.config["BACKUP_DIR"])
    app.config["BACKUP_DIR"].write_text("pas un dossier")
    result = app.test_cli_runner().invoke(args=["backup", "create"])
    assert result.exit_code == 1 and "Sauvegarde impossible" in result.output
    with app.test_request_context():
        state = backups.status()
    assert state.level == "red" and "La dernière sauvegarde a échoué" in state.text
    assert [t.outcome for t in traces(app, action="backup.create")] == ["ok", "error"]


def test_verify_says_when_there_is_nothing_to_verify(backup_app):
    result = backup_app.test_cli_runner().invoke(args=["backup", "verify"])
    assert result.exit_code == 1 and "Aucune sauvegarde" in result.output
    result = backup_app.test_cli_runner().invoke(args=["backup", "verify", "cabinet-inconnue"])
    assert result.exit_code == 1 and "introuvable" in result.output
