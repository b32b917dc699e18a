"""Continuity (X2, X8): backup runs, restore tests, the maintenance log and its notes."""

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    Model,
    TextField,
)


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class BackupRun(Model):
        started_at = DateTimeField()
        finished_at = DateTimeField(null=True)
        name = CharField(default="")
        trigger = CharField(default="manual")
        outcome = CharField(default="running")
        error = TextField(default="")

        class Meta:
            database = db
            table_name = "backup_run"

    class BackupCheck(Model):
        name = CharField(index=True)
        folder = CharField()
        checked_at = DateTimeField()
        ok = BooleanField()
        detail = TextField(default="")

        class Meta:
            database = db
            table_name = "backup_check"

    class MaintenanceEntry(Model):
        ref = CharField(unique=True)
        occurred_on = DateField()
        who = CharField()
        provider = CharField(default="")
        what = TextField()
        data_touched = BooleanField()
        source = CharField(default="manual")
        recorded_at = DateTimeField()
        recorded_by = ForeignKeyField(User, null=True, on_delete="SET NULL", field=User.id)
        updated_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "maintenance_entry"

    class MaintenanceNote(Model):
        entry = ForeignKeyField(MaintenanceEntry, on_delete="CASCADE")
        written_at = DateTimeField()
        author = ForeignKeyField(User, null=True, on_delete="SET NULL", field=User.id)
        author_name = CharField()
        text = TextField()

        class Meta:
            database = db
            table_name = "maintenance_note"

    db.create_tables([BackupRun, BackupCheck, MaintenanceEntry, MaintenanceNote])
