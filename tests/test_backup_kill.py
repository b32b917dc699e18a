"""X2: a backup killed (SIGKILL) at any moment never appears as a backup, and the next one
succeeds: killed at each of its crash points, then at random moments, over several rounds."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from cabinet import create_app
from cabinet.compliance import backups, checks, manifest
from cabinet.db import database
from tests.conftest import instance_config

ROOT = Path(__file__).resolve().parent.parent


def _seed(instance: Path) -> None:
    app = create_app(instance_config(instance))
    with app.app_context():
        from cabinet import demo
        from cabinet.retention.archive import ensure_schema

        demo.seed(patients=150, seed=9, appointments=3000)
        ensure_schema()
    database.close()


def _listed_are_whole(instance: Path, folder: Path, label: str) -> int:
    """Every listed backup passes its restore test; none is partial. How many are listed."""
    app = create_app(instance_config(instance, BACKUP_DIR=folder))
    with app.app_context():
        rows = backups.listing(folder, with_checks=False)
        key = manifest.backup_key()
        audit_key = app.extensions["cabinet.audit_key"]
        for row in rows:
            assert not row.name.startswith(backups.PARTIAL), label
            assert checks.problems(row.path, key, audit_key) == [], (label, row.name)
    database.close()
    return len(rows)


def test_a_killed_backup_is_never_listed_and_the_next_one_succeeds(instance, tmp_path):
    _seed(instance)
    folder = tmp_path / "sauvegardes"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CABINET_")},
        "CABINET_INSTANCE": str(instance),
        "CABINET_BACKUP_DIR": str(folder),
        "CABINET_SCHEDULER": "0",
    }
    command = [sys.executable, "-m", "flask", "--app", "app", "backup", "create"]

    def run(extra=None, **kwargs):
        return subprocess.run(
            command, cwd=ROOT, env={**env, **(extra or {})}, capture_output=True, **kwargs
        )

    # At each crash point of `backups.write` and after the run is recorded.
    points = 0
    for point in range(1, 10):
        crashed = run({"CABINET_CRASH_AT": str(point)}, timeout=300)
        if crashed.returncode == 0:
            break
        assert crashed.returncode == -signal.SIGKILL, crashed.stderr
        points += 1
        _listed_are_whole(instance, folder, f"crash point {point}")
    assert points == 5
    # At random moments, the whole process group at once (the restore test's process too).
    rng = random.Random(12)
    for attempt in range(5):
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(rng.uniform(0.5, 3.0))
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        _listed_are_whole(instance, folder, f"random kill {attempt}")
    done = run(timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "vérifiée" in done.stdout.decode()
    count = _listed_are_whole(instance, folder, "after the kills")
    assert count >= 2  # the crash points after the rename left whole backups, and this one
    assert not [p for p in folder.iterdir() if p.name.startswith(backups.PARTIAL)]
