"""`flask --app app create-user LOGIN --role ROLE`: the password from a prompt or stdin, never
an argument (S7)."""

import sys

import click
from flask.cli import with_appcontext

from cabinet import commands, db, settings
from cabinet.auth import policy
from cabinet.users.services import AccountError, create_user


@click.command("create-user")
@click.argument("login")
@click.option("--role", required=True, help="admin, practitioner ou secretary")
@click.option("--name", "display_name", default=None, help="Nom affiché")
@with_appcontext
def create_user_command(login, role, display_name):
    """Create an account; the password is read from a prompt or stdin, never an argument."""
    commands.require_ready()
    if sys.stdin.isatty():
        password = click.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    problems = policy.problems(password, settings.get("password_min_entropy"), (login,))
    if problems:
        commands.fail("Mot de passe refusé : " + " ".join(problems))
    try:
        # create_user hashes first, then writes in one short transaction, again if busy.
        db.retrying(lambda: create_user(login, role, password, display_name=display_name))
    except AccountError as exc:
        commands.fail(str(exc))
    click.echo(f"Compte « {login} » créé (rôle {role}).")
