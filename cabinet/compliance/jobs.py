"""The nightly backup (X2): `run(now)` backs up when due, then applies the rotation.

APScheduler only calls this function (cabinet/scheduler.py, every 10 minutes and at
start-up): a backup is due when none succeeded since the last scheduled time (setting
`backup_time`, Paris), so a night missed while the server was off is caught up at the
next start, and a changed time applies without a restart. A failed night is tried again
20 minutes later, three times at most, and shown in red on the admin's page.
"""

import datetime
import shutil
from pathlib import Path

from flask import current_app

from cabinet import settings
from cabinet.audit import trace
from cabinet.compliance import backups, locks, rotation
from cabinet.compliance.models import BackupRun
from cabinet.config import TIMEZONE
from cabinet.db import database, retrying
from cabinet.locks import Busy

RETRIES = 3
RETRY_AFTER = datetime.timedelta(minutes=20)


def last_slot(now: datetime.datetime) -> datetime.datetime:
    """The latest scheduled backup time at or before `now` (naive UTC)."""
    hour, minute = (int(part) for part in settings.get("backup_time").split(":"))
    local = now.replace(tzinfo=datetime.UTC).astimezone(TIMEZONE)
    slot = datetime.datetime.combine(local.date(), datetime.time(hour, minute), tzinfo=TIMEZONE)
    if slot > local:
        slot = datetime.datetime.combine(
            local.date() - datetime.timedelta(days=1), datetime.time(hour, minute), tzinfo=TIMEZONE
        )
    return slot.astimezone(datetime.UTC).replace(tzinfo=None)


def due(now: datetime.datetime) -> bool:
    """No backup succeeded since the last scheduled time, fewer than three attempts were
    made, and the last one is 20 minutes old. A run left "running" was killed (a backup
    really running holds `backup.lock`, and `run` then waits for the next poll)."""
    runs = list(
        BackupRun.select().where(BackupRun.started_at >= last_slot(now)).order_by(BackupRun.id)
    )
    if any(run.outcome == "ok" for run in runs):
        return False
    if len(runs) >= RETRIES:
        return False
    return not runs or now - runs[-1].started_at >= RETRY_AFTER


def run(now: datetime.datetime, force: bool = False) -> dict | None:
    """Back up if due (or `force`), then rotate; None when nothing was due."""
    if not force and not due(now):
        return None
    try:
        summary = backups.create("scheduled" if not force else "manual", now)
    except Busy:
        if force:
            raise
        return None  # a backup by command is running: the next poll sees its outcome
    summary["rotated"] = rotate(now)
    return summary


def _folders() -> list[Path]:
    copy = backups.copy_destination()
    return [backups.destination().path] + ([copy] if copy else [])


def rotate(now: datetime.datetime, dry_run: bool = False) -> list[str]:
    """Delete the backups the rotation no longer keeps, in each destination; their names."""
    rules = rotation.current_rules()
    deleted = []
    with locks.backup_lock(Path(current_app.config["INSTANCE_PATH"])):
        for folder in _folders():
            listed = backups.listing(folder)
            candidates = [
                rotation.Candidate(row.name, row.created_at, bool(row.verified_ok))
                for row in listed
            ]
            kept = rotation.keep(candidates, now, rules)
            for row in listed:
                if row.name not in kept:
                    if not dry_run:
                        shutil.rmtree(row.path)
                    deleted.append(str(row.path))
    if deleted and not dry_run:
        retrying(lambda: _trace_rotation(len(deleted)))
    return deleted


def _trace_rotation(count: int) -> None:
    with database.atomic():
        trace(None, "backup.rotate", target="backups", detail=f"{count} sauvegarde(s) supprimée(s)")
