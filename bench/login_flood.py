"""Worst patient-page time during a flood of failed logins (issue: heavy work must not hold
the write lock). Served by gunicorn (2 sync workers, production Argon2 cost), a signed-in
secretary reads a patient page in a loop while ten threads post wrong passwords.

Usage: python -m bench.login_flood [--rounds 3] [--threads 10]
"""

import argparse
import json
import secrets
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench.http import Browser
from bench.served import bench_account, gunicorn, instance_app

ATTEMPTS_PER_ROUND = 30  # the per-address limit: beyond it the flood is refused before hashing


def _clear_attempts(app) -> None:
    from cabinet.auth.models import LoginAttempt
    from cabinet.db import database

    with app.app_context():
        LoginAttempt.delete().execute()
    database.close()


def _attack(port: int, attempts: int, errors: list) -> None:
    """One attacker: wrong passwords for unknown logins, each hashed at full cost."""
    attacker = Browser("127.0.0.1", port)
    for _ in range(attempts):
        try:
            token = attacker.form_token("/connexion")
        except RuntimeError:
            errors.append("GET /connexion")
            continue
        form = {
            "login": f"inconnu-{secrets.token_hex(4)}",
            "password": secrets.token_urlsafe(12),
            "csrf_token": token,
        }
        if attacker.post("/connexion", form)[0] >= 500:
            errors.append("POST /connexion")


def _flood_round(port: int, threads: int, reader: Browser, url: str, errors: list) -> list:
    """Read `url` in a loop while `threads` attackers post; the reader's latencies."""
    attackers = [
        threading.Thread(target=_attack, args=(port, ATTEMPTS_PER_ROUND // threads, errors))
        for _ in range(threads)
    ]
    for attacker in attackers:
        attacker.start()
    samples = []
    while any(attacker.is_alive() for attacker in attackers):
        status, _, elapsed = reader.get(url)
        samples.append(elapsed)
        if status >= 500:
            errors.append(f"GET {url}")
    return samples


def run(rounds: int, threads: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "instance"
        app = instance_app(folder)
        from cabinet import demo
        from cabinet.patients.models import Patient

        with app.app_context():
            demo.seed(patients=200, seed=1, appointments=2000)
            ref = Patient.select(Patient.ref).limit(1).scalar()
        login, password = bench_account(app)
        errors, flooded = [], []
        with gunicorn(folder) as port:
            reader = Browser("127.0.0.1", port)
            reader.login(login, password)
            quiet = [reader.get(f"/patients/{ref}")[2] for _ in range(20)]
            for _ in range(rounds):
                _clear_attempts(app)
                flooded += _flood_round(port, threads, reader, f"/patients/{ref}", errors)
    ordered = sorted(flooded)
    return {
        "threads": threads,
        "rounds": rounds,
        "quiet_median_ms": round(statistics.median(quiet), 1),
        "flood_requests": len(flooded),
        "flood_median_ms": round(statistics.median(ordered), 1),
        "flood_p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "flood_worst_ms": round(ordered[-1], 1),
        "errors_5xx": len(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=10)
    args = parser.parse_args()
    started = time.perf_counter()
    result = run(args.rounds, args.threads)
    result["total_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
