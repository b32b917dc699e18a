from peewee import BooleanField, CharField, DateField, DateTimeField, TextField

from cabinet.db import BaseModel, utcnow


class RetentionRun(BaseModel):
    """Every run of the retention job, manual or scheduled, dry or real (R5)."""

    started_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)
    as_of = DateField()
    dry_run = BooleanField(default=False)
    outcome = CharField(default="running")  # running | ok | error
    summary = TextField(default="{}")
    error = TextField(default="")

    class Meta:
        table_name = "retention_run"
