"""The retention job over a practice's size, in a subprocess as the scheduler or an admin
runs it: a nightly scan where nothing is due, then a run where every file is due (archived
and ended). Prints the figures; asserts nothing.

Usage: python -m bench.retention [--patients 100000]
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
    a nightly scan where nothing is due, then a run where every file is due."""
    import os
    import subprocess
    import sys

    from bench.__main__ import _instance

    app = _instance(folder)
    with app.app_context():
        from cabinet import demo

        demo.seed(patients=patients, seed=2, appointments=patients * 5)
    database.close()
    env = {**os.environ, "CABINET_INSTANCE": str(folder)}
    results = {"patients": patients, "appointments": patients * 5}
    for label, as_of in (
        ("scan_nothing_due", datetime.date.today().isoformat()),
        ("archive_and_end_all", "2051-01-01"),
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(bench_retention(Path(tmp) / "retention", args.patients), indent=2))


if __name__ == "__main__":
    main()
