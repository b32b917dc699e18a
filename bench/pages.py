"""The main pages over real HTTP at a practice's size (issue 20): gunicorn as `make serve`
runs it (sync workers, one per core), real logins (the secretary with her password, a
practitioner with a software authenticator through the real WebAuthn endpoints), and wrk
(8 connections) in interleaved rounds against a bare template route of the same server.
With --plain, an unencrypted copy of the same data is served beside it by a second
gunicorn, and each round drives each page on both, one right after the other: the SQLCipher
ratio is the median of those pairs. Prints a table and returns the figures for
bench/results.json; asserts nothing.

Usage: python -m bench.pages [--patients 100000] [--appointments 1000000] [--traces 3000000]
                             [--rounds 3] [--seconds 10] [--plain]
"""

import argparse
import datetime
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench.http import Browser
from bench.seeding import INSTANCES, bulk_traces, second_readings_journal
from bench.served import gunicorn, instance_app

LUA = Path(__file__).resolve().parent / "wrk_page.lua"
CONNECTIONS = 8


def prepare(patients: int, appointments: int, traces: int) -> tuple[Path, dict]:
    """The instance for these sizes (seeded once, then reused) and what the pages need."""
    # Each journal holds `traces` entries: the active base's, and each of the two journals of
    # readings the two workers write every page view's trace in (lectures.db since 427311a,
    # lectures-2.db since each worker has its own: empty b-trees would be a lighter write
    # than a practice's).
    folder = INSTANCES / f"p{patients}-a{appointments}-t{traces}-r{traces}"
    ready = folder / "ready.json"
    if ready.exists():
        facts = json.loads(ready.read_text())
        if "readings_2_s" not in facts:  # seeded before each worker had its own journal
            app = instance_app(folder)
            facts["readings_2_s"] = round(bulk_traces(app, traces, second_readings_journal(app)), 1)
            ready.write_text(json.dumps(facts))
        return folder, facts
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    app = instance_app(folder)
    from cabinet import demo, settings
    from cabinet.audit import journals

    with app.app_context():
        demo.seed(patients=patients, seed=1, appointments=appointments)
        settings.put("secretary_second_factor_exempt", True)
        settings.put("idle_lock_minutes", 30)
    seeded = time.perf_counter() - started
    traced = bulk_traces(app, traces)
    readings = bulk_traces(app, traces, journals.READINGS_JOURNAL)
    # Each gunicorn worker writes its own journal of readings (docs/audit.md): both full.
    readings_2 = bulk_traces(app, traces, second_readings_journal(app))
    facts = {
        "seed_s": round(seeded, 1),
        "traces_s": round(traced, 1),
        "readings_s": round(readings, 1),
        "readings_2_s": round(readings_2, 1),
        **_targets(app),
    }
    ready.write_text(json.dumps(facts))
    return folder, facts


def _targets(app) -> dict:
    """A busy day, a practitioner, a patient of hers with a record: what the pages show."""
    from peewee import fn

    from cabinet.appointments.models import Appointment
    from cabinet.auth.models import User
    from cabinet.patients.models import CareAssignment, Patient
    from cabinet.records.models import RecordItem

    with app.app_context():
        busy = (
            Appointment.select(fn.date(Appointment.starts_at), fn.COUNT(Appointment.id))
            .where(Appointment.starts_at < datetime.datetime.now())
            .group_by(fn.date(Appointment.starts_at))
            .order_by(fn.COUNT(Appointment.id).desc())
            .limit(1)
            .tuples()
            .first()
        )
        recorded = RecordItem.select(RecordItem.patient).order_by(RecordItem.id.desc()).first()
        patient = Patient.get_by_id(recorded.patient_id)
        member = CareAssignment.get(CareAssignment.patient == patient.id)
        doctor = User.get_by_id(member.practitioner_id)
        return {
            "day": str(busy[0])[:10],
            "practitioner_ref": doctor.ref,
            "practitioner_id": doctor.id,
            "patient_ref": patient.ref,
            "patient_id": patient.id,
        }


def _accounts(folder: Path, facts: dict) -> dict:
    """Fresh bench accounts for this run (their passwords are never written anywhere).

    The earlier runs' accounts are disabled first: each bench practitioner holds an agenda,
    and piled up at the head of the day view they pushed the demo's agendas out of the
    first six, so each run measured a lighter day than the one before. The practitioner's
    name sorts after the demo's, so the day view shows the same six agendas every run."""
    from cabinet.auth.models import User
    from cabinet.db import utcnow
    from cabinet.patients.models import CareAssignment
    from cabinet.users.services import create_user

    app = instance_app(folder)
    secretary = (f"banc-sec-{secrets.token_hex(3)}", secrets.token_urlsafe(16))
    practitioner = (f"banc-prat-{secrets.token_hex(3)}", secrets.token_urlsafe(16))
    with app.app_context():
        User.update(disabled_at=utcnow(), disabled_reason="banc d'essai terminé").where(
            User.login.startswith("banc-") & User.disabled_at.is_null()
        ).execute()
        create_user(secretary[0], "secretary", secretary[1], display_name="Banc secrétaire")
        doctor = create_user(
            practitioner[0], "practitioner", practitioner[1], display_name="Zoé Banc (essai)"
        )
        CareAssignment.create(patient=facts["patient_id"], practitioner=doctor.id)
    from tests.soft_webauthn import SoftAuthenticator

    return {
        "secretary": secretary,
        "practitioner": practitioner,
        "authenticator": SoftAuthenticator(),
    }


def _wrk(port: int, path: str, seconds: int, cookie: str = "", **request) -> dict:
    env = {
        **os.environ,
        "BENCH_COOKIE": cookie,
        "BENCH_METHOD": request.get("method", "GET"),
        "BENCH_BODY": request.get("body", ""),
        "BENCH_CSRF": request.get("csrf", ""),
        "BENCH_HTMX": "1" if request.get("htmx") else "",
    }
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(LUA)]
    out = subprocess.run(  # noqa: S603 - wrk from Debian, our arguments
        [*command, f"http://127.0.0.1:{port}{path}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = json.loads(re.search(r"^JSON (.*)$", out, re.M).group(1))
    return {
        "rps": figures["requests"] / (figures["duration_us"] / 1e6),
        "p50_ms": figures["p50"] / 1000,
        "p95_ms": figures["p95"] / 1000,
        "p99_ms": figures["p99"] / 1000,
        "non_2xx": figures["status_errors"],
        "errors": figures["errors"],
    }


def _cookie(browser: Browser) -> str:
    return "; ".join(f"{k}={v}" for k, v in browser.cookies.items())


def _pages(port: int, facts: dict, accounts: dict) -> dict:
    """Each page: who asks it, and how (method, body, headers)."""
    secretary = Browser("127.0.0.1", port)
    secretary.login(*accounts["secretary"])
    doctor = Browser("127.0.0.1", port)
    authenticator = accounts["authenticator"]
    authenticator.origin = f"http://localhost:{port}"
    doctor.login_with_authenticator(*accounts["practitioner"], authenticator)
    token = secretary.htmx_token()
    day, who, ref = facts["day"], facts["practitioner_ref"], facts["patient_ref"]
    desk = {"cookie": _cookie(secretary)}
    return {
        "bare route": {"path": "/banc/nu"},
        "search": {
            **desk,
            "path": "/patients/recherche",
            "method": "POST",
            "body": "q=mar",
            "csrf": token,
            "htmx": True,
        },
        "agenda day": {**desk, "path": f"/agenda/?jour={day}"},
        "agenda week": {**desk, "path": f"/agenda/?jour={day}&vue=semaine&praticien={who}"},
        "patient page": {**desk, "path": f"/patients/{ref}"},
        "care record": {"cookie": _cookie(doctor), "path": f"/soins/{ref}"},
        "home": {**desk, "path": "/"},
        "login page": {"path": "/connexion"},
    }


def _check(port: int, page: dict) -> None:
    """The session still opens the page itself (not the login or the lock screen)."""
    browser = Browser("127.0.0.1", port)
    headers = {"Cookie": page.get("cookie", "")}
    if page.get("htmx"):
        headers |= {"HX-Request": "true", "X-CSRFToken": page["csrf"]}
    if page.get("method") == "POST":
        status, _, _ = browser.request("POST", page["path"], form={"q": "mar"}, headers=headers)
    else:
        status, _, _ = browser.request("GET", page["path"], headers=headers)
    if status != 200:
        raise RuntimeError(f"{page['path']} answered {status}: the bench measured a refusal")


def drive(port: int, page: dict, seconds: int, prefix: str = "") -> dict:
    """One round of wrk on a page of `_pages` (its path after `prefix`)."""
    options = {key: value for key, value in page.items() if key != "path"}
    return _wrk(port, prefix + page["path"], seconds, **options)


@contextmanager
def served_pages():
    """The instance at the issue's size served as `make serve` serves it, this run's bench
    accounts signed in: (port, each page's request). For the short looks (bench.quick,
    bench.trace_cost)."""
    folder, facts = prepare(100_000, 1_000_000, 3_000_000)
    accounts = _accounts(folder, facts)
    with gunicorn(folder, workers=os.cpu_count() or 2, wsgi="bench.wsgi:app") as port:
        yield port, _pages(port, facts, accounts)


def measure(folder, facts, accounts, rounds: int, seconds: int, plain: Path | None = None) -> dict:
    """Each page in `rounds` interleaved rounds, as served from `folder` (encrypted) and,
    given `plain`, from its unencrypted copy served at the same time by a second gunicorn:
    in each round, each page is driven on one server then on the other (in turn first), so
    the SQLCipher ratio compares figures taken seconds apart. Two runs taken one after the
    other compared the machine's moods as much as the encryption: the bare route itself moved
    by a fifth between them (docs/operations.md, 2026-12-07). The idle server waits in
    accept(): it takes no CPU from the one being driven."""
    servers = {"encrypted": (folder, "bench.wsgi:app", {})}
    if plain is not None:
        servers["unencrypted"] = (plain, "bench.wsgi:plain_app", {"CABINET_BENCH_PLAIN": "1"})
    samples: dict[str, dict[str, list[dict]]] = {side: {} for side in servers}
    workers = os.cpu_count() or 2
    with ExitStack() as stack:
        pages = {}
        for side, (where, wsgi, env) in servers.items():
            port = stack.enter_context(gunicorn(where, workers=workers, wsgi=wsgi, env=env))
            pages[side] = (port, _pages(port, facts, accounts))
        _check_all(pages.values())
        sides = list(servers)
        for round_ in range(rounds):
            for name in pages["encrypted"][1]:
                for side in sides if round_ % 2 == 0 else reversed(sides):
                    port, driven = pages[side]
                    samples[side].setdefault(name, []).append(drive(port, driven[name], seconds))
        _check_all(pages.values())
    tables = {side: _summarise(runs) for side, runs in samples.items()}
    if plain is not None:
        tables["sqlcipher_ratio"] = _ratios(samples["encrypted"], samples["unencrypted"])
    return tables


def _check_all(servers) -> None:
    """Before and after the rounds: each server's sessions still open each page."""
    for port, driven in servers:
        for page in driven.values():
            _check(port, page)


def _ratios(encrypted: dict[str, list[dict]], unencrypted: dict[str, list[dict]]) -> dict:
    """Per page, the median over rounds of encrypted / unencrypted requests/s, each pair
    taken in the same round."""
    return {
        name: round(
            statistics.median(
                a["rps"] / b["rps"] for a, b in zip(runs, unencrypted[name], strict=True)
            ),
            3,
        )
        for name, runs in encrypted.items()
    }


def _summarise(samples: dict[str, list[dict]]) -> dict:
    bare = samples["bare route"]
    table = {}
    for name, runs in samples.items():
        ratios = [run["rps"] / yardstick["rps"] for run, yardstick in zip(runs, bare, strict=True)]
        table[name] = {
            "rps": round(statistics.median(r["rps"] for r in runs), 1),
            "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 1),
            "p95_ms": round(statistics.median(r["p95_ms"] for r in runs), 1),
            "p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 1),
            "share_of_bare": round(statistics.median(ratios), 3),
            "non_2xx": sum(r["non_2xx"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
        }
    return table


def plain_copy(folder: Path) -> Path:
    """The same data without encryption, for the SQLCipher ratio (bench only)."""
    target = Path(tempfile.mkdtemp(prefix="cabinet-plain-"))
    shutil.copytree(folder / "keys", target / "keys")
    import sqlcipher3

    from cabinet import keys
    from cabinet.db import raw_key, readings_files

    key = keys.load(folder / "keys", "database")
    # The active base and its journals of readings (same key), each into a keyless file.
    further = [path.name for slot, path in readings_files(folder / "lectures.db") if slot > 1]
    for name in ("cabinet.db", "lectures.db", *further):
        connection = sqlcipher3.connect(str(folder / name))
        connection.execute(f'PRAGMA key = "{raw_key(key)}"')
        connection.execute(f"ATTACH DATABASE '{target / name}' AS plain KEY ''")
        connection.execute("SELECT sqlcipher_export('plain')")
        connection.execute("DETACH DATABASE plain")
        connection.close()
    return target


def print_table(title: str, table: dict) -> None:
    print(f"\n{title}")
    print(f"{'page':<14}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'× bare':>9}")
    for name, row in table.items():
        print(
            f"{name:<14}{row['rps']:>9}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['p99_ms']:>9}"
            f"{row['share_of_bare']:>9}"
            + (f"  ({row['non_2xx']} non-2xx)" if row["non_2xx"] else "")
        )


def run(patients, appointments, traces, rounds, seconds, plain) -> dict:
    folder, facts = prepare(patients, appointments, traces)
    results = {
        "size": {
            "patients": patients,
            "appointments": appointments,
            "traces": traces,
            # In each of the two journals of readings (one per worker).
            "traces_of_readings": traces,
            "journals_of_readings": 2,
        }
    }
    results["seeding"] = {
        "seed_s": facts["seed_s"],
        "traces_s": facts["traces_s"],
        "readings_s": facts.get("readings_s"),
        "readings_2_s": facts.get("readings_2_s"),
    }
    accounts = _accounts(folder, facts)
    copy = plain_copy(folder) if plain else None
    try:
        results.update(measure(folder, facts, accounts, rounds, seconds, plain=copy))
    finally:
        if copy is not None:
            shutil.rmtree(copy, ignore_errors=True)
    print_table(f"SQLCipher, {patients} patients, {appointments} rendez-vous", results["encrypted"])
    if plain:
        print_table(
            "Copie non chiffrée (banc seulement), servie en même temps", results["unencrypted"]
        )
        print("\nChiffré / non chiffré, médiane des manches (chaque paire dans la même manche)")
        for name, ratio in results["sqlcipher_ratio"].items():
            print(f"{name:<14}{ratio:>9}")
    return results


def size_arguments() -> argparse.ArgumentParser:
    """The instance's size on the command line: the issue's practice by default."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument("--traces", type=int, default=3_000_000)
    return parser


def main() -> None:
    parser = size_arguments()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--plain", action="store_true", help="also the unencrypted copy")
    args = parser.parse_args()
    results = run(
        args.patients, args.appointments, args.traces, args.rounds, args.seconds, args.plain
    )
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
