"""APScheduler wiring only (R5): the jobs are plain functions in their domain.

The scheduler runs in exactly one process — the one holding an exclusive lock on
`instance/scheduler.lock` — and never under TESTING. It starts with the first
request a worker serves (so `flask` commands never start it), runs the retention
job every night at 02:30 Paris time, tries a failed night again every 20 minutes (three
times), and catches up at once when no run finished in the last 24 hours. The backup job
(compliance/jobs.py) is asked every 10 minutes, and at start, whether a backup is due.
Jobs run one at a time (`_one_at_a_time`): a backup never competes with the retention run.
The e-mail reminders (reminders/jobs.py) run every 5 minutes, on their own.
"""

import datetime
import threading
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from cabinet import locks, tls
from cabinet.auth import jobs as auth_jobs
from cabinet.compliance import jobs as compliance_jobs
from cabinet.config import TIMEZONE
from cabinet.db import database, utcnow
from cabinet.patients import imports as patient_imports
from cabinet.reminders import jobs as reminders_jobs
from cabinet.retention import jobs as retention_jobs
from cabinet.users import expiry

_scheduler = None
_one_at_a_time = threading.Lock()
_reminders_alone = threading.Lock()
BACKUP_POLL_MINUTES = 10
REMINDERS_POLL_MINUTES = 5


def acquire_lock(path: Path) -> bool:
    """Take the process-wide scheduler lock; False if another process holds it."""
    return locks.hold(path)


# A failed night is tried again a little later, a few times, before the morning.
RETRY_AFTER = datetime.timedelta(minutes=20)
RETRIES = 3


def nightly(app: Flask) -> bool:
    """The nightly jobs, each in its own short transactions; True when all succeeded.
    A failed retention run is recorded as such (and shown on the admin's home page)."""
    succeeded = True
    with _one_at_a_time, app.app_context():
        database.connect(reuse_if_open=True)
        try:
            retention_jobs.run(utcnow())
        except Exception:
            succeeded = False
            app.logger.exception("Retention job failed (recorded in the retention runs)")
        try:
            lifetime = datetime.timedelta(seconds=app.config["PERMANENT_SESSION_LIFETIME"])
            auth_jobs.run(utcnow(), lifetime)
        except Exception:
            succeeded = False
            app.logger.exception("Authentication housekeeping failed")
        try:
            expiry.run(utcnow())  # A4: accounts past their end date or unused
        except Exception:
            succeeded = False
            app.logger.exception("Disabling obsolete accounts failed")
        try:
            # A preview of an import left waiting: its cells (patient data) are erased.
            patient_imports.purge_stale(utcnow())
        except Exception:
            succeeded = False
            app.logger.exception("Purge of waiting imports failed")
    if app.config.get("TLS"):
        # gunicorn reads the certificate for every connection: a renewal needs no restart.
        try:
            tls.ensure(app.config["TLS_PATH"], app.config["HOSTNAME"])
        except Exception:
            succeeded = False
            app.logger.exception("TLS certificate renewal failed")
    return succeeded


def backup(app: Flask) -> None:
    """The backup job, when due (it records and shows its own failures)."""
    with _one_at_a_time, app.app_context():
        database.connect(reuse_if_open=True)
        try:
            compliance_jobs.run(utcnow())
        except Exception:
            app.logger.exception("Backup job failed (recorded in the backup runs)")


def reminders(app: Flask) -> None:
    """The e-mail reminders: queue what is due, send what waits (each message records its
    own outcome; nothing here touches the agenda). Not behind `_one_at_a_time`: a long
    backup must not hold a reminder past its time."""
    with _reminders_alone, app.app_context():
        database.connect(reuse_if_open=True)
        try:
            reminders_jobs.run(utcnow())
        except Exception:
            app.logger.exception("Reminders job failed (each message keeps its outcome)")


def _nightly(app: Flask, attempt: int = 0) -> None:
    if nightly(app) or attempt >= RETRIES or _scheduler is None:
        return
    _scheduler.add_job(
        _nightly,
        "date",
        run_date=datetime.datetime.now(datetime.UTC) + RETRY_AFTER,
        args=[app, attempt + 1],
        id="nightly-retry",
        replace_existing=True,
    )


def start(app: Flask) -> bool:
    """Start the scheduler in this process if it may; True if it runs here."""
    global _scheduler
    if app.config.get("TESTING") or not app.config.get("SCHEDULER", True) or _scheduler is not None:
        return _scheduler is not None
    if not acquire_lock(app.config["INSTANCE_PATH"] / "scheduler.lock"):
        return False
    _scheduler = BackgroundScheduler(timezone=TIMEZONE)
    _scheduler.add_job(
        _nightly,
        "cron",
        hour=2,
        minute=30,
        args=[app],
        id="nightly",
        misfire_grace_time=3600,
        coalesce=True,
    )
    # First at start-up (a night missed while the server was off is caught up), then every
    # 10 minutes: the job itself knows whether a backup is due.
    _scheduler.add_job(
        backup,
        "interval",
        minutes=BACKUP_POLL_MINUTES,
        args=[app],
        id="backup",
        next_run_time=datetime.datetime.now(datetime.UTC),
        coalesce=True,
        max_instances=1,
    )
    _scheduler.add_job(
        reminders,
        "interval",
        minutes=REMINDERS_POLL_MINUTES,
        args=[app],
        id="reminders",
        next_run_time=datetime.datetime.now(datetime.UTC),
        coalesce=True,
        max_instances=1,
    )
    with app.app_context():
        if retention_jobs.missed(utcnow()):
            _scheduler.add_job(_nightly, "date", args=[app], id="catch-up")
    _scheduler.start()
    return True


def start_if_ready(app: Flask) -> bool:
    """Start the scheduler here if the instance is initialised and no other process runs it.
    gunicorn calls it as each worker boots (gunicorn.conf.py); `flask run` at the first
    request."""
    if app.config.get("DATABASE_READY") and app.extensions.get("cabinet.archive_key"):
        return start(app)
    return False


def init_app(app: Flask) -> None:
    started = {"done": False}

    @app.before_request
    def _start_once():
        if not started["done"]:
            started["done"] = True
            start_if_ready(app)
