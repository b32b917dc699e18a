"""Who holds the instance, through `fcntl` locks on files of the instance folder.

- `serving.lock`: every process serving pages holds it *shared* from its first request
  (gunicorn workers, `flask run`); the scheduler runs in one of them and also holds
  `scheduler.lock` (cabinet/scheduler.py).
- `backup.lock`: held *exclusive* while a backup is written, so two never overlap.
- A restore in place or a wipe takes all three *exclusive*, without waiting: refused while
  anything serves, schedules or backs up; and a server starting meanwhile answers 503
  until it is done (it cannot take its shared lock).

The primitives are `cabinet/locks.py`; a killed backup or restore never leaves the
instance locked.
"""

import os
import weakref
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from flask import Flask

from cabinet.locks import exclusive, hold_shared

SERVING = "serving.lock"
SCHEDULER = "scheduler.lock"
BACKUP = "backup.lock"


def hold_serving(app: Flask) -> bool:
    """Take this app's shared serving lock (once); False while a restore or wipe holds it."""
    if app.extensions.get("cabinet.serving_lock") is not None:
        return True
    fd = hold_shared(app.config["INSTANCE_PATH"] / SERVING)
    if fd is None:
        return False
    # Held for the life of the app (the process, in production); released with it.
    app.extensions["cabinet.serving_lock"] = fd
    weakref.finalize(app, os.close, fd)
    return True


def backup_lock(instance: Path):
    return exclusive(
        instance / BACKUP, "Une sauvegarde est déjà en cours : attendez qu'elle se termine."
    )


@contextmanager
def instance_alone(instance: Path) -> Iterator[None]:
    """No server, no scheduler, no backup may run during the block (restore, wipe)."""
    with ExitStack() as stack:
        stack.enter_context(
            exclusive(
                instance / SERVING,
                "Cabinet est en service (serveur ouvert) : arrêtez-le d'abord "
                "(systemctl stop, ou Ctrl+C sur `make run`), puis relancez la commande.",
            )
        )
        stack.enter_context(
            exclusive(
                instance / SCHEDULER,
                "Le planificateur des tâches de nuit tourne encore : arrêtez le serveur d'abord.",
            )
        )
        stack.enter_context(backup_lock(instance))
        yield
