"""`flask --app app reminders run`: queue and send the due e-mail reminders now."""

import click
from flask.cli import AppGroup

from cabinet import commands
from cabinet.db import utcnow
from cabinet.reminders import jobs

group = AppGroup("reminders", help="Rappels de rendez-vous par courriel (issue 17).")


@group.command("run")
def run_command():
    """Queue the due reminders and send the waiting messages (the scheduler does it every
    few minutes)."""
    commands.require_ready()
    counts = jobs.run(utcnow())
    click.echo(
        f"Rappels : {counts['new']} mis en file, {counts.get('sent', 0)} envoyé(s), "
        f"{counts.get('retry', 0)} à réessayer, {counts.get('failed', 0)} échec(s) "
        f"définitif(s), {counts.get('cancelled', 0)} annulé(s)."
    )
