"""What the retention pages ask (R2, R6, T1): finding and reading an archived file, each
reading traced with its reason; the admin's report of runs and dry runs. The moves
themselves are the engine's (engine.py), the nightly run the job's (jobs.py)."""

import datetime
import json

from cabinet.audit import trace
from cabinet.patients.identity import prefix_upper_bound, search_key
from cabinet.patients.models import Patient
from cabinet.retention import engine, jobs
from cabinet.retention.archive import ArchivedFile, ensure_schema
from cabinet.retention.forms import READ_REASONS
from cabinet.retention.models import RetentionRun

SEARCH_LIMIT = 30
# A run's report names at most 900 files: one bound parameter each, under SQLite's
# historical limit of 999 per query.
NAMED_LIMIT = 900


def open_archives() -> None:
    """The archive is ready, and a move interrupted by a crash is finished before anyone
    looks."""
    ensure_schema()
    engine.recover()


def search_archives(actor, name: str) -> list[ArchivedFile]:
    """Archived files whose name starts with `name`; the trace keeps the count, not the name."""
    key = search_key(name)
    rows = list(
        ArchivedFile.select(
            ArchivedFile.ref,
            ArchivedFile.search_key,
            ArchivedFile.birth_date,
            ArchivedFile.delete_on,
            ArchivedFile.archived_at,
        )
        .where(
            (ArchivedFile.search_key >= key)
            & (ArchivedFile.search_key < prefix_upper_bound(key))
            & (ArchivedFile.status == "archived")
        )
        .order_by(ArchivedFile.search_key)
        .limit(SEARCH_LIMIT)
    )
    trace(actor, "retention.archive_search", target="archive", detail=f"{len(rows)} résultat(s)")
    return rows


def get_archived_or_404(ref: str) -> ArchivedFile:
    ensure_schema()
    return ArchivedFile.get_or_404((ArchivedFile.ref == ref) & (ArchivedFile.status == "archived"))


def read_archived(actor, row: ArchivedFile, reason: str) -> dict:
    """The archived document (engine.ArchiveError when its seal fails), the reading traced
    with its stated reason."""
    document = engine.read(row)
    trace(
        actor,
        "retention.archive_view",
        patient=row.ref,
        target="archive",
        detail=READ_REASONS[reason],
    )
    return document


def simulate(actor, as_of: datetime.date) -> tuple[dict, RetentionRun]:
    """A dry run at `as_of` (recorded like any run, nothing moved): its summary and its run."""
    summary = jobs.run(
        datetime.datetime.combine(as_of, datetime.time(0)), dry_run=True, actor=actor
    )
    return summary, RetentionRun.select().order_by(RetentionRun.id.desc()).first()


def report(actor) -> dict:
    """The admin's retention page: last runs, anonymous counts, the policy (traced)."""
    ensure_schema()
    trace(actor, "retention.report", target="retention")
    return {
        "runs": list(jobs.last_runs()),
        "stats": engine.statistics(),
        "policy": jobs.current_policy(),
    }


def _names(refs: list[str]) -> dict[str, str]:
    """Names of the files a run lists, in the active base or in the archive."""
    refs = refs[:NAMED_LIMIT]
    names = {
        p.ref: f"{p.last_name.upper()} {p.first_names}"
        for p in Patient.select(Patient.ref, Patient.last_name, Patient.first_names).where(
            Patient.ref.in_(refs)
        )
    }
    ensure_schema()
    archived = ArchivedFile.select(ArchivedFile.ref, ArchivedFile.search_key).where(
        ArchivedFile.ref.in_(refs)
    )
    names.update({a.ref: a.search_key.upper() for a in archived})
    return names


def run_report(actor, run_id: int) -> dict:
    """One run, printable: what was (or would be) archived or deleted, and why (traced)."""
    run = RetentionRun.get_or_404(RetentionRun.id == run_id)
    summary = json.loads(run.summary or "{}")
    names = _names([item["ref"] for item in summary.get("items", [])])
    trace(actor, "retention.report", target=f"retention_run:{run.id}")
    return {"run": run, "summary": summary, "names": names}
