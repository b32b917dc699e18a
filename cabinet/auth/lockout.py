"""Attempt limits (S3), per account and per client address.

Every guess counts: passwords at login and at unlock, recovery codes. The per-address
limit does not apply to a device where the account has signed in before (OWASP's
device cookie, auth/devices.py), so a flood cannot lock the staff out.

The schedule is a pure function; the counts come from `LoginAttempt` rows keyed
by a keyed hash of the typed login, so an unknown login is delayed and locked
exactly like a real one and the answers never tell them apart.
"""

import datetime
import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app

from cabinet.auth.models import LoginAttempt
from cabinet.db import utcnow

DELAY_FROM = 5  # consecutive failures before the first delay
FIRST_DELAY = datetime.timedelta(minutes=1)  # then doubled at each further failure
LOCK_AFTER = 10  # consecutive failures: locked until an admin unlocks
DAILY_MAX = 25  # failures per account in 24 hours
ADDRESS_WINDOW = datetime.timedelta(minutes=15)
ADDRESS_MAX = 30  # failures from one client address in the window
DAY = datetime.timedelta(hours=24)

LOCKED = (
    "Trop d'échecs successifs : ce compte est verrouillé. "
    "L'administrateur du cabinet peut le déverrouiller."
)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    message: str = ""
    locked: bool = False


def delay_after(consecutive_failures: int) -> datetime.timedelta:
    """0 below 5 failures, then 1 min, 2 min, 4 min… (exponential, CNIL case 2)."""
    if consecutive_failures < DELAY_FROM:
        return datetime.timedelta(0)
    return FIRST_DELAY * 2 ** (consecutive_failures - DELAY_FROM)


def _minutes(delta: datetime.timedelta) -> int:
    return max(1, -(-int(delta.total_seconds()) // 60))


def decide(now, consecutive: list, day_failures: list, address_failures: list) -> Verdict:
    """Whether a new attempt may be checked. Lists hold failure times, oldest first."""
    if len(consecutive) >= LOCK_AFTER:
        return Verdict(False, LOCKED, locked=True)
    if consecutive:
        wait = consecutive[-1] + delay_after(len(consecutive)) - now
        if wait > datetime.timedelta(0):
            return Verdict(
                False,
                f"Trop d'échecs successifs : nouvel essai possible dans {_minutes(wait)} min.",
            )
    if len(day_failures) >= DAILY_MAX:
        wait = day_failures[-DAILY_MAX] + DAY - now
        return Verdict(
            False,
            "Nombre maximal de tentatives sur 24 heures atteint : nouvel essai possible dans "
            f"{_minutes(wait)} min, ou adressez-vous à l'administrateur.",
        )
    if len(address_failures) >= ADDRESS_MAX:
        wait = address_failures[-ADDRESS_MAX] + ADDRESS_WINDOW - now
        return Verdict(
            False,
            f"Trop de tentatives depuis ce poste : nouvel essai possible dans {_minutes(wait)} min.",
        )
    return Verdict(True)


def login_key(login: str) -> str:
    secret = current_app.secret_key.encode()
    return hmac.new(secret, b"login:" + login.strip().lower().encode(), hashlib.sha256).hexdigest()


def _failures(query) -> list:
    return [row.at for row in query.order_by(LoginAttempt.at)]


def _last(key: str, condition) -> datetime.datetime | None:
    return (
        LoginAttempt.select(LoginAttempt.at)
        .where((LoginAttempt.login_key == key) & condition)
        .order_by(LoginAttempt.at.desc())
        .limit(1)
        .scalar()
    )


def _consecutive(key: str):
    """Failures since the last success or admin unlock."""
    last_reset = _last(key, LoginAttempt.outcome != "failure")
    query = LoginAttempt.select().where(
        (LoginAttempt.login_key == key) & (LoginAttempt.outcome == "failure")
    )
    return query.where(LoginAttempt.at > last_reset) if last_reset else query


def verdict_for(key: str, address: str, known_device: bool = False, now=None) -> Verdict:
    """May an attempt for this login key be checked now? A device where this account has
    signed in before (auth/devices.py) is not held back by the per-address limit."""
    now = now or utcnow()
    consecutive = _failures(_consecutive(key))
    day = _failures(
        LoginAttempt.select().where(
            (LoginAttempt.login_key == key)
            & (LoginAttempt.outcome == "failure")
            & (LoginAttempt.at > now - DAY)
        )
    )
    last_unlock = _last(key, LoginAttempt.outcome == "unlock")
    if last_unlock is not None:
        # A success does not reset the daily count; an admin unlock does.
        day = [at for at in day if at > last_unlock]
    from_address = []
    if not known_device:
        from_address = _failures(
            LoginAttempt.select().where(
                (LoginAttempt.client_address == address)
                & (LoginAttempt.outcome == "failure")
                & (LoginAttempt.at > now - ADDRESS_WINDOW)
            )
        )
    return decide(now, consecutive, day, from_address)


def record(key: str, address: str, outcome: str) -> None:
    LoginAttempt.create(login_key=key, client_address=address, outcome=outcome)


def consecutive_failures(key: str) -> int:
    return _consecutive(key).count()
