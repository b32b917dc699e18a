"""The user's authenticators and recovery codes (S5): add one, check one, remove one, replace
the codes. Each change is stored with its trace in one transaction; a refused ceremony is
traced, then raised (`webauthn.WebAuthnRefused`, answered by views_webauthn)."""

from cabinet.audit import trace
from cabinet.auth import recovery, webauthn
from cabinet.auth.models import User, WebAuthnCredential
from cabinet.db import database


class AuthenticatorRefused(Exception):
    """The French message saying why the change is refused."""


def register(user: User, session_id: int, credential: dict, name: str) -> list[str] | None:
    """Verify a new authenticator's answer and store it under `name`. The user's first one
    comes with ten recovery codes, returned to be shown once; None for a later one."""
    first = not user.credentials.exists()
    codes = None
    try:
        # Verified before the write lock is taken; stored with its trace in one transaction.
        verified = webauthn.verify_registration(user, session_id, credential)
        with database.atomic():
            stored = webauthn.store_credential(user, verified, name)
            trace(user, "auth.authenticator_added", target=f"user:{user.id}", detail=stored.name)
            if first:
                codes = regenerate_codes(user)
    except webauthn.WebAuthnRefused as refused:
        trace(
            user,
            "auth.second_factor_failed",
            target=f"user:{user.id}",
            detail=f"enregistrement : {refused.reason}",
            outcome="refused",
        )
        raise
    return codes


def verify(user: User, session_id: int, credential: dict, purpose: str) -> WebAuthnCredential:
    """The authenticator that answered (login, unlock, confirmation); a refusal is traced,
    a copied authenticator under its own action."""
    try:
        return webauthn.verify_authentication(user, session_id, credential, purpose)
    except webauthn.WebAuthnRefused as refused:
        action = "auth.authenticator_cloned" if refused.clone else "auth.second_factor_failed"
        trace(user, action, target=f"user:{user.id}", detail=refused.reason, outcome="refused")
        raise


def remove(user: User, credential_id: int) -> WebAuthnCredential:
    """Remove one of the user's own authenticators (another's is a 404), never the last."""
    credential = WebAuthnCredential.get_or_404(
        (WebAuthnCredential.id == credential_id) & (WebAuthnCredential.user == user.id)
    )
    if user.credentials.count() <= 1:
        raise AuthenticatorRefused(
            "Impossible de supprimer votre dernier authentificateur : enregistrez-en d'abord un autre."
        )
    with database.atomic():
        credential.delete_instance()
        trace(user, "auth.authenticator_removed", target=f"user:{user.id}", detail=credential.name)
    return credential


def regenerate_codes(user: User) -> list[str]:
    """Ten new recovery codes (the old ones stop working), to be shown once."""
    with database.atomic():
        codes = recovery.regenerate(user)
        trace(user, "auth.recovery_codes_generated", target=f"user:{user.id}")
    return codes
