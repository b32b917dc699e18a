"""What another worker's commit costs the next page: SQLite empties a connection's whole
page cache when it sees that the file changed since its last read, and with SQLCipher every
page read again is decrypted again. When the two gunicorn workers committed each page's
trace to the active base, every page over HTTP started on an empty cache; the traces of
readings now go to their own file, lectures.db (issue 20, docs/audit.md).

Usage: python -m bench.cache_invalidation [--patients N --appointments N --traces N]
(the instance of bench/pages.py, seeded or reused). One signed-in client, one request at a
time, median of 200 after 20 warm-ups, for each page:
- alone: nothing else writes;
- after a commit to the same file: a second connection commits one row to a scratch table
  of the instance's database before each request (what the other worker's trace does);
- after a commit to another file: the same commit into a scratch file attached to the
  second connection only (what a journal kept in its own file would do);
- after another worker's page view: a second signed-in client, in its own thread and with
  its own connections, opens a patient page before each request — what the other gunicorn
  worker really does. Since the journal of readings (lectures.db) its trace is committed
  there, so this column should stay near "alone".
The scratch table is dropped at the end; the scratch file is deleted.
"""

import json
import queue
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench.__main__ import _client, _instance
from bench.pages import prepare, size_arguments
from cabinet.db import database

SCRATCH = "bench_cache_scratch"


class _InItsOwnThread:
    """Something done in a thread of its own (so with its own connections: peewee keeps one
    per thread) each time it is asked, the caller waiting until it is done. `_run` signals
    `done` once ready, then once per `asked` True, and a last time on False."""

    def __init__(self, *args):
        self.asked: queue.Queue = queue.Queue()
        self.done: queue.Queue = queue.Queue()
        threading.Thread(target=self._run, args=args, daemon=True).start()
        self.done.get()

    def _run(self, *args):
        raise NotImplementedError

    def ask(self):
        self.asked.put(True)
        self.done.get()

    def stop(self):
        self.asked.put(False)
        self.done.get()


class OtherWorker(_InItsOwnThread):
    """A second connection that commits one row when asked."""

    def _run(self, app, attached: Path | None):
        with app.app_context():
            database.connect(reuse_if_open=True)
            table = SCRATCH
            if attached:
                database.execute_sql(f"ATTACH DATABASE '{attached}' AS scratch KEY ''")
                database.execute_sql("PRAGMA scratch.journal_mode=wal")
                table = f"scratch.{SCRATCH}"
            database.execute_sql(f"CREATE TABLE IF NOT EXISTS {table} (x)")
            self.done.put(True)
            while self.asked.get():
                with database.atomic():
                    database.execute_sql(f"INSERT INTO {table} VALUES (1)")  # noqa: S608
                self.done.put(True)
            if not attached:
                database.execute_sql(f"DROP TABLE {SCRATCH}")
            database.close()
            self.done.put(True)


class OtherViewer(_InItsOwnThread):
    """A second signed-in client that opens a page when asked: the other worker's page
    view, trace and all."""

    def _run(self, app, path: str):
        client, _ = _client(app)
        self.done.put(True)
        while self.asked.get():
            assert client.get(path).status_code == 200
            self.done.put(True)
        self.done.put(True)


def _median_ms(request, before=None, repeat: int = 200) -> float:
    samples = []
    for i in range(repeat + 20):
        if before:
            before()
        start = time.perf_counter()
        request()
        if i >= 20:
            samples.append(time.perf_counter() - start)
    return round(statistics.median(samples) * 1000, 2)


def measure(folder: Path, facts: dict) -> dict:
    app = _instance(folder)
    client, headers = _client(app)
    day, who, ref = facts["day"], facts["practitioner_ref"], facts["patient_ref"]
    htmx = {**headers, "HX-Request": "true"}
    pages = {
        "home": lambda: client.get("/"),
        "search": lambda: client.post("/patients/recherche", data={"q": "mar"}, headers=htmx),
        "agenda day": lambda: client.get(f"/agenda/?jour={day}"),
        "agenda week": lambda: client.get(f"/agenda/?jour={day}&vue=semaine&praticien={who}"),
        "patient page": lambda: client.get(f"/patients/{ref}"),
    }
    results = {name: {"alone_ms": _median_ms(page)} for name, page in pages.items()}
    same_file = OtherWorker(app, None)
    for name, page in pages.items():
        results[name]["after_a_commit_to_the_same_file_ms"] = _median_ms(page, same_file.ask)
    same_file.stop()
    with tempfile.TemporaryDirectory() as scratch:
        other_file = OtherWorker(app, Path(scratch) / "scratch.db")
        for name, page in pages.items():
            results[name]["after_a_commit_to_another_file_ms"] = _median_ms(page, other_file.ask)
        other_file.stop()
    viewer = OtherViewer(app, f"/patients/{ref}")
    for name, page in pages.items():
        results[name]["after_another_workers_page_view_ms"] = _median_ms(page, viewer.ask)
    viewer.stop()
    return results


def main() -> None:
    args = size_arguments().parse_args()
    folder, facts = prepare(args.patients, args.appointments, args.traces)
    results = measure(folder, facts)
    print(
        f"{'page':<14}{'alone':>8}{'same file':>11}{'other file':>12}{'other view':>12}"
        "  (ms, median)"
    )
    for name, row in results.items():
        print(
            f"{name:<14}{row['alone_ms']:>8}{row['after_a_commit_to_the_same_file_ms']:>11}"
            f"{row['after_a_commit_to_another_file_ms']:>12}"
            f"{row['after_another_workers_page_view_ms']:>12}"
        )
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
