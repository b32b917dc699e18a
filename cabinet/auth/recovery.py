"""One-time recovery codes (S5): ten, shown once, stored as hashes, each usable once."""

import hashlib
import secrets

from cabinet.auth.models import RecoveryCode
from cabinet.db import utcnow

COUNT = 10
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud, typed on a tablet


def _hash(code: str) -> str:
    # 12 random characters of a 31-letter alphabet carry 59 bits: a fast hash is enough.
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def normalise(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def regenerate(user) -> list[str]:
    """Replace the user's codes; return the new ones (to be shown once, never stored in clear)."""
    RecoveryCode.update(is_current=False).where(RecoveryCode.user == user.id).execute()
    codes = [_new_code() for _ in range(COUNT)]
    RecoveryCode.insert_many(
        [{"user": user.id, "code_hash": _hash(c), "created_at": utcnow()} for c in codes]
    ).execute()
    return codes


def use(user, code: str) -> bool:
    """Spend a code: True once for each valid code, False afterwards."""
    return (
        RecoveryCode.update(used_at=utcnow())
        .where(
            (RecoveryCode.user == user.id)
            & (RecoveryCode.code_hash == _hash(code))
            & RecoveryCode.is_current
            & RecoveryCode.used_at.is_null()
        )
        .execute()
        == 1
    )


def remaining(user) -> int:
    return (
        RecoveryCode.select()
        .where(
            (RecoveryCode.user == user.id)
            & RecoveryCode.is_current
            & RecoveryCode.used_at.is_null()
        )
        .count()
    )
