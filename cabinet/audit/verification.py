"""`flask audit verify`: stream the whole chain through `chain.verify` (T2)."""

from cabinet.audit.chain import ChainBroken, verify
from cabinet.audit.models import Trace
from cabinet.audit.services import anchor
from cabinet.db import database

__all__ = ["ChainBroken", "verify_all"]
FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "role",
    "action",
    "patient_ref",
    "target",
    "detail",
    "client_address",
    "outcome",
    "seal",
)


def _rows():
    # A cursor over tuples: flat memory and no model instances, for millions of rows.
    query = Trace.select(*[getattr(Trace, f) for f in FIELDS]).order_by(Trace.seq).tuples()
    for values in query.iterator():
        yield dict(zip(FIELDS, values, strict=True))


def verify_all(key: bytes) -> int:
    count = verify(key, _rows(), anchor())
    # Entries removed at the end leave no gap, but SQLite's AUTOINCREMENT counter remembers
    # the highest number ever given.
    row = database.execute_sql("SELECT seq FROM sqlite_sequence WHERE name = 'trace'").fetchone()
    last = Trace.select(Trace.seq).order_by(Trace.seq.desc()).limit(1).scalar()
    highest = row[0] if row else 0
    if highest and (last or 0) < highest:
        first_missing = (last or (anchor() or (0,))[0]) + 1
        raise ChainBroken(
            first_missing,
            f"Entrées n° {first_missing} à {highest} absentes : la fin du journal a été supprimée.",
        )
    return count
