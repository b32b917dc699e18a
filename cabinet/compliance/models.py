"""Continuity (X2, X8): backup runs and their restore tests, the maintenance log.

A backup itself is a folder in the destination (its sealed manifest says what it holds);
these tables keep what happened to it: who made it and how it went (`BackupRun`), and
each automatic or manual restore test (`BackupCheck`). The maintenance log ("main
courante") is `MaintenanceEntry`, with the notes added to it after its 24 hours.
"""

import secrets

from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, TextField

from cabinet.auth.models import User
from cabinet.db import BaseModel, utcnow

TRIGGERS = {"scheduled": "nuit", "manual": "commande"}
SOURCES = {"manual": "saisie", "system": "automatique"}


def new_ref() -> str:
    """Opaque reference of an entry in URLs (X3)."""
    return secrets.token_urlsafe(12)


class BackupRun(BaseModel):
    """One attempt to make a backup (scheduled or by command), its outcome and error."""

    started_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)
    name = CharField(default="")
    trigger = CharField(default="manual")
    outcome = CharField(default="running")  # running | ok | error
    error = TextField(default="")

    class Meta:
        table_name = "backup_run"


class BackupCheck(BaseModel):
    """One restore test of a backup in one folder (the destination or the second copy)."""

    name = CharField(index=True)
    folder = CharField()
    checked_at = DateTimeField(default=utcnow)
    ok = BooleanField()
    detail = TextField(default="")

    class Meta:
        table_name = "backup_check"


class MaintenanceEntry(BaseModel):
    """An intervention on the system (X8): written by the admin, or by Cabinet itself for
    what it does on its own (restores, migrations, export, wipe). Editable 24 hours."""

    ref = CharField(unique=True, default=new_ref)
    occurred_on = DateField()
    who = CharField()  # the person who intervened
    provider = CharField(default="")  # her company, if any
    what = TextField()
    data_touched = BooleanField()
    source = CharField(default="manual")
    recorded_at = DateTimeField(default=utcnow)
    recorded_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="maintenance")
    updated_at = DateTimeField(null=True)

    class Meta:
        table_name = "maintenance_entry"


class MaintenanceNote(BaseModel):
    """What is added to an entry once it can no longer be edited."""

    entry = ForeignKeyField(MaintenanceEntry, on_delete="CASCADE", backref="notes")
    written_at = DateTimeField(default=utcnow)
    author = ForeignKeyField(User, null=True, on_delete="SET NULL")
    author_name = CharField()
    text = TextField()

    class Meta:
        table_name = "maintenance_note"
