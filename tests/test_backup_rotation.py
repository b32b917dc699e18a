"""X2: rotation (7 daily, 4 weekly, 12 monthly by default) keeps the right set over a
simulated year and never deletes the last verified backup; the nightly job is due after
its time, caught up when missed, retried three times; the register says how long a file
deleted by retention may survive in backups."""

import datetime
import json

from cabinet.compliance import backups, checks, jobs, manifest, rotation
from cabinet.config import TIMEZONE
from tests.conftest import login, traces

RULES = rotation.Rules(daily=7, weekly=4, monthly=12)


def _nightly(day: datetime.date) -> datetime.datetime:
    """01:30 Paris on that day, in naive UTC."""
    local = datetime.datetime.combine(day, datetime.time(1, 30), tzinfo=TIMEZONE)
    return local.astimezone(datetime.UTC).replace(tzinfo=None)


def _simulate(days: int, failing: set[int] = frozenset()) -> tuple[list, datetime.datetime]:
    """One backup a night, the rotation applied every night, like the job does."""
    start = datetime.date(2026, 1, 1)
    kept: list[rotation.Candidate] = []
    now = None
    for n in range(days):
        now = _nightly(start + datetime.timedelta(days=n))
        kept.append(rotation.Candidate(f"b{n}", now, n not in failing))
        names = rotation.keep(kept, now, RULES)
        kept = [c for c in kept if c.name in names]
    return kept, now


def _expected(days: int) -> set[str]:
    """Independently: newest of each of the last 7 days, 4 ISO weeks, 12 months."""
    start = datetime.date(2026, 1, 1)
    every = [(f"b{n}", start + datetime.timedelta(days=n)) for n in range(days)]
    today = every[-1][1]
    wanted = {name for name, day in every if (today - day).days < 7}
    weeks, months = {}, {}
    for name, day in every:
        weeks[day - datetime.timedelta(days=day.weekday())] = name  # ends with the newest
        months[(day.year, day.month)] = name
    monday = today - datetime.timedelta(days=today.weekday())
    wanted |= {weeks[m] for m in weeks if (monday - m).days < 28}
    last_months = sorted(months)[-12:]
    wanted |= {months[m] for m in last_months}
    return wanted


def test_rotation_over_a_simulated_year_keeps_the_right_set():
    kept, now = _simulate(400)
    assert {c.name for c in kept} == _expected(400)
    assert len(kept) <= 7 + 4 + 12
    oldest = min(c.created_at for c in kept)
    assert (now - oldest).days < 366  # nothing outlives the monthly window


def test_the_last_verified_backup_is_never_deleted():
    """Sixty failed nights: the last good backup stays, however old; failed ones go after a
    week."""
    kept, now = _simulate(120, failing=set(range(60, 120)))
    good = [c for c in kept if c.good]
    assert "b59" in {c.name for c in good}
    assert all((now - c.created_at).days < 7 for c in kept if not c.good)


def test_longest_kept_and_the_register_sentence(app):
    assert rotation.longest_kept(RULES) == "12 mois"
    assert rotation.longest_kept(rotation.Rules(7, 4, 0)) == "4 semaines"
    assert rotation.longest_kept(rotation.Rules(10, 0, 0)) == "10 jours"
    from cabinet import settings

    with app.test_request_context():
        assert "au plus 12 mois" in rotation.register_sentence()
        settings.put("backup_keep_monthly", 6)
        assert "au plus 6 mois" in rotation.register_sentence()


def test_the_register_says_how_long_a_deleted_file_survives_in_backups(app):
    client = login(app.test_client(), "admin")
    page = client.get("/information/registre").get_data(as_text=True)
    assert "peut subsister dans les sauvegardes au plus 12 mois" in page
    exported = json.loads(client.get("/information/registre.json").get_data(as_text=True))
    assert any("au plus 12 mois" in line for line in exported["security_measures"]["Sauvegarde"])


def _folder_backup(folder, name: str) -> None:
    (folder / name).mkdir(parents=True)
    (folder / name / manifest.MANIFEST).write_text("{}")


def test_rotate_deletes_the_folders_the_rules_drop(backup_app, backup_dir):
    app = backup_app
    now = datetime.datetime(2026, 6, 30, 12)
    names = [f"cabinet-{(now - datetime.timedelta(days=n)):%Y%m%d}-000000" for n in range(60)]
    for name in names:
        _folder_backup(backup_dir, name)
    with app.test_request_context():
        for name in names:
            checks.record_check(name, backup_dir.resolve(), [])
        deleted = jobs.rotate(now)
        left = {row.name for row in backups.listing(backup_dir.resolve())}
    candidates = [rotation.Candidate(n, backups._created_at(n), True) for n in names]
    assert left == rotation.keep(candidates, now, RULES)
    assert len(deleted) == 60 - len(left) > 0
    assert [t.detail for t in traces(app, action="backup.rotate")] == [
        f"{len(deleted)} sauvegarde(s) supprimée(s)"
    ]


def test_the_job_is_due_after_its_time_caught_up_and_retried_three_times(app):
    from cabinet.compliance.models import BackupRun

    # 01:30 in Paris in winter is 00:30 UTC.
    with app.app_context():
        assert jobs.last_slot(datetime.datetime(2026, 12, 3, 0, 10)) == datetime.datetime(
            2026, 12, 2, 0, 30
        )
        night = datetime.datetime(2026, 12, 3, 0, 30)
        assert jobs.due(night)  # never backed up
        BackupRun.create(started_at=night, outcome="ok", name="x")
        assert not jobs.due(night + datetime.timedelta(hours=9))  # done tonight
        assert jobs.due(night + datetime.timedelta(days=1))  # the next night
        # The server was off on the night of the 5th: caught up at start on the 5th, 08:00.
        assert jobs.due(datetime.datetime(2026, 12, 5, 8, 0))
        failing = datetime.datetime(2026, 12, 6, 0, 30)
        for _attempt in range(3):
            assert jobs.due(failing)
            BackupRun.create(started_at=failing, outcome="error", name="")
            assert not jobs.due(failing + datetime.timedelta(minutes=10))  # waits 20 min
            failing += jobs.RETRY_AFTER
        assert not jobs.due(failing + datetime.timedelta(hours=1))  # three failures: tomorrow
        assert jobs.due(datetime.datetime(2026, 12, 7, 0, 30))


def test_the_job_backs_up_when_due_and_rotates(backup_app):
    with backup_app.app_context():
        now = backups.utcnow()
        summary = jobs.run(now)
        assert summary["verified"] is True and summary["rotated"] == []
        assert jobs.run(now + datetime.timedelta(minutes=10)) is None


def test_the_scheduler_runs_the_backup_job_when_due(backup_app):
    """The scheduler's callback (cabinet/scheduler.py) only calls the job: a backup when due,
    nothing on the next poll."""
    from cabinet import scheduler

    scheduler.backup(backup_app)
    with backup_app.app_context():
        first = backups.listing(backup_app.config["BACKUP_DIR"].resolve())
    assert len(first) == 1 and first[0].verified_ok
    scheduler.backup(backup_app)
    with backup_app.app_context():
        assert len(backups.listing(backup_app.config["BACKUP_DIR"].resolve())) == 1


def test_a_killed_run_counts_as_an_attempt_and_a_running_backup_is_waited_for(backup_app):
    from cabinet.compliance import locks
    from cabinet.compliance.models import BackupRun

    with backup_app.app_context():
        night = jobs.last_slot(backups.utcnow())
        BackupRun.create(started_at=night, outcome="running", name="tuee")
        later = night + jobs.RETRY_AFTER
        assert jobs.due(later)
        with locks.backup_lock(backup_app.config["INSTANCE_PATH"]):  # another process's backup
            assert jobs.run(later) is None
        assert BackupRun.select().where(BackupRun.outcome == "ok").count() == 0
