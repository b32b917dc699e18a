"""A backup's keys and its sealed manifest (X2).

Each database file of a backup has its own key, derived from the backup key:
HMAC-SHA-256(backup key, "backup <name> <file>") (`file_key`). The manifest (files, sizes,
SHA-256, schema level, rows per table at snapshot time, Cabinet version) is sealed with
HMAC-SHA-256 under HMAC-SHA-256(backup key, "backup manifest"). No key is ever written
into a backup: destroying the backup key destroys every backup.
"""

import hashlib
import hmac
import json
from importlib import metadata
from pathlib import Path

from flask import current_app

from cabinet import keys

FORMAT = 1
MANIFEST = "manifest.json"


class BackupError(Exception):
    """Why a backup could not be made, read or restored (French, safe to show)."""


def backup_key(keys_dir: Path | None = None) -> str:
    key = keys.load(keys_dir or current_app.config["KEYS_PATH"], "backup")
    if key is None:
        raise BackupError(
            "Clé de sauvegarde introuvable (keys/backup.key ou CABINET_BACKUP_KEY) : "
            "lancez `flask --app app init`, ou copiez la clé depuis l'enveloppe des clés."
        )
    return key


def file_key(key: str, name: str, filename: str) -> str:
    return keys.derive(key, f"backup {name} {filename}".encode())


def _canonical(body: dict) -> bytes:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def seal(key: str, body: dict) -> str:
    return hmac.new(
        bytes.fromhex(keys.derive(key, b"backup manifest")), _canonical(body), hashlib.sha256
    ).hexdigest()


def read_manifest(folder: Path, key: str) -> dict:
    """The manifest's body once its seal holds; BackupError otherwise."""
    try:
        stored = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        body, stored_seal = stored["manifest"], stored["seal"]
    except (OSError, ValueError, KeyError, TypeError):
        raise BackupError(f"{MANIFEST} : absent ou illisible.") from None
    if not isinstance(body, dict) or not hmac.compare_digest(str(stored_seal), seal(key, body)):
        raise BackupError(
            f"{MANIFEST} : sceau invalide (manifeste modifié, ou autre clé de sauvegarde)."
        )
    return body


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def cabinet_version() -> str:
    try:
        return metadata.version("cabinet")
    except metadata.PackageNotFoundError:
        return "inconnue"
