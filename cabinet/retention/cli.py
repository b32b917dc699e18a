"""`flask --app app retention run [--dry-run] [--as-of] [--json]` (R5)."""

import json

import click
from flask import current_app
from flask.cli import AppGroup

from cabinet import commands
from cabinet.retention import jobs

group = AppGroup(
    "retention",
    help="Retention: archive after 5 years, delete after 20, purge care sheets and receipts.",
)


@group.command("run")
@click.option("--dry-run", is_flag=True, help="Dire ce qui serait fait, sans rien changer")
@commands.AS_OF
@click.option("--json", "as_json", is_flag=True, help="Résumé en JSON")
def run_command(dry_run, as_of, as_json):
    """Run the retention job now (the scheduler runs it every night)."""
    commands.require_ready()
    if current_app.extensions.get("cabinet.archive_key") is None:
        commands.fail("Clé de l'archive introuvable : lancez `flask --app app init`.")
    summary = jobs.run(commands.as_of(as_of), dry_run=dry_run)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"{'Simulation' if dry_run else 'Conservation'} au {summary['as_of']} : "
        f"{summary['archived']} archivé(s), {summary['deleted']} supprimé(s), "
        f"{summary['care_sheets_purged']} feuille(s) de soins et "
        f"{summary['receipts_purged']} recette(s) purgées, "
        f"{summary['traces_pruned']} trace(s) supprimée(s)."
    )
