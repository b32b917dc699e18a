"""`flask --app app audit verify | prune`: the sealed chain checked, old traces pruned (T2, T6)."""

import time

import click
from flask import current_app
from flask.cli import AppGroup
from peewee import DatabaseError

from cabinet import commands
from cabinet.audit import jobs, verification
from cabinet.audit.services import trace

group = AppGroup("audit", help="The audit trail: verify the sealed chain, prune old traces.")


@group.command("verify")
def verify_command():
    """Check every trace's seal; exit 1 naming the first broken entry."""
    commands.require_ready()
    started = time.perf_counter()
    try:
        counts = verification.verify_journals(current_app.extensions["cabinet.audit_key"])
    except verification.ChainBroken as broken:
        commands.fail(f"Journal altéré — {broken}")
    except DatabaseError as error:
        # The trace table itself is unreadable (dropped, malformed page): say so, once.
        commands.fail(f"Journal illisible — {type(error).__name__} : rien n'a été vérifié.")
    count = counts.pop("principal")
    readings = sum(counts.values())
    # One journal of readings per process that wrote readings (audit/journals.py).
    files = f", en {len(counts)} fichiers" if len(counts) > 1 else ""
    # The compliance report shows the last verification (G2): it is itself a trace.
    trace(
        None,
        "audit.verify",
        detail=f"{count + readings} entrée(s) vérifiée(s), dont {readings} consultation(s)",
    )
    click.echo(
        f"Journal intègre : {count + readings} entrée(s) vérifiée(s) "
        f"({count} au journal principal, {readings} au journal des consultations{files}) "
        f"en {time.perf_counter() - started:.1f} s."
    )


@group.command("prune")
@commands.AS_OF
def prune_command(as_of):
    """Delete traces older than the retention setting (default 1 year)."""
    commands.require_ready()
    summary = jobs.run(commands.as_of(as_of))
    click.echo(
        f"Traces supprimées : {summary['pruned']} (antérieures au {summary['cutoff'][:10]})."
    )
