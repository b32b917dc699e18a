"""`flask --app app compliance report [--json]`: the compliance report (G2) on the server."""

import json

import click
from flask.cli import AppGroup

from cabinet import commands
from cabinet.governance import report

group = AppGroup("compliance", help="Compliance report, measure by measure, with evidence.")


@group.command("report")
@click.option(
    "--json", "as_json", is_flag=True, help="JSON : measures (id, title, status, evidence)"
)
def report_command(as_json):
    """Print every measure with its status and its evidence; exit 0 (a report, not a check)."""
    commands.require_ready()
    rows = report.read(None)
    if as_json:
        click.echo(json.dumps({"measures": rows}, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"[{report.STATUSES[row['status']]}] {row['section']} {row['title']}")
        for line in row["evidence"]:
            click.echo(f"    - {line}")
        for item in row["practice_checklist"]:
            mark = f"confirmé le {item['confirmed_on']}" if item["confirmed_on"] else "à confirmer"
            click.echo(f"    [ ] {item['text']} ({mark})")
