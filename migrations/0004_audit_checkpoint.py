"""Checkpoints that keep the audit chain verifiable after retention cuts (T2, T6)."""

from peewee import CharField, DateTimeField, IntegerField, Model


def up(migrator, db):
    class TraceCheckpoint(Model):
        created_at = DateTimeField()
        cutoff = DateTimeField()
        last_pruned_seq = IntegerField()
        last_pruned_seal = CharField()
        pruned_count = IntegerField()

        class Meta:
            database = db
            table_name = "trace_checkpoint"

    db.create_tables([TraceCheckpoint])
