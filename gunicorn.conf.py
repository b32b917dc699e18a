"""gunicorn settings for `make serve` (docs/operations.md, "Serving"; docs/tablets.md).

Sync workers, one per core (DESIGN.md: gthread with keep-alive can pin all traffic to
one worker), on `HOST:PORT` (127.0.0.1:5000 unless told otherwise).

HTTPS by gunicorn itself (X3), with the certificate of the instance's own authority
(`cabinet/tls.py`), unless a reverse proxy terminates TLS (`CABINET_BEHIND_PROXY=1`) or
`CABINET_TLS=0`. The master checks the keys and the databases, then creates or renews the
certificates, before any worker forks: a wrong or missing key stops gunicorn with exit
status 1 and Cabinet's French message, instead of workers failing to boot one after the
other. Each worker then tries to become the one process running the nightly jobs and the
one announcing the host name by mDNS (file locks in the instance folder).
"""

import os
import subprocess
import sys

from cabinet import config as _cabinet_config

wsgi_app = "app:app"
worker_class = "sync"
workers = os.cpu_count() or 1
bind = [f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"]
# gunicorn 27 opens a control socket in the home folder by default; Cabinet never uses
# it, and one instance must not take another's (several can run on one machine).
control_socket_disable = True

if os.environ.get("CABINET_BEHIND_PROXY", "0").strip() in {"", "0"}:
    # Read by config.load() in every worker: RP ID and origin become the host name's.
    os.environ.setdefault("CABINET_TLS", "1")
_settings = _cabinet_config.load()
if _settings["TLS"]:
    # Key and certificate in one file, replaced atomically on renewal (cabinet/tls.py).
    certfile = str(_settings["TLS_PATH"] / "server.pem")

_redirect = None


def on_starting(server):
    """Open the stores as `create_app` does, in the master, before the workers exist (and
    say how to create the first account when there is none); then create the authority and
    (re)issue the server certificate when due.

    The address actually bound (`--bind` may override HOST/PORT) goes into the environment
    the workers inherit, so the origin WebAuthn expects carries the right port. A
    `StartupError` is a `SystemExit` carrying the French message: Python prints that one
    line and exits 1. The connections opened for the check are closed again, so no worker
    inherits a database handle across fork."""
    from cabinet import create_app, db, tls

    host, _, port = server.cfg.bind[0].rpartition(":")
    os.environ["HOST"], os.environ["PORT"] = host.strip("[]"), port
    app = create_app()
    with app.app_context():
        from cabinet.users.services import first_account_hint

        hint = first_account_hint()
    db.close_stores()
    if hint:
        server.log.warning(hint)
    if app.config["TLS"]:
        try:
            for line in tls.ensure(app.config["TLS_PATH"], app.config["HOSTNAME"]):
                server.log.info(line)
        except tls.TlsError as refused:
            raise db.StartupError(str(refused)) from None


def when_ready(server):
    """The optional plain-HTTP port that only redirects (cabinet/redirect.py)."""
    global _redirect
    if _settings["TLS"] and os.environ.get("CABINET_HTTP_PORT"):
        command = [sys.executable, "-m", "cabinet.redirect"]
        _redirect = subprocess.Popen(command, cwd=_cabinet_config.ROOT)  # noqa: S603
        server.log.info("Plain HTTP on port %s: redirects only", os.environ["CABINET_HTTP_PORT"])


def on_exit(server):
    if _redirect is not None:
        _redirect.terminate()
        _redirect.wait(timeout=10)


def post_worker_init(worker):
    """Each worker, once booted, offers to run the nightly jobs and the mDNS announcement;
    the first to take each lock keeps it for its life (tests/test_https_serve.py)."""
    from cabinet import mdns, scheduler

    app = worker.wsgi
    if scheduler.start_if_ready(app):
        worker.log.info("Scheduler: the nightly jobs run in this worker (pid %s)", os.getpid())
    else:
        worker.log.info("Scheduler: not in this worker (pid %s)", os.getpid())
    mdns.start(app.config, os.environ["HOST"], int(os.environ["PORT"]), worker.log)
