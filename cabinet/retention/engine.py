"""Moving files between the active base and the archive, and ending them (R2–R4, R6–R8).

The two bases are two files: no transaction covers both. Every move is three
steps, each committed on its own, and recoverable (docs/retention.md):

  archive:  A. archive ← document, status "awaiting"    (the patient is still active)
            B. active: delete the patient + trace        (now only the archive has it)
            C. archive: status "archived"
  restore:  A. archive: status "restoring"
            B. active ← rows from the document + trace
            C. archive: delete the document

Invariant: a patient is *visible* in exactly one place — the active base, or an
archive row with status "archived" — and `recover()` finishes or undoes any move
that was interrupted, whatever the statement it stopped after.

"awaiting" has the length of "archived" on purpose: SQLite rewrites a row whose new
version has the size of the old one in place, only the pages that differ, so step C
changes one page per document instead of copying the whole document again (its
overflow pages; 17 times less WAL, 3 times faster, docs/operations.md). Archives written
before say "pending" for the same step; `recover()` reads both.
"""

import contextlib
import datetime
import json
import os
import signal
import time

from flask import current_app
from peewee import OperationalError

from cabinet.audit import journals, trace
from cabinet.audit.services import heads, trace_many
from cabinet.db import database, insert_rows, retrying, utcnow
from cabinet.patients.identity import search_key
from cabinet.patients.models import Patient
from cabinet.records.models import Act
from cabinet.retention import documents
from cabinet.retention.archive import (
    AWAITING,
    LEGACY_AWAITING,
    AnonymousStat,
    ArchivedFile,
    archive_database,
)

SMALL_COUNT = 5  # aggregates below this are shown as "< 5" (no re-identification)


def crashpoint(name: str) -> None:
    """Test seam for the crash test: CABINET_CRASH_AT=<n> kills the process (SIGKILL) at the
    n-th crash point reached. Unset in normal use."""
    limit = os.environ.get("CABINET_CRASH_AT")
    if not limit:
        return
    count = int(os.environ.get("_CABINET_CRASH_COUNT", "0")) + 1
    os.environ["_CABINET_CRASH_COUNT"] = str(count)
    if count >= int(limit):
        os.kill(os.getpid(), signal.SIGKILL)


def _archive_key() -> bytes:
    return current_app.extensions["cabinet.archive_key"]


# Recovery ---------------------------------------------------------------------------------


def recover() -> dict:
    """Finish or undo interrupted moves. Safe to run at any time, any number of times."""
    finished = undone = 0
    for row in ArchivedFile.select(ArchivedFile.id, ArchivedFile.ref, ArchivedFile.status).where(
        ArchivedFile.status.in_([AWAITING, LEGACY_AWAITING, "restoring"])
    ):
        in_active = Patient.select().where(Patient.ref == row.ref).exists()
        with archive_database.atomic():
            awaiting = row.status in (AWAITING, LEGACY_AWAITING)
            if awaiting and in_active:
                # Step B never happened: the active file stays, the copy is dropped (the
                # policy will archive it again, from the file as it is now).
                ArchivedFile.delete().where(ArchivedFile.id == row.id).execute()
                undone += 1
            elif awaiting:
                ArchivedFile.update(status="archived").where(ArchivedFile.id == row.id).execute()
                finished += 1
            elif in_active:  # restoring, and step B happened
                ArchivedFile.delete().where(ArchivedFile.id == row.id).execute()
                finished += 1
            else:  # restoring, step B never happened: the file stays archived
                ArchivedFile.update(status="archived").where(ArchivedFile.id == row.id).execute()
                undone += 1
    return {"finished": finished, "undone": undone}


# Archive (active → archive) ----------------------------------------------------------------

# Pages of the active base the job's connection keeps decrypted while it moves files (a
# negative size is in KiB: 256 MiB). A move of 2,000 files rewrites about 28,000 of the
# 63,000 pages of a base of 100,000 patients (their appointments are spread over the whole
# table and its indexes); with the connections' usual 64 MiB the pages are spilled to the
# WAL before the commit and read again, decrypted again: 40 % of the move (measured in
# docs/decisions.md). The memory is bounded, whatever the number of patients, and given back
# when the run ends.
MOVE_CACHE_KIB = 262_144


# Moves between two copies of the WAL back into the base. Consecutive moves rewrite mostly
# the same pages and a checkpoint copies each page once, whatever the number of versions in
# the WAL: every 4 moves, 3 copies in 4 are saved; the WAL then holds at most 4 moves
# (about 460 MB at 100,000 patients, 2 times the base), then the traces of the files ended
# after them (appended pages, a few MB), and is emptied when the run ends.
MOVES_PER_CHECKPOINT = 4


@contextlib.contextmanager
def moving_files():
    """The job's connections while it moves files: a larger page cache, and the WAL copied
    back into the base by the job itself (`checkpoint`, every MOVES_PER_CHECKPOINT moves),
    out of the time the write lock is held — left to SQLite, the copy runs inside the
    commit that fills the WAL, after every move, and the job would count it as lock time,
    making its moves smaller than they need be. The archive gets the same: a move inserts
    its documents (step A) then rewrites the same rows to confirm them (step C); with the
    copies left to SQLite, each document's pages were copied into the archive twice, inside
    the commits (half the archive's time at 100,000 files, docs/operations.md)."""
    usual = {
        store: {name: store.pragma(name) for name in ("cache_size", "wal_autocheckpoint")}
        for store in (database, archive_database)
    }
    database.pragma("cache_size", -MOVE_CACHE_KIB)  # a move's documents fit the archive's
    for store in usual:
        store.pragma("wal_autocheckpoint", 0)
    try:
        yield
    finally:
        for store, pragmas in usual.items():
            for name, value in pragmas.items():
                store.pragma(name, value)
        checkpoint(truncate=True)


def checkpoint(truncate: bool = False) -> None:
    """Copy both WALs back into their bases without waiting for the practice's readers
    (PASSIVE: what a reader still uses is copied by the next one). At the end of the run,
    the WAL files are also emptied if no reader is in them (otherwise they keep their size,
    as SQLite leaves them, and are reused from their start)."""
    for store in (database, archive_database):
        store.execute_sql("PRAGMA wal_checkpoint(PASSIVE)")
        if truncate:
            with contextlib.suppress(OperationalError):
                _truncate_wal(store)


def _truncate_wal(store) -> None:
    """TRUNCATE waits on busy_timeout for readers; one short try is enough here."""
    usual = store.pragma("busy_timeout")
    store.pragma("busy_timeout", 100)
    try:
        store.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.pragma("busy_timeout", usual)


def trace_mark() -> dict[str, int]:
    """The number of each journal's last entry (audit/journals.py): taken before files are
    scanned and read, so that the move can tell which of them someone opened or changed
    since (`_delete_archived`)."""
    return heads()


def _touched_since(since: dict[str, int]) -> set[str]:
    """The files named by a trace written after the mark, in any journal (one created since
    the mark is read whole)."""
    sql = 'SELECT DISTINCT "patient_ref" FROM "trace" WHERE "seq" > ?'
    return {
        ref
        for journal in journals.every()
        for (ref,) in journal.db.execute_sql(sql, (since.get(journal.name, 0),)).fetchall()
    }


def archive_copies(patients: list, delete_on: dict[int, datetime.date], key: bytes) -> list:
    """Step A's rows for these patients (rows with id, ref, …): each file as one sealed
    document. It only reads the active base, so the job prepares the next move's copies in a
    second thread while this one holds the write lock (jobs._Moves)."""
    docs = documents.dump_many([p.id for p in patients])
    rows = []
    for patient in patients:
        text = documents.to_json(docs[patient.id])
        rows.append(
            {
                "ref": patient.ref,
                "status": AWAITING,
                "schema": documents.SCHEMA,
                "document": text,
                "seal": documents.seal(key, text),
                "search_key": patient.search_key
                or search_key(patient.last_name, patient.first_names),
                "birth_date": patient.birth_date,
                "last_care_on": _last_care(patient).date(),
                "delete_on": delete_on[patient.id],
                "suspended": int(bool(patient.retention_suspended)),
                "archived_at": utcnow(),
            }
        )
    return rows


def archive_batch(
    patients: list,
    delete_on: dict[int, datetime.date],
    actor=None,
    copies: list | None = None,
    since: dict[str, int] | None = None,
) -> tuple[float, list]:
    """Archive these patients: the three steps for the whole batch. `copies` are their
    step A rows if already prepared (archive_copies); `since`, the journal's mark taken
    before they were scanned (trace_mark). Returns how long step B held the active base's
    write lock, in seconds (the job sizes its next batch on it), and the refs of the files
    left in the active base because someone opened or changed them since the mark."""
    if not patients:
        return 0.0, []
    if since is None:
        since = trace_mark()
    rows = copies if copies is not None else archive_copies(patients, delete_on, _archive_key())
    retrying(lambda: _insert_pending(rows))  # A
    crashpoint("archived, not yet deleted")
    started = time.perf_counter()
    left = retrying(lambda: _delete_archived(patients, delete_on, actor, since))  # B
    locked = time.perf_counter() - started
    crashpoint("deleted, not yet confirmed")
    retrying(lambda: _confirm_archived([p.ref for p in patients], left))  # C
    return locked, left


# Each step is one short transaction, run again if the practice's requests keep the database
# busy (a busy error means the step did not happen); recover() mends a step cut in between.


def _insert_pending(rows: list[dict]) -> None:
    with archive_database.atomic():
        insert_rows(ArchivedFile, rows, replace=True)


def _delete_archived(patients: list, delete_on: dict, actor, since: dict) -> list[str]:
    """Step B. A file opened or changed after the mark (every read and every change of a file
    writes a trace naming it, T1, in the transaction of the change) may differ from its copy,
    or no longer be due: it stays in the active base, and the next run looks at it again.
    Read under the write lock, the journals tell it exactly: no change can commit meanwhile
    (a reading traced in its own journal just now was of the file as it is)."""
    with database.atomic():
        touched = _touched_since(since)
        left = [p.ref for p in patients if p.ref in touched]
        moving = [p for p in patients if p.ref not in touched]
        Patient.delete().where(Patient.id.in_([p.id for p in moving])).execute()
        trace_many(
            actor,
            "retention.archive",
            [
                {
                    "patient": p.ref,
                    "target": "patient",
                    "detail": f"fin prévue le {delete_on[p.id]:%d/%m/%Y}",
                }
                for p in moving
            ],
        )
    return left


def _confirm_archived(refs: list[str], left: list[str]) -> None:
    """Step C; the copies of the files left in the active base are dropped."""
    with archive_database.atomic():
        if left:
            ArchivedFile.delete().where(
                ArchivedFile.ref.in_(left) & (ArchivedFile.status == AWAITING)
            ).execute()
        moved = [ref for ref in refs if ref not in left]
        ArchivedFile.update(status="archived").where(ArchivedFile.ref.in_(moved)).execute()


def _last_care(patient) -> datetime.datetime:
    moments = [m for m in (patient.last_care_at, patient.retention_restarted_at) if m]
    return max(moments) if moments else patient.created_at


# Restore (archive → active) ----------------------------------------------------------------


class ArchiveError(Exception):
    """A French message: the archived file cannot be opened or restored."""


def read(archived: ArchivedFile) -> dict:
    """The document, after checking its seal (a tampered archive is refused)."""
    if documents.seal(_archive_key(), archived.document) != archived.seal:
        raise ArchiveError("Le document archivé a été altéré : son sceau ne correspond pas.")
    return json.loads(archived.document)


def restore(ref: str, actor) -> Patient:
    archived = ArchivedFile.get_or_none(
        (ArchivedFile.ref == ref) & (ArchivedFile.status == "archived")
    )
    if archived is None:
        raise ArchiveError("Ce dossier n'est pas (ou plus) dans l'archive.")
    document = read(archived)
    with archive_database.atomic():  # A
        ArchivedFile.update(status="restoring").where(ArchivedFile.id == archived.id).execute()
    crashpoint("restoring, not yet inserted")
    with database.atomic():  # B
        patient = documents.restore(document)
        # The clock restarts: the patient came back (R6).
        Patient.update(retention_restarted_at=utcnow()).where(Patient.id == patient.id).execute()
        trace(actor, "retention.restore", patient=patient, target="patient")
    crashpoint("inserted, not yet removed from the archive")
    with archive_database.atomic():  # C
        ArchivedFile.delete().where(ArchivedFile.id == archived.id).execute()
    return patient


# End of life (archive → anonymous counts) --------------------------------------------------


def _count(document: dict, stats: dict, codes: dict[int, str]) -> None:
    acts_of = {}
    for act_row in document["session_act"]:
        acts_of.setdefault(act_row["session"], []).append(act_row)
    seen: set[tuple[int, str]] = set()
    for session in document["care_session"]:
        year = int(session["session_date"][:4])
        for code in [""] + [codes.get(a["act"], "?") for a in acts_of.get(session["id"], [])]:
            stat = stats.setdefault((year, code), [0, 0])
            stat[1] += 1
            if (year, code) not in seen:
                seen.add((year, code))
                stat[0] += 1


def end_of_life(archived_rows: list, actor=None) -> int:
    """Delete ended files; keep only anonymous counts. Trace first: a repeated trace after
    a crash is better than a deletion without one."""
    if not archived_rows:
        return 0
    trace_many(
        actor,
        "retention.delete",
        [
            {
                "patient": row.ref,
                "target": "archive",
                "detail": "fin de conservation : supprimé, seuls des comptes anonymes restent",
            }
            for row in archived_rows
        ],
    )
    crashpoint("traced, not yet deleted")
    stats: dict = {}
    codes = {a.id: a.code for a in Act.select(Act.id, Act.code)}
    for row in archived_rows:
        _count(json.loads(row.document), stats, codes)
    with archive_database.atomic():
        for (year, code), (patients, sessions) in stats.items():
            AnonymousStat.insert(
                year=year, act_code=code, patients=patients, sessions=sessions
            ).on_conflict(
                conflict_target=[AnonymousStat.year, AnonymousStat.act_code],
                update={
                    AnonymousStat.patients: AnonymousStat.patients + patients,
                    AnonymousStat.sessions: AnonymousStat.sessions + sessions,
                },
            ).execute()
        ArchivedFile.delete().where(ArchivedFile.id.in_([r.id for r in archived_rows])).execute()
    return len(archived_rows)


def vacuum_archive() -> None:
    """Rewrite the archive file so deleted documents leave no page behind (R7)."""
    archive_database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    # This SQLite build keeps temporary data in memory by default: VACUUM would then hold a
    # copy of the whole archive in RAM. A temporary file keeps the job's memory flat.
    archive_database.execute_sql("PRAGMA temp_store = FILE")
    archive_database.execute_sql("VACUUM")
    archive_database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def statistics() -> list[dict]:
    """The anonymous counts, small ones suppressed."""
    rows = AnonymousStat.select().order_by(AnonymousStat.year.desc(), AnonymousStat.act_code)
    return [
        {
            "year": r.year,
            "act": r.act_code or "Tous actes",
            "patients": r.patients if r.patients >= SMALL_COUNT else f"< {SMALL_COUNT}",
            "sessions": r.sessions if r.sessions >= SMALL_COUNT else f"< {SMALL_COUNT}",
        }
        for r in rows
    ]
