"""R7: moves interrupted by a crash are finished or undone — nobody lost, nobody twice —
and the scheduler runs in one process only."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.archiving import LONG_AGO, old_patient, visible

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def test_recovery_finishes_or_undoes_interrupted_moves(app, ctx, make_patient, user):
    from cabinet.retention import engine
    from cabinet.retention.archive import ArchivedFile, ensure_schema

    ensure_schema()
    kept = make_patient()
    gone = old_patient(app, make_patient, user, name="Parti")
    for ref, status in (
        (kept.ref, "awaiting"),
        ("absent-ref", "awaiting"),
        ("absent-old", "pending"),  # written by a version before "awaiting"
        (gone.ref, "restoring"),
    ):
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
    assert engine.recover() == {"finished": 3, "undone": 1}
    statuses = {a.ref: a.status for a in ArchivedFile.select()}
    # kept: copy dropped; gone: restored already
    assert statuses == {"absent-ref": "archived", "absent-old": "archived"}


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
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    command = [*flask, "retention", "run", "--as-of", "2026-11-29"]

    def fresh_start():
        shutil.rmtree(instance)
        shutil.copytree(snapshot, instance)

    def check(label):
        checked = create_app(instance_config(instance))
        for recover in (False, True):
            active, archived = visible(checked, recover=recover)
            assert kept <= active | archived, label  # nobody lost
            assert not active & archived, label  # nobody twice
            assert active | archived <= kept | ending, label
        database.close()

    def finish(label):
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=120)
        assert done.returncode == 0, (label, done.stderr)
        active, archived = visible(create_app(instance_config(instance)))
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
