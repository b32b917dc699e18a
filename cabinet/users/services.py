"""Account lifecycle (S1, S4, A4): create, edit, disable, reset — every change traced."""

import secrets

from cabinet import settings
from cabinet.audit import trace
from cabinet.auth import lockout
from cabinet.auth.models import User, WebAuthnCredential
from cabinet.auth.passwords import hash_password
from cabinet.auth.sessions import revoke
from cabinet.db import database, utcnow
from cabinet.formatting import french_date
from cabinet.security import ROLES

_WORDS_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class AccountError(ValueError):
    """A French message explaining why the account change is refused."""


def one_time_password() -> str:
    """An admin-issued password: readable aloud, 4 groups of 5 (about 99 bits), changed at once."""
    raw = "".join(secrets.choice(_WORDS_ALPHABET) for _ in range(20))
    return "-".join(raw[i : i + 5] for i in range(0, 20, 5))


FIRST_ACCOUNT = (
    "Aucun compte n'existe encore : créez l'administrateur du cabinet avec "
    "« flask --app app create-user LOGIN --role admin » (mot de passe demandé), "
    "puis les autres comptes depuis la page Comptes."
)


def first_account_hint() -> str | None:
    """What the server says at start when nobody can sign in yet (a new instance: serving
    never loads the demo), or None."""
    return None if User.select().exists() else FIRST_ACCOUNT


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
    password_hash = hash_password(password)  # before the write lock: it takes ~0.2 s
    with database.atomic():
        user = User.create(
            login=login,
            display_name=display_name or login,
            role=role,
            password_hash=password_hash,
            **fields,
        )
        trace(actor, "user.create", target=f"user:{user.id}", detail=f"rôle {ROLES[role]}")
    return user


def create_with_one_time_password(actor, login, role, display_name, end_date) -> tuple[User, str]:
    password = one_time_password()
    user = create_user(
        login,
        role,
        password,
        display_name=display_name,
        actor=actor,
        end_date=end_date,
        must_change_password=True,
    )
    return user, password


def update(user: User, actor, display_name: str, role: str, end_date) -> list[str]:
    changed = []
    if display_name != user.display_name:
        changed.append("nom")
    if role != user.role:
        changed.append(f"rôle {ROLES[user.role]} → {ROLES[role]}")
    if end_date != user.end_date:
        before, after = french_date(user.end_date), french_date(end_date)
        changed.append(f"date de fin {before or 'aucune'} → {after or 'aucune'}")
    if not changed:
        return []
    if user.id == actor.id and role != user.role:
        raise AccountError("Vous ne pouvez pas changer votre propre rôle.")
    with database.atomic():
        User.update(display_name=display_name, role=role, end_date=end_date).where(
            User.id == user.id
        ).execute()
        if role != user.role:
            # New permissions apply to new sessions only: close the old ones.
            revoke(user_id=user.id, reason="changement de rôle")
        trace(actor, "user.update", target=f"user:{user.id}", detail="; ".join(changed))
    return changed


def disable(user: User, actor) -> None:
    if user.id == actor.id:
        raise AccountError("Vous ne pouvez pas désactiver votre propre compte.")
    with database.atomic():
        User.update(disabled_at=utcnow(), disabled_reason="").where(User.id == user.id).execute()
        revoke(user_id=user.id, reason="compte désactivé")
        trace(actor, "user.disable", target=f"user:{user.id}")


def enable(user: User, actor) -> None:
    with database.atomic():
        User.update(disabled_at=None, disabled_reason="", reenabled_at=utcnow()).where(
            User.id == user.id
        ).execute()
        trace(actor, "user.enable", target=f"user:{user.id}")


def reset_password(user: User, actor) -> str:
    password = one_time_password()
    password_hash = hash_password(password)  # before the write lock
    with database.atomic():
        User.update(password_hash=password_hash, must_change_password=True).where(
            User.id == user.id
        ).execute()
        revoke(user_id=user.id, reason="mot de passe réinitialisé")
        trace(actor, "user.password_reset", target=f"user:{user.id}")
    return password


def reset_authenticators(user: User, actor) -> int:
    with database.atomic():
        removed = WebAuthnCredential.delete().where(WebAuthnCredential.user == user.id).execute()
        revoke(user_id=user.id, reason="authentificateurs réinitialisés")
        trace(
            actor,
            "user.authenticators_reset",
            target=f"user:{user.id}",
            detail=f"{removed} authentificateur(s) supprimé(s)",
        )
    return removed


def unlock(user: User, actor) -> None:
    with database.atomic():
        User.update(locked_at=None).where(User.id == user.id).execute()
        lockout.record(lockout.login_key(user.login), "", "unlock")
        trace(actor, "user.unlock", target=f"user:{user.id}")


def revoke_session(user: User, actor, session_id: int) -> bool:
    with database.atomic():
        done = revoke(row_id=session_id, user_id=user.id, reason="révoquée par l'administrateur")
        if done:
            trace(actor, "auth.session_revoked", target=f"user:{user.id}")
    return bool(done)


def save_security_settings(actor, values: dict) -> list[str]:
    """Store the admin's security choices; each change traced with its new value."""
    with database.atomic():
        changed = settings.put_changed(values)
        for key in changed:
            trace(actor, "settings.update", target=f"setting:{key}", detail=str(values[key]))
    return changed
