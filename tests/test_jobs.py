"""19.4: the jobs coexist with the practice — short transactions, a busy database waited for
and retried with back-off, a failed night recorded, shown to the admin and tried again."""

import datetime
import threading
import time

import pytest
from peewee import OperationalError

from cabinet import keys
from cabinet.db import CabinetDatabase, configure, database, utcnow
from tests.archiving import old_patient
from tests.conftest import login, traces


@pytest.fixture
def busy_practice(app):
    """Another process's connection that holds the write lock for about a second, as a burst
    of requests would; this thread gives up waiting after 100 ms (instead of 5 s)."""
    other = CabinetDatabase(None)
    configure(other, app.config["DATABASE_PATH"], keys.load(app.config["KEYS_PATH"], "database"))
    held = threading.Event()

    def hold():
        other.connect()
        other.execute_sql("BEGIN IMMEDIATE")
        other.execute_sql("UPDATE setting SET key = key WHERE 0")
        held.set()
        time.sleep(1.2)
        other.execute_sql("COMMIT")
        other.close()

    def start():
        with app.app_context():
            database.connect(reuse_if_open=True)
            database.execute_sql("PRAGMA busy_timeout = 100")
        holder = threading.Thread(target=hold)
        holder.start()
        assert held.wait(5)
        return holder

    return start


def test_catch_up_run_finishes_while_requests_write(app, make_patient, user, busy_practice):
    from cabinet.retention import jobs
    from cabinet.retention.models import RetentionRun

    old_patient(app, make_patient, user, when=datetime.datetime(2015, 1, 5, 10))
    with app.app_context():
        holder = busy_practice()
        summary = jobs.run(utcnow())
        holder.join()
        assert summary["archived"] == 1
        assert RetentionRun.select().order_by(RetentionRun.id.desc()).first().outcome == "ok"


def test_without_retry_the_same_write_would_have_failed(app, busy_practice):
    """The fixture really makes the database busy: a plain write gives up at once."""
    from cabinet.audit import trace

    with app.test_request_context():
        holder = busy_practice()
        with pytest.raises(OperationalError, match="locked"):
            trace(None, "system.init", target="trace")
        holder.join()


def test_prune_and_create_user_wait_for_the_practice(app, runner, busy_practice):
    from cabinet.auth.models import User

    with app.app_context():
        holder = busy_practice()
        pruned = runner.invoke(args=["audit", "prune"])
        holder.join()
        assert pruned.exit_code == 0, pruned.output
        holder = busy_practice()
        created = runner.invoke(
            args=["create-user", "nouvelle", "--role", "secretary"],
            input="une phrase de passe tout à fait correcte\n",
        )
        holder.join()
        assert created.exit_code == 0, created.output
        assert User.get_or_none(User.login == "nouvelle") is not None


def test_a_failed_night_is_recorded_shown_and_tried_again(app, monkeypatch):
    from apscheduler.schedulers.background import BackgroundScheduler

    from cabinet import scheduler
    from cabinet.retention import jobs
    from cabinet.retention.models import RetentionRun

    def busy(*args):
        raise OperationalError("database is locked")

    monkeypatch.setattr(jobs, "_archive_due", busy)
    monkeypatch.setattr(scheduler, "_scheduler", BackgroundScheduler(timezone="Europe/Paris"))
    scheduler._nightly(app)
    with app.app_context():
        last = RetentionRun.select().order_by(RetentionRun.id.desc()).first()
        assert last.outcome == "error" and last.error == "OperationalError"
    retry = scheduler._scheduler.get_job("nightly-retry")
    assert retry is not None and retry.args == (app, 1)
    assert traces(app, action="system.retention_run")[-1].outcome == "error"

    admin = login(app.test_client(), "admin")
    assert "La tâche de conservation a échoué" in admin.get("/").get_data(as_text=True)
    secretary = login(app.test_client(), "secretary")
    assert "La tâche de conservation a échoué" not in secretary.get("/").get_data(as_text=True)

    # The next try succeeds: the warning goes away, and no further retry is planned.
    monkeypatch.undo()
    monkeypatch.setattr(scheduler, "_scheduler", BackgroundScheduler(timezone="Europe/Paris"))
    scheduler._nightly(app, attempt=1)
    assert scheduler._scheduler.get_job("nightly-retry") is None
    assert "La tâche de conservation a échoué" not in admin.get("/").get_data(as_text=True)


def test_retries_stop_before_the_morning(app, monkeypatch):
    from apscheduler.schedulers.background import BackgroundScheduler

    from cabinet import scheduler

    monkeypatch.setattr(scheduler, "nightly", lambda app: False)
    monkeypatch.setattr(scheduler, "_scheduler", BackgroundScheduler(timezone="Europe/Paris"))
    scheduler._nightly(app, attempt=scheduler.RETRIES)
    assert scheduler._scheduler.get_job("nightly-retry") is None
