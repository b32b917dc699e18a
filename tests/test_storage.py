"""X1: the database is an SQLCipher file, opened only with its key; init is idempotent;
migrations upgrade an old database."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cabinet import create_app, db
from cabinet.db import StartupError, database
from tests.conftest import instance_config

ROOT = Path(__file__).resolve().parent.parent


def _raw_bytes(instance: Path) -> bytes:
    return b"".join(p.read_bytes() for p in instance.glob("cabinet.db*") if p.is_file())


def test_database_file_has_no_sqlite_header_and_no_clear_names(app, instance, make_patient):
    make_patient(birth_name="Sentinelle-Zéphyrin", first_names="Héloïse")
    with app.app_context():
        from cabinet import demo

        demo.seed(patients=50, seed=7)
        from cabinet.patients.models import Patient

        names = [p.birth_name for p in Patient.select()]
    database.close()  # checkpoint the WAL into the file
    raw = _raw_bytes(instance)
    assert not raw.startswith(b"SQLite format 3")
    assert b"SQLite format 3" not in raw[:1024]
    assert b"Sentinelle" not in raw
    # A name of three letters ("Roy") turns up by chance in the ciphertext now and then (1 in
    # 2**24 per position: it failed once, 2026-12-02); from six bytes on chance is out of reach.
    long_enough = [name for name in names if len(name.encode()) >= 6]
    assert len(long_enough) > len(names) / 2
    for name in long_enough:
        assert name.encode() not in raw and name.encode("utf-16-le") not in raw


def test_keys_and_database_are_private_files(instance):
    for key in (instance / "keys").iterdir():
        assert key.stat().st_mode & 0o777 == 0o600
    assert (instance / "keys").stat().st_mode & 0o777 == 0o700
    assert (instance / "cabinet.db").stat().st_mode & 0o777 == 0o600


def test_wrong_key_is_refused_with_one_message(instance):
    (instance / "keys" / "database.key").write_text("ab" * 32 + "\n")
    with pytest.raises(StartupError) as refused:
        create_app(instance_config(instance))
    assert "clé incorrecte ou fichier endommagé" in str(refused.value)


def test_missing_key_beside_existing_database_is_refused(instance):
    (instance / "keys" / "database.key").unlink()
    before = (instance / "cabinet.db").read_bytes()
    with pytest.raises(StartupError) as refused:
        create_app(instance_config(instance))
    assert "clé de la base est introuvable" in str(refused.value)
    assert (instance / "cabinet.db").read_bytes() == before
    assert not (instance / "keys" / "database.key").exists()


def test_corrupted_file_is_refused(instance):
    path = instance / "cabinet.db"
    data = bytearray(path.read_bytes())
    data[0:4096] = os.urandom(4096)
    path.write_bytes(bytes(data))
    with pytest.raises(StartupError):
        create_app(instance_config(instance))


def test_malformed_key_in_environment_is_refused(instance, monkeypatch):
    monkeypatch.setenv("CABINET_DB_KEY", "not-hex")
    with pytest.raises(StartupError) as refused:
        create_app(instance_config(instance))
    assert "64 caractères hexadécimaux" in str(refused.value)
    assert "not-hex" not in str(refused.value)


def test_key_from_environment_opens_the_database(instance, monkeypatch):
    key = (instance / "keys" / "database.key").read_text().strip()
    (instance / "keys" / "database.key").unlink()
    monkeypatch.setenv("CABINET_DB_KEY", key)
    app = create_app(instance_config(instance))
    assert app.config["DATABASE_READY"]
    database.close()


def test_wrong_key_at_command_line_gives_message_not_traceback(instance):
    env = {**os.environ, "CABINET_INSTANCE": str(instance), "CABINET_DB_KEY": "cd" * 32}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "clé incorrecte ou fichier endommagé" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "cd" * 32 not in result.stderr + result.stdout


def test_init_is_idempotent(runner, instance):
    keys_before = {p.name: p.read_text() for p in (instance / "keys").iterdir()}
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "aucune migration en attente" in result.output
    assert {p.name: p.read_text() for p in (instance / "keys").iterdir()} == keys_before


def test_fresh_instance_is_created_by_init(tmp_path):
    folder = tmp_path / "fresh"
    app = create_app(instance_config(folder))
    assert not app.config["DATABASE_READY"]
    # Before init, the app answers "not initialised" and never creates a database file.
    response = app.test_client().get("/connexion")
    assert response.status_code == 503
    assert not (folder / "cabinet.db").exists()
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (folder / "keys").iterdir()) == [
        "archive.key",
        "audit.key",
        "backup.key",
        "database.key",
    ]
    assert db.pending_migrations(database) == []
    database.close()


def test_migration_upgrades_a_database_created_at_the_first_migration(tmp_path):
    folder = tmp_path / "old"
    app = create_app(instance_config(folder))
    from cabinet import keys

    for name in ("database", "audit"):
        keys.create(folder / "keys", name)
    from cabinet.db import open_stores

    open_stores(app, create=True)
    assert db.migrate(database, target="0001_initial") == ["0001_initial"]
    database.execute_sql(
        "INSERT INTO user (login, display_name, role, password_hash, must_change_password, "
        "created_at) VALUES ('ancien', 'Ancien compte', 'secretary', 'x', 0, '2020-01-01')"
    )
    assert "patient" not in database.get_tables()
    applied = db.migrate(database)
    assert applied[0] == "0002_patients"
    assert db.pending_migrations(database) == []
    assert "patient" in database.get_tables()
    login = database.execute_sql("SELECT login FROM user").fetchone()[0]
    assert login == "ancien"
    database.close()


def test_every_connection_uses_wal_foreign_keys_and_secure_delete(app):
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert database.execute_sql("PRAGMA secure_delete").fetchone()[0] == 1
        assert database.execute_sql("PRAGMA cipher_version").fetchone()[0].startswith("4.")


def test_no_store_opens_without_its_key_whatever_the_environment(instance, monkeypatch):
    """X1: the benchmark's unencrypted copy is a bench-only module (bench/wsgi.py); the
    application has no keyless mode — not by configuration, not by an environment variable."""
    import pytest

    from cabinet import create_app, db
    from tests.conftest import instance_config

    with pytest.raises(ValueError):
        db.configure(db.CabinetDatabase(None), instance / "other.db", "")
    monkeypatch.setenv("CABINET_BENCH_PLAIN", "1")
    app = create_app(instance_config(instance))
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        assert db.database.connect_params["passphrase"].startswith("x'")
    db.database.close()
    raw = (instance / "cabinet.db").read_bytes()[:16]
    assert raw != b"SQLite format 3\x00"
