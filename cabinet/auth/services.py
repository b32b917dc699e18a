"""The login journey: password, forced change, second factor, completion; lock and unlock;
re-authentication before changing what protects the account.

Between the password and the second factor the user is only *pending*
(`session["pending"]`): Flask-Login's `current_user` is set at completion, so
nothing that needs a signed-in user can be reached with the password alone, and each
step of the journey checks that it is the step due (`next_step`).

Password hashing runs outside any transaction: the write lock is only taken, for a few
milliseconds, to record the attempt and its trace.
"""

import datetime

from flask import after_this_request, request, session
from flask_login import current_user, login_user

from cabinet import settings
from cabinet.audit import trace
from cabinet.auth import devices, lockout, policy, recovery
from cabinet.auth.models import User
from cabinet.auth.passwords import burn_verification, hash_password, verify_password
from cabinet.auth.sessions import revoke, rotate
from cabinet.db import database, utcnow

GENERIC_FAILURE = "Identifiant ou mot de passe incorrect."
EXPIRED = "Ce compte a atteint sa date de fin. Adressez-vous à l'administrateur du cabinet."
AUTO_DISABLED = (
    "Ce compte a été désactivé automatiquement : {reason}. Adressez-vous à "
    "l'administrateur du cabinet pour le réactiver."
)
PENDING_LIFETIME = datetime.timedelta(minutes=10)
# Changing the password or the second factors needs an authentication this recent (S5):
# a session left open on a borrowed tablet must not become a lasting takeover.
REAUTH_WINDOW = datetime.timedelta(minutes=5)
# The idle clock is written at most this often: most requests then write no session row.
ACTIVITY_GRANULARITY = datetime.timedelta(seconds=15)


class LoginRefused(Exception):
    """The French message to show; it never says whether the login exists."""


def _address() -> str:
    return request.remote_addr or ""


def _user_target(user: User | None) -> str:
    return f"user:{user.id}" if user is not None else ""


def _allowed(key: str) -> None:
    """Apply the attempt limits before any secret is looked at."""
    verdict = lockout.verdict_for(key, _address(), known_device=devices.is_known(key))
    if not verdict.allowed:
        trace(None, "auth.login_failed", detail="tentative refusée (limite)", outcome="refused")
        raise LoginRefused(verdict.message)


def _guess_failed(
    key: str, user: User | None, reason: str, actor=None, action: str = "auth.login_failed"
) -> None:
    """A wrong password or recovery code: counted, traced, and the account locked at the
    limit — in one short transaction."""
    with database.atomic():
        lockout.record(key, _address(), "failure")
        target = _user_target(user)
        trace(actor, action, target=target, detail=reason, outcome="refused")
        if user is not None and lockout.consecutive_failures(key) >= lockout.LOCK_AFTER:
            User.update(locked_at=utcnow()).where(User.id == user.id).execute()
            trace(
                actor,
                "auth.lockout",
                target=target,
                detail=f"{lockout.LOCK_AFTER} échecs successifs",
            )


def check_password(login: str, password: str) -> User:
    """First step. Applies the attempt limits before looking at the password at all."""
    key = lockout.login_key(login)
    _allowed(key)
    user = User.get_or_none(User.login == login.strip().lower())
    if user is None:
        burn_verification()
        _guess_failed(key, None, "identifiant inconnu")
        raise LoginRefused(GENERIC_FAILURE)
    if not verify_password(user.password_hash, password):
        _guess_failed(key, user, "mot de passe incorrect")
        raise LoginRefused(GENERIC_FAILURE)
    if user.locked_at is not None:
        raise LoginRefused(lockout.LOCKED)
    if user.disabled_at is not None:
        _guess_failed(key, user, "compte désactivé")
        if user.disabled_reason:
            # Disabled by the nightly job (A4): the right password earns the reason.
            raise LoginRefused(AUTO_DISABLED.format(reason=user.disabled_reason))
        raise LoginRefused(GENERIC_FAILURE)
    if user.is_expired():
        trace(
            None,
            "auth.login_failed",
            target=_user_target(user),
            detail="date de fin dépassée",
            outcome="refused",
        )
        raise LoginRefused(EXPIRED)
    lockout.record(key, _address(), "success")
    return user


def needs_second_factor(user: User) -> bool:
    return not (user.role == "secretary" and settings.get("secretary_second_factor_exempt"))


def start_pending(user: User) -> None:
    """Password accepted: new session id, the user is pending until the second factor."""
    session.clear()
    rotate(session)
    session["pending"] = {"user_id": user.id, "since": utcnow().isoformat()}
    trace(user, "auth.password_ok", target=_user_target(user))


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


def pending_at(step: str) -> User | None:
    """The pending user when `step` is the one due now, else None."""
    user = pending_user()
    return user if user is not None and next_step(user) == step else None


def complete_login(user: User, factor: str) -> None:
    session.pop("pending", None)
    rotate(session)
    login_user(user)
    now = utcnow()
    session["last_activity"] = session["authenticated_at"] = now.isoformat()
    with database.atomic():
        User.update(last_login_at=now).where(User.id == user.id).execute()
        trace(user, "auth.login", target=_user_target(user), detail=factor)
    key = lockout.login_key(user.login)
    after_this_request(lambda response: devices.remember(response, key))


# Re-authentication (S5) ------------------------------------------------------------------


def mark_authenticated() -> None:
    session["authenticated_at"] = utcnow().isoformat()


def recently_authenticated(now: datetime.datetime | None = None) -> bool:
    """True when the signed-in user proved who they are (password or second factor) less
    than REAUTH_WINDOW ago: at login, unlock or on the confirmation page."""
    stamp = session.get("authenticated_at")
    if not stamp:
        return False
    return (now or utcnow()) - datetime.datetime.fromisoformat(stamp) <= REAUTH_WINDOW


def confirm_with_password(user: User, password: str, purpose: str = "confirmation") -> bool:
    """The password again, under the same attempt limits as a login (unlock, confirmation)."""
    key = lockout.login_key(user.login)
    _allowed(key)
    if verify_password(user.password_hash, password):
        lockout.record(key, _address(), "success")
        return True
    _guess_failed(key, user, f"{purpose} : mot de passe incorrect", actor=user)
    return False


def confirm_identity(user: User, factor: str) -> None:
    mark_authenticated()
    rotate(session)
    trace(user, "auth.reauthenticated", target=_user_target(user), detail=factor)


# Passwords ----------------------------------------------------------------------------------


def minimum_bits() -> int:
    return settings.get("password_min_entropy")


def password_problems(
    user: User, password: str, confirmation: str | None = None, compare_current: bool = True
) -> list[str]:
    """What the new password lacks. `compare_current` checks it differs from the current one:
    only on submit, never as you type (that would be an unlimited password oracle)."""
    found = policy.problems(password, minimum_bits(), personal=(user.login, user.display_name))
    if compare_current and password and verify_password(user.password_hash, password):
        found.append("Le nouveau mot de passe doit être différent de l'actuel.")
    if confirmation is not None and confirmation != password:
        found.append("Les deux saisies ne correspondent pas.")
    return found


def change_password(user: User, password: str) -> None:
    """Set a new password: other sessions are revoked, this one gets a new id."""
    password_hash = hash_password(password)  # outside the transaction: it takes ~0.2 s
    with database.atomic():
        User.update(
            password_hash=password_hash,
            must_change_password=False,
            password_changed_at=utcnow(),
        ).where(User.id == user.id).execute()
        revoke(user_id=user.id, reason="changement de mot de passe", keep=session_row())
        rotate(session)
        trace(user, "auth.password_changed", target=_user_target(user))
    user.must_change_password = False


def session_row() -> int | None:
    return getattr(session, "row_id", None)


def use_recovery_code(user: User, code: str) -> bool:
    """Spend a recovery code, under the same attempt limits as a password (S3)."""
    key = lockout.login_key(user.login)
    _allowed(key)
    if recovery.use(user, code):
        trace(
            user,
            "auth.recovery_code_used",
            target=_user_target(user),
            detail=f"{recovery.remaining(user)} code(s) restant(s)",
        )
        return True
    _guess_failed(
        key, user, "code de secours invalide", actor=user, action="auth.second_factor_failed"
    )
    return False


# Idle lock (S6) ---------------------------------------------------------------------------


def idle_delay() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.get("idle_lock_minutes"))


def lock_if_idle(now: datetime.datetime | None = None) -> bool:
    """Lock the session when the last activity is older than the delay. True if locked."""
    if session.get("locked"):
        return True
    now = now or utcnow()
    last = session.get("last_activity")
    last_at = datetime.datetime.fromisoformat(last) if last else None
    if last_at is not None and now - last_at > idle_delay():
        session["locked"] = True
        trace(current_user, "auth.session_locked", target="session")
        return True
    if last_at is None or now - last_at >= ACTIVITY_GRANULARITY:
        session["last_activity"] = now.isoformat()
    return False


def unlock(user: User, factor: str) -> None:
    session.pop("locked", None)
    session["last_activity"] = session["authenticated_at"] = utcnow().isoformat()
    rotate(session)
    trace(user, "auth.session_unlocked", target="session", detail=factor)


def logout(user) -> None:
    """Close this session: a signed-in user's logout is traced; a login left half-way (no
    one signed in yet) is only closed."""
    if not user.is_authenticated:
        revoke(row_id=session_row(), reason="connexion abandonnée")
        return
    with database.atomic():
        trace(user, "auth.logout", target=_user_target(user))
        revoke(row_id=session_row(), reason="déconnexion")
