"""Imports from the previous software (issue 17; D2, D5, T1): the file's cells, parsed at
upload, wait here (in the encrypted database, never on disk in clear) while the admin
checks the preview; they are erased once the import is done or abandoned."""

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class PatientImport(Model):
        ref = CharField(unique=True)
        kind = CharField(default="patients")
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL", field=User.id)
        created_at = DateTimeField()
        byte_count = IntegerField(default=0)
        encoding = CharField(default="")
        separator = CharField(default="")
        headers = TextField(default="[]")
        rows = TextField(default="[]")
        mapping = TextField(default="{}")
        status = CharField(default="pending")
        finished_at = DateTimeField(null=True)
        created_count = IntegerField(default=0)
        skipped_count = IntegerField(default=0)

        class Meta:
            database = db
            table_name = "patient_import"

    db.create_tables([PatientImport])
