"""`flask audit verify`: stream the whole chain through `chain.verify` (T2).

`verify_all` reads one journal: the instance's database, its journal of readings, or any
other handle given to it (the copy inside a backup, checked by its restore test). Every
query is bound to that handle alone, so the models stay bound to the instance for every
other thread.

Columns are read as stored (`coerce(False)`: no peewee conversion): a value edited
outside the application (a timestamp that is not one, text in a number column, a blob)
must reach `chain.damage` and be named with its entry, not fail while being converted.
"""

import datetime
import functools

import sqlcipher3
from peewee import SQL, DatabaseError

from cabinet.audit import fast_chain, journals
from cabinet.audit.chain import FIELDS, GENESIS, ChainBroken, verify
from cabinet.audit.models import Trace, TraceCheckpoint
from cabinet.db import CabinetDatabase, database

__all__ = ["ChainBroken", "verify_all", "verify_journals"]


def _timestamp(value):
    """The stored text of a timestamp as a datetime; anything else is returned as is."""
    if isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def _rows(db):
    # A cursor over raw tuples: flat memory and no model instances, for millions of rows.
    query = Trace.select(*[getattr(Trace, f).coerce(False) for f in FIELDS]).order_by(Trace.seq)
    for values in query.bind(db).tuples().iterator():
        row = dict(zip(FIELDS, values, strict=True))
        row["at"] = _timestamp(row["at"])
        yield row


def _raw_row(db, rowid: int) -> dict:
    """One row as stored, for the reference check of `chain.verify`."""
    query = Trace.select(*[getattr(Trace, f).coerce(False) for f in FIELDS])
    values = query.where(SQL("rowid = ?", [rowid])).bind(db).tuples().first()
    row = dict(zip(FIELDS, values, strict=True))
    row["at"] = _timestamp(row["at"])
    return row


def _range_in_process(path: str, params: dict, key: bytes, start, low: int, high: int) -> int:
    """A worker's share: its own connection to the same file (or copy)."""
    handle = CabinetDatabase(path, **params)
    handle.connect()
    try:
        reader = functools.partial(_raw_row, handle)
        return fast_chain.check_range(handle, key, low, high, start, reader)
    finally:
        handle.close()


def _check_chain(key: bytes, db, anchor) -> int:
    """The accelerated check; where SQLite cannot write a row as JSON (a blob put there by
    hand), the reference pass over every row, which names the damage."""
    try:
        return _fast_check(key, db, anchor)
    except (DatabaseError, sqlcipher3.DatabaseError):  # the latter raised while fetching
        return verify(key, _rows(db), anchor)  # raises again if the table is unreadable


def _fast_check(key: bytes, db, anchor) -> int:
    start = anchor or (0, GENESIS)
    span = fast_chain.bounds(db)
    if span is None:
        return 0
    low, high = span
    parts = fast_chain.workers()
    if high - low + 1 < fast_chain.PARALLEL_FROM or parts == 1:
        reader = functools.partial(_raw_row, db)
        return fast_chain.check_range(db, key, low, high, start, reader)
    task = functools.partial(_range_in_process, db.database, dict(db.connect_params), key, start)
    return fast_chain.run_parallel(task, fast_chain.split(low, high, parts))


def _anchor(db) -> tuple[int, str] | None:
    """(seq, seal) of the last entry pruned by retention, the chain's starting point."""
    query = TraceCheckpoint.select(
        TraceCheckpoint.last_pruned_seq.coerce(False),
        TraceCheckpoint.last_pruned_seal.coerce(False),
    ).order_by(TraceCheckpoint.id.desc())
    row = query.limit(1).bind(db).tuples().first()
    if row is None:
        return None
    if not isinstance(row[0], int) or not isinstance(row[1], str):
        raise ChainBroken(
            0,
            "Point de départ du journal endommagé (dernière purge des traces) : "
            "la chaîne ne peut pas être vérifiée.",
        )
    return row


def verify_all(key: bytes, db=database) -> int:
    anchor = _anchor(db)
    count = _check_chain(key, db, anchor)
    # Entries removed at the end leave no gap, but SQLite's AUTOINCREMENT counter remembers
    # the highest number ever given.
    row = db.execute_sql("SELECT seq FROM sqlite_sequence WHERE name = 'trace'").fetchone()
    last = Trace.select(Trace.seq).order_by(Trace.seq.desc()).limit(1).bind(db).scalar()
    highest = row[0] if row else 0
    if not isinstance(highest, int):
        raise ChainBroken(0, "Compteur des entrées du journal endommagé (sqlite_sequence).")
    if highest and (last or 0) < highest:
        first_missing = (last or (anchor or (0,))[0]) + 1
        raise ChainBroken(
            first_missing,
            f"Entrées n° {first_missing} à {highest} absentes : la fin du journal a été supprimée.",
        )
    return count


def verify_journals(key: bytes) -> dict[str, int]:
    """Every journal of the instance (audit/journals.py): entries checked in each, or
    ChainBroken naming the journal and its first broken entry."""
    counts = {}
    for journal in journals.every():
        try:
            counts[journal.name] = verify_all(key, db=journal.db)
        except ChainBroken as broken:
            raise ChainBroken(broken.seq, f"{journal.label} : {broken}") from None
    return counts
