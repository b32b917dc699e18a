"""`flask audit verify`: stream the whole chain through `chain.verify` (T2).

`verify_all` reads the instance's database, or any other handle given to it (the copy
inside a backup, checked by its restore test): every query is bound to that handle alone,
so the models stay bound to the instance for every other thread.

Columns are read as stored (`coerce(False)`: no peewee conversion): a value edited
outside the application (a timestamp that is not one, text in a number column, a blob)
must reach `chain.damage` and be named with its entry, not fail while being converted.
"""

import datetime

from cabinet.audit.chain import FIELDS, ChainBroken, verify
from cabinet.audit.models import Trace, TraceCheckpoint
from cabinet.db import database

__all__ = ["ChainBroken", "verify_all"]


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
    count = verify(key, _rows(db), anchor)
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
