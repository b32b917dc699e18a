"""Backup, restore test and restore times, and the patient search's p95 while a backup runs
(X2). Serves a throwaway instance with gunicorn, as `make serve` does; a signed-in
secretary searches patients in a loop, before and during `flask backup create` (which
includes its restore test in a process of its own); then `backup verify` and
`backup restore --to` a folder holding only the keys are timed on their own.

Usage: python -m bench.backup [--patients 100000] [--appointments 1000000] [--searches 200]
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.http import Browser
from bench.served import ROOT, bench_account, gunicorn, instance_app

QUERIES = ["mar", "dup", "le", "bernard", "héloïse", "petit", "ro", "fra"]


def _p(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "worst_ms": round(ordered[-1], 1),
    }


def _search(browser: Browser, token: str, n: int) -> tuple[float, int]:
    status, _, elapsed = browser.post(
        "/patients/recherche",
        {"q": QUERIES[n % len(QUERIES)]},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    return elapsed, status


def _flask(env: dict, *args: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "flask", "--app", "app", *args]
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _timed(env: dict, *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    process = _flask(env, *args)
    out, err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {out}{err}")
    return time.perf_counter() - start, out


def run(patients: int, appointments: int, searches: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder, backups = Path(tmp) / "instance", Path(tmp) / "sauvegardes"
        app = instance_app(folder)
        from cabinet import demo

        started = time.perf_counter()
        with app.app_context():
            demo.seed(patients=patients, seed=1, appointments=appointments)
        seeded = time.perf_counter() - started
        login, password = bench_account(app)
        env = {
            **os.environ,
            "CABINET_INSTANCE": str(folder),
            "CABINET_BACKUP_DIR": str(backups),
            "CABINET_SCHEDULER": "0",
        }
        database_size = (folder / "cabinet.db").stat().st_size
        with gunicorn(folder) as port:
            browser = Browser("127.0.0.1", port)
            browser.login(login, password)
            token = browser.htmx_token()
            quiet = [_search(browser, token, n)[0] for n in range(searches)]
            started = time.perf_counter()
            process = _flask(env, "backup", "create", "--json")
            during, errors, n = [], 0, 0
            while process.poll() is None:
                elapsed, status = _search(browser, token, n)
                during.append(elapsed)
                errors += status >= 500
                n += 1
            out, err = process.communicate()
            create_s = time.perf_counter() - started
        if process.returncode != 0:
            raise RuntimeError(out + err)
        summary = json.loads(out)
        verify_s, _ = _timed(env, "backup", "verify", summary["name"])
        target = Path(tmp) / "nouvelle-machine"
        (target / "keys").mkdir(parents=True)
        for key in (folder / "keys").iterdir():
            shutil.copy(key, target / "keys" / key.name)
        restore_s, _ = _timed(env, "backup", "restore", summary["name"], "--to", str(target))
    return {
        "patients": patients,
        "appointments": appointments,
        "seed_s": round(seeded, 1),
        "database_mb": round(database_size / 1e6, 1),
        "backup_mb": round(summary["size"] / 1e6, 1),
        "backup_create_with_restore_test_s": round(create_s, 1),
        "backup_verify_s": round(verify_s, 1),
        "restore_to_new_folder_s": round(restore_s, 1),
        "children_peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        ),
        "search_quiet": _p(quiet),
        "search_during_backup": _p(during) if during else None,
        "search_5xx_during_backup": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--appointments", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps(run(args.patients, args.appointments, args.searches), indent=2))


if __name__ == "__main__":
    main()
