"""The retention job (R5): `run(now, dry_run)` archives, ends and purges what is due.

Bounded batches keep memory flat whatever the number of patients; each run is
recorded (start, end, counts, outcome, error) and a dry run changes nothing but
says what would happen and why. APScheduler only calls this function.
"""

import contextlib
import datetime
import json
import os
import threading

from peewee import fn

from cabinet import settings
from cabinet.audit import jobs as audit_jobs
from cabinet.audit import trace
from cabinet.audit.targets import retention_detail
from cabinet.db import database, retrying, utcnow
from cabinet.patients.models import Patient
from cabinet.records.models import CareSheet, Receipt
from cabinet.retention import engine, policy
from cabinet.retention.archive import ArchivedFile, ensure_schema
from cabinet.retention.models import RetentionRun

BATCH = 500  # CABINET_RETENTION_BATCH overrides it (the crash test uses small batches)
# Files moved per transaction. Deleting a file rewrites the index pages its appointments
# sit on, and a page rewritten for one file is rewritten for free for the next: at 100,000
# patients a move of 500 files costs about 1 ms a file, one of 5,000 about 0.4 ms
# (docs/operations.md). So the size adapts to how long a move holds the active base's
# write lock: it doubles while that is under half of LOCK_SECONDS and halves above it,
# between FIRST_CHUNK and LAST_CHUNK — a night's catch-up moves thousands at a time, and
# the practice's requests never wait much longer than LOCK_SECONDS.
FIRST_CHUNK = 500
LAST_CHUNK = 8000
LOCK_SECONDS = 2.0
END_BATCH = 2000  # archived files ended per batch (see _end_due)
REPORT_LIMIT = 1000  # items listed in a report; counts are always complete


def current_policy() -> policy.Policy:
    return policy.Policy(
        active_years=settings.get("retention_active_years"),
        archive_years=settings.get("retention_archive_years"),
        minor_until_28=settings.get("retention_minor_until_28"),
        deceased_ten_years=settings.get("retention_deceased_ten_years"),
    )


COLUMNS = (
    Patient.id,
    Patient.ref,
    Patient.last_name,
    Patient.first_names,
    Patient.search_key,
    Patient.birth_date,
    Patient.created_at,
    Patient.last_care_at,
    Patient.retention_restarted_at,
    Patient.deceased_on,
    Patient.retention_suspended,
)


def _facts(patient) -> policy.Facts:
    return policy.Facts(
        last_care=engine._last_care(patient).date(),
        birth_date=patient.birth_date,
        deceased_on=patient.deceased_on,
        suspended=bool(patient.retention_suspended),
    )


def run(now: datetime.datetime, dry_run: bool = False, actor=None) -> dict:
    ensure_schema()
    today = now.date()
    record = retrying(lambda: RetentionRun.create(as_of=today, dry_run=dry_run))
    summary = {
        "as_of": today.isoformat(),
        "dry_run": dry_run,
        "recovered": {},
        "archived": 0,
        "deleted": 0,
        "postponed": 0,
        "care_sheets_purged": 0,
        "receipts_purged": 0,
        "traces_pruned": 0,
        "suspended": 0,
        "items": [],
    }
    try:
        if not dry_run:
            summary["recovered"] = engine.recover()
        with contextlib.nullcontext() if dry_run else engine.moving_files():
            simulated = _archive_due(today, dry_run, summary, actor)
            _end_due(today, dry_run, summary, actor)
        _purge(now, dry_run, summary, simulated)
        outcome, error = "ok", ""
    except Exception as exc:  # the run is recorded, then the error goes up
        outcome, error = "error", type(exc).__name__
        _finish(record, summary, outcome, error)
        raise
    _finish(record, summary, outcome, error)
    return summary


def _finish(record, summary, outcome, error):
    retrying(lambda: _record_finish(record, summary, outcome, error))


def _record_finish(record, summary, outcome, error):
    with database.atomic():
        RetentionRun.update(
            finished_at=utcnow(),
            outcome=outcome,
            error=error,
            summary=json.dumps(summary, ensure_ascii=False),
        ).where(RetentionRun.id == record.id).execute()
        # In French: the journal shows this sentence as it is (the counts stay in the run).
        detail = retention_detail(
            summary["dry_run"],
            f"{record.as_of:%d/%m/%Y}",
            summary["archived"],
            summary["deleted"],
            summary["care_sheets_purged"],
            summary["receipts_purged"],
        )
        trace(
            None,
            "system.retention_run",
            target="retention",
            detail=detail,
            outcome="ok" if outcome == "ok" else "error",
        )


def _note(summary, ref, action, reason):
    if len(summary["items"]) < REPORT_LIMIT:
        summary["items"].append({"ref": ref, "action": action, "reason": reason})


def _batch() -> int:
    return int(os.environ.get("CABINET_RETENTION_BATCH", BATCH))


def _archive_due(today, dry_run, summary, actor) -> set[int]:
    """Archive what is due; a dry run returns the files it would archive (their care sheets
    would go with them, which the purge must not count again)."""
    rules = current_policy()
    simulated: set[int] = set()
    chunk = _Chunk()
    due, delete_on = [], {}
    with _Moves(actor, summary) as moves:
        last_id = 0
        while True:
            # Taken before the scan: a file opened or changed after it is not moved tonight.
            mark = engine.trace_mark()
            batch = list(
                Patient.select(*COLUMNS)
                .where(Patient.id > last_id)
                .order_by(Patient.id)
                .limit(_batch())
                .namedtuples()  # the columns only: no model instance per file scanned
            )
            for patient in batch:
                decision = policy.due(_facts(patient), today, rules)
                if decision.action in ("archive", "delete"):
                    due.append((patient, mark))
                    delete_on[patient.id] = decision.delete_on
                    _note(summary, patient.ref, "archive", decision.reason)
                    if dry_run and decision.action == "delete":
                        # Archived then ended in the same run: say so in the simulation too.
                        summary["deleted"] += 1
                elif decision.action == "suspended":
                    summary["suspended"] += 1
            if dry_run:
                summary["archived"] += len(due)
                simulated.update(patient.id for patient, _ in due)
                due.clear()
            # Move full chunks as they fill; what is left waits for the next scan, or the end.
            while due and (len(due) >= chunk.size or not batch):
                moving, due = due[: chunk.size], due[chunk.size :]
                patients = [patient for patient, _ in moving]
                moves.add(patients, {p.id: delete_on.pop(p.id) for p in patients}, moving[0][1])
                chunk.took(moves.last_lock)
            if not batch:
                return simulated
            last_id = batch[-1].id


class _Moves:
    """The moves of a run, one after the other, each file's copies prepared one move ahead:
    while a move holds the active base's write lock (step B, spent in SQLite, which lets
    Python run), a second thread reads and seals the next move's documents on its own
    connection (step A's reading: it only reads, and changes nothing the move depends on).
    Two cores, two halves of the work (issue 20). The moves themselves, and their order,
    are those of a run without it: a crash leaves what recover() already mends."""

    def __init__(self, actor, summary):
        self.actor, self.summary = actor, summary
        self.key = engine._archive_key()
        self.waiting = None  # (patients, delete_on, mark, _ReadAhead): the next move
        self.count = 0
        self.last_lock = 0.0

    def __enter__(self):
        return self

    def add(self, patients: list, delete_on: dict, mark: int) -> None:
        copies = _ReadAhead(patients, delete_on, self.key)
        copies.start()
        previous, self.waiting = self.waiting, (patients, delete_on, mark, copies)
        if previous:
            self._move(*previous)

    def _move(self, patients, delete_on, mark, copies) -> None:
        self.last_lock, left = engine.archive_batch(
            patients, delete_on, self.actor, copies.result(), mark
        )
        self.count += 1
        if self.count % engine.MOVES_PER_CHECKPOINT == 0:
            engine.checkpoint()
        self.summary["archived"] += len(patients) - len(left)
        for ref in left:
            _postponed(self.summary, ref)

    def __exit__(self, kind, error, traceback):
        if self.waiting:
            if kind is None:
                self._move(*self.waiting)
            else:  # the run failed: the copies read ahead are not used
                self.waiting[3].join()
        return False


class _ReadAhead(threading.Thread):
    """One move's copies, read on this thread's own connection, closed when it is done
    (a thread per move: a connection costs a few ms, a move seconds)."""

    def __init__(self, patients, delete_on, key):
        super().__init__(name="retention-read", daemon=True)
        self.arguments = (patients, delete_on, key)
        self.copies, self.error = None, None

    def run(self):
        try:
            self.copies = engine.archive_copies(*self.arguments)
        except BaseException as exc:  # handed to the move that needs them
            self.error = exc
        finally:
            database.close()

    def result(self) -> list:
        self.join()
        if self.error is not None:
            raise self.error
        return self.copies


def _postponed(summary, ref):
    summary["postponed"] += 1
    for item in summary["items"]:
        if item["ref"] == ref:
            item.update(action="postpone", reason=POSTPONED)
            return
    _note(summary, ref, "postpone", POSTPONED)


# In French: shown in the run's report.
POSTPONED = "ouvert ou modifié pendant le déplacement : reporté à la prochaine exécution"


class _Chunk:
    """How many files the next move takes (see FIRST_CHUNK)."""

    def __init__(self):
        small = _batch() < BATCH  # a test's small batches: moves stay that small
        self.size = _batch() if small else FIRST_CHUNK
        self.largest = _batch() if small else LAST_CHUNK

    def took(self, locked_seconds: float) -> None:
        if locked_seconds < LOCK_SECONDS / 2:
            self.size = min(self.size * 2, self.largest)
        elif locked_seconds > LOCK_SECONDS:
            self.size = max(self.size // 2, min(FIRST_CHUNK, self.largest))


def _ended(today, after_id: int):
    """Archived files whose end has come (suspended ones wait), after `after_id`: the
    columns the end of life reads, as plain rows (no model instance per document)."""
    return ArchivedFile.select(
        ArchivedFile.id, ArchivedFile.ref, ArchivedFile.delete_on, ArchivedFile.document
    ).where(
        (ArchivedFile.id > after_id)
        & (ArchivedFile.status == "archived")
        & (ArchivedFile.delete_on <= today)
        & (ArchivedFile.suspended == 0)
    )


def _end_due(today, dry_run, summary, actor):
    deleted = 0
    last_id = 0
    # Ending files writes to the archive, which the practice's pages do not write, and only
    # their traces to the active base: larger batches than the scan's (one commit, one
    # journal insert, per batch), a test's small batches staying small.
    size = _batch() if _batch() < BATCH else END_BATCH
    while True:
        rows = list(_ended(today, last_id).order_by(ArchivedFile.id).limit(size).namedtuples())
        if not rows:
            break
        last_id = rows[-1].id
        for row in rows:
            _note(summary, row.ref, "delete", f"Fin de conservation le {row.delete_on:%d/%m/%Y}.")
        deleted += len(rows) if dry_run else engine.end_of_life(rows, actor)
        if dry_run and len(summary["items"]) >= REPORT_LIMIT:
            # Counting the rest is enough for a simulation.
            deleted += _ended(today, last_id).count()
            break
    summary["deleted"] += deleted
    if deleted and not dry_run:
        engine.vacuum_archive()


def _purge(now, dry_run, summary, archived_in_simulation=frozenset()):
    sheets_before = now - datetime.timedelta(days=settings.get("retention_care_sheet_days"))
    receipts_before = policy.add_years(now.date(), -settings.get("retention_receipt_years"))
    sheets = CareSheet.select().where(CareSheet.created_at < sheets_before)
    receipts = Receipt.select().where(Receipt.received_on < receipts_before)
    if dry_run:
        # A file archived takes its care sheets with it: the real run never purges those.
        summary["care_sheets_purged"] = sum(
            1
            for (patient_id,) in sheets.select(CareSheet.patient).tuples()
            if patient_id not in archived_in_simulation
        )
        summary["receipts_purged"] = receipts.count()
        return
    summary["care_sheets_purged"] = _delete_in_batches(
        CareSheet, CareSheet.created_at < sheets_before
    )
    summary["receipts_purged"] = _delete_in_batches(Receipt, Receipt.received_on < receipts_before)
    summary["traces_pruned"] = audit_jobs.run(now)["pruned"]


def _delete_in_batches(model, condition) -> int:
    def one_batch() -> int:
        with database.atomic():
            ids = [r.id for r in model.select(model.id).where(condition).limit(BATCH)]
            return model.delete().where(model.id.in_(ids)).execute() if ids else 0

    total = 0
    while deleted := retrying(one_batch):
        total += deleted
    return total


def last_runs(limit: int = 30):
    return RetentionRun.select().order_by(RetentionRun.id.desc()).limit(limit)


def last_real_run() -> RetentionRun | None:
    """The last finished run that was not a dry run (the compliance report's evidence)."""
    return (
        RetentionRun.select()
        .where((RetentionRun.dry_run == False) & (RetentionRun.outcome != "running"))  # noqa: E712
        .order_by(RetentionRun.id.desc())
        .first()
    )


def unresolved_failure() -> RetentionRun | None:
    """The last real run, if it failed and no run has succeeded since (admin's home page)."""
    last = last_real_run()
    return last if last is not None and last.outcome == "error" else None


def missed(now: datetime.datetime) -> bool:
    """True when no real run finished well in the last 24 hours (catch up at start-up)."""
    last = (
        RetentionRun.select(fn.MAX(RetentionRun.finished_at))
        .where((RetentionRun.dry_run == False) & (RetentionRun.outcome == "ok"))  # noqa: E712
        .scalar()
    )
    return last is None or now - last > datetime.timedelta(hours=24)
