"""Run the benchmarks on a throwaway instance of fictitious data; print a table and write
bench/results.json. Usage: python -m bench [--patients N] [--requests N]."""

import argparse
import json
import re
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from cabinet import create_app
from cabinet.db import database

RESULTS = Path(__file__).resolve().parent / "results.json"


def _timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "n": len(samples),
        "median_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 3),
    }


def _instance(folder: Path, patients: int):
    app = create_app(
        {
            "INSTANCE_PATH": folder,
            "DATABASE_PATH": folder / "cabinet.db",
            "ARCHIVE_PATH": folder / "archive.db",
            "KEYS_PATH": folder / "keys",
        }
    )
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
    password = secrets.token_urlsafe(16)
    with app.app_context():
        from cabinet import demo
        from cabinet.users.services import create_user

        create_user("bench", "secretary", password, display_name="Banc d'essai")
        start = time.perf_counter()
        demo.seed(patients=patients, seed=1)
        seeded = time.perf_counter() - start
    return app, password, seeded


def bench_argon2(app) -> dict:
    from cabinet.auth.passwords import hash_password, verify_password

    with app.app_context():
        hashed = hash_password("phrase de passe de test pour la mesure")
        samples = _timed(lambda: verify_password(hashed, "phrase de passe de test"), 10)
        cfg = app.config
        return {
            "params": f"t={cfg['ARGON2_TIME_COST']}, m={cfg['ARGON2_MEMORY_KIB']} KiB, "
            f"p={cfg['ARGON2_PARALLELISM']}",
            **_summary(samples),
        }


def bench_search(app, password: str, requests: int) -> dict:
    client = app.test_client()
    page = client.get("/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {"login": "bench", "password": password, "csrf_token": token}
    response = client.post("/connexion", data=form)
    assert response.status_code == 302, response.status_code
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    queries = ["mar", "dup", "le", "bernard", "héloïse", "petit", "ro", "fra"]
    index = iter(range(10**9))

    def one():
        q = queries[next(index) % len(queries)]
        r = client.post("/patients/recherche", data={"q": q}, headers=headers)
        assert r.status_code == 200

    one()
    return _summary(_timed(one, requests))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app, password, seeded = _instance(Path(tmp) / "instance", args.patients)
        results = {
            "patients": args.patients,
            "seed_demo_s": round(seeded, 2),
            "argon2_verify": bench_argon2(app),
            "search_request_htmx": bench_search(app, password, args.requests),
        }
        database.close()
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"{'mesure':<32}{'médiane (ms)':>14}{'p95 (ms)':>12}{'n':>6}")
    for name, value in results.items():
        if isinstance(value, dict):
            print(f"{name:<32}{value['median_ms']:>14}{value['p95_ms']:>12}{value['n']:>6}")
        else:
            print(f"{name:<32}{value:>14}")
    print(f"Résultats : {RESULTS}")


if __name__ == "__main__":
    main()
