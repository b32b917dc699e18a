"""The trace table: append-only from the application, each row sealed and chained."""

import functools

from peewee import CharField, DateTimeField, IntegerField, TextField
from playhouse.sqlite_ext import AutoIncrementField

from cabinet.db import BaseModel, readings_database, readings_store, utcnow


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


# The journals of readings (lectures.db, lectures-2.db…, issue 20): the same two tables in
# files of their own, each with its own chain (audit/journals.py says which trace goes where).


class ReadingTrace(Trace):
    class Meta:
        database = readings_database
        table_name = "trace"


class ReadingTraceCheckpoint(TraceCheckpoint):
    class Meta:
        database = readings_database
        table_name = "trace_checkpoint"


READINGS_MODELS = [ReadingTrace, ReadingTraceCheckpoint]


@functools.cache
def reading_models(slot: int) -> tuple[type, type]:
    """The two models of journal of readings `slot` (1: the classes above; each further
    journal, written by another process, has the same tables in its own file)."""
    if slot == 1:
        return ReadingTrace, ReadingTraceCheckpoint
    store = readings_store(slot)

    def model(base: type, table: str) -> type:
        meta = type("Meta", (), {"database": store, "table_name": table})
        return type(f"{base.__name__}{slot}", (base,), {"Meta": meta, "__module__": __name__})

    return model(Trace, "trace"), model(TraceCheckpoint, "trace_checkpoint")
