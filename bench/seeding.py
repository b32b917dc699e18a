"""Instances at a practice's size for the benchmarks, built once and reused (keyed by their
parameters under bench/instances/, git-ignored): fictitious data only (X7)."""

import datetime
import time
from pathlib import Path

from cabinet.db import database

INSTANCES = Path(__file__).resolve().parent / "instances"


def bulk_traces(app, total: int) -> float:
    """Sealed traces written in bulk up to `total` entries (the chain stays verifiable);
    returns the seconds it took."""
    from cabinet.audit.chain import GENESIS, seal
    from cabinet.audit.models import Trace

    key = app.extensions["cabinet.audit_key"]
    start = time.perf_counter()
    with app.app_context():
        previous = Trace.select(Trace.seal).order_by(Trace.seq.desc()).limit(1).scalar() or GENESIS
        seq = Trace.select(Trace.seq).order_by(Trace.seq.desc()).limit(1).scalar() or 0
        at = datetime.datetime(2026, 1, 1)
        rows = []
        for _ in range(total - seq):
            seq += 1
            at += datetime.timedelta(seconds=3)
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
                with database.atomic():
                    Trace.insert_many(rows).execute()
                rows.clear()
        if rows:
            with database.atomic():
                Trace.insert_many(rows).execute()
    return time.perf_counter() - start
