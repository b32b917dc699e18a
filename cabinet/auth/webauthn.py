"""WebAuthn second factor (S5), wrapping py_webauthn.

Challenges are stored server-side, bound to the session and the purpose, used
once and short-lived. User verification is required. Sign counters are checked
after the signature is verified, so a cloned authenticator is told apart from a
forged response.
"""

import datetime
import hashlib
import hmac
import json
from dataclasses import dataclass

from flask import current_app
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from cabinet.auth.models import User, WebAuthnChallenge, WebAuthnCredential
from cabinet.db import utcnow

CHALLENGE_LIFETIME = datetime.timedelta(minutes=3)


class WebAuthnRefused(Exception):
    """`message` is for the user (French); `reason` for the trace; `clone` flags a copy."""

    def __init__(self, message: str, reason: str, clone: bool = False):
        super().__init__(message)
        self.reason = reason
        self.clone = clone


def _timeout_ms() -> int:
    return current_app.config.get("WEBAUTHN_TIMEOUT_MS", 60000)


def user_handle(user: User) -> bytes:
    # Stable and opaque: the authenticator never learns the login or the row id.
    return hmac.new(
        current_app.secret_key.encode(), f"user:{user.id}".encode(), hashlib.sha256
    ).digest()


def _store_challenge(user: User, session_id: int, purpose: str, challenge: bytes) -> None:
    WebAuthnChallenge.create(
        challenge=challenge,
        user=user,
        session=session_id,
        purpose=purpose,
        expires_at=utcnow() + CHALLENGE_LIFETIME,
    )


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(
            id=bytes(c.credential_id),
            transports=[AuthenticatorTransport(t) for t in c.transports.split(",") if t],
        )
        for c in user.credentials
    ]


def registration_options(user: User, session_id: int) -> str:
    config = current_app.config
    options = generate_registration_options(
        rp_id=config["RP_ID"],
        rp_name=config["RP_NAME"],
        user_name=user.login,
        user_id=user_handle(user),
        user_display_name=user.display_name,
        timeout=_timeout_ms(),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=_descriptors(user),
    )
    _store_challenge(user, session_id, "register", options.challenge)
    return options_to_json(options)


def authentication_options(user: User, session_id: int, purpose: str = "authenticate") -> str:
    options = generate_authentication_options(
        rp_id=current_app.config["RP_ID"],
        timeout=_timeout_ms(),
        allow_credentials=_descriptors(user),
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    _store_challenge(user, session_id, purpose, options.challenge)
    return options_to_json(options)


def _client_challenge(credential: dict) -> bytes:
    try:
        client_data = json.loads(base64url_to_bytes(credential["response"]["clientDataJSON"]))
        return base64url_to_bytes(client_data["challenge"])
    except (KeyError, TypeError, ValueError) as exc:
        raise WebAuthnRefused(
            "Réponse de l'authentificateur illisible.", "réponse illisible"
        ) from exc


def _consume_challenge(user: User, session_id: int, purpose: str, credential: dict) -> bytes:
    """Mark the challenge used; refuse an unknown, reused, stale or foreign one."""
    challenge = _client_challenge(credential)
    updated = (
        WebAuthnChallenge.update(used_at=utcnow())
        .where(
            (WebAuthnChallenge.challenge == challenge)
            & (WebAuthnChallenge.user == user.id)
            & (WebAuthnChallenge.session == session_id)
            & (WebAuthnChallenge.purpose == purpose)
            & WebAuthnChallenge.used_at.is_null()
            & (WebAuthnChallenge.expires_at > utcnow())
        )
        .execute()
    )
    if updated != 1:
        raise WebAuthnRefused(
            "Cette demande a expiré ou a déjà servi : recommencez.",
            "défi inconnu, expiré ou réutilisé",
        )
    return challenge


def _expected(challenge: bytes) -> dict:
    """What every answer must match: our challenge, our RP ID and origins, and the user
    verified (S5)."""
    config = current_app.config
    return {
        "expected_challenge": challenge,
        "expected_rp_id": config["RP_ID"],
        "expected_origin": config["ORIGINS"],
        "require_user_verification": True,
    }


@dataclass(frozen=True)
class VerifiedRegistration:
    credential_id: bytes
    public_key: bytes
    sign_count: int
    aaguid: str
    transports: str


def verify_registration(user: User, session_id: int, credential: dict) -> VerifiedRegistration:
    """Check a new authenticator's answer (challenge, origin, user verification)."""
    challenge = _consume_challenge(user, session_id, "register", credential)
    try:
        verified = verify_registration_response(credential=credential, **_expected(challenge))
    except WebAuthnException as exc:
        raise WebAuthnRefused(
            "L'enregistrement de l'authentificateur a échoué : recommencez.", _reason(exc)
        ) from exc
    transports = credential.get("response", {}).get("transports") or []
    known = {t.value for t in AuthenticatorTransport}
    return VerifiedRegistration(
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        aaguid=verified.aaguid,
        transports=",".join(t for t in transports if t in known),
    )


def store_credential(user: User, verified: VerifiedRegistration, name: str) -> WebAuthnCredential:
    if (
        WebAuthnCredential.select()
        .where(WebAuthnCredential.credential_id == verified.credential_id)
        .exists()
    ):
        raise WebAuthnRefused(
            "Cet authentificateur est déjà enregistré.", "authentificateur déjà enregistré"
        )
    return WebAuthnCredential.create(
        user=user,
        credential_id=verified.credential_id,
        public_key=verified.public_key,
        sign_count=verified.sign_count,
        name=name,
        transports=verified.transports,
        aaguid=verified.aaguid,
    )


def verify_authentication(
    user: User, session_id: int, credential: dict, purpose: str = "authenticate"
) -> WebAuthnCredential:
    challenge = _consume_challenge(user, session_id, purpose, credential)
    try:
        raw_id = base64url_to_bytes(credential["rawId"])
    except (KeyError, TypeError, ValueError) as exc:
        raise WebAuthnRefused(
            "Réponse de l'authentificateur illisible.", "réponse illisible"
        ) from exc
    stored = WebAuthnCredential.get_or_none(
        (WebAuthnCredential.credential_id == raw_id) & (WebAuthnCredential.user == user.id)
    )
    if stored is None:
        raise WebAuthnRefused(
            "Cet authentificateur n'est pas enregistré pour ce compte.", "authentificateur inconnu"
        )
    try:
        # Counter checked below, once the signature is known to be genuine.
        verified = verify_authentication_response(
            credential=credential,
            credential_public_key=bytes(stored.public_key),
            credential_current_sign_count=0,
            **_expected(challenge),
        )
    except WebAuthnException as exc:
        raise WebAuthnRefused(
            "La vérification par l'authentificateur a échoué.", _reason(exc)
        ) from exc
    if (
        verified.new_sign_count or stored.sign_count
    ) and verified.new_sign_count <= stored.sign_count:
        raise WebAuthnRefused(
            "Cet authentificateur semble avoir été copié : il est refusé. Prévenez l'administrateur.",
            f"compteur {verified.new_sign_count} ≤ {stored.sign_count} : authentificateur cloné ?",
            clone=True,
        )
    WebAuthnCredential.update(sign_count=verified.new_sign_count, last_used_at=utcnow()).where(
        WebAuthnCredential.id == stored.id
    ).execute()
    return stored


def _reason(exc: Exception) -> str:
    # The library's messages describe the protocol failure, never the user's data.
    return str(exc)[:200]
