"""Benchmarks on throwaway instances of fictitious data: prints a table and writes
bench/results.json. Usage: python -m bench [--patients N] [--appointments N] [--traces N]
[--journey-rounds N] (the last: the two browser journeys of bench/journeys.py)."""

import argparse
import datetime
import json
import re
import resource
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from bench import journeys, pages
from bench.retention import bench_retention
from bench.seeding import bulk_traces
from cabinet import create_app
from cabinet.audit import chain, verification
from cabinet.audit.models import Trace
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


def _instance(folder: Path):
    app = create_app(
        {
            "INSTANCE_PATH": folder,
            "DATABASE_PATH": folder / "cabinet.db",
            "ARCHIVE_PATH": folder / "archive.db",
            "KEYS_PATH": folder / "keys",
            "SCHEDULER": False,  # measure the requests, not a catch-up run beside them
        }
    )
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
    return app


def _client(app, role: str = "secretary"):
    """A signed-in client through the real login (password + software authenticator)."""
    from cabinet import settings
    from cabinet.users.services import create_user

    password = secrets.token_urlsafe(16)
    login = f"bench-{role}-{secrets.token_hex(3)}"
    with app.app_context():
        create_user(login, role, password, display_name=f"Banc d'essai ({role})")
        settings.put("secretary_second_factor_exempt", True)  # the bench logs in once per role
    client = app.test_client()
    page = client.get("/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/connexion", data={"login": login, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.status_code
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    return client, {"X-CSRFToken": token}


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


def bench_patients(app, patients: int, requests: int) -> dict:
    from cabinet import demo

    with app.app_context():
        start = time.perf_counter()
        demo.seed(patients=patients, seed=1)
        seeded = time.perf_counter() - start
    client, headers = _client(app)
    queries = ["mar", "dup", "le", "bernard", "héloïse", "petit", "ro", "fra"]
    counter = iter(range(10**9))

    def search():
        q = queries[next(counter) % len(queries)]
        response = client.post(
            "/patients/recherche", data={"q": q}, headers={**headers, "HX-Request": "true"}
        )
        assert response.status_code == 200

    from cabinet.patients.models import Patient

    with app.app_context():
        ref = Patient.select(Patient.ref).limit(1).scalar()

    def show():
        assert client.get(f"/patients/{ref}").status_code == 200

    search()
    results = {
        "seed_patients_s": round(seeded, 2),
        "search_request": _summary(_timed(search, requests)),
        "patient_page_traced": _summary(_timed(show, requests)),
    }
    # The same page with trace() replaced by a no-op: the difference is the cost of tracing.
    import cabinet.patients.services as patient_services

    real = patient_services.trace
    patient_services.trace = lambda *args, **kwargs: None
    try:
        results["patient_page_untraced"] = _summary(_timed(show, requests))
    finally:
        patient_services.trace = real
    with app.test_request_context():
        from cabinet.audit import trace

        def one_trace():
            with database.atomic():
                trace(None, "patient.view", patient=ref, target="patient")

        results["trace_call"] = _summary(_timed(one_trace, requests))
    return results


def bench_agenda(app, appointments: int, requests: int) -> dict:
    from cabinet import demo

    with app.app_context():
        import random

        start = time.perf_counter()
        made = demo.seed_appointments(
            appointments, random.Random(1), demo.Pools(demo.Faker("fr_FR"))
        )
        seeded = time.perf_counter() - start

        first, last = database.execute_sql(
            "SELECT min(starts_at), max(starts_at) FROM appointment"
        ).fetchone()
    client, headers = _client(app)
    busy_day = (datetime.datetime.fromisoformat(str(last)) - datetime.timedelta(days=60)).date()

    def day():
        assert client.get(f"/agenda/?jour={busy_day.isoformat()}").status_code == 200

    def week():
        assert client.get(f"/agenda/?jour={busy_day.isoformat()}&vue=semaine").status_code == 200

    day()
    return {
        "appointments": made,
        "span": f"{str(first)[:10]} → {str(last)[:10]}",
        "seed_appointments_s": round(seeded, 1),
        "agenda_day_all_practitioners": _summary(_timed(day, requests)),
        "agenda_week_one_practitioner": _summary(_timed(week, requests)),
    }


def bench_audit_verify(app, traces: int) -> dict:
    """Write `traces` sealed entries in bulk, then time `audit verify` over all of them, and
    the reference check alone (one Python pass, as before issue 20) for comparison."""
    key = app.extensions["cabinet.audit_key"]
    written = bulk_traces(app, traces)
    with app.app_context():
        start = time.perf_counter()
        count = verification.verify_all(key)
        verified = time.perf_counter() - start
        start = time.perf_counter()
        reference = chain.verify(key, _reference_rows())
        referenced = time.perf_counter() - start
    assert reference == count
    return {
        "entries": count,
        "write_s": round(written, 1),
        "verify_s": round(verified, 1),
        "reference_single_pass_s": round(referenced, 1),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def _reference_rows():
    """Every trace as stored, as `chain.verify` reads them (the check before issue 20)."""
    fields = [getattr(Trace, name).coerce(False) for name in chain.FIELDS]
    for values in Trace.select(*fields).order_by(Trace.seq).tuples().iterator():
        row = dict(zip(chain.FIELDS, values, strict=True))
        row["at"] = datetime.datetime.fromisoformat(row["at"])
        yield row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument("--traces", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--retention-patients", type=int, default=100_000)
    parser.add_argument("--journey-rounds", type=int, default=3)
    parser.add_argument("--http-patients", type=int, default=100_000)
    parser.add_argument("--http-appointments", type=int, default=1_000_000)
    parser.add_argument("--http-traces", type=int, default=3_000_000)
    parser.add_argument("--http-rounds", type=int, default=3)
    parser.add_argument("--http-seconds", type=int, default=10)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        app = _instance(Path(tmp) / "instance")
        results["argon2_verify"] = bench_argon2(app)
        results.update(bench_patients(app, args.patients, args.requests))
        results["agenda"] = bench_agenda(app, args.appointments, max(20, args.requests // 4))
        results["audit_verify"] = bench_audit_verify(app, args.traces)
        database.close()
        results["retention"] = bench_retention(Path(tmp) / "retention", args.retention_patients)
    results["journeys"] = journeys.measure(args.journey_rounds)
    # Over real HTTP at a practice's size, beside the same pages on an unencrypted copy.
    results["http"] = pages.run(
        args.http_patients,
        args.http_appointments,
        args.http_traces,
        args.http_rounds,
        args.http_seconds,
        plain=True,
    )
    results["machine"] = {"cores": __import__("os").cpu_count()}
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    _print(results)


def _print(results: dict, prefix: str = "") -> None:
    for name, value in results.items():
        if isinstance(value, dict) and "median_ms" in value:
            print(
                f"{prefix + name:<44}{value['median_ms']:>10} ms médiane {value['p95_ms']:>10} ms p95"
                f"  (n={value['n']})"
            )
        elif isinstance(value, dict):
            _print(value, prefix=f"{prefix}{name}.")
        else:
            print(f"{prefix + name:<44}{value}")


if __name__ == "__main__":
    main()
