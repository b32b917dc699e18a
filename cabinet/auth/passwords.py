"""Argon2id password hashing (S7), with the cost set in config.py."""

import contextlib
import fcntl

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context


def _hasher() -> PasswordHasher:
    if has_app_context():
        config = current_app.config
        return PasswordHasher(
            time_cost=config["ARGON2_TIME_COST"],
            memory_cost=config["ARGON2_MEMORY_KIB"],
            parallelism=config["ARGON2_PARALLELISM"],
        )
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    with _one_at_a_time():
        try:
            return _hasher().verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


@contextlib.contextmanager
def _one_at_a_time():
    """One password verification at a time in the whole instance (all workers): a flood of
    logins then takes one core, never both, and the practice's pages keep a worker and a
    core (measured by `python -m bench.login_flood`). No database lock is held meanwhile."""
    if not has_app_context():
        yield
        return
    path = current_app.config["INSTANCE_PATH"] / "hashing.lock"
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def burn_verification() -> None:
    """Spend the time of one verification, so a missing login answers as slowly as a wrong one."""
    verify_password(_dummy_hash(), "not the password")


_DUMMY: dict[str, str] = {}


def _dummy_hash() -> str:
    hasher = _hasher()
    key = f"{hasher.time_cost}:{hasher.memory_cost}:{hasher.parallelism}"
    if key not in _DUMMY:
        _DUMMY[key] = hasher.hash("dummy password for timing")
    return _DUMMY[key]
