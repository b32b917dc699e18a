"""Writing traces: `trace()` is the one API every domain calls (T1)."""

from flask import current_app, has_request_context, request

from cabinet.audit.actions import ACTIONS
from cabinet.audit.chain import GENESIS, seal
from cabinet.audit.models import Trace
from cabinet.db import database, utcnow

SYSTEM_ACTOR = "système"


def _actor_fields(actor) -> tuple[int | None, str, str]:
    if actor is None or not getattr(actor, "is_authenticated", True):
        return None, SYSTEM_ACTOR if not has_request_context() else "anonyme", ""
    return actor.id, actor.display_name, actor.role


def _patient_ref(patient) -> str | None:
    if patient is None:
        return None
    return patient if isinstance(patient, str) else patient.ref


def _audit_key() -> bytes:
    return current_app.extensions["cabinet.audit_key"]


def trace(actor, action: str, patient=None, target=None, detail=None, outcome: str = "ok") -> Trace:
    """Write one sealed trace row inside the caller's transaction.

    `patient` is a patient (or its ref), `target` names the item concerned
    ("patient", "appointment:<ref>"), `detail` a short neutral note: never
    health content.
    """
    if action not in ACTIONS:
        raise ValueError(f"Undeclared audit action {action!r}")
    actor_id, actor_name, role = _actor_fields(actor)
    with database.atomic():
        # Insert first: the write lock it takes makes reading the previous seal race-free.
        row = Trace.create(
            at=utcnow(),
            actor_id=actor_id,
            actor_name=actor_name,
            role=role,
            action=action,
            patient_ref=_patient_ref(patient),
            target=target or "",
            detail=detail or "",
            client_address=(request.remote_addr or "") if has_request_context() else "",
            outcome=outcome,
        )
        previous = (
            Trace.select(Trace.seal)
            .where(Trace.seq < row.seq)
            .order_by(Trace.seq.desc())
            .limit(1)
            .scalar()
        )
        row.seal = seal(_audit_key(), row.__data__, previous or GENESIS)
        Trace.update(seal=row.seal).where(Trace.seq == row.seq).execute()
    return row
