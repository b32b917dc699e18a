"""Keyed hash chain over the traces (T2): pure functions, no I/O.

seal(n) = HMAC-SHA-256(audit key, canonical(n) || seal(n-1)). Without the audit
key (kept apart from the database key), nobody can recompute the chain after
altering, removing, inserting or reordering a row.
"""

import datetime
import hashlib
import hmac
import json

GENESIS = "0" * 64
# What a trace holds, in order; every field but the seal is sealed.
SEALED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "role",
    "action",
    "patient_ref",
    "target",
    "detail",
    "client_address",
    "outcome",
)
FIELDS = (*SEALED_FIELDS, "seal")
TEXT_FIELDS = ("actor_name", "role", "action", "target", "detail", "client_address", "outcome")


def canonical(row: dict) -> bytes:
    """A stable byte form of the traced fields (the seal itself excluded): their JSON, keys
    sorted, compact, UTF-8 kept."""
    at = row["at"].isoformat(timespec="microseconds")
    written = _written(row, at)
    if written is not None:
        return written
    fields = {name: row[name] for name in SEALED_FIELDS}
    fields["at"] = at
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


# How json.dumps(ensure_ascii=False) writes a text (the same C function it calls).
_text = json.encoder.encode_basestring


def _written(row: dict, at: str) -> bytes | None:
    """What json.dumps above writes, put together directly — a page view seals one trace, and
    json.dumps with sorted keys took a tenth of the trace (issue 20) — for the values the
    application writes (texts, whole numbers, None); None for anything else, which then
    goes through json.dumps. tests/test_audit_chain.py checks both give the same bytes."""
    parts = []
    for name in _SORTED:
        value = at if name == "at" else row[name]
        kind = type(value)
        if kind is str:
            parts.append(_KEYS[name] + _text(value))
        elif kind is int or value is None:
            parts.append(_KEYS[name] + ("null" if value is None else int.__repr__(value)))
        else:
            return None
    return ("{" + ",".join(parts) + "}").encode()


_SORTED = tuple(sorted(SEALED_FIELDS))
_KEYS = {name: f'"{name}":' for name in SEALED_FIELDS}


def seal(key: bytes, row: dict, previous_seal: str) -> str:
    message = canonical(row) + previous_seal.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


class ChainBroken(Exception):
    """The first entry where the chain does not hold; the message is in French."""

    def __init__(self, seq: int, message: str):
        super().__init__(message)
        self.seq = seq

    def __reduce__(self):
        # Raised in a worker process of the parallel check, re-raised in the parent.
        return (ChainBroken, (self.seq, str(self)))


def damage(row: dict) -> str | None:
    """What makes a stored row unreadable as a trace (in French), or None.

    A row edited outside the application can hold anything: a timestamp that is not
    one, a NULL, a number where text belongs. Such a row is named, never a traceback."""
    if not isinstance(row.get("at"), datetime.datetime):
        return "horodatage illisible"
    for name in (*TEXT_FIELDS, "seal"):
        if not isinstance(row.get(name), str):
            return f"champ « {name} » vide ou d'un type inattendu"
    for name, kind in (("actor_id", int), ("patient_ref", str)):
        if row.get(name) is not None and not isinstance(row[name], kind):
            return f"champ « {name} » d'un type inattendu"
    return None


def verify(key: bytes, rows, anchor: tuple[int, str] | None = None) -> int:
    """Check rows in sequence order; return how many were checked or raise ChainBroken.

    `anchor` is (seq, seal) of the last entry removed by a retention cut, or None when
    the chain starts at the beginning.
    """
    expected_seq, previous = (anchor[0] + 1, anchor[1]) if anchor else (1, GENESIS)
    count = 0
    for row in rows:
        if not isinstance(row.get("seq"), int):
            raise ChainBroken(
                expected_seq,
                f"Entrée n° {expected_seq} endommagée : son numéro est illisible.",
            )
        if row["seq"] > expected_seq:
            raise ChainBroken(
                expected_seq,
                f"Entrée n° {expected_seq} absente : elle a été supprimée "
                f"(la suivante conservée est la n° {row['seq']}).",
            )
        damaged = damage(row)
        if damaged:
            raise ChainBroken(
                row["seq"],
                f"Entrée n° {row['seq']} endommagée : {damaged} (modifiée hors de l'application).",
            )
        if row["seal"] != seal(key, row, previous):
            raise ChainBroken(
                row["seq"],
                f"Entrée n° {row['seq']} invalide : modifiée, insérée ou déplacée "
                "(son sceau ne correspond pas à son contenu et à l'entrée précédente).",
            )
        previous = row["seal"]
        expected_seq = row["seq"] + 1
        count += 1
    return count
