"""Keyed hash chain over the traces (T2): pure functions, no I/O.

seal(n) = HMAC-SHA-256(audit key, canonical(n) || seal(n-1)). Without the audit
key (kept apart from the database key), nobody can recompute the chain after
altering, removing, inserting or reordering a row.
"""

import hashlib
import hmac
import json

GENESIS = "0" * 64


def canonical(row: dict) -> bytes:
    """A stable byte form of the traced fields (the seal itself excluded)."""
    fields = {
        "seq": row["seq"],
        "at": row["at"].isoformat(timespec="microseconds"),
        "actor_id": row["actor_id"],
        "actor_name": row["actor_name"],
        "role": row["role"],
        "action": row["action"],
        "patient_ref": row["patient_ref"],
        "target": row["target"],
        "detail": row["detail"],
        "client_address": row["client_address"],
        "outcome": row["outcome"],
    }
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def seal(key: bytes, row: dict, previous_seal: str) -> str:
    message = canonical(row) + previous_seal.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
