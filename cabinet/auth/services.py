"""Password login (the second factor, lockout and idle lock come with S3–S6)."""

from cabinet.audit import trace
from cabinet.auth.passwords import burn_verification, verify_password
from cabinet.db import database, utcnow
from cabinet.users.models import User

GENERIC_FAILURE = "Identifiant ou mot de passe incorrect."
EXPIRED = "Ce compte a atteint sa date de fin. Adressez-vous à l'administrateur du cabinet."


class LoginRefused(Exception):
    """The French message to show; it never says whether the login exists."""


def authenticate(login: str, password: str) -> User:
    user = User.get_or_none(User.login == login.strip().lower())
    if user is None:
        burn_verification()
        _refuse(None, "identifiant inconnu", GENERIC_FAILURE)
    if not verify_password(user.password_hash, password):
        _refuse(user, "mot de passe incorrect", GENERIC_FAILURE)
    if user.disabled_at is not None:
        _refuse(user, "compte désactivé", GENERIC_FAILURE)
    if user.is_expired():
        _refuse(user, "date de fin dépassée", EXPIRED)
    with database.atomic():
        User.update(last_login_at=utcnow()).where(User.id == user.id).execute()
        trace(user, "auth.login", target=f"user:{user.id}")
    return user


def _refuse(user: User | None, reason: str, message: str):
    with database.atomic():
        # The failure is traced against the account when it exists, without the typed login.
        trace(
            None,
            "auth.login_failed",
            target=f"user:{user.id}" if user else "",
            detail=reason,
            outcome="refused",
        )
    raise LoginRefused(message)


def logout(user: User) -> None:
    trace(user, "auth.logout", target=f"user:{user.id}")
