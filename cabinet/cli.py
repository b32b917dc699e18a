"""The instance's own commands (`flask --app app init | migrate | seed-demo | demo-accounts`),
and the registration of every domain's commands. None prints a key or a password."""

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from cabinet import commands, db, demo, keys
from cabinet.audit import cli as audit_cli
from cabinet.auth import cli as auth_cli
from cabinet.compliance import cli as compliance_cli
from cabinet.compliance import maintenance
from cabinet.governance import cli as governance_cli
from cabinet.reminders import cli as reminders_cli
from cabinet.retention import cli as retention_cli
from cabinet.users import cli as users_cli


@click.command("init")
@with_appcontext
def init_command():
    """Create the keys (0600) and the encrypted database, apply migrations. Idempotent."""
    config = current_app.config
    keys_dir = config["KEYS_PATH"]
    config["INSTANCE_PATH"].mkdir(parents=True, exist_ok=True)
    config["INSTANCE_PATH"].chmod(0o700)
    # Keys are only created for stores that do not exist yet: a key beside existing data is
    # never replaced (open_stores has already refused a missing one).
    wanted = ["backup"]
    if not config["ARCHIVE_PATH"].exists():
        wanted.append("archive")
    if not config["DATABASE_READY"]:
        wanted += ["database", "audit"]
    created = [name for name in wanted if keys.create(keys_dir, name)]
    db.open_stores(current_app, create=True)
    # SQLite gives the -wal and -shm files the mode of the database file.
    config["DATABASE_PATH"].chmod(0o600)
    if created:
        click.echo(f"Clés créées dans {keys_dir} : {', '.join(created)}.")
        click.echo("Sauvegardez ce dossier à part : sans ces clés, les données sont perdues.")
    _migrate()
    click.echo(f"Base chiffrée prête : {config['DATABASE_PATH']}")


@click.command("migrate")
@with_appcontext
def migrate_command():
    """Apply pending migrations, each in its own transaction."""
    commands.require_ready()
    _migrate()


def _migrate() -> None:
    applied = db.migrate(db.database)
    if applied:
        # X8: the software's own updates appear in the maintenance log.
        maintenance.record_system(f"Mise à jour du schéma : {', '.join(applied)}.")
        click.echo(f"Migrations appliquées : {', '.join(applied)}.")
    else:
        click.echo("Base à jour (aucune migration en attente).")


@click.command("seed-demo")
@click.option("--patients", default=200, show_default=True, help="Nombre de patients fictifs")
@click.option("--seed", default=1, show_default=True, help="Graine (données déterministes)")
@click.option(
    "--appointments",
    default=None,
    type=int,
    help="Nombre de rendez-vous (par défaut 10 par patient)",
)
@click.option("--if-empty", is_flag=True, help="Ne rien faire si des comptes existent déjà")
@with_appcontext
def seed_demo_command(patients, seed, if_empty, appointments):
    """Load fictitious demo data (Faker fr_FR): accounts and patients."""
    commands.require_ready()
    if if_empty and demo.has_accounts():
        return
    if patients < 0:
        commands.fail("Le nombre de patients doit être positif.")
    if appointments is None:
        appointments = patients * 10
    if appointments < 0:
        commands.fail("Le nombre de rendez-vous doit être positif.")
    summary = demo.seed(patients=patients, seed=seed, appointments=appointments)
    click.echo(
        f"Données fictives chargées : {summary['patients']} patients, "
        f"{summary['appointments']} rendez-vous, {summary['accounts']} comptes."
    )


@click.command("demo-accounts")
@with_appcontext
def demo_accounts_command():
    """Print the demo accounts (from the git-ignored instance folder)."""
    click.echo(demo.accounts_text())


COMMANDS = [
    init_command,
    migrate_command,
    seed_demo_command,
    demo_accounts_command,
    users_cli.create_user_command,
    auth_cli.auth_purge_command,
    audit_cli.group,
    retention_cli.group,
    reminders_cli.group,
    compliance_cli.group,
    compliance_cli.export_all_command,
    compliance_cli.wipe_command,
    governance_cli.group,
]


def init_app(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
