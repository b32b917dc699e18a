"""Where a trace is written: the journal of the active base, or the journal of readings.

A page that only shows data (a patient's file, the agenda, a search) writes one trace
and nothing else. Written in the active base, that commit empties the page cache of every
other connection to it (SQLite discards a connection's cache when the file changed) and
SQLCipher decrypts each page read again: both workers wrote a trace per page, so every
request started cold (`python -m bench.cache_invalidation`, docs/operations.md). Such a
trace goes to `lectures.db`, a file of its own beside the base, under the same key.

A trace written inside a transaction — the change it describes, or a reading traced with
one — stays in the active base, in that transaction (DESIGN.md, "the audit trace is
written in the same transaction as the change it describes"). Each journal is its own
sealed chain (T2), numbered from 1, verified, pruned and backed up like the other.
"""

from dataclasses import dataclass

from cabinet.audit.actions import READINGS
from cabinet.audit.models import ReadingTrace, ReadingTraceCheckpoint, Trace, TraceCheckpoint
from cabinet.db import database, readings_database


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
JOURNALS = (MAIN, READINGS_JOURNAL)


def for_action(action: str) -> Journal:
    """The journal a trace of `action` goes to, now."""
    if action in READINGS and not database.in_transaction():
        return READINGS_JOURNAL
    return MAIN
