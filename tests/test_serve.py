"""X1 at start-up, as the processes users run see it: a wrong or missing key stops
`gunicorn` (before any worker forks) and `flask` commands with exit status 1 and one
French line — no traceback, no English SQLCipher lines, no key (issue 19, points 5, 6)."""

import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WRONG_KEY = "cd" * 32


def _env(instance: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CABINET_")}
    return {**env, "CABINET_INSTANCE": str(instance), "CABINET_SCHEDULER": "0", **extra}


def _gunicorn(instance: Path, port: int = 0, **popen):
    command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}"]
    return subprocess.Popen(command, cwd=ROOT, env=_env(instance), text=True, **popen)


def _spoil(instance: Path, how: str) -> str:
    key = instance / "keys" / "database.key"
    if how == "wrong":
        key.write_text(WRONG_KEY + "\n")
        return "Impossible d'ouvrir la base active"
    if how == "missing":
        key.unlink()
        return "existe mais la clé de la base est introuvable"
    key.write_text("pas une clé\n")
    return "doit compter 64 caractères hexadécimaux"


@pytest.mark.parametrize("how", ["wrong", "missing", "malformed"])
def test_gunicorn_stops_at_once_with_the_french_message(instance, how):
    expected = _spoil(instance, how)
    server = _gunicorn(instance, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = server.communicate(timeout=60)  # a respawning server never gets here
    finally:
        server.kill()
    assert server.returncode == 1, err
    assert expected in err
    assert "Traceback" not in err + out
    assert "Booting worker" not in err  # stopped in the master, before any fork
    assert "ERROR CORE" not in err and WRONG_KEY not in err + out


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_serves_with_the_right_keys(instance, tmp_path):
    port = _free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    server = _gunicorn(instance, port, stdout=log, stderr=log)
    try:
        deadline, status = time.monotonic() + 60, None
        while status is None and time.monotonic() < deadline and server.poll() is None:
            try:
                # HTTPS by gunicorn itself, with the instance's own authority (issue 13).
                context = ssl.create_default_context(cafile=instance / "tls" / "ca.crt")
                url = f"https://localhost:{port}/connexion"
                with urllib.request.urlopen(url, context=context) as response:  # noqa: S310
                    status = response.status
            except OSError:
                time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert status == 200, (tmp_path / "gunicorn.log").read_text()


def test_wrong_key_at_the_command_line_prints_exactly_one_french_line(instance):
    _spoil(instance, "wrong")
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "migrate"],
        cwd=ROOT,
        env=_env(instance),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr  # SQLCipher's own English lines stay silent
    assert lines[0].startswith("Impossible d'ouvrir la base active")
    assert "Rien n'a été modifié." in lines[0]
