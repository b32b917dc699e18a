"""A practice's first start for real (S7, X7): `make serve` never loads the demo — its
fictitious patients and its accounts, whose passwords sit in a file of the instance — and
an instance nobody can sign in to yet says how to create its first admin. `make run` still
loads the demo (DESIGN.md). Found in a review: `make serve`, "production" in the README,
filled an empty instance with the demo."""

import re
import secrets
import subprocess
from pathlib import Path

from cabinet import create_app
from tests.conftest import instance_config
from tests.serving import gunicorn, serving_env

ROOT = Path(__file__).resolve().parent.parent


def _dry_run(target: str) -> str:
    """The commands `make TARGET` would run (make -n: nothing is run)."""
    done = subprocess.run(  # noqa: S603
        ["make", "-n", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,  # noqa: S607
    )
    return done.stdout


def test_serve_sets_up_the_instance_without_the_demo():
    serve = _dry_run("serve")
    assert "flask --app app init" in serve and "gunicorn --config gunicorn.conf.py" in serve
    assert "seed-demo" not in serve and "demo-accounts" not in serve
    assert "seed-demo --if-empty" in _dry_run("run")


def test_an_instance_without_accounts_says_how_to_create_the_first_admin(tmp_path):
    from cabinet.users.services import create_user, first_account_hint

    app = create_app(instance_config(tmp_path / "instance"))
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
    with app.app_context():
        hint = first_account_hint()
        assert "flask --app app create-user LOGIN --role admin" in hint
        create_user("direction", "admin", secrets.token_urlsafe(16))
        assert first_account_hint() is None


def test_serving_an_empty_instance_logs_the_hint_and_creates_nobody(tmp_path):
    from cabinet.auth.models import User
    from cabinet.patients.models import Patient

    folder = tmp_path / "instance"
    app = create_app(instance_config(folder))
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
    # Without the scheduler: stopped within a second of its start, APScheduler 3 can log
    # its own shutdown race (agronholm/apscheduler#285), which is not what is tested here.
    env = serving_env(folder, CABINET_TLS="0", CABINET_SCHEDULER="0", HOST="127.0.0.1", PORT="0")
    log_path = tmp_path / "gunicorn.log"
    with gunicorn(env, log_path, 1):
        pass
    served = log_path.read_text()
    assert re.search(r"\[WARNING\] Aucun compte n'existe encore : créez l'administrateur", served)
    assert "Traceback" not in served
    with app.app_context():
        assert User.select().count() == 0 and Patient.select().count() == 0
