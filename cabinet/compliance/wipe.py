"""Secure wipe (X8): an instance destroyed for disposal or at the end of a contract.

In this order: the maintenance log and the journal say it is about to happen (they go with
the rest, but a copy made before, an export or a backup, keeps the entry); every key file
is overwritten with random bytes, flushed and removed — from that moment the databases,
the archive and every backup made under those keys are unreadable by anyone
(crypto-shredding); then every other file (databases and their -wal/-shm, the archive
wherever it lives, files set aside by a restore, lock files, backups kept in the instance
folder, and with `--with-backups` the backups of the destinations) is overwritten,
flushed and removed, the folders last.

Overwriting in place does not reach old blocks on SSDs or copy-on-write file systems:
crypto-shredding is the guarantee, provided no copy of the keys survives (the envelope,
environment variables): docs/continuity.md.
"""

import os
from pathlib import Path

from flask import Flask

from cabinet import keys
from cabinet.audit import trace
from cabinet.compliance import backups, locks, maintenance
from cabinet.db import close_stores, database, retrying, utcnow
from cabinet.formatting import local_datetime


def shred(path: Path) -> int:
    """Overwrite a file with random bytes, flush it to the disk, remove it; its size."""
    size = path.stat().st_size
    with open(path, "r+b", buffering=0) as handle:
        remaining = size
        while remaining > 0:
            chunk = min(remaining, 1 << 20)
            handle.write(os.urandom(chunk))
            remaining -= chunk
        os.fsync(handle.fileno())
    path.unlink()
    return size


def _files_under(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def _remove_folders(folder: Path) -> None:
    for path in sorted((p for p in folder.rglob("*") if p.is_dir()), reverse=True):
        path.rmdir()
    folder.rmdir()


def _backup_folders() -> list[Path]:
    """Backups in the destinations (and their partial leftovers)."""
    found = []
    for folder in (backups.destination().path, backups.copy_destination()):
        if folder is None or not folder.is_dir():
            continue
        found += [
            entry
            for entry in folder.iterdir()
            if entry.is_dir()
            and (backups.NAME.match(entry.name) or entry.name.startswith(backups.PARTIAL))
        ]
    return found


def _announce(with_backups: bool) -> None:
    what = "Effacement sécurisé de l'instance (clés détruites, fichiers écrasés)"
    what += ", sauvegardes comprises." if with_backups else "."
    maintenance.record_system(what, data_touched=True)

    def work():
        with database.atomic():
            trace(None, "system.wipe", target="instance", detail=what)

    retrying(work)


def wipe(app: Flask, with_backups: bool = False) -> list[str]:
    """Destroy the instance; the French lines of the attestation printed by the command."""
    config = app.config
    instance = Path(config["INSTANCE_PATH"]).resolve()
    with locks.instance_alone(instance):
        extra = _backup_folders() if with_backups and config["DATABASE_READY"] else []
        elsewhere = [
            folder
            for folder in (backups.destination().path, backups.copy_destination())
            if folder is not None and folder.is_dir() and not folder.is_relative_to(instance)
        ]
        if config["DATABASE_READY"]:
            _announce(with_backups)
        close_stores()
        report = [f"Effacement de l'instance {instance}, le {local_datetime(utcnow())}."]
        keys_dir = Path(config["KEYS_PATH"])
        for path in sorted(keys_dir.glob("*.key")) if keys_dir.is_dir() else []:
            shred(path)
            report.append(f"Clé détruite : {path}")
        in_environment = [name for name in keys.KEY_ENV.values() if os.environ.get(name)]
        if in_environment:
            report.append(
                "Attention : clés fournies par l'environnement, à retirer de la configuration "
                f"du service vous-même : {', '.join(in_environment)}."
            )
        archive = Path(config["ARCHIVE_PATH"])
        files = [p for p in archive.parent.glob(archive.name + "*") if p.is_file()]
        files += _files_under(instance)
        for folder in extra:
            files += _files_under(folder)
        total = sum(shred(path) for path in dict.fromkeys(files) if path.exists())
        for folder in [*extra, instance]:
            if folder.is_dir():
                _remove_folders(folder)
        report.append(
            f"Fichiers écrasés puis supprimés : {len(set(files))} ({total:,} octets)".replace(
                ",", " "
            )
            + "."
        )
        if elsewhere and not with_backups:
            report.append(
                "Les sauvegardes des destinations restent, illisibles sans la clé de sauvegarde "
                "détruite ; détruisez aussi les copies des clés (enveloppe)."
            )
    return report
