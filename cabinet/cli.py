"""Command-line entry points: `flask --app app <command>`. None prints a key or a password."""

import sys

import click
from flask import Flask, current_app

from cabinet import db, keys


def _fail(message: str):
    click.echo(message, err=True)
    sys.exit(1)


def init_app(app: Flask) -> None:
    @app.cli.command("init")
    def init_command():
        """Create the keys (0600) and the encrypted database, apply migrations. Idempotent."""
        from cabinet import open_stores

        config = current_app.config
        keys_dir = config["KEYS_PATH"]
        config["INSTANCE_PATH"].mkdir(parents=True, exist_ok=True)
        config["INSTANCE_PATH"].chmod(0o700)
        # Keys are only created for stores that do not exist yet: a key beside existing
        # data is never replaced (open_stores has already refused a missing one).
        wanted = ["backup"]
        if not config["ARCHIVE_PATH"].exists():
            wanted.append("archive")
        if not config["DATABASE_READY"]:
            wanted += ["database", "audit"]
        created = [name for name in wanted if keys.create(keys_dir, name)]
        open_stores(current_app, create=True)
        # SQLite gives the -wal and -shm files the mode of the database file.
        config["DATABASE_PATH"].chmod(0o600)
        if created:
            click.echo(f"Clés créées dans {keys_dir} : {', '.join(created)}.")
            click.echo("Sauvegardez ce dossier à part : sans ces clés, les données sont perdues.")
        _migrate()
        click.echo(f"Base chiffrée prête : {config['DATABASE_PATH']}")

    @app.cli.command("migrate")
    def migrate_command():
        """Apply pending migrations, each in its own transaction."""
        if not current_app.config["DATABASE_READY"]:
            _fail("La base n'existe pas encore : lancez d'abord `flask --app app init`.")
        _migrate()

    @app.cli.command("create-user")
    @click.argument("login")
    @click.option("--role", required=True, help="admin, practitioner ou secretary")
    @click.option("--name", "display_name", default=None, help="Nom affiché")
    def create_user_command(login, role, display_name):
        """Create an account; the password is read from a prompt or stdin, never an argument."""
        from cabinet import settings
        from cabinet.auth import policy
        from cabinet.users.services import AccountError, create_user

        _require_ready()
        if sys.stdin.isatty():
            password = click.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
        else:
            password = sys.stdin.readline().rstrip("\n")
        problems = policy.problems(password, settings.get("password_min_entropy"), (login,))
        if problems:
            _fail("Mot de passe refusé : " + " ".join(problems))
        try:
            # create_user hashes first, then writes in one short transaction, again if busy.
            db.retrying(lambda: create_user(login, role, password, display_name=display_name))
        except AccountError as exc:
            _fail(str(exc))
        click.echo(f"Compte « {login} » créé (rôle {role}).")

    @app.cli.command("seed-demo")
    @click.option("--patients", default=200, show_default=True, help="Nombre de patients fictifs")
    @click.option("--seed", default=1, show_default=True, help="Graine (données déterministes)")
    @click.option(
        "--appointments",
        default=None,
        type=int,
        help="Nombre de rendez-vous (par défaut 10 par patient)",
    )
    @click.option("--if-empty", is_flag=True, help="Ne rien faire si des comptes existent déjà")
    def seed_demo_command(patients, seed, if_empty, appointments):
        """Load fictitious demo data (Faker fr_FR): accounts and patients."""
        from cabinet import demo

        _require_ready()
        if if_empty and demo.has_accounts():
            return
        if patients < 0:
            _fail("Le nombre de patients doit être positif.")
        if appointments is None:
            appointments = patients * 10
        if appointments < 0:
            _fail("Le nombre de rendez-vous doit être positif.")
        summary = demo.seed(patients=patients, seed=seed, appointments=appointments)
        click.echo(
            f"Données fictives chargées : {summary['patients']} patients, "
            f"{summary['appointments']} rendez-vous, {summary['accounts']} comptes."
        )

    @app.cli.command("auth-purge")
    def auth_purge_command():
        """Delete expired sessions, old login attempts and spent WebAuthn challenges."""
        import datetime

        from cabinet.auth import jobs
        from cabinet.db import utcnow

        _require_ready()
        lifetime = datetime.timedelta(seconds=current_app.config["PERMANENT_SESSION_LIFETIME"])
        summary = jobs.run(utcnow(), lifetime)
        click.echo(
            f"Sessions supprimées : {summary['sessions']}, tentatives : {summary['login_attempts']}, "
            f"défis : {summary['challenges']}."
        )

    @app.cli.group("audit")
    def audit_group():
        """The audit trail: verify the sealed chain, prune old traces."""

    @audit_group.command("verify")
    def audit_verify_command():
        """Check every trace's seal; exit 1 naming the first broken entry."""
        import time

        from peewee import DatabaseError

        from cabinet.audit import verification

        _require_ready()
        started = time.perf_counter()
        try:
            count = verification.verify_all(current_app.extensions["cabinet.audit_key"])
        except verification.ChainBroken as broken:
            _fail(f"Journal altéré — {broken}")
        except DatabaseError as error:
            # The trace table itself is unreadable (dropped, malformed page): say so, once.
            _fail(f"Journal illisible — {type(error).__name__} : rien n'a été vérifié.")
        click.echo(
            f"Journal intègre : {count} entrée(s) vérifiée(s) en {time.perf_counter() - started:.1f} s."
        )

    @audit_group.command("prune")
    @click.option("--as-of", "as_of", default=None, help="Date de référence AAAA-MM-JJ")
    def audit_prune_command(as_of):
        """Delete traces older than the retention setting (default 1 year)."""
        from cabinet.audit import jobs

        _require_ready()
        summary = jobs.run(_as_of(as_of))
        click.echo(
            f"Traces supprimées : {summary['pruned']} (antérieures au {summary['cutoff'][:10]})."
        )

    @app.cli.group("retention")
    def retention_group():
        """Retention: archive after 5 years, delete after 20, purge care sheets and receipts."""

    @retention_group.command("run")
    @click.option("--dry-run", is_flag=True, help="Dire ce qui serait fait, sans rien changer")
    @click.option("--as-of", "as_of", default=None, help="Date de référence AAAA-MM-JJ")
    @click.option("--json", "as_json", is_flag=True, help="Résumé en JSON")
    def retention_run_command(dry_run, as_of, as_json):
        """Run the retention job now (the scheduler runs it every night)."""
        import json

        from cabinet.retention import jobs

        _require_ready()
        if current_app.extensions.get("cabinet.archive_key") is None:
            _fail("Clé de l'archive introuvable : lancez `flask --app app init`.")
        summary = jobs.run(_as_of(as_of), dry_run=dry_run)
        if as_json:
            click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        else:
            click.echo(
                f"{'Simulation' if dry_run else 'Conservation'} au {summary['as_of']} : "
                f"{summary['archived']} archivé(s), {summary['deleted']} supprimé(s), "
                f"{summary['care_sheets_purged']} feuille(s) de soins et "
                f"{summary['receipts_purged']} recette(s) purgées, "
                f"{summary['traces_pruned']} trace(s) supprimée(s)."
            )

    @app.cli.command("demo-accounts")
    def demo_accounts_command():
        """Print the demo accounts (from the git-ignored instance folder)."""
        from cabinet import demo

        click.echo(demo.accounts_text())


def _as_of(value: str | None):
    """A date given on the command line as midnight UTC, or now."""
    import datetime

    from cabinet import dates
    from cabinet.db import utcnow

    if value is None:
        return utcnow()
    day = dates.parse_day(value)
    if day is None:
        _fail(
            f"Date invalide : {value} (format attendu AAAA-MM-JJ, "
            f"entre {dates.FIRST_DAY.year} et {dates.LAST_DAY.year})."
        )
    return datetime.datetime.combine(day, datetime.time(0))


def _require_ready() -> None:
    if not current_app.config["DATABASE_READY"]:
        _fail("La base n'existe pas encore : lancez d'abord `flask --app app init`.")


def _migrate() -> None:
    applied = db.migrate(db.database)
    if applied:
        click.echo(f"Migrations appliquées : {', '.join(applied)}.")
    else:
        click.echo("Base à jour (aucune migration en attente).")
