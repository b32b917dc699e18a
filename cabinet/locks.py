"""Instance locks (`fcntl` on files of the instance folder): one process per instance for a
background duty (the nightly jobs, the mDNS announcement), shared holds that say "this
process serves", and exclusive blocks that run only when nothing else holds the file.

The kernel drops a lock when its process dies, however it dies: nothing is left locked.
"""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Each lock this process holds for its life, with the process that took it: a child forked
# after the lock was taken shares the parent's hold and must not count it as its own.
# A descriptor rather than a file object: held on purpose until the process ends, it is no
# "unclosed file" to warn about at exit.
_held: dict[Path, tuple[int, int]] = {}


class Busy(Exception):
    """Another process holds the lock; the message says which, in French."""


def hold(path: Path) -> bool:
    """Take the lock on `path` for the life of this process; False if another holds it.
    gunicorn runs several workers: a duty goes to whichever takes its lock first, and when
    that worker dies the next one gunicorn starts takes it over."""
    pid = os.getpid()
    if path in _held and _held[path][0] == pid:
        return True
    # Created 0600 whatever the umask, like every file of the instance.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return False
    _held[path] = (pid, fd)
    return True


def hold_shared(path: Path) -> int | None:
    """A shared hold on `path` (its file descriptor, to keep open), or None while someone
    holds it exclusively."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


@contextmanager
def exclusive(path: Path, message: str) -> Iterator[None]:
    """Hold `path` exclusively for the block, or raise Busy(message) at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise Busy(message) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
