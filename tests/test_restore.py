"""X2: restore. `--to` a folder holding only the keys (a new machine) rebuilds the same rows
under that folder's keys with a valid audit chain; in place, it is refused while a server
or the scheduler holds the instance, is verified before it swaps, and keeps the replaced
files aside; both are written in the maintenance log."""

import fcntl
import json
import secrets
import shutil

import pytest

from cabinet import create_app
from cabinet.audit import trace, verification
from cabinet.compliance import manifest, snapshot
from cabinet.compliance.models import MaintenanceEntry
from cabinet.db import database
from tests.archiving import old_patient as _old_patient
from tests.archiving import run_job as _run
from tests.conftest import instance_config, login, traces
from tests.continuity import all_keys, flip_byte, make_backup

# Rows the backup and the restore write after the snapshot: compared up to the snapshot.
GROWING = {"trace", "backup_run", "backup_check", "maintenance_entry"}


def _dump(path, key) -> dict[str, list]:
    conn = snapshot.connect(path, key, read_only=True)
    try:
        return {
            table: conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()  # noqa: S608
            for table in snapshot.counts(conn)
        }
    finally:
        conn.close()


@pytest.fixture
def practice(backup_app, make_patient, user):
    """Patients with records in the active base, one archived file in the archive."""
    _old_patient(backup_app, make_patient, user, name="Archivée")
    _run(backup_app, "2031-01-01")  # 5 years after 2020: archived
    _old_patient(backup_app, make_patient, user, name="Active", when=_recent())
    return backup_app


def _recent():
    import datetime

    return datetime.datetime.now().replace(microsecond=0) - datetime.timedelta(days=3)


def _new_machine(tmp_path, instance, same_keys=("audit", "backup")) -> tuple:
    """A folder holding only keys/: the escrowed audit and backup keys, and new keys for
    the databases (so the restore must re-encrypt)."""
    target = tmp_path / "nouvelle-machine"
    (target / "keys").mkdir(parents=True)
    for name in ("database", "audit", "archive", "backup"):
        source = instance / "keys" / f"{name}.key"
        if name in same_keys:
            shutil.copy(source, target / "keys" / source.name)
        else:
            (target / "keys" / source.name).write_text(secrets.token_hex(32) + "\n")
    return target, all_keys(target)


def test_restore_to_a_folder_with_only_the_keys_gives_the_same_rows(practice, instance, tmp_path):
    app = practice
    with app.app_context():  # a reading, written alone: in the journal of readings
        trace(None, "patient.list", target="patients", detail="1 fiche(s)")
    old_keys = all_keys(instance)
    before = {
        "active": _dump(instance / "cabinet.db", old_keys["database"]),
        "readings": _dump(instance / "lectures.db", old_keys["database"]),
        "archive": _dump(instance / "archive.db", old_keys["archive"]),
    }
    summary = make_backup(app)
    target, new_keys = _new_machine(tmp_path, instance)
    result = app.test_cli_runner().invoke(
        args=["backup", "restore", summary["name"], "--to", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in target.iterdir()) == [
        "archive.db",
        "cabinet.db",
        "keys",
        "lectures.db",
    ]
    after = {
        "active": _dump(target / "cabinet.db", new_keys["database"]),
        "readings": _dump(target / "lectures.db", new_keys["database"]),
        "archive": _dump(target / "archive.db", new_keys["archive"]),
    }
    assert after["archive"] == before["archive"] and after["archive"]["archived_file"]
    assert after["readings"] == before["readings"] and after["readings"]["trace"]
    assert set(after["active"]) == set(before["active"])
    for table, rows in before["active"].items():
        if table in GROWING:
            assert after["active"][table][: len(rows)] == rows, table
        elif table != "backup_run":  # the run row is written just before the snapshot
            assert after["active"][table] == rows, table
    with pytest.raises(snapshot.DatabaseError):  # written under the new machine's key
        _dump(target / "cabinet.db", old_keys["database"])
    restored = create_app(instance_config(target))
    try:
        with restored.app_context():
            counts = verification.verify_journals(restored.extensions["cabinet.audit_key"])
            assert counts["principal"] > 0 and counts["consultations"] > 0
            entry = MaintenanceEntry.select().order_by(MaintenanceEntry.id.desc()).first()
            assert entry.source == "system" and summary["name"] in entry.what
        assert traces(restored, action="backup.restore")
        client = login(restored.test_client(), "practitioner")
        assert client.get("/patients/").status_code == 200
    finally:
        database.close()


def test_restore_to_refuses_a_folder_that_is_not_a_new_instance(backup_app, instance, tmp_path):
    summary = make_backup(backup_app)
    runner = backup_app.test_cli_runner()
    empty = tmp_path / "vide"
    empty.mkdir()
    result = runner.invoke(args=["backup", "restore", summary["name"], "--to", str(empty)])
    assert result.exit_code == 1 and "keys/ est introuvable" in result.output
    target, _ = _new_machine(tmp_path, instance)
    (target / "cabinet.db").write_bytes(b"une ancienne base")
    result = runner.invoke(args=["backup", "restore", summary["name"], "--to", str(target)])
    assert result.exit_code == 1 and "doit ne contenir que keys/" in result.output
    assert (target / "cabinet.db").read_bytes() == b"une ancienne base"


def test_restore_without_the_backup_key_of_the_practice_is_refused(backup_app, instance, tmp_path):
    summary = make_backup(backup_app)
    target, _ = _new_machine(tmp_path, instance, same_keys=("audit",))
    result = backup_app.test_cli_runner().invoke(
        args=["backup", "restore", summary["name"], "--to", str(target)]
    )
    assert result.exit_code == 1 and "sceau invalide" in result.output
    assert sorted(p.name for p in target.iterdir()) == ["keys"]


def _fresh(instance, backup_dir):
    """Another process's view of the instance (one that has served nothing)."""
    return create_app(instance_config(instance, BACKUP_DIR=backup_dir))


def test_in_place_restore_is_refused_while_the_instance_is_held(
    backup_app, instance, backup_dir, admin_client
):
    summary = make_backup(backup_app)
    assert admin_client.get("/").status_code == 200  # this server now holds serving.lock
    key = all_keys(instance)["database"]
    before = _dump(instance / "cabinet.db", key)
    fresh = _fresh(instance, backup_dir)
    result = fresh.test_cli_runner().invoke(args=["backup", "restore", summary["name"], "--yes"])
    assert result.exit_code == 1 and "en service" in result.output
    assert _dump(instance / "cabinet.db", key) == before
    assert not list(instance.glob("*.restauration")) and not list(instance.glob("*avant-*"))


def test_in_place_restore_is_refused_while_the_scheduler_runs(backup_app, instance, backup_dir):
    summary = make_backup(backup_app)
    with open(instance / "scheduler.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = (
            _fresh(instance, backup_dir)
            .test_cli_runner()
            .invoke(args=["backup", "restore", summary["name"], "--yes"])
        )
    assert result.exit_code == 1 and "planificateur" in result.output


def test_in_place_restore_needs_yes(backup_app):
    summary = make_backup(backup_app)
    result = backup_app.test_cli_runner().invoke(args=["backup", "restore", summary["name"]])
    assert result.exit_code == 1 and "--yes" in result.output


def test_in_place_restore_swaps_after_checking_and_keeps_the_old_files(
    backup_app, instance, backup_dir, make_patient
):
    summary = make_backup(backup_app)
    later = make_patient(birth_name="Postérieure")
    database.close()
    fresh = _fresh(instance, backup_dir)
    result = fresh.test_cli_runner().invoke(args=["backup", "restore", summary["name"], "--yes"])
    assert result.exit_code == 0, result.output
    keys_ = all_keys(instance)
    with fresh.app_context():
        from cabinet.patients.models import Patient

        assert Patient.get_or_none(Patient.ref == later.ref) is None
        entry = MaintenanceEntry.select().order_by(MaintenanceEntry.id.desc()).first()
        assert "en place" in entry.what and "avant-restauration" in entry.what
        assert verification.verify_all(fresh.extensions["cabinet.audit_key"]) > 0
    [aside] = instance.glob("cabinet.db.avant-restauration-*[0-9]")
    kept = _dump(aside, keys_["database"])  # the replaced file, whole and readable
    assert later.ref in {row[1] for row in kept["patient"]}
    database.close()


def test_in_place_restore_of_a_damaged_backup_changes_nothing(backup_app, instance, backup_dir):
    summary = make_backup(backup_app)
    flip_byte(backup_dir / summary["name"] / "cabinet.db", 10_000)
    database.close()
    before = (instance / "cabinet.db").read_bytes()
    result = (
        _fresh(instance, backup_dir)
        .test_cli_runner()
        .invoke(args=["backup", "restore", summary["name"], "--yes"])
    )
    assert result.exit_code == 1 and "ne passe pas son test" in result.output
    assert (instance / "cabinet.db").read_bytes() == before
    assert not list(instance.glob("*.restauration")) and not list(instance.glob("*avant-*"))


def test_a_backup_from_a_newer_version_is_refused(backup_app, backup_dir, tmp_path, instance):
    summary = make_backup(backup_app)
    manifest_path = backup_dir / summary["name"] / "manifest.json"
    stored = json.loads(manifest_path.read_text())
    stored["manifest"]["schema"].append("0099_future")
    with backup_app.app_context():
        stored["seal"] = manifest.seal(manifest.backup_key(), stored["manifest"])
    manifest_path.write_text(json.dumps(stored))
    target, _ = _new_machine(tmp_path, instance)
    result = backup_app.test_cli_runner().invoke(
        args=["backup", "restore", summary["name"], "--to", str(target)]
    )
    assert result.exit_code == 1 and "version plus récente" in result.output


def test_a_server_starting_during_a_restore_answers_503(instance, backup_dir):
    from cabinet.compliance import locks

    app = _fresh(instance, backup_dir)
    with locks.instance_alone(instance):  # as a restore in place holds it
        response = app.test_client().get("/connexion")
        assert response.status_code == 503
        assert "momentanément indisponible" in response.get_data(as_text=True)
    assert app.test_client().get("/connexion").status_code == 200
    database.close()
