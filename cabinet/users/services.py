"""Creating accounts: used by the CLI, the demo data and (later) the admin pages."""

from cabinet.audit import trace
from cabinet.auth.passwords import hash_password
from cabinet.db import database
from cabinet.security import ROLES
from cabinet.users.models import User


class AccountError(ValueError):
    """A French message explaining why the account cannot be created."""


def create_user(
    login: str, role: str, password: str, display_name: str | None = None, actor=None, **fields
) -> User:
    login = login.strip().lower()
    if role not in ROLES:
        raise AccountError(f"Rôle inconnu : {role}. Rôles possibles : {', '.join(ROLES)}.")
    if not login or not login.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise AccountError(
            "L'identifiant ne peut contenir que lettres, chiffres, « . », « - », « _ »."
        )
    if User.select().where(User.login == login).exists():
        raise AccountError(f"L'identifiant « {login} » existe déjà.")
    with database.atomic():
        user = User.create(
            login=login,
            display_name=display_name or login,
            role=role,
            password_hash=hash_password(password),
            **fields,
        )
        trace(actor, "user.create", target=f"user:{user.id}", detail=f"rôle {role}")
    return user
