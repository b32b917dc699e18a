"""The chain check at a practice's size (T2, issue 20): SQLite writes each trace's
canonical form, Python only computes the HMAC, and two processes share the work.

`chain.verify` is the reference: it names exactly what is wrong with a damaged entry.
This module is only an accelerator in front of it. SQLite's `json_object` builds the same
bytes as `chain.canonical` (keys in sorted order, compact separators, UTF-8 kept, the
same escapes) for every row the application wrote, and a range of rows needs only the
seal stored before it, so two processes can share the chain. A row whose number does not
follow or whose seal does not match is handed to the reference check with its stored
predecessor: the verdict and its French message are always the reference's, and a row the
reference accepts (an unusual but valid text) is accepted. A value SQLite cannot write as
JSON (a blob put there by hand) stops the fast pass: the caller then runs the reference
over the whole chain.
"""

import hashlib
import hmac
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from cabinet.audit import chain

GENESIS = chain.GENESIS
# peewee stores a naive datetime as "YYYY-MM-DD HH:MM:SS[.ffffff]"; chain.canonical
# writes isoformat(timespec="microseconds").
_AT = (
    "CASE WHEN length(at) = 19 THEN replace(at, ' ', 'T') || '.000000' "
    "ELSE replace(at, ' ', 'T') END"
)
_CANONICAL = (
    "json_object('action', action, 'actor_id', actor_id, 'actor_name', actor_name, "
    f"'at', {_AT}, 'client_address', client_address, 'detail', detail, "
    "'outcome', outcome, 'patient_ref', patient_ref, 'role', role, 'seq', seq, "
    "'target', target)"
)
# Rows [low, high] of the rowid in order. Constants only (the bounds are parameters).
_RANGE = (
    f"SELECT rowid, seq, seal, {_CANONICAL} FROM trace WHERE rowid >= ? AND rowid <= ? ORDER BY seq"  # noqa: S608, E501
)
_BEFORE = "SELECT seq, seal FROM trace WHERE rowid < ? ORDER BY rowid DESC LIMIT 1"
PARALLEL_FROM = 200_000  # below this, one process is quicker than starting two


def check_range(db, key: bytes, low: int, high: int, start, raw_row) -> int:
    """Check the rows whose rowid is in [low, high]. `start` is (seq, seal) the first row
    of the whole chain follows (the anchor); a later range starts from its stored
    predecessor. `raw_row(rowid)` reads a row as stored for the reference check.

    A matching seal proves the canonical bytes are the sealed ones, types included (a
    number turned into text changes them), so the reference would accept the row too."""
    base = hmac.new(key, digestmod=hashlib.sha256)
    before = db.execute_sql(_BEFORE, (low,)).fetchone()
    expected, previous = (before[0] + 1, before[1]) if before else (start[0] + 1, start[1])
    count = 0
    # Through peewee: a damaged database raises its DatabaseError, which the callers name.
    for rowid, seq, seal, canonical in db.execute_sql(_RANGE, (low, high)):
        if seq == expected and type(seq) is int and isinstance(previous, str) and canonical:
            digest = base.copy()
            digest.update(canonical.encode())
            digest.update(previous.encode())
            if hmac.compare_digest(digest.hexdigest(), seal if isinstance(seal, str) else ""):
                count += 1
                expected, previous = seq + 1, seal
                continue
        # The reference decides, with its own message (raises ChainBroken if broken).
        row = raw_row(rowid)
        chain.verify(key, [row], anchor=(expected - 1, previous))
        count += 1
        expected, previous = row["seq"] + 1, row["seal"]
    return count


def bounds(db) -> tuple[int, int] | None:
    row = db.execute_sql("SELECT MIN(rowid), MAX(rowid) FROM trace").fetchone()
    return None if row is None or row[0] is None else (row[0], row[1])


def split(low: int, high: int, parts: int) -> list[tuple[int, int]]:
    size = -(-(high - low + 1) // parts)
    return [(a, min(a + size - 1, high)) for a in range(low, high + 1, size)]


def workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def run_parallel(task, ranges: list[tuple[int, int]]) -> int:
    """`task(low, high)` in worker processes (each opens its own connection); the total."""
    # fork: the workers need nothing but the task's arguments (each opens its own
    # connection; the parent's is never used in them).
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(ranges), mp_context=context) as pool:
        return sum(pool.map(task, *zip(*ranges, strict=True)))
