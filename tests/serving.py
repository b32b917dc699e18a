"""gunicorn started as `make serve` starts it (gunicorn.conf.py), for the tests that need
the real server: on a test instance, its log in a file, stopped at the end."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def serving_env(folder: Path, **settings: str) -> dict:
    """The environment of a server for `folder`: no CABINET_ variable of the caller's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CABINET_")}
    env.update(CABINET_INSTANCE=str(folder), **settings)
    return env


@contextmanager
def gunicorn(env: dict, log_path: Path, workers: int, ready=lambda: True, timeout: float = 60):
    """gunicorn running until the block ends, once a worker booted and `ready()` holds."""
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and config
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
            + ["--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            deadline = time.monotonic() + timeout
            while "Booting worker" not in log_path.read_text() or not ready():
                assert server.poll() is None and time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)
            yield server
        finally:
            server.terminate()
            server.wait(timeout=30)
