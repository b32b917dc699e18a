"""`flask --app app auth-purge`: expired sessions, old attempts and spent challenges."""

import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from cabinet import commands
from cabinet.auth import jobs
from cabinet.db import utcnow


@click.command("auth-purge")
@with_appcontext
def auth_purge_command():
    """Delete expired sessions, old login attempts and spent WebAuthn challenges."""
    commands.require_ready()
    lifetime = datetime.timedelta(seconds=current_app.config["PERMANENT_SESSION_LIFETIME"])
    summary = jobs.run(utcnow(), lifetime)
    click.echo(
        f"Sessions supprimées : {summary['sessions']}, tentatives : {summary['login_attempts']}, "
        f"défis : {summary['challenges']}."
    )
