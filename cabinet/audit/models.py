"""The trace table: append-only from the application, each row sealed and chained."""

from peewee import CharField, DateTimeField, IntegerField, TextField
from playhouse.sqlite_ext import AutoIncrementField

from cabinet.db import BaseModel, readings_database, utcnow


class Trace(BaseModel):
    # AUTOINCREMENT: a number is never reused, even after a retention cut empties the table.
    seq = AutoIncrementField()
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
        # No index on the time: periods become ranges of numbers (services.first_seq_from;
        # migration 0021 dropped it).
        indexes = (
            (("patient_ref", "seq"), False),
            (("actor_id", "seq"), False),
            (("action", "seq"), False),
        )


class TraceCheckpoint(BaseModel):
    """Written when old traces are pruned (T6): the seal of the last deleted entry anchors
    the chain, so the oldest kept entry can still be verified."""

    created_at = DateTimeField(default=utcnow)
    cutoff = DateTimeField()  # traces older than this were deleted
    last_pruned_seq = IntegerField()
    last_pruned_seal = CharField()
    pruned_count = IntegerField()

    class Meta:
        table_name = "trace_checkpoint"


# The journal of readings (lectures.db, issue 20): the same two tables in a file of their
# own, with their own chain (audit/journals.py says which trace goes where).


class ReadingTrace(Trace):
    class Meta:
        database = readings_database
        table_name = "trace"


class ReadingTraceCheckpoint(TraceCheckpoint):
    class Meta:
        database = readings_database
        table_name = "trace_checkpoint"


READINGS_MODELS = [ReadingTrace, ReadingTraceCheckpoint]
