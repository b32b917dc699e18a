"""Trace retention (T6): delete traces older than the setting from every journal, keeping
each chain verifiable.

`run(now)` is a plain function: the `flask audit prune` command and the retention
scheduler call it.
"""

import datetime

from peewee import fn

from cabinet import settings
from cabinet.audit import journals
from cabinet.audit.services import first_seq_from, trace
from cabinet.db import retrying

BATCH = 5000


def run(now: datetime.datetime) -> dict:
    """Delete every trace older than `now - retention` from every journal, in batches;
    return a summary."""
    days = settings.get("trace_retention_days")
    cutoff = now - datetime.timedelta(days=days)
    pruned = sum(_prune(journal, cutoff) for journal in journals.every())
    retrying(
        lambda: trace(
            None,
            "system.audit_prune",
            target="trace",
            detail=f"{pruned} trace(s) antérieure(s) au {cutoff:%d/%m/%Y} supprimée(s)",
        )
    )
    return {"cutoff": cutoff.isoformat(), "retention_days": days, "pruned": pruned}


def _prune(journal, cutoff: datetime.datetime) -> int:
    model, checkpoint = journal.model, journal.checkpoint
    # Cut a prefix of the chain: everything before the first entry young enough to keep.
    first_kept = first_seq_from(model, cutoff)
    last_to_prune = (
        first_kept - 1 if first_kept is not None else model.select(fn.MAX(model.seq)).scalar()
    )

    def one_batch() -> int:
        with journal.db.atomic():
            batch = list(
                model.select(model.seq, model.seal)
                .where(model.seq <= last_to_prune)
                .order_by(model.seq)
                .limit(BATCH)
            )
            if not batch:
                return 0
            last = batch[-1]
            # The checkpoint and the deletion commit together: the chain is never left open.
            checkpoint.create(
                cutoff=cutoff,
                last_pruned_seq=last.seq,
                last_pruned_seal=last.seal,
                pruned_count=len(batch),
            )
            return model.delete().where(model.seq <= last.seq).execute()

    pruned = 0
    while last_to_prune and (deleted := retrying(one_batch)):
        pruned += deleted
    return pruned
