"""Trace retention (T6): delete traces older than the setting, keeping the chain verifiable.

`run(now)` is a plain function: the `flask audit prune` command and the retention
scheduler call it.
"""

import datetime

from peewee import fn

from cabinet import settings
from cabinet.audit.models import Trace, TraceCheckpoint
from cabinet.audit.services import trace
from cabinet.db import database, retrying

BATCH = 5000


def run(now: datetime.datetime) -> dict:
    """Delete every trace older than `now - retention`, in batches; return a summary."""
    days = settings.get("trace_retention_days")
    cutoff = now - datetime.timedelta(days=days)
    # Cut a prefix of the chain: everything before the first entry young enough to keep.
    first_kept = Trace.select(fn.MIN(Trace.seq)).where(Trace.at >= cutoff).scalar()
    last_to_prune = (
        first_kept - 1 if first_kept is not None else Trace.select(fn.MAX(Trace.seq)).scalar()
    )

    def one_batch() -> int:
        with database.atomic():
            batch = list(
                Trace.select(Trace.seq, Trace.seal)
                .where(Trace.seq <= last_to_prune)
                .order_by(Trace.seq)
                .limit(BATCH)
            )
            if not batch:
                return 0
            last = batch[-1]
            # The checkpoint and the deletion commit together: the chain is never left open.
            TraceCheckpoint.create(
                cutoff=cutoff,
                last_pruned_seq=last.seq,
                last_pruned_seal=last.seal,
                pruned_count=len(batch),
            )
            return Trace.delete().where(Trace.seq <= last.seq).execute()

    pruned = 0
    while last_to_prune and (deleted := retrying(one_batch)):
        pruned += deleted
    retrying(
        lambda: trace(
            None,
            "system.audit_prune",
            target="trace",
            detail=f"{pruned} trace(s) antérieure(s) au {cutoff:%d/%m/%Y} supprimée(s)",
        )
    )
    return {"cutoff": cutoff.isoformat(), "retention_days": days, "pruned": pruned}
