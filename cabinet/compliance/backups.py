"""Backups (X2): where they go, how one is written, listed and judged.

A backup is one folder `cabinet-AAAAMMJJ-HHMMSS` in the destination, holding
`cabinet.db` (the active database), `lectures.db` (its journal of readings, and
`lectures-2.db`… when more than one process wrote readings),
`archive.db` (the archive, when there is one) and `manifest.json`: SQLCipher files under keys derived from the backup key, and a sealed
manifest (`manifest.py`). No key is ever written into a backup.

A backup is written in `.partielle-<name>`, fsynced, then renamed: a backup killed at any
moment is never listed, and the next one clears what it left. Right after, a separate
process opens it with the backup key alone and checks it (`checks.py`, called through
`flask backup verify`): the result is recorded and traced.
"""

import datetime
import errno
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from cabinet import keys, settings
from cabinet.audit import trace
from cabinet.compliance import checks, locks, snapshot
from cabinet.compliance.manifest import (
    FORMAT,
    MANIFEST,
    BackupError,
    backup_key,
    cabinet_version,
    file_key,
    seal,
    sha256,
)
from cabinet.compliance.models import BackupCheck, BackupRun
from cabinet.db import database, readings_files, retrying, utcnow
from cabinet.formatting import local_datetime
from cabinet.retention.engine import crashpoint

PARTIAL = ".partielle-"
NAME = re.compile(r"^cabinet-(\d{8}-\d{6})(?:-\d+)?$")
ACTIVE, READINGS, ARCHIVE = "cabinet.db", "lectures.db", "archive.db"
STORES = {ACTIVE: "active", READINGS: "readings", ARCHIVE: "archive"}
# Each further journal of readings (lectures-2.db…, one per process that wrote readings:
# audit/journals.py) is a store "readings" too.
FURTHER_READINGS = re.compile(r"^lectures-[1-9][0-9]{0,3}\.db$")


def store_of(name: str) -> str | None:
    """What a backed-up file is ("active", "readings", "archive"), from its name."""
    return "readings" if FURTHER_READINGS.match(name) else STORES.get(name)


GREEN_HOURS, RED_HOURS = 26, 50


# Where -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    path: Path
    source: str  # "environment" | "setting" | "instance"
    warning: str | None


def destination() -> Destination:
    """CABINET_BACKUP_DIR, else the admin's setting, else instance/backups (in red)."""
    config = current_app.config
    instance = Path(config["INSTANCE_PATH"]).resolve()
    if config.get("BACKUP_DIR"):
        path, source = Path(config["BACKUP_DIR"]), "environment"
    elif _setting("backup_dir"):
        path, source = Path(_setting("backup_dir")), "setting"
    else:
        path, source = instance / "backups", "instance"
    path = path.resolve()
    return Destination(path, source, _same_disk_warning(path, instance))


def _same_disk_warning(path: Path, instance: Path) -> str | None:
    if path.is_relative_to(instance):
        return (
            "Les sauvegardes sont dans le dossier de l'instance, sur le même disque que les "
            "données : une panne de ce disque ou un vol de l'ordinateur les emporterait avec "
            "elles. Choisissez un dossier sur un autre disque (page Sauvegardes et continuité, ou "
            "CABINET_BACKUP_DIR)."
        )
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.stat().st_dev == instance.stat().st_dev:
        return (
            "Le dossier des sauvegardes est sur le même disque que les données : une panne "
            "de ce disque les emporterait avec elles. Choisissez un autre disque."
        )
    return None


def copy_destination() -> Path | None:
    """The optional second destination (USB disk, NAS): CABINET_BACKUP_COPY_DIR or setting."""
    folder = current_app.config.get("BACKUP_COPY_DIR") or _setting("backup_copy_dir")
    return Path(folder).resolve() if folder else None


def _setting(key: str) -> str:
    """A folder setting; none before the database exists (a new machine restoring)."""
    return settings.get(key) if current_app.config.get("DATABASE_READY") else ""


# Listing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    name: str
    path: Path
    created_at: datetime.datetime  # naive UTC, from the name
    size: int
    verified_at: datetime.datetime | None = None
    verified_ok: bool | None = None
    detail: str = ""

    def as_json(self) -> dict:
        def stamp(moment):
            return moment.isoformat(timespec="seconds") + "Z" if moment else None

        return {
            "name": self.name,
            "path": str(self.path),
            "created_at": stamp(self.created_at),
            "size": self.size,
            "verified_at": stamp(self.verified_at),
            "verified_ok": self.verified_ok,
            "detail": self.detail,
        }


def _created_at(name: str) -> datetime.datetime:
    return datetime.datetime.strptime(NAME.match(name).group(1), "%Y%m%d-%H%M%S")


def listing(folder: Path, with_checks: bool = True) -> list[Listed]:
    """Finished backups in `folder`, newest first, with their last restore test."""
    if not folder.is_dir():
        return []
    found = [
        entry
        for entry in folder.iterdir()
        if NAME.match(entry.name) and (entry / MANIFEST).is_file()
    ]
    checks = _last_checks(folder) if with_checks else {}
    rows = []
    for entry in found:
        check = checks.get(entry.name)
        rows.append(
            Listed(
                name=entry.name,
                path=entry,
                created_at=_created_at(entry.name),
                size=sum(p.stat().st_size for p in entry.iterdir() if p.is_file()),
                verified_at=check.checked_at if check else None,
                verified_ok=check.ok if check else None,
                detail=check.detail if check else "",
            )
        )
    return sorted(rows, key=lambda row: (row.created_at, row.name), reverse=True)


def _last_checks(folder: Path) -> dict[str, BackupCheck]:
    if not current_app.config.get("DATABASE_READY") or not BackupCheck.table_exists():
        return {}
    latest = {}
    for check in (
        BackupCheck.select().where(BackupCheck.folder == str(folder)).order_by(BackupCheck.id)
    ):
        latest[check.name] = check
    return latest


def find(reference: str, folder: Path | None = None) -> Path:
    """A backup by name (in `folder`, or the destination), or the path of its folder."""
    as_path = Path(reference)
    if as_path.is_dir() and (as_path / MANIFEST).exists():
        return as_path.resolve()
    if NAME.match(reference):
        candidate = (folder or destination().path) / reference
        if (candidate / MANIFEST).is_file():
            return candidate
    raise BackupError(f"Sauvegarde introuvable : {reference}.")


# Writing ----------------------------------------------------------------------------------


def _new_name(folder: Path, now: datetime.datetime) -> str:
    base = f"cabinet-{now:%Y%m%d-%H%M%S}"
    name, n = base, 1
    while (folder / name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def clear_partial(folder: Path) -> list[str]:
    """Remove what killed backups left (only ever called under the backup lock)."""
    removed = []
    for entry in folder.iterdir():
        if entry.name.startswith(PARTIAL):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
    return removed


def _sources(config) -> list[tuple[str, Path, str]]:
    found = keys.load_all(config["KEYS_PATH"])
    sources = [(ACTIVE, Path(config["DATABASE_PATH"]), found["database"])]
    for slot, readings in readings_files(Path(config["READINGS_PATH"])):
        name = READINGS if slot == 1 else f"lectures-{slot}.db"
        sources.append((name, readings, found["database"]))
    archive = Path(config["ARCHIVE_PATH"])
    if found["archive"] and archive.exists() and archive.stat().st_size > 0:
        sources.append((ARCHIVE, archive, found["archive"]))
    return sources


def write(folder: Path, name: str, key: str) -> dict:
    """Snapshot the stores into `folder/.partielle-<name>`, seal, fsync, rename."""
    partial = folder / f"{PARTIAL}{name}"
    partial.mkdir()
    sources = _sources(current_app.config)
    targets = {label: (partial / label, file_key(key, name, label)) for label, _, _ in sources}
    snap = snapshot.export(sources, targets)
    crashpoint("backup exported")
    files = []
    for label, _, _ in sources:
        path = partial / label
        snapshot.fsync_file(path)
        files.append(
            {
                "name": label,
                "store": store_of(label),
                "size": path.stat().st_size,
                "sha256": sha256(path),
                "tables": snap[label]["tables"],
            }
        )
    body = {
        "format": FORMAT,
        "name": name,
        "created_at": _created_at(name).isoformat() + "Z",
        "cabinet_version": cabinet_version(),
        "schema": snap[ACTIVE]["schema"],
        "key_derivation": "HMAC-SHA-256(clé de sauvegarde, « backup <nom> <fichier> »)",
        "files": files,
    }
    crashpoint("backup files flushed")
    manifest = partial / MANIFEST
    manifest.write_text(
        json.dumps({"manifest": body, "seal": seal(key, body)}, ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    snapshot.fsync_file(manifest)
    snapshot.fsync_dir(partial)
    crashpoint("backup sealed")
    os.rename(partial, folder / name)
    snapshot.fsync_dir(folder)
    crashpoint("backup renamed")
    return body


def create(trigger: str = "manual", now: datetime.datetime | None = None) -> dict:
    """Write a backup, test it in another process, copy it to the second destination.

    Returns {"name", "folder", "size", "verified", "problems", "copy", "warning"}; raises
    BackupError (recorded and traced) when the backup itself could not be written."""
    now = now or utcnow()
    key = backup_key()
    target = destination()
    with locks.backup_lock(Path(current_app.config["INSTANCE_PATH"])):
        run = retrying(lambda: BackupRun.create(trigger=trigger, started_at=now))
        name = ""
        try:
            target.path.mkdir(parents=True, exist_ok=True)
            clear_partial(target.path)
            name = _new_name(target.path, now)
            retrying(lambda: BackupRun.update(name=name).where(BackupRun.id == run.id).execute())
            write(target.path, name, key)
        except Exception as exc:
            if name:
                shutil.rmtree(target.path / f"{PARTIAL}{name}", ignore_errors=True)
            message = describe_error(exc)
            _finish(run, "error", f"Sauvegarde impossible : {message}")
            raise BackupError(f"Sauvegarde impossible : {message}") from exc
        _finish(run, "ok", "")
    crashpoint("backup recorded")
    ok, problems = checks.restore_test(name, target.path)
    summary = {
        "name": name,
        "folder": str(target.path),
        "size": sum(p.stat().st_size for p in (target.path / name).iterdir()),
        "verified": ok,
        "problems": problems,
        "copy": None,
        "warning": target.warning,
    }
    copy_folder = copy_destination()
    if ok and copy_folder is not None:
        summary["copy"] = copy(name, target.path, copy_folder)
    return summary


OS_ERRORS = {
    errno.ENOSPC: "disque plein",
    errno.EACCES: "accès refusé",
    errno.EPERM: "accès refusé",
    errno.ENOENT: "dossier introuvable (disque débranché ?)",
    errno.EEXIST: "ce chemin n'est pas un dossier",
    errno.ENOTDIR: "ce chemin n'est pas un dossier",
    errno.EROFS: "disque en lecture seule",
    errno.EIO: "erreur de lecture ou d'écriture du disque",
}


def describe_error(exc: BaseException) -> str:
    """A failure in French words (the system's own messages are in English)."""
    if isinstance(exc, BackupError):
        return str(exc)
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return OS_ERRORS.get(exc.errno, f"erreur système n° {exc.errno}") + where
    if isinstance(exc, snapshot.DatabaseError):
        return "base illisible ou verrouillée (clé, fichier endommagé ou disque)"
    return f"erreur inattendue ({type(exc).__name__})"


def _finish(run: BackupRun, outcome: str, error: str) -> None:
    run = BackupRun.get_by_id(run.id)

    def work():
        with database.atomic():
            BackupRun.update(finished_at=utcnow(), outcome=outcome, error=error).where(
                BackupRun.id == run.id
            ).execute()
            trace(
                None,
                "backup.create",
                target=f"backup:{run.name}" if run.name else "backups",
                detail=error or "Sauvegarde écrite, en attente de son test de restauration",
                outcome="ok" if outcome == "ok" else "error",
            )

    retrying(work)


def copy(name: str, source: Path, folder: Path) -> dict:
    """Copy a verified backup to the second destination (temporary name, fsync, rename),
    then test it there again. Returns {"folder", "verified", "problems"}."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        clear_partial(folder)
        partial = folder / f"{PARTIAL}{name}"
        shutil.copytree(source / name, partial)
        for path in partial.iterdir():
            snapshot.fsync_file(path)
        snapshot.fsync_dir(partial)
        os.rename(partial, folder / name)
        snapshot.fsync_dir(folder)
    except OSError as exc:
        problem = f"Copie impossible vers {folder} : {describe_error(exc)}."
        checks.record_check(name, folder, [problem])
        return {"folder": str(folder), "verified": False, "problems": [problem]}
    retrying(lambda: _trace_copy(name))
    ok, problems = checks.restore_test(name, folder)
    return {"folder": str(folder), "verified": ok, "problems": problems}


def _trace_copy(name: str) -> None:
    with database.atomic():
        trace(None, "backup.copy", target=f"backup:{name}", detail="Seconde destination")


# Status -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    level: str  # "green" | "orange" | "red"
    text: str
    warning: str | None
    last_good: Listed | None


def status(now: datetime.datetime | None = None) -> Status:
    """The admin's indicator: green under 26 h since the last verified backup, orange up to
    50 h, red beyond, when there is none, or when the last backup or its test failed."""
    now = now or utcnow()
    target = destination()
    backups = listing(target.path)
    good = next((b for b in backups if b.verified_ok), None)
    failure = _last_failure(backups, good)
    if failure:
        return Status("red", failure, target.warning, good)
    if good is None:
        return Status("red", "Aucune sauvegarde vérifiée.", target.warning, None)
    hours = (now - good.created_at).total_seconds() / 3600
    text = (
        f"Dernière sauvegarde vérifiée : {local_datetime(good.created_at)} (il y a {int(hours)} h)."
    )
    level = "green" if hours < GREEN_HOURS else "orange" if hours <= RED_HOURS else "red"
    if level != "green":
        text += " Aucune sauvegarde plus récente n'a été vérifiée."
    copy_problem = _copy_failure(good)
    if level == "green" and copy_problem:
        return Status("orange", f"{text} {copy_problem}", target.warning, good)
    return Status(level, text, target.warning, good)


def _last_failure(backups: list[Listed], good: Listed | None) -> str | None:
    if not BackupRun.table_exists():
        return None
    run = (
        BackupRun.select()
        .where(BackupRun.outcome != "running")
        .order_by(BackupRun.started_at.desc(), BackupRun.id.desc())
        .first()
    )
    if run is not None and run.outcome == "error":
        return f"La dernière sauvegarde a échoué ({local_datetime(run.started_at)}) : {run.error}"
    newest = backups[0] if backups else None
    if newest is not None and newest.verified_ok is False:
        reason = (newest.detail.splitlines() or [""])[0]
        return (
            f"Le test de restauration de la dernière sauvegarde "
            f"({local_datetime(newest.created_at)}) a échoué : {reason}"
        )
    return None


def _copy_failure(good: Listed) -> str | None:
    folder = copy_destination()
    if folder is None:
        return None
    check = (
        BackupCheck.select()
        .where((BackupCheck.name == good.name) & (BackupCheck.folder == str(folder)))
        .order_by(BackupCheck.id.desc())
        .first()
    )
    if check is None or not check.ok:
        return "Sa copie vers la seconde destination manque ou n'a pas été vérifiée."
    return None
