"""The archive: a separate SQLCipher file with its own key (R2), possibly on another disk.

An archived patient is one sealed, versioned JSON document plus the few columns
needed to find it and to know when it ends. Its schema is created on first use.
"""

import os
from pathlib import Path

from peewee import CharField, DateField, DateTimeField, IntegerField, TextField

from cabinet.db import BaseModel, archive_database, utcnow
from cabinet.patients.models import Patient


class ArchiveModel(BaseModel):
    class Meta:
        database = archive_database


# A copy written, the active file not yet deleted (step A of a move, cabinet/retention/
# engine.py): the length of "archived", so that confirming it rewrites one page, not the
# document. Versions before wrote "pending".
AWAITING = "awaiting"
LEGACY_AWAITING = "pending"


class ArchivedFile(ArchiveModel):
    ref = CharField(unique=True)  # the patient's opaque ref, unchanged
    status = CharField(default=AWAITING)  # "awaiting" → "archived" → ("restoring")
    schema = IntegerField(default=1)
    document = TextField()  # JSON: the whole file
    seal = CharField()  # HMAC-SHA-256 of the document with the archive key
    search_key = CharField(index=True)  # unaccented "last first", to find it by name
    birth_date = DateField()
    last_care_on = DateField()
    delete_on = DateField(index=True)
    suspended = IntegerField(default=0)
    archived_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "archived_file"


class AnonymousStat(ArchiveModel):
    """What remains of deleted files (R3): counts per year and act, no person behind them."""

    year = IntegerField()
    act_code = CharField()  # "" = all acts
    patients = IntegerField(default=0)
    sessions = IntegerField(default=0)

    class Meta:
        table_name = "anonymous_stat"
        indexes = ((("year", "act_code"), True),)


def ensure_schema() -> None:
    if archive_database.is_closed():
        _create_private(Path(archive_database.database))
    archive_database.connect(reuse_if_open=True)
    archive_database.create_tables([ArchivedFile, AnonymousStat], safe=True)


def _create_private(path: Path) -> None:
    """Create the archive file 0600 before SQLite opens it, whatever the umask: SQLite
    gives the -wal and -shm files the mode of the database file (R2: security equal to
    the active data, possibly on another disk)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def display_names(refs: set[str]) -> dict[str, str]:
    """Names for the journal, wherever the file is: "DUPONT Marie" in the active base,
    "DUPONT MARIE (archivé)" in the archive; an erased or ended file has no name left."""
    rows = Patient.select(Patient.ref, Patient.last_name, Patient.first_names).where(
        Patient.ref.in_(list(refs))
    )
    names = {p.ref: f"{p.last_name.upper()} {p.first_names}" for p in rows}
    missing = list(refs - set(names))
    if missing:
        ensure_schema()
        archived = ArchivedFile.select(ArchivedFile.ref, ArchivedFile.search_key).where(
            ArchivedFile.ref.in_(missing)
        )
        names.update({a.ref: f"{a.search_key.upper()} (archivé)" for a in archived})
    return names
