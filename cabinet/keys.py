"""Instance key material: create (mode 0600), load, never log.

Each purpose has its own 256-bit key, in `instance/keys/<name>.key` as 64 hex
characters, or in an environment variable that takes precedence. A key file is
only ever created, never overwritten: losing a key means losing the data it
protects, so nothing here replaces one silently.
"""

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

KEY_ENV = {
    "database": "CABINET_DB_KEY",
    "archive": "CABINET_ARCHIVE_KEY",
    "audit": "CABINET_AUDIT_KEY",
    "backup": "CABINET_BACKUP_KEY",
}
_HEX_KEY = re.compile(r"^[0-9a-fA-F]{64}$")


class KeyMaterialError(Exception):
    """A key is missing or malformed; the message is safe to show (it holds no key)."""


def key_path(keys_dir: Path, name: str) -> Path:
    return keys_dir / f"{name}.key"


def load(keys_dir: Path, name: str) -> str | None:
    """Return the key as 64 lower-case hex characters, or None when it does not exist."""
    value = os.environ.get(KEY_ENV[name])
    source = KEY_ENV[name]
    if value is None:
        path = key_path(keys_dir, name)
        if not path.exists():
            return None
        value = path.read_text().strip()
        source = str(path)
    if not _HEX_KEY.match(value):
        raise KeyMaterialError(
            f"La clé « {name} » ({source}) doit compter 64 caractères hexadécimaux."
        )
    return value.lower()


def create(keys_dir: Path, name: str) -> bool:
    """Create the key file if neither it nor its environment variable exists. True if created."""
    if os.environ.get(KEY_ENV[name]) is not None:
        return False
    keys_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(keys_dir, 0o700)
    path = key_path(keys_dir, name)
    try:
        # O_EXCL: never overwrite an existing key, even in a race with another process.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return True


def load_all(keys_dir: Path) -> dict[str, str | None]:
    """Every purpose's key (None where it does not exist yet); KeyMaterialError if malformed."""
    return {name: load(keys_dir, name) for name in KEY_ENV}


def derive(hex_key: str, label: bytes) -> str:
    """A purpose-bound subkey (HMAC-SHA-256), so a store's key itself never signs anything."""
    return hmac.new(bytes.fromhex(hex_key), label, hashlib.sha256).hexdigest()
