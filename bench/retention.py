"""The retention job over a practice's size, in a subprocess as the scheduler or an admin
runs it, three runs on the same files: a night where nothing is due yet (the day before the
oldest file is five years without care: the demo's history goes back some eight years, so
by today a third of its files are due); six years on, the catch-up that archives every file
(the issue's "archives 100,000 due files"; none ends yet); then, in 2051, the run that ends
them all. Prints the figures; asserts nothing.

Usage: python -m bench.retention [--patients 100000] [--phases [--as-of archive-all|end-all]]

--phases runs one run in this process instead (by default the one of 2051 over files still
active: every file archived, then ended) and prints where its time goes (each step of the
moves, the end of life, the purges), as docs/operations.md reports it. --as-of archive-all
runs it six years from today (archived, not ended).
"""

import argparse
import datetime
import json
import resource
import tempfile
import time
from pathlib import Path

from cabinet.db import database


def bench_retention(folder: Path, patients: int) -> dict:
    """`flask retention run` in a subprocess over `patients` files (5 appointments each):
    a night where nothing is due, the catch-up that archives every file, the end of all."""
    import os
    import subprocess
    import sys

    app = _seeded(folder, patients)
    env = {**os.environ, "CABINET_INSTANCE": str(folder)}
    results = {"patients": patients, "appointments": patients * 5}
    for label, as_of in (
        ("scan_nothing_due", _quiet_night(app).isoformat()),
        ("archive_all", six_years_on().isoformat()),
        ("end_all", END_OF_ALL),
    ):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "app",
                "retention",
                "run",
                "--as-of",
                as_of,
                "--json",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        elapsed = time.perf_counter() - start
        summary = json.loads(done.stdout)
        results[label] = {
            "seconds": round(elapsed, 1),
            "archived": summary["archived"],
            "deleted": summary["deleted"],
            "peak_rss_mib": round(
                max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
            ),
        }
    return results


END_OF_ALL = "2051-01-01"  # every demo file archived and past its end


def six_years_on() -> datetime.date:
    """Every demo file's last care is at least five years old, none fifteen years more."""
    today = datetime.date.today()
    return today.replace(year=today.year + 6, day=min(today.day, 28))


def _quiet_night(app) -> datetime.date:
    """The day before the first demo file has had five years without care."""
    from peewee import fn

    from cabinet.patients.models import Patient

    with app.app_context():
        oldest = Patient.select(fn.MIN(Patient.last_care_at)).scalar()
    database.close()
    oldest = datetime.datetime.fromisoformat(str(oldest)).date()
    return oldest.replace(year=oldest.year + 5, day=min(oldest.day, 28)) - datetime.timedelta(1)


def _seeded(folder: Path, patients: int):
    """A new instance with `patients` demo files, 5 appointments each."""
    from bench.__main__ import _instance

    app = _instance(folder)
    with app.app_context():
        from cabinet import demo

        demo.seed(patients=patients, seed=2, appointments=patients * 5)
    database.close()
    return app


def bench_phases(folder: Path, patients: int, as_of: str = END_OF_ALL) -> dict:
    """One run over files all still active, in this process, each step timed (seconds)."""
    from cabinet.retention import documents, engine, jobs

    app = _seeded(folder, patients)
    # The copies of the next move are read and sealed in a second thread while the current
    # move runs (jobs._Moves): their time is beside the others, not part of the sum.
    beside = {
        (documents, "dump_many"): "A. documents read from the active base",
        (documents, "to_json"): "A. documents written as JSON",
    }
    steps = {
        **beside,
        (engine, "_insert_pending"): "A. documents inserted into the archive",
        (engine, "_delete_archived"): "B. files deleted (the active base's write lock)",
        (engine, "_confirm_archived"): "C. copies confirmed in the archive",
        (engine, "checkpoint"): "WAL copied back into both bases",
        (jobs, "_end_due"): "end of life (ended, counted, vacuum)",
        (jobs, "_purge"): "purges (care sheets, receipts, traces)",
    }
    spent = dict.fromkeys(steps.values(), 0.0)
    originals = {place: getattr(*place) for place in steps}

    def timed(place):
        def step(*args, **kwargs):
            started = time.perf_counter()
            try:
                return originals[place](*args, **kwargs)
            finally:
                spent[steps[place]] += time.perf_counter() - started

        return step

    for place in steps:
        setattr(*place, timed(place))
    try:
        with app.test_request_context():
            started = time.perf_counter()
            summary = jobs.run(datetime.datetime.fromisoformat(as_of))
            total = time.perf_counter() - started
    finally:
        for place, original in originals.items():
            setattr(*place, original)
    in_line = {name: spent[name] for name in spent if name not in beside.values()}
    in_line["other (scan, policy, run record, waiting for the second thread)"] = total - sum(
        in_line.values()
    )
    return {
        "patients": patients,
        "as_of": as_of,
        "archived": summary["archived"],
        "deleted": summary["deleted"],
        "seconds": round(total, 1),
        "steps": {name: round(seconds, 1) for name, seconds in in_line.items()},
        "second_thread": {name: round(spent[name], 1) for name in beside.values()},
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--phases", action="store_true")
    parser.add_argument("--as-of", choices=["archive-all", "end-all"], default="end-all")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "retention"
        if args.phases:
            as_of = six_years_on().isoformat() if args.as_of == "archive-all" else END_OF_ALL
            results = bench_phases(folder, args.patients, as_of)
        else:
            results = bench_retention(folder, args.patients)
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
