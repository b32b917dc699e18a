"""Serve a throwaway instance with gunicorn, as `make serve` does, for the HTTP benchmarks."""

import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from flask import has_request_context, request

from cabinet import create_app
from cabinet.db import database

ROOT = Path(__file__).resolve().parent.parent
# Where bench/wsgi.py serves every page with trace() a no-op (bench/trace_cost.py).
UNTRACED = "/sans-trace"


def instance_app(folder: Path):
    os.environ["CABINET_INSTANCE"] = str(folder)
    app = create_app({"SCHEDULER": False})
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
    return app


def with_untraced_prefix(application):
    """Bench only: a page asked under UNTRACED is served as itself with trace() a no-op."""
    from cabinet.audit import services

    real = services.trace

    def trace(*args, **kwargs):
        if has_request_context() and request.environ.get("bench.untraced"):
            return None
        return real(*args, **kwargs)

    # Every module that imported trace() by name (`from cabinet.audit import trace`).
    for module in list(sys.modules.values()):
        if (
            module
            and module.__name__.startswith("cabinet")
            and getattr(module, "trace", None) is real
        ):
            module.trace = trace
    served = application.wsgi_app

    def wsgi_app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(UNTRACED + "/"):
            environ["PATH_INFO"] = path[len(UNTRACED) :]
            environ["bench.untraced"] = True
        return served(environ, start_response)

    application.wsgi_app = wsgi_app
    return application


def bench_account(app, role: str = "secretary") -> tuple[str, str]:
    """An account signed in with its password alone: the secretary's exemption is set, so
    the benchmark measures pages, not the second factor."""
    from cabinet import settings
    from cabinet.users.services import create_user

    login, password = f"banc-{role}", secrets.token_urlsafe(16)
    with app.app_context():
        create_user(login, role, password, display_name=f"Banc d'essai ({role})")
        settings.put("secretary_second_factor_exempt", True)
    return login, password


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(folder: Path, workers: int = 2, wsgi: str = "app:app", env: dict | None = None):
    """Yield the port of a gunicorn serving the instance (sync workers, as `make serve`);
    stop it afterwards. `wsgi` names the application, `env` adds to the environment."""
    database.close()
    port = _free_port()
    env = {
        **os.environ,
        "CABINET_INSTANCE": str(folder),
        "CABINET_SCHEDULER": "0",
        "CABINET_RP_ID": "localhost",
        "CABINET_ORIGINS": f"http://localhost:{port}",
        **(env or {}),
    }
    command = [sys.executable, "-m", "gunicorn", "--config", "python:bench.gunicorn_bench"]
    command += ["--workers", str(workers), "--bind", f"127.0.0.1:{port}", wsgi]
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(server.stderr.read().decode()) from None
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
