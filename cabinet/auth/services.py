"""The login journey: password, forced change, second factor, completion; lock and unlock.

Between the password and the second factor the user is only *pending*
(`session["pending"]`): Flask-Login's `current_user` is set at completion, so
nothing that needs a signed-in user can be reached with the password alone.
"""

import datetime

from flask import request, session
from flask_login import login_user

from cabinet import settings
from cabinet.audit import trace
from cabinet.auth import lockout, policy, recovery
from cabinet.auth.passwords import burn_verification, hash_password, verify_password
from cabinet.auth.sessions import revoke, rotate
from cabinet.db import database, utcnow
from cabinet.users.models import User

GENERIC_FAILURE = "Identifiant ou mot de passe incorrect."
EXPIRED = "Ce compte a atteint sa date de fin. Adressez-vous à l'administrateur du cabinet."
PENDING_LIFETIME = datetime.timedelta(minutes=10)


class LoginRefused(Exception):
    """The French message to show; it never says whether the login exists."""


def _address() -> str:
    return request.remote_addr or ""


def check_password(login: str, password: str) -> User:
    """First step. Applies the attempt limits before looking at the password at all."""
    key = lockout.login_key(login)
    address = _address()
    verdict = lockout.verdict_for(key, address)
    if not verdict.allowed:
        trace(None, "auth.login_failed", detail="tentative refusée (limite)", outcome="refused")
        raise LoginRefused(verdict.message)
    user = User.get_or_none(User.login == login.strip().lower())
    if user is None:
        burn_verification()
        _failure(key, address, None, "identifiant inconnu")
    if not verify_password(user.password_hash, password):
        _failure(key, address, user, "mot de passe incorrect")
    if user.locked_at is not None:
        raise LoginRefused(lockout.LOCKED)
    if user.disabled_at is not None:
        _failure(key, address, user, "compte désactivé")
    if user.is_expired():
        trace(
            None,
            "auth.login_failed",
            target=f"user:{user.id}",
            detail="date de fin dépassée",
            outcome="refused",
        )
        raise LoginRefused(EXPIRED)
    lockout.record(key, address, "success")
    return user


def _failure(key: str, address: str, user: User | None, reason: str):
    lockout.record(key, address, "failure")
    target = f"user:{user.id}" if user else ""
    trace(None, "auth.login_failed", target=target, detail=reason, outcome="refused")
    if user is not None and lockout.consecutive_failures(key) >= lockout.LOCK_AFTER:
        User.update(locked_at=utcnow()).where(User.id == user.id).execute()
        trace(None, "auth.lockout", target=target, detail=f"{lockout.LOCK_AFTER} échecs successifs")
    raise LoginRefused(GENERIC_FAILURE)


def needs_second_factor(user: User) -> bool:
    return not (user.role == "secretary" and settings.get("secretary_second_factor_exempt"))


def start_pending(user: User) -> None:
    """Password accepted: new session id, the user is pending until the second factor."""
    session.clear()
    rotate(session)
    session["pending"] = {"user_id": user.id, "since": utcnow().isoformat()}
    trace(user, "auth.password_ok", target=f"user:{user.id}")


def pending_user() -> User | None:
    pending = session.get("pending")
    if not pending:
        return None
    since = datetime.datetime.fromisoformat(pending["since"])
    if utcnow() - since > PENDING_LIFETIME:
        session.pop("pending", None)
        return None
    user = User.get_or_none(User.id == pending["user_id"])
    return user if user is not None and user.is_active and user.locked_at is None else None


def next_step(user: User) -> str:
    """The endpoint the pending user must go through next."""
    if user.must_change_password:
        return "auth.change_password"
    if not needs_second_factor(user):
        return "complete"
    if not user.credentials.exists():
        return "auth.enrol"
    return "auth.second_factor"


def complete_login(user: User, factor: str) -> None:
    session.pop("pending", None)
    rotate(session)
    login_user(user)
    session["last_activity"] = utcnow().isoformat()
    User.update(last_login_at=utcnow()).where(User.id == user.id).execute()
    trace(user, "auth.login", target=f"user:{user.id}", detail=factor)


def minimum_bits() -> int:
    return settings.get("password_min_entropy")


def password_problems(user: User, password: str, confirmation: str | None = None) -> list[str]:
    found = policy.problems(password, minimum_bits(), personal=(user.login, user.display_name))
    if password and verify_password(user.password_hash, password):
        found.append("Le nouveau mot de passe doit être différent de l'actuel.")
    if confirmation is not None and confirmation != password:
        found.append("Les deux saisies ne correspondent pas.")
    return found


def change_password(user: User, password: str) -> None:
    """Set a new password: other sessions are revoked, this one gets a new id."""
    with database.atomic():
        User.update(
            password_hash=hash_password(password),
            must_change_password=False,
            password_changed_at=utcnow(),
        ).where(User.id == user.id).execute()
        revoke(user_id=user.id, reason="changement de mot de passe", keep=session_row())
        rotate(session)
        trace(user, "auth.password_changed", target=f"user:{user.id}")
    user.must_change_password = False


def session_row() -> int | None:
    return getattr(session, "row_id", None)


def use_recovery_code(user: User, code: str) -> bool:
    if recovery.use(user, code):
        trace(
            user,
            "auth.recovery_code_used",
            target=f"user:{user.id}",
            detail=f"{recovery.remaining(user)} code(s) restant(s)",
        )
        return True
    trace(
        user,
        "auth.second_factor_failed",
        target=f"user:{user.id}",
        detail="code de secours invalide",
        outcome="refused",
    )
    return False


# Idle lock (S6) ---------------------------------------------------------------------------


def idle_delay() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.get("idle_lock_minutes"))


def is_locked() -> bool:
    return bool(session.get("locked"))


def lock_if_idle(now: datetime.datetime | None = None) -> bool:
    """Lock the session when the last activity is older than the delay. True if locked."""
    if session.get("locked"):
        return True
    last = session.get("last_activity")
    now = now or utcnow()
    if last and now - datetime.datetime.fromisoformat(last) > idle_delay():
        session["locked"] = True
        trace(_current(), "auth.session_locked", target="session")
        return True
    session["last_activity"] = now.isoformat()
    return False


def _current():
    from flask_login import current_user

    return current_user


def unlock(user: User, factor: str) -> None:
    session.pop("locked", None)
    session["last_activity"] = utcnow().isoformat()
    rotate(session)
    trace(user, "auth.session_unlocked", target="session", detail=factor)


def check_unlock_password(user: User, password: str) -> bool:
    """Unlocking with the password counts towards the same attempt limits as a login."""
    key = lockout.login_key(user.login)
    verdict = lockout.verdict_for(key, _address())
    if not verdict.allowed:
        raise LoginRefused(verdict.message)
    if verify_password(user.password_hash, password):
        lockout.record(key, _address(), "success")
        return True
    lockout.record(key, _address(), "failure")
    trace(
        user,
        "auth.login_failed",
        target=f"user:{user.id}",
        detail="déverrouillage : mot de passe incorrect",
        outcome="refused",
    )
    if lockout.consecutive_failures(key) >= lockout.LOCK_AFTER:
        User.update(locked_at=utcnow()).where(User.id == user.id).execute()
        trace(user, "auth.lockout", target=f"user:{user.id}")
    return False


def logout(user) -> None:
    trace(user, "auth.logout", target=f"user:{user.id}")
    revoke(row_id=session_row(), reason="déconnexion")
