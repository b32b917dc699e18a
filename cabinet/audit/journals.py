"""Where a trace is written: the journal of the active base, or a journal of readings.

A page that only shows data (a patient's file, the agenda, a search) writes one trace
and nothing else. Written in the active base, that commit empties the page cache of every
other connection to it (SQLite discards a connection's cache when the file changed) and
SQLCipher decrypts each page read again: both workers wrote a trace per page, so every
request started cold (`python -m bench.cache_invalidation`, docs/operations.md). Such a
trace goes to a journal of readings, a file of its own beside the base, under the same key
— one per writing process (`lectures.db`, `lectures-2.db`…, cabinet/db.py `writing_slot`),
so that no worker's trace empties the other's pages or waits for its lock.

A trace written inside a transaction — the change it describes, or a reading traced with
one — stays in the active base, in that transaction (DESIGN.md, "the audit trace is
written in the same transaction as the change it describes"). Each journal is its own
sealed chain (T2), numbered from 1, verified, pruned and backed up like the other; the
viewers read them all (`every()`), merged by time.
"""

from dataclasses import dataclass

from cabinet.audit.actions import READINGS
from cabinet.audit.models import (
    ReadingTrace,
    ReadingTraceCheckpoint,
    Trace,
    TraceCheckpoint,
    reading_models,
)
from cabinet.db import database, readings_database, readings_slots, readings_store, writing_slot


@dataclass(frozen=True)
class Journal:
    name: str  # in the paging cursor and the CSV export
    label: str  # French, in messages
    db: object
    model: type
    checkpoint: type


MAIN = Journal("principal", "journal principal", database, Trace, TraceCheckpoint)
READINGS_JOURNAL = Journal(
    "consultations",
    "journal des consultations",
    readings_database,
    ReadingTrace,
    ReadingTraceCheckpoint,
)


def readings(slot: int) -> Journal:
    """Journal of readings `slot` of the open instance."""
    if slot == 1:
        return READINGS_JOURNAL
    store = readings_store(slot)  # pointed at the open instance
    if slot not in _further:
        trace, checkpoint = reading_models(slot)
        _further[slot] = Journal(
            f"consultations-{slot}",
            f"journal des consultations n° {slot}",
            store,
            trace,
            checkpoint,
        )
    return _further[slot]


_further: dict[int, Journal] = {}


def every() -> tuple[Journal, ...]:
    """The instance's journals, in a fixed order (the viewer's paging cursor holds one number
    per journal in this order): the main one, then each journal of readings by number — a
    journal another process created since is read too."""
    return (MAIN, *(readings(slot) for slot in readings_slots()))


def for_action(action: str) -> Journal:
    """The journal a trace of `action` goes to, now."""
    if action in READINGS and not database.in_transaction():
        return readings(writing_slot())
    return MAIN
