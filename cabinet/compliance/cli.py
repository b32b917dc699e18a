"""`flask --app app backup create | verify | list | restore | rotate | run`, `export-all`
and `wipe` (X2, X8). Every failure is one French line and exit status 1; nothing printed
holds a key (the export's password is shown once, as the issue asks)."""

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from cabinet import commands
from cabinet.compliance import backups, checks, jobs, manifest, restitution, restore, wipe
from cabinet.db import utcnow
from cabinet.formatting import local_datetime
from cabinet.locks import Busy

group = AppGroup("backup", help="Encrypted backups tested by a restore; restore; rotation.")
DIR = click.option(
    "--dir",
    "folder",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Dossier des sauvegardes (par défaut la destination configurée)",
)


def _size(count: int) -> str:
    return f"{count / 1_000_000:.1f} Mo".replace(".", ",")


@group.command("create")
@click.option("--json", "as_json", is_flag=True, help="Résumé en JSON")
def create_command(as_json):
    """Back up now (then the restore test, then the copy to the second destination)."""
    commands.require_ready()
    try:
        summary = backups.create("manual")
    except (manifest.BackupError, Busy) as refused:
        commands.fail(str(refused))
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        verdict = "vérifiée" if summary["verified"] else "ÉCHEC du test de restauration"
        click.echo(f"Sauvegarde {summary['name']} ({_size(summary['size'])}) : {verdict}.")
        for problem in summary["problems"]:
            click.echo(f"  - {problem}")
        if summary["copy"]:
            copy = summary["copy"]
            click.echo(
                f"Copie vers {copy['folder']} : {'vérifiée' if copy['verified'] else 'ÉCHEC'}."
            )
        if summary["warning"]:
            click.echo(f"Attention : {summary['warning']}", err=True)
    if not summary["verified"] or (summary["copy"] and not summary["copy"]["verified"]):
        raise SystemExit(1)


@group.command("verify")
@click.argument("reference", required=False)
@click.option("--all", "every", is_flag=True, help="Toutes les sauvegardes du dossier")
@DIR
def verify_command(reference, every, folder):
    """Restore test of a backup (by default the newest): exit 1 on any failure."""
    try:
        key = manifest.backup_key()
        folder = (folder or backups.destination().path).resolve()
        if every:
            paths = [row.path for row in backups.listing(folder, with_checks=False)]
        elif reference:
            paths = [backups.find(reference, folder)]
        else:
            paths = [row.path for row in backups.listing(folder, with_checks=False)][:1]
    except manifest.BackupError as refused:
        commands.fail(str(refused))
    if not paths:
        commands.fail(f"Aucune sauvegarde dans {folder}.")
    audit_key = current_app.extensions.get("cabinet.audit_key")
    failed = 0
    for path in paths:
        problems = checks.problems(path, key, audit_key)
        if audit_key is None:
            problems.append("Clé du journal introuvable : chaîne des traces non vérifiée.")
        if current_app.config["DATABASE_READY"]:
            checks.record_check(path.name, path.parent, problems)
        failed += bool(problems)
        click.echo(f"{path.name} : {'restauration d’essai réussie' if not problems else 'ÉCHEC'}")
        for problem in problems:
            click.echo(f"  - {problem}")
    if failed:
        raise SystemExit(1)


@group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Liste en JSON")
@DIR
def list_command(as_json, folder):
    """Every backup: name, date, size, last restore test."""
    folder = (folder or backups.destination().path).resolve()
    rows = backups.listing(folder)
    if as_json:
        click.echo(json.dumps([row.as_json() for row in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(f"Aucune sauvegarde dans {folder}.")
    for row in rows:
        if row.verified_at is None:
            verdict = "non vérifiée"
        else:
            outcome = "réussi" if row.verified_ok else "ÉCHEC"
            verdict = f"test du {local_datetime(row.verified_at)} : {outcome}"
        created = local_datetime(row.created_at)
        click.echo(f"{row.name}  {created}  {_size(row.size)}  {verdict}")


@group.command("restore")
@click.argument("reference")
@click.option(
    "--to",
    "target",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Nouveau dossier d'instance, ne contenant que keys/",
)
@click.option("--yes", is_flag=True, help="Confirmer la restauration en place")
@DIR
def restore_command(reference, target, yes, folder):
    """Restore a backup into a new instance folder (--to), or in place (--yes)."""
    try:
        if target is not None:
            summary = restore.restore_to(current_app, reference, target, folder)
        elif not yes:
            commands.fail(
                "La restauration en place remplace les données actuelles (gardées à côté) : "
                "ajoutez --yes pour confirmer, ou --to DOSSIER pour une nouvelle instance."
            )
        else:
            summary = restore.restore_in_place(current_app, reference, folder)
    except (manifest.BackupError, Busy) as refused:
        commands.fail(str(refused))
    click.echo(f"Sauvegarde {summary['name']} restaurée dans {summary['instance']}.")
    if summary["migrations"]:
        click.echo(f"Migrations appliquées : {', '.join(summary['migrations'])}.")
    for path in summary.get("aside", []):
        click.echo(f"Ancien fichier gardé : {path}")


@group.command("rotate")
@click.option("--dry-run", is_flag=True, help="Dire ce qui serait supprimé, sans rien supprimer")
def rotate_command(dry_run):
    """Delete the backups the rotation no longer keeps (7 daily, 4 weekly, 12 monthly)."""
    commands.require_ready()
    try:
        deleted = jobs.rotate(utcnow(), dry_run=dry_run)
    except Busy as refused:
        commands.fail(str(refused))
    verb = "serait supprimée" if dry_run else "supprimée"
    for path in deleted:
        click.echo(f"{path} : {verb}")
    click.echo(f"{len(deleted)} sauvegarde(s) hors rotation.")


@group.command("run")
@click.option("--force", is_flag=True, help="Sauvegarder même si la nuit est déjà faite")
def run_command(force):
    """The nightly job now: back up if due, then rotate (the scheduler runs it itself)."""
    commands.require_ready()
    try:
        summary = jobs.run(utcnow(), force=force)
    except (manifest.BackupError, Busy) as refused:
        commands.fail(str(refused))
    if summary is None:
        click.echo("Rien à faire : la sauvegarde de la nuit est déjà faite.")
        return
    click.echo(
        f"Sauvegarde {summary['name']} : {'vérifiée' if summary['verified'] else 'ÉCHEC'} ; "
        f"{len(summary['rotated'])} sauvegarde(s) supprimée(s) par la rotation."
    )
    if not summary["verified"]:
        raise SystemExit(1)


@click.command("export-all")
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Fichier ZIP chiffré à écrire",
)
@with_appcontext
def export_all_command(target):
    """Every data of the practice in open formats, in an AES-256 ZIP; password shown once."""
    commands.require_ready()
    try:
        summary = restitution.export_all(target)
    except restitution.ExportRefused as refused:
        commands.fail(str(refused))
    click.echo(
        f"Export écrit : {summary['path']} ({_size(summary['size'])}, "
        f"{summary['tables']} tables, {summary['rows']} lignes)."
    )
    click.echo(f"Mot de passe (affiché une seule fois, notez-le à part) : {summary['password']}")


@click.command("wipe")
@click.option(
    "--i-understand",
    "understood",
    is_flag=True,
    help="Confirmer : toutes les données de l'instance seront détruites",
)
@click.option(
    "--with-backups", is_flag=True, help="Détruire aussi les sauvegardes des destinations"
)
@with_appcontext
def wipe_command(understood, with_backups):
    """Destroy the instance for disposal: keys first, then every file overwritten and removed."""
    if not understood:
        commands.fail(
            "Effacement définitif de toutes les données : relancez avec --i-understand "
            "(faites d'abord `flask --app app export-all` si le cabinet doit les récupérer)."
        )
    try:
        report = wipe.wipe(current_app, with_backups=with_backups)
    except Busy as refused:
        commands.fail(str(refused))
    for line in report:
        click.echo(line)
