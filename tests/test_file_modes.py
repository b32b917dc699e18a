"""R2, X1: every file Cabinet creates is 0600 and every folder 0700, even when the shell
that runs it has the usual umask 022 — the archive and its -wal/-shm included, wherever
the archive lives (issue 19, point 6)."""

import os
import stat
import subprocess
import sys
from pathlib import Path

from cabinet import create_app
from cabinet.db import database
from tests.conftest import instance_config

ROOT = Path(__file__).resolve().parent.parent
LOCK = (
    "from cabinet import create_app, scheduler\n"
    "app = create_app()\n"
    "assert scheduler.acquire_lock(app.config['INSTANCE_PATH'] / 'scheduler.lock')\n"
)


def _run(env, *args):
    """A command as an operator types it, from a shell whose umask is 022."""
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _modes(folder: Path) -> dict[str, int]:
    """Mode of the folder itself (".") and of everything under it."""
    paths = [folder, *folder.rglob("*")]
    return {str(p.relative_to(folder)): stat.S_IMODE(p.stat().st_mode) for p in paths}


def test_every_created_file_is_private(tmp_path):
    instance, other_disk = tmp_path / "instance", tmp_path / "autre-disque"
    other_disk.mkdir()  # the admin's folder for the archive, on "another disk"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CABINET_")}
    env.update(
        CABINET_INSTANCE=str(instance),
        CABINET_ARCHIVE_PATH=str(other_disk / "archive.db"),
        CABINET_SCHEDULER="0",
    )
    flask = ["-m", "flask", "--app", "app"]
    _run(env, *flask, "init")
    _run(env, *flask, "seed-demo", "--patients", "40", "--seed", "3")
    archived = _run(env, *flask, "retention", "run", "--as-of", "2045-01-01", "--json")
    assert '"archived": 0' not in archived.stdout  # this first run created the archive
    _run(env, *flask, "backup", "create")  # X2: into instance/backups (the default)
    _run(env, "-c", LOCK)

    # Open both databases, so that their -wal and -shm files exist while we look.
    app = create_app(instance_config(instance, ARCHIVE_PATH=other_disk / "archive.db"))
    from cabinet.retention import archive

    with app.app_context():
        database.execute_sql("SELECT count(*) FROM sqlite_master")
        archive.ensure_schema()
        archive.archive_database.execute_sql("SELECT count(*) FROM archived_file")
        in_instance, in_archive_folder = _modes(instance), _modes(other_disk)
        archive.archive_database.close()
    database.close()

    assert {
        "cabinet.db",
        "cabinet.db-wal",
        "cabinet.db-shm",
        "lectures.db",
        "keys/database.key",
        "keys/archive.key",
        "demo-accounts.txt",
        "scheduler.lock",
    } <= set(in_instance)
    backup_files = {n for n in in_instance if n.startswith("backups/cabinet-")}
    assert {n.rsplit("/", 1)[1] for n in backup_files} >= {
        "cabinet.db",
        "lectures.db",
        "manifest.json",
    }
    for name, mode in in_instance.items():
        folder = (instance / name).is_dir()
        assert mode == (0o700 if folder else 0o600), (name, oct(mode))
    archive_files = {n: m for n, m in in_archive_folder.items() if n != "."}
    assert set(archive_files) == {"archive.db", "archive.db-wal", "archive.db-shm"}
    assert all(mode == 0o600 for mode in archive_files.values()), archive_files
