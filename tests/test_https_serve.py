"""X3, R5 as `make serve` runs: gunicorn (two sync workers) serves HTTPS itself with the
certificate of the instance's own authority — verified by `instance/tls/ca.crt`, HSTS and
Secure cookies — runs the nightly scheduler in exactly one worker, speaks no plain HTTP on
its port, and the optional plain-HTTP port only redirects (issue 13)."""

import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PASSWORDS

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(predicate, what: str, server, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn stopped while waiting for {what}")
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"gave up waiting for {what}")


@pytest.fixture(scope="module")
def served(template_instance, tmp_path_factory):
    """gunicorn.conf.py as `make serve` uses it, on a copy of the test instance."""
    folder = tmp_path_factory.mktemp("https") / "instance"
    shutil.copytree(template_instance, folder)
    port, http_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CABINET_")}
    env.update(
        CABINET_INSTANCE=str(folder),
        CABINET_SCHEDULER="1",
        CABINET_HTTP_PORT=str(http_port),
        HOST="127.0.0.1",
        PORT=str(port),
    )
    log_path = folder.parent / "gunicorn.log"
    log = log_path.open("w")
    command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
    server = subprocess.Popen(
        [*command, "--workers", str(WORKERS)], cwd=ROOT, env=env, stdout=log, stderr=log
    )

    def booted():
        return len(re.findall(r"Scheduler: ", log_path.read_text())) == WORKERS

    try:
        _wait_for(booted, "both workers", server)
        yield {"server": server, "port": port, "http_port": http_port, "instance": folder}
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    served_log = log_path.read_text()
    assert "Traceback" not in served_log, served_log


def _verified_context(instance: Path) -> ssl.SSLContext:
    """Trusts only the instance's authority, checks the host name: what a tablet does."""
    return ssl.create_default_context(cafile=str(instance / "tls" / "ca.crt"))


def _https(served, method, path, host="localhost", **kwargs):
    connection = http.client.HTTPSConnection(
        host, served["port"], context=_verified_context(served["instance"]), timeout=30
    )
    connection.request(method, path, **kwargs)
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    return response, body


def test_connexion_is_served_over_https_verified_by_the_instance_ca(served):
    response, body = _https(served, "GET", "/connexion")
    assert response.status == 200 and "Se connecter" in body
    assert response.getheader("Strict-Transport-Security").startswith("max-age=")
    visit = response.getheader("Set-Cookie")
    assert "cabinet_visit=" in visit and "; Secure" in visit


def test_signing_in_over_https_gives_a_secure_session_cookie(served):
    page, body = _https(served, "GET", "/connexion")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)
    visit = page.getheader("Set-Cookie").split(";", 1)[0]
    form = f"login=praticien&password={PASSWORDS['praticien']}&csrf_token={token}"
    response, _ = _https(
        served,
        "POST",
        "/connexion",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": visit,
            "Referer": f"https://localhost:{served['port']}/connexion",
        },
    )
    assert response.status == 302, response.status
    cookies = [v for k, v in response.getheaders() if k.lower() == "set-cookie"]
    (session,) = [c for c in cookies if c.startswith("cabinet_session=")]
    assert "; Secure" in session and "HttpOnly" in session
    assert response.getheader("Strict-Transport-Security")


def test_a_certificate_for_another_name_is_refused(served):
    """The certificate names the host name, localhost and loopback: not any other name."""
    raw = socket.create_connection(("127.0.0.1", served["port"]), timeout=10)
    with pytest.raises(ssl.SSLCertVerificationError):
        _verified_context(served["instance"]).wrap_socket(raw, server_hostname="autre.local")
    raw.close()
    with socket.create_connection(("127.0.0.1", served["port"]), timeout=10) as raw:
        context = _verified_context(served["instance"])
        with context.wrap_socket(raw, server_hostname="cabinet.local") as tls_socket:
            names = dict(n for (n,) in [(x,) for x in tls_socket.getpeercert()["subjectAltName"]])
            assert "DNS" in names


def test_plain_http_on_the_https_port_serves_no_page(served):
    connection = http.client.HTTPConnection("127.0.0.1", served["port"], timeout=10)
    try:
        connection.request("GET", "/connexion")
        response = connection.getresponse()
        status = response.status
    except (ConnectionError, http.client.HTTPException):
        status = None
    finally:
        connection.close()
    assert status != 200


def test_the_plain_http_port_only_redirects(served):
    for method, body in (("GET", None), ("POST", "login=praticien&password=x")):
        connection = http.client.HTTPConnection("127.0.0.1", served["http_port"], timeout=10)
        _wait_for(lambda: _connects(served["http_port"]), "the redirect port", served["server"])
        connection.request(method, "/connexion?suite=1", body=body)
        response = connection.getresponse()
        assert response.status == 301
        expected = f"https://cabinet.local:{served['port']}/connexion?suite=1"
        assert response.getheader("Location") == expected
        assert response.getheader("Set-Cookie") is None
        connection.close()


def _connects(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def _lock_holders(path: Path) -> list[int]:
    """PIDs holding an fcntl/flock lock on `path`, read from the kernel's own table."""
    inode = path.stat().st_ino
    holders = []
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "->" in fields:
            continue  # a process waiting for the lock, not holding it
        if int(fields[5].rsplit(":", 1)[1]) == inode:
            holders.append(int(fields[4]))
    return holders


def test_two_workers_run_exactly_one_scheduler(served):
    log = (served["instance"].parent / "gunicorn.log").read_text()
    running = re.findall(r"nightly jobs run in this worker \(pid (\d+)\)", log)
    idle = re.findall(r"Scheduler: not in this worker \(pid (\d+)\)", log)
    assert len(running) == 1 and len(idle) == WORKERS - 1, log
    assert running != idle
    assert _lock_holders(served["instance"] / "scheduler.lock") == [int(running[0])]


def test_the_log_names_no_one_and_records_no_request(served):
    """Logs without patient data (issue 13, point 5): no access log, no login name, no
    password, no path, after the logins and pages of the tests above."""
    log = (served["instance"].parent / "gunicorn.log").read_text()
    assert "/connexion" not in log and "GET " not in log and "POST " not in log
    assert "praticien" not in log
    assert not any(password in log for password in PASSWORDS.values())
