"""Writing traces: `trace()` is the one API every domain calls (T1); reading them back."""

import datetime
import heapq
import io
import itertools
from typing import NamedTuple

from flask import current_app, has_request_context, request
from peewee import __exception_wrapper__, fn

from cabinet import csvsafe
from cabinet.audit import journals
from cabinet.audit.actions import ACTIONS, label
from cabinet.audit.chain import FIELDS, GENESIS, seal
from cabinet.audit.models import Trace
from cabinet.db import database, insert_rows, utcnow

SYSTEM_ACTOR = "système"


def _actor_fields(actor) -> tuple[int | None, str, str]:
    if actor is None or not getattr(actor, "is_authenticated", True):
        return None, SYSTEM_ACTOR if not has_request_context() else "anonyme", ""
    return actor.id, actor.display_name, actor.role


def _patient_ref(patient) -> str | None:
    if patient is None:
        return None
    return patient if isinstance(patient, str) else patient.ref


def _audit_key() -> bytes:
    return current_app.extensions["cabinet.audit_key"]


class Traced(NamedTuple):
    """What `trace()` wrote: the journal ("principal", "consultations", "consultations-2"…)
    and the number."""

    journal: str
    seq: int


def trace(
    actor, action: str, patient=None, target=None, detail=None, outcome: str = "ok"
) -> Traced:
    """Write one sealed trace row inside the caller's transaction, or alone.

    `patient` is a patient (or its ref), `target` names the item concerned
    ("patient", "appointment:<ref>"), `detail` a short neutral note: never
    health content. A reading written alone goes to the journal of readings
    (audit/journals.py); every other trace to the active base's journal.
    """
    if action not in ACTIONS:
        raise ValueError(f"Undeclared audit action {action!r}")
    fields = _fields(actor, action, patient, target, detail, outcome)
    journal = journals.for_action(action)
    if journal is not journals.MAIN and not journal.db.transaction_depth():
        return _write_reading(journal, fields)
    # IMMEDIATE when trace() opens the transaction itself (CLI, jobs, readings); inside a
    # request's change the transaction already holds the write lock, so reading the chain's
    # head is race-free.
    with journal.db.atomic(lock_type="IMMEDIATE"):
        seq, previous = _head(journal)
        # Stamped under the lock: each journal's times follow its numbers (viewers merge the
        # two journals by time, and turn periods into number ranges).
        fields["at"] = utcnow()
        fields["seq"] = seq + 1
        fields["seal"] = seal(_audit_key(), fields, previous)
        # One insert: the seal is computed before, from the head read under the write lock.
        insert_rows(journal.model, [fields])
    # Its journal and number, not a model instance: most callers keep nothing, and building
    # one on every page view cost a tenth of the trace (issue 20).
    return Traced(journal.name, fields["seq"])


def _write_reading(journal, fields: dict) -> Traced:
    """A reading written alone in this process's journal of readings: what trace() does, in
    its own short transaction, by plain statements — every page view runs it (issue 20).

    The chain's head is read again only when the journal may have changed since this
    connection's last trace: another connection committed (SQLite's data_version) or this
    one wrote something else (its count of changes). A prune leaves the head as it is (the
    checkpoint keeps the last seal)."""
    db = journal.db
    connection = db.connection()
    with __exception_wrapper__:
        connection.execute("BEGIN IMMEDIATE")
        try:
            version = connection.execute("PRAGMA data_version").fetchone()[0]
            state = (connection, version, connection.total_changes)
            known = _known_heads.get(journal.name)
            if known and known[0] is connection and known[1:3] == state[1:]:
                seq, previous = known[3], known[4]
            else:
                seq, previous = _head(journal)
            # Stamped under the lock, as in trace().
            fields["at"] = utcnow()
            fields["seq"] = seq = seq + 1
            fields["seal"] = sealed = seal(_audit_key(), fields, previous)
            connection.execute(_READING_INSERT, [fields[name] for name in FIELDS])
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
    _known_heads[journal.name] = (connection, version, connection.total_changes, seq, sealed)
    return Traced(journal.name, seq)


# Per journal of readings, what this process's last trace left: (connection, data_version,
# its count of changes, number, seal).
_known_heads: dict[str, tuple] = {}
_COLUMNS = ", ".join(f'"{name}"' for name in FIELDS)
_READING_INSERT = f'INSERT INTO "trace" ({_COLUMNS}) VALUES ({", ".join("?" * len(FIELDS))})'  # noqa: S608


def _fields(actor, action, patient, target, detail, outcome) -> dict:
    if action not in ACTIONS:
        raise ValueError(f"Undeclared audit action {action!r}")
    actor_id, actor_name, role = _actor_fields(actor)
    return {
        "at": utcnow(),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "role": role,
        "action": action,
        "patient_ref": _patient_ref(patient),
        "target": target or "",
        "detail": detail or "",
        "client_address": (request.remote_addr or "") if has_request_context() else "",
        "outcome": outcome,
    }


def _head(journal=journals.MAIN) -> tuple[int, str]:
    """(number, seal) of the chain's last entry — or of the last one ever given and pruned."""
    # One plain statement: this runs for every page view (issue 20). The last number
    # given (sqlite_sequence) may be past the last row kept, once pruned.
    given, last, seal = journal.db.execute_sql(_HEAD).fetchone()
    return max(given or 0, last or 0), seal if last is not None else _anchor_seal(journal)


_HEAD = """
    SELECT (SELECT "seq" FROM sqlite_sequence WHERE "name" = 'trace'),
           (SELECT "seq" FROM "trace" ORDER BY "seq" DESC LIMIT 1),
           (SELECT "seal" FROM "trace" ORDER BY "seq" DESC LIMIT 1)
"""


def heads() -> dict[str, int]:
    """The number of each journal's last entry, by journal: a mark to look back to (a
    journal missing from a mark was created after it)."""
    return {journal.name: _head(journal)[0] for journal in journals.every()}


def trace_many(actor, action: str, entries: list[dict]) -> int:
    """Several traces of one action (a job's batch), chained in order in one insert, in the
    main journal. Each entry holds `patient`, and optionally `target`, `detail`, `outcome`."""
    if not entries:
        return 0
    key = _audit_key()
    with database.atomic(lock_type="IMMEDIATE"):
        seq, previous = _head()
        rows = []
        for entry in entries:
            fields = _fields(
                actor,
                action,
                entry.get("patient"),
                entry.get("target"),
                entry.get("detail"),
                entry.get("outcome", "ok"),
            )
            seq += 1
            fields["seq"] = seq
            fields["seal"] = previous = seal(key, fields, previous)
            rows.append(fields)
        insert_rows(Trace, rows)
    return len(rows)


def _anchor_seal(journal=journals.MAIN) -> str:
    """The seal the first entry chains to: the last pruned entry's, or the genesis value."""
    model = journal.checkpoint
    checkpoint = model.select().order_by(model.id.desc()).first()
    return checkpoint.last_pruned_seal if checkpoint else GENESIS


# Reading traces (viewers, patient access report, export) -------------------------------

PAGE_SIZE = 50


def first_seq_from(model, moment: datetime.datetime) -> int | None:
    """The number of the journal's first entry stamped at or after `moment`, or None.

    Found by halving the range of numbers (about twenty rowid lookups at 3,000,000
    entries): a journal's times follow its numbers, each entry being stamped under the
    journal's write lock, so the time needs no index of its own — a b-tree fewer to write
    on every trace, a third of a page view's trace under load (issue 20)."""
    db = model._meta.database
    table = model._meta.table_name
    low, high = db.execute_sql(f'SELECT MIN("seq"), MAX("seq") FROM "{table}"').fetchone()  # noqa: S608
    if low is None:
        return None
    at_or_after = f'SELECT "seq", "at" FROM "{table}" WHERE "seq" >= ? ORDER BY "seq" LIMIT 1'  # noqa: S608
    # The text the driver stores for a datetime (isoformat with a space), compared as
    # SQLite compares the stored texts.
    stamp = str(moment)
    # The smallest number whose first entry at or after it is stamped at or after `moment`
    # (high + 1 when none is).
    high += 1
    while low < high:
        middle = (low + high) // 2
        if db.execute_sql(at_or_after, (middle,)).fetchone()[1] >= stamp:
            high = middle
        else:
            low = middle + 1
    found = db.execute_sql(at_or_after, (low,)).fetchone()
    return found[0] if found else None


def _seq_bounds(model, start: datetime.datetime | None, end: datetime.datetime | None):
    """Turn a period into sequence bounds (a journal's traces are written in time order), so
    every filtered query is one index range scan on (column, seq)."""
    low = high = None
    if start is not None:
        low = first_seq_from(model, start) or 10**18
    if end is not None:
        after = first_seq_from(model, end)
        if after is not None:
            high = after - 1
        else:
            high = model.select(fn.MAX(model.seq)).scalar() or 0
    return low, high


def _search_one(
    journal,
    start=None,
    end=None,
    actor_id=None,
    patient_ref=None,
    action=None,
    before_seq=None,
    limit=PAGE_SIZE,
    oldest_first=False,
):
    model = journal.model
    low, high = _seq_bounds(model, start, end)
    query = model.select()
    if low is not None:
        query = query.where(model.seq >= low)
    if high is not None:
        query = query.where(model.seq <= high)
    if before_seq is not None:
        query = query.where(model.seq < before_seq)
    if actor_id is not None:
        query = query.where(model.actor_id == actor_id)
    if patient_ref:
        query = query.where(model.patient_ref == patient_ref)
    if action:
        query = query.where(model.action == action)
    query = query.order_by(model.seq if oldest_first else model.seq.desc()).limit(limit)
    for row in query.iterator():
        row.journal = journal.name
        yield row


def _when(row):
    return row.at, row.journal, row.seq


def search(before=None, limit=PAGE_SIZE, oldest_first=False, **filters):
    """Traces of every journal matching the filters, merged by time, newest first (or
    oldest first); `before` holds, per journal in `journals.every()` order, the number to
    page back from (None: from its last entry). A journal past the end of `before` was
    created after the page it continues: all its entries are newer, none is shown."""
    parts = [
        _search_one(
            journal,
            **filters,
            before_seq=(before[index] if index < len(before) else 1) if before else None,
            limit=limit,
            oldest_first=oldest_first,
        )
        for index, journal in enumerate(journals.every())
    ]
    merged = heapq.merge(*parts, key=_when, reverse=not oldest_first)
    return merged if limit is None else itertools.islice(merged, limit)


def journal(actor, filters: dict, before: tuple | None) -> tuple[list[Trace], tuple | None]:
    """One page of the journal viewer, newest first, and where the next page starts (per
    journal, the number to page back from; None on the last page); the reading is traced."""
    rows = list(search(**filters, before=before, limit=PAGE_SIZE + 1))
    following = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        following = tuple(
            min(
                (row.seq for row in rows if row.journal == journal.name),
                default=(before[index] if index < len(before) else 1) if before else None,
            )
            for index, journal in enumerate(journals.every())
        )
    trace(actor, "audit.view", target="trace", detail=f"{len(rows)} trace(s) affichée(s)")
    return rows, following


def export(actor, filters: dict, described: str):
    """The traces selected for the CSV export, which is traced first. The chosen patient
    goes in the trace's own column (the journal names them, the CSV keeps the ref); the
    export lists the traces selected, not its own."""
    marks = heads()
    exported = trace(
        actor, "audit.export", patient=filters["patient_ref"], target="trace", detail=described
    )
    # What was written up to the export, in each journal; not its own trace.
    before = tuple(
        exported.seq if journal is journals.MAIN else marks.get(journal.name, 0) + 1
        for journal in journals.every()
    )
    return search(**filters, before=before, limit=None)


def patient_accesses(patient_ref: str, start, end):
    """Every trace naming this patient over the period, every journal, oldest first (T4)."""
    return search(start=start, end=end, patient_ref=patient_ref, limit=None, oldest_first=True)


# The stored fields as they are, with the action's French label beside its code, and the
# journal each entry belongs to (each journal numbers its entries from 1).
CSV_COLUMNS = ["journal", *FIELDS[:6], "label", *FIELDS[6:]]


def _csv_value(row, name: str):
    value = getattr(row, name)
    if name == "at":
        return value.isoformat(timespec="seconds") + "Z"
    return "" if value is None else value


def csv_lines(rows):
    """Yield CSV lines (UTF-8 with BOM for spreadsheet software), streaming; no cell can
    run as a formula (names and details are typed by users)."""
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.journal,
                *(_csv_value(row, name) for name in FIELDS[:6]),
                label(row.action),
                *(_csv_value(row, name) for name in FIELDS[6:]),
            ]
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
