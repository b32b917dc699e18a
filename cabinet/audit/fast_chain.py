"""The chain check at a practice's size (T2, issue 20): SQLite writes each trace's
canonical form, Python only computes the HMAC, and two processes share the work.

`chain.verify` is the reference: it names exactly what is wrong with a damaged entry.
This module is only an accelerator in front of it. SQLite's `json_object` builds the same
bytes as `chain.canonical` (keys in sorted order, compact separators, UTF-8 kept, the
same escapes) for every well-formed row, and `LAG(seal)` hands each row the seal it is
chained to, so any range of rows can be checked on its own. A row whose types are not the
expected ones, whose number does not follow, or whose seal does not match is handed to
the reference check with its stored predecessor: the verdict and its French message are
always the reference's, and a row the reference accepts (an unusual but valid text) is
accepted.
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
_WELL_FORMED = (
    "typeof(seq) = 'integer' AND typeof(at) = 'text' AND length(at) IN (19, 26) "
    "AND at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]*' "
    "AND typeof(actor_name) = 'text' AND typeof(role) = 'text' AND typeof(action) = 'text' "
    "AND typeof(target) = 'text' AND typeof(detail) = 'text' "
    "AND typeof(client_address) = 'text' AND typeof(outcome) = 'text' "
    "AND typeof(seal) = 'text' AND typeof(actor_id) IN ('integer', 'null') "
    "AND typeof(patient_ref) IN ('text', 'null')"
)
# Rows [low, high] of the rowid, each with its predecessor's number and seal.
# Constants only (the bounds are parameters), hence the noqa.
_RANGE = (
    "SELECT rowid, seq, seal, prev_seq, prev_seal, canonical, well_formed FROM ("  # noqa: S608
    "  SELECT rowid, seq, seal, LAG(seq) OVER w AS prev_seq, LAG(seal) OVER w AS prev_seal,"
    # json_object refuses a blob: only well-formed rows are written out.
    f"   CASE WHEN {_WELL_FORMED} THEN {_CANONICAL} END AS canonical,"
    f"   ({_WELL_FORMED}) AS well_formed"
    "  FROM trace WHERE rowid >= ? AND rowid <= ? WINDOW w AS (ORDER BY seq)"
    ") WHERE rowid >= ? ORDER BY seq"
)
PARALLEL_FROM = 200_000  # below this, one process is quicker than starting two


def check_range(db, key: bytes, low: int, high: int, start, raw_row) -> int:
    """Check the rows whose rowid is in [low, high]. `start` is (seq, seal) the first one
    follows; `raw_row(rowid)` reads a row as stored for the reference check."""
    base = hmac.new(key, digestmod=hashlib.sha256)
    count = 0
    # Through peewee: a damaged database raises its DatabaseError, which the callers name.
    cursor = db.execute_sql(_RANGE, (max(low - 1, 0), high, low))
    for rowid, seq, seal, prev_seq, prev_seal, canonical, well_formed in cursor:
        if prev_seq is None:  # the first entry kept: it follows the anchor
            expected, previous = start[0] + 1, start[1]
        else:
            expected, previous = prev_seq + 1, prev_seal
        if well_formed and seq == expected and isinstance(previous, str):
            digest = base.copy()
            digest.update(canonical.encode())
            digest.update(previous.encode())
            if hmac.compare_digest(digest.hexdigest(), seal):
                count += 1
                continue
        # The reference decides, with its own message (raises ChainBroken if broken).
        chain.verify(key, [raw_row(rowid)], anchor=(expected - 1, previous))
        count += 1
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
