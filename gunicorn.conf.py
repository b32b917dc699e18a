"""gunicorn settings for `make serve` (docs/operations.md, "Serving").

Sync workers, one per core (DESIGN.md: gthread with keep-alive can pin all traffic to
one worker). The master checks the keys and the databases before any worker forks: a
wrong or missing key stops gunicorn with exit status 1 and Cabinet's French message,
instead of workers failing to boot one after the other.
"""

import os

wsgi_app = "app:app"
worker_class = "sync"
workers = os.cpu_count() or 1
# gunicorn 27 opens a control socket in the home folder by default; Cabinet never uses
# it, and one instance must not take another's (several can run on one machine).
control_socket_disable = True


def on_starting(server):
    """Open the stores as `create_app` does, in the master, before the workers exist.

    A `StartupError` is a `SystemExit` carrying the French message: Python prints that
    one line and exits 1. The connections opened for the check are closed again, so no
    worker inherits a database handle across fork."""
    from cabinet import create_app, db

    create_app()
    db.database.close()
    db.archive_database.close()
