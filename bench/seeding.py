"""Instances at a practice's size for the benchmarks, built once and reused (keyed by their
parameters under bench/instances/, git-ignored): fictitious data only (X7)."""

import datetime
import time
from pathlib import Path

INSTANCES = Path(__file__).resolve().parent / "instances"


def bulk_traces(app, total: int, journal=None) -> float:
    """Sealed traces written in bulk up to `total` entries in a journal (the active base's
    by default; the chain stays verifiable); returns the seconds it took. Their times follow
    the journal's last one (or 1 January 2026), three seconds apart or closer, and stay in
    the past: a journal's times follow its numbers (its viewers turn periods into number
    ranges)."""
    from cabinet.audit import journals
    from cabinet.audit.chain import GENESIS, seal
    from cabinet.db import utcnow

    journal = journal or journals.MAIN
    model, db = journal.model, journal.db
    key = app.extensions["cabinet.audit_key"]
    start = time.perf_counter()
    with app.app_context():
        previous = model.select(model.seal).order_by(model.seq.desc()).limit(1).scalar()
        previous = previous or GENESIS
        seq = model.select(model.seq).order_by(model.seq.desc()).limit(1).scalar() or 0
        at = model.select(model.at).order_by(model.seq.desc()).limit(1).scalar()
        at = at or datetime.datetime(2026, 1, 1)
        step = min(datetime.timedelta(seconds=3), (utcnow() - at) / max(1, total - seq + 1))
        rows = []
        for _ in range(total - seq):
            seq += 1
            at += step
            row = {
                "seq": seq,
                "at": at,
                "actor_id": 2,
                "actor_name": "Dr Banc",
                "role": "practitioner",
                "action": "patient.view",
                "patient_ref": "x" * 22,
                "target": "patient",
                "detail": "",
                "client_address": "127.0.0.1",
                "outcome": "ok",
            }
            row["seal"] = previous = seal(key, row, previous)
            rows.append(row)
            if len(rows) == 10_000:
                with db.atomic():
                    model.insert_many(rows).execute()
                rows.clear()
        if rows:
            with db.atomic():
                model.insert_many(rows).execute()
    return time.perf_counter() - start


def second_readings_journal(app):
    """The journal of readings the second gunicorn worker writes (lectures-2.db, created and
    recorded as that worker would: audit/journals.py), for the bench to fill like the first:
    each worker then writes into a journal of a practice's size, not into a new file."""
    from cabinet import db
    from cabinet.audit import journals

    with app.app_context():
        if 2 not in db.readings_slots():
            db._create_readings(2)
        return journals.readings(2)
