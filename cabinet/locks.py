"""One process per instance for a background duty (the nightly jobs, the mDNS announcement).

gunicorn runs several workers; a duty that must happen once per instance goes to whichever
process takes an exclusive `fcntl` lock on its file in the instance folder first. The lock
lives as long as the process: when it dies, the next worker gunicorn starts takes it over.
"""

import fcntl
from pathlib import Path
from typing import IO

_held: dict[Path, IO] = {}


def hold(path: Path) -> bool:
    """Take the lock on `path` for the life of this process; False if another holds it."""
    if path in _held:
        return True
    handle = open(path, "a+")  # noqa: SIM115 - kept open for the life of the process
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    _held[path] = handle
    return True
