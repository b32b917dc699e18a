"""Retention: date of death, suspension (dispute or restriction), clock restarts, job runs."""

from peewee import BooleanField, CharField, DateField, DateTimeField, Model, TextField


def up(migrator, db):
    class RetentionRun(Model):
        started_at = DateTimeField()
        finished_at = DateTimeField(null=True)
        as_of = DateField()
        dry_run = BooleanField(default=False)
        outcome = CharField(default="running")
        summary = TextField(default="{}")
        error = TextField(default="")

        class Meta:
            database = db
            table_name = "retention_run"

    db.create_tables([RetentionRun])
    migrator.migrate(
        migrator.add_column("patient", "deceased_on", DateField(null=True)),
        migrator.add_column("patient", "retention_suspended", BooleanField(default=False)),
        migrator.add_column("patient", "retention_restarted_at", DateTimeField(null=True)),
    )
