"""The trace table: append-only from the application, each row sealed and chained."""

from peewee import AutoField, CharField, DateTimeField, IntegerField, TextField

from cabinet.db import BaseModel, utcnow


class Trace(BaseModel):
    seq = AutoField()
    at = DateTimeField(default=utcnow)
    actor_id = IntegerField(null=True)
    actor_name = CharField(default="")
    role = CharField(default="")
    action = CharField()
    patient_ref = CharField(null=True)
    target = CharField(default="")
    detail = TextField(default="")
    client_address = CharField(default="")
    outcome = CharField(default="ok")
    # HMAC-SHA-256 over this row's canonical content and the previous row's seal.
    seal = CharField(default="")

    class Meta:
        table_name = "trace"
        indexes = (
            (("at",), False),
            (("patient_ref", "at"), False),
            (("actor_id", "at"), False),
            (("action", "at"), False),
        )
