"""Restore (X2): a backup rebuilt into a new instance folder (`--to`, the new machine), or
over the current instance (in place).

Either way the backup first passes its restore test; then each database is decrypted with
its backup key and written under the instance's own keys, into a temporary file checked
like a restore test (rows, schema, audit chains) before it takes its place. In place, the
replaced files are kept aside (`cabinet.db.avant-restauration-<date>`, the same for
`lectures.db` and `archive.db`, readable with the same keys) and nothing may serve,
schedule or back up meanwhile (`locks.instance_alone`).
Migrations newer than the backup are applied afterwards; the restore and those
migrations are written in the restored instance's maintenance log.
"""

import datetime
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from cabinet import db, keys
from cabinet.audit import trace
from cabinet.compliance import backups, checks, locks, maintenance, snapshot
from cabinet.compliance import manifest as manifests
from cabinet.db import database, retrying, utcnow
from cabinet.formatting import local_datetime

BackupError = manifests.BackupError
PATHS = ("INSTANCE_PATH", "DATABASE_PATH", "READINGS_PATH", "ARCHIVE_PATH", "KEYS_PATH")


def _known_migrations() -> set[str]:
    return {path.stem for path in db.MIGRATIONS_DIR.glob("[0-9]*.py")}


def _checked(path: Path, found: dict) -> dict:
    """The manifest of a backup that passed its restore test under these keys."""
    key = found["backup"]
    if key is None:
        raise BackupError("Clé de sauvegarde introuvable (keys/backup.key ou CABINET_BACKUP_KEY).")
    manifest = manifests.read_manifest(path, key)
    newer = sorted(set(manifest.get("schema", [])) - _known_migrations())
    if newer:
        raise BackupError(
            f"Cette sauvegarde vient d'une version plus récente de Cabinet "
            f"({manifest.get('cabinet_version')}, migration {newer[0]}) : installez-la d'abord."
        )
    if found["audit"] is None:
        raise BackupError("Clé du journal introuvable (keys/audit.key ou CABINET_AUDIT_KEY).")
    problems = checks.problems(path, key, bytes.fromhex(found["audit"]))
    if problems:
        raise BackupError("La sauvegarde ne passe pas son test de restauration : " + problems[0])
    stores = {entry["store"] for entry in manifest["files"]}
    if "archive" in stores and found["archive"] is None:
        raise BackupError("Clé de l'archive introuvable (keys/archive.key ou CABINET_ARCHIVE_KEY).")
    return manifest


def _build(path: Path, manifest: dict, found: dict, targets: dict[str, Path]) -> list:
    """Each database re-encrypted under the instance's key into `<file>.restauration`,
    checked there; returns [(temporary file, final place)]."""
    key, audit_key = found["backup"], bytes.fromhex(found["audit"])
    built = []
    for entry in manifest["files"]:
        final = _place(targets, entry)
        own_key = found["archive"] if entry["store"] == "archive" else found["database"]
        temporary = final.with_name(final.name + ".restauration")
        temporary.unlink(missing_ok=True)
        source_key = manifests.file_key(key, manifest["name"], entry["name"])
        snapshot.reencrypt(path / entry["name"], source_key, temporary, own_key)
        schema = manifest["schema"] if entry["store"] == "active" else None
        problems = snapshot.check(temporary, own_key, entry["tables"], schema)
        if not problems and entry["store"] in ("active", "readings"):
            problems = checks.chain_problems(temporary, own_key, audit_key)
        if problems:
            temporary.unlink(missing_ok=True)
            raise BackupError("La copie restaurée ne passe pas son contrôle : " + problems[0])
        snapshot.fsync_file(temporary)
        built.append((temporary, final))
    return built


def _place(targets: dict[str, Path], entry: dict) -> Path:
    """Where a backed-up file goes: its store's place; a further journal of readings
    (lectures-2.db…) beside the first, under its own name."""
    if entry["store"] == "readings" and entry["name"] != backups.READINGS:
        if not backups.FURTHER_READINGS.match(entry["name"]):
            raise BackupError(f"Fichier inattendu dans la sauvegarde : {entry['name']}.")
        return targets["readings"].with_name(entry["name"])
    return targets[entry["store"]]


def restore_to(app: Flask, reference: str, target: Path, folder: Path | None = None) -> dict:
    """Build a working instance in `target`, which holds only `keys/` (a new machine)."""
    target = target.resolve()
    if not (target / "keys").is_dir():
        raise BackupError(f"{target}/keys/ est introuvable : copiez-y d'abord les clés du cabinet.")
    others = sorted(p.name for p in target.iterdir() if p.name != "keys")
    if others:
        raise BackupError(f"{target} doit ne contenir que keys/ (trouvé : {', '.join(others)}).")
    found = keys.load_all(target / "keys")
    if found["database"] is None:
        raise BackupError("Clé de la base introuvable (keys/database.key ou CABINET_DB_KEY).")
    path = backups.find(reference, folder)
    manifest = _checked(path, found)
    targets = {
        "active": target / "cabinet.db",
        "readings": target / "lectures.db",
        "archive": target / "archive.db",
    }
    for temporary, final in _build(path, manifest, found, targets):
        os.rename(temporary, final)
    snapshot.fsync_dir(target)
    with instance_at(app, target):
        applied = _after_restore(manifest, f"dans le nouveau dossier {target}")
    return {"name": manifest["name"], "instance": str(target), "migrations": applied}


def restore_in_place(app: Flask, reference: str, folder: Path | None = None) -> dict:
    """Replace the instance's databases by a backup; refused while anything holds it."""
    config = app.config
    with locks.instance_alone(Path(config["INSTANCE_PATH"])):
        found = keys.load_all(config["KEYS_PATH"])
        if found["database"] is None:
            raise BackupError("Clé de la base introuvable (keys/database.key ou CABINET_DB_KEY).")
        path = backups.find(reference, folder)
        manifest = _checked(path, found)
        targets = {
            "active": Path(config["DATABASE_PATH"]),
            "readings": Path(config["READINGS_PATH"]),
            "archive": Path(config["ARCHIVE_PATH"]),
        }
        built = _build(path, manifest, found, targets)
        # Every journal of readings of the instance, also those the backup has not.
        present = [p for _, p in db.readings_files(targets["readings"]) if p != targets["readings"]]
        _close_stores(found, targets, present)
        stamp = f"{utcnow():%Y%m%d-%H%M%S}"
        aside = []
        # The archive (and the journals of readings) too when the backup has none: the
        # instance returns to that moment.
        for final in [*targets.values(), *present]:
            aside += _set_aside(final, stamp)
        for temporary, final in built:
            os.rename(temporary, final)
            snapshot.fsync_dir(final.parent)
        db.open_stores(app)
        where = "en place ; fichiers remplacés gardés : " + (
            ", ".join(str(p) for p in aside if not p.name.endswith(("-wal", "-shm"))) or "aucun"
        )
        applied = _after_restore(manifest, where)
    return {
        "name": manifest["name"],
        "instance": str(config["INSTANCE_PATH"]),
        "aside": aside,
        "migrations": applied,
    }


def _close_stores(found: dict, targets: dict[str, Path], further: list[Path]) -> None:
    """Fold each current WAL into its database, then close: the files set aside are whole."""
    db.close_stores()
    places = [*targets.items(), *(("readings", path) for path in further)]
    for store, place in places:
        key = found["archive"] if store == "archive" else found["database"]
        if key is None or not place.exists():
            continue
        try:
            conn = snapshot.connect(place, key)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
        except snapshot.DatabaseError:
            pass  # a damaged file is set aside as it is


def _set_aside(final: Path, stamp: str) -> list[Path]:
    """Rename a database and its -wal/-shm, keeping SQLite's naming (still openable)."""
    moved = []
    aside = final.with_name(f"{final.name}.avant-restauration-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        current = final.with_name(final.name + suffix)
        if current.exists():
            destination = aside.with_name(aside.name + suffix)
            os.rename(current, destination)
            moved.append(destination)
    return moved


def _after_restore(manifest: dict, where: str) -> list[str]:
    """Migrations newer than the backup, then the maintenance log and the trace."""
    applied = db.migrate(database)
    created = local_datetime(datetime.datetime.fromisoformat(manifest["created_at"].rstrip("Z")))
    if applied:
        maintenance.record_system(
            "Mise à jour du schéma après restauration : " + ", ".join(applied) + ".",
            data_touched=True,
        )
    maintenance.record_system(
        f"Restauration de la sauvegarde {manifest['name']} (du {created}) {where}.",
        data_touched=True,
    )
    retrying(lambda: _trace_restore(manifest["name"], where))
    return applied


def _trace_restore(name: str, where: str) -> None:
    with database.atomic():
        trace(None, "backup.restore", target=f"backup:{name}", detail=where[:200])


@contextmanager
def instance_at(app: Flask, folder: Path) -> Iterator[None]:
    """Point the app's stores at another instance folder for the block, then back."""
    saved = {name: app.config[name] for name in PATHS}
    db.close_stores()
    app.config.update(
        INSTANCE_PATH=folder,
        DATABASE_PATH=folder / "cabinet.db",
        READINGS_PATH=folder / "lectures.db",
        ARCHIVE_PATH=folder / "archive.db",
        KEYS_PATH=folder / "keys",
    )
    try:
        db.open_stores(app)
        yield
    finally:
        db.close_stores()
        app.config.update(saved)
        db.open_stores(app)
