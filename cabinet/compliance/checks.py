"""The restore test of a backup (X2): opened with the backup key alone, then judged.

Every file the manifest names must be there with its size and SHA-256 (one flipped byte
anywhere fails here), nothing else may be in the folder; each database must open under
its derived key, pass `PRAGMA cipher_integrity_check` (every page's HMAC) and
`PRAGMA integrity_check`, hold the rows the manifest counted at snapshot time, and the
active one must carry the recorded schema level and a valid audit chain (T2), checked on
the copy itself.

`restore_test` runs that check right after a backup, in a process of its own
(`flask backup verify`), which records and traces its verdict (`record_check`).
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from flask import current_app
from peewee import DatabaseError

from cabinet.audit import trace, verification
from cabinet.compliance import manifest as manifests
from cabinet.compliance import snapshot
from cabinet.compliance.models import BackupCheck
from cabinet.config import ROOT
from cabinet.db import CabinetDatabase, database, raw_key, retrying, utcnow

# The automatic restore test runs in its own process; a huge instance may need a while.
RESTORE_TEST_TIMEOUT = 6 * 3600


def open_copy(path: Path, hex_key: str) -> CabinetDatabase:
    """A peewee handle on a copy, read-only (nothing written, no WAL switch)."""
    handle = CabinetDatabase(
        f"file:{quote(str(path))}?mode=ro", passphrase=raw_key(hex_key), uri=True
    )
    handle.connect()
    return handle


def chain_problems(path: Path, hex_key: str, audit_key: bytes) -> list[str]:
    handle = open_copy(path, hex_key)
    try:
        verification.verify_all(audit_key, db=handle)
    except verification.ChainBroken as broken:
        return [f"{path.name} : journal des traces altéré — {broken}"]
    except DatabaseError as error:
        return [f"{path.name} : journal des traces illisible ({type(error).__name__})."]
    finally:
        handle.close()
    return []


def _file_problems(folder: Path, entry: dict) -> list[str]:
    path = folder / str(entry.get("name", ""))
    if not path.is_file():
        return [f"{path.name} : fichier absent."]
    if path.stat().st_size != entry.get("size"):
        return [f"{path.name} : taille différente du manifeste (fichier tronqué ou modifié)."]
    if manifests.sha256(path) != entry.get("sha256"):
        return [f"{path.name} : empreinte SHA-256 différente (fichier modifié ou abîmé)."]
    return []


def problems(folder: Path, key: str, audit_key: bytes | None) -> list[str]:
    """Everything wrong with the backup in `folder` (French sentences), or []."""
    try:
        body = manifests.read_manifest(folder, key)
    except manifests.BackupError as refused:
        return [str(refused)]
    entries = body.get("files") or []
    found = []
    expected = {str(entry.get("name")) for entry in entries} | {manifests.MANIFEST}
    for extra in sorted(p.name for p in folder.iterdir() if p.name not in expected):
        found.append(f"{extra} : fichier inattendu dans la sauvegarde.")
    for entry in entries:
        damage = _file_problems(folder, entry)
        if damage:
            found += damage
            continue
        path = folder / entry["name"]
        hex_key = manifests.file_key(key, body["name"], entry["name"])
        is_active = entry.get("store") == "active"
        schema = body.get("schema") if is_active else None
        trouble = snapshot.check(path, hex_key, entry.get("tables") or {}, schema)
        chained = entry.get("store") in ("active", "readings")
        if not trouble and chained and audit_key is not None:
            trouble = chain_problems(path, hex_key, audit_key)
        found += trouble
    stores = {entry.get("store"): entry for entry in entries}
    if "active" not in stores:
        found.append("La sauvegarde ne contient pas la base active.")
        return found
    # The active base records each journal of readings it has (row n: journal n, one per
    # process that wrote readings): each must be in the backup.
    recorded = (stores["active"].get("tables") or {}).get("readings_journal") or 0
    carried = {str(entry.get("name")) for entry in entries if entry.get("store") == "readings"}
    for number in range(1, recorded + 1):
        name = "lectures.db" if number == 1 else f"lectures-{number}.db"
        if name not in carried:
            found.append(f"La sauvegarde ne contient pas le journal des consultations ({name}).")
    return found


def restore_test(name: str, folder: Path) -> tuple[bool, list[str]]:
    """`flask backup verify NAME --dir FOLDER` in a process of its own (it records and
    traces its verdict); a process that could not even report is recorded as a failure."""
    config = current_app.config
    env = {
        **os.environ,
        "CABINET_INSTANCE": str(config["INSTANCE_PATH"]),
        "CABINET_ARCHIVE_PATH": str(config["ARCHIVE_PATH"]),
        "CABINET_SCHEDULER": "0",
    }
    command = [sys.executable, "-m", "flask", "--app", "app", "backup", "verify", name]
    started = utcnow()
    try:
        result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [*command, "--dir", str(folder)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=RESTORE_TEST_TIMEOUT,
        )
        output, code = (result.stdout + result.stderr).strip(), result.returncode
    except subprocess.TimeoutExpired:
        output, code = "Test de restauration interrompu : délai dépassé.", 1
    recorded = (
        BackupCheck.select()
        .where(
            (BackupCheck.name == name)
            & (BackupCheck.folder == str(folder))
            & (BackupCheck.checked_at >= started)
        )
        .order_by(BackupCheck.id.desc())
        .first()
    )
    if recorded is None:
        detail = (output.splitlines() or ["aucune réponse"])[-1][:500]
        record_check(name, folder, [f"Le test de restauration n'a pas pu aboutir : {detail}"])
        return False, [detail]
    return code == 0 and recorded.ok, [] if recorded.ok else recorded.detail.splitlines()


def record_check(name: str, folder: Path, problems: list[str]) -> None:
    detail = "\n".join(problems)

    def work():
        with database.atomic():
            BackupCheck.create(name=name, folder=str(folder), ok=not problems, detail=detail)
            trace(
                None,
                "backup.verify",
                target=f"backup:{name}",
                detail=problems[0][:200] if problems else "Restauration d'essai réussie",
                outcome="error" if problems else "ok",
            )

    retrying(work)
