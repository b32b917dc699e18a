"""The admin's "Sauvegardes et continuité" pages: backup status and list, backup
settings, the printable restore procedure, the maintenance log. Admin only (A7)."""

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user

from cabinet.compliance import backups, bp, maintenance, manifest, rotation, services
from cabinet.compliance.forms import BackupSettingsForm, MaintenanceForm, NoteForm
from cabinet.compliance.models import MaintenanceEntry
from cabinet.htmx import render


def _overview() -> dict:
    target = backups.destination()
    entries = list(maintenance.entries(10))
    return {
        "backup_status": backups.status(),
        "destination": target,
        "copy_folder": backups.copy_destination(),
        "rows": backups.listing(target.path)[:40],
        "rules": rotation.current_rules(),
        "entries": entries,
        "notes": maintenance.notes_by_entry(entries),
    }


@bp.route("/")
def index():
    """Backup status, the backups, the maintenance log's latest entries. Admin."""
    return render("compliance/index.html", **_overview())


@bp.route("/parametres", methods=["GET", "POST"])
def backup_settings():
    """Where and when backups are made, how many are kept. Admin."""
    form = BackupSettingsForm(data=services.setting_values() if request.method == "GET" else None)
    if form.validate_on_submit():
        changed = services.save_settings(current_user, form.data)
        flash("Paramètres des sauvegardes enregistrés." if changed else "Aucune modification.")
        return redirect(url_for("compliance.index"))
    status = 200 if request.method == "GET" else 422
    environment = {
        "dir": current_app.config.get("BACKUP_DIR"),
        "copy": current_app.config.get("BACKUP_COPY_DIR"),
    }
    return render("compliance/settings.html", form=form, environment=environment, status=status)


@bp.route("/procedure")
def procedure():
    """The printable restore procedure, for the day the disk dies. Admin."""
    target = backups.destination()
    return render(
        "compliance/procedure.html",
        destination=target,
        copy_folder=backups.copy_destination(),
        last_good=backups.status().last_good,
        version=manifest.cabinet_version(),
    )


@bp.route("/main-courante", methods=["GET", "POST"])
def maintenance_log():
    """The maintenance log, printable; the admin records an intervention. Admin."""
    form = MaintenanceForm()
    if form.validate_on_submit():
        maintenance.record(current_user, **_entry_fields(form))
        flash("Intervention inscrite à la main courante.")
        return redirect(url_for("compliance.maintenance_log"))
    entries = list(maintenance.entries())
    return render(
        "compliance/maintenance.html",
        form=form,
        entries=entries,
        notes=maintenance.notes_by_entry(entries),
        can_edit=maintenance.can_edit,
        note_form=NoteForm(),
        status=200 if request.method == "GET" else 422,
    )


def _entry_fields(form: MaintenanceForm) -> dict:
    return {
        "occurred_on": form.occurred_on.data,
        "who": form.who.data.strip(),
        "provider": (form.provider.data or "").strip(),
        "what": form.what.data.strip(),
        "data_touched": form.data_touched.data == "yes",
    }


@bp.route("/main-courante/<entry_ref>/modifier", methods=["GET", "POST"])
def maintenance_edit(entry_ref):
    """Correct an intervention during its first 24 hours. Admin."""
    entry = MaintenanceEntry.get_or_404(MaintenanceEntry.ref == entry_ref)
    if not maintenance.can_edit(entry):
        flash("Cette intervention ne se modifie plus : ajoutez-lui une note.", "error")
        return redirect(url_for("compliance.maintenance_log"))
    form = MaintenanceForm(obj=entry if request.method == "GET" else None)
    if request.method == "GET":
        form.data_touched.data = "yes" if entry.data_touched else "no"
    if form.validate_on_submit():
        maintenance.update(current_user, entry, **_entry_fields(form))
        flash("Intervention corrigée.")
        return redirect(url_for("compliance.maintenance_log"))
    status = 200 if request.method == "GET" else 422
    return render("compliance/maintenance_edit.html", form=form, entry=entry, status=status)


@bp.route("/main-courante/<entry_ref>/note", methods=["POST"])
def maintenance_annotate(entry_ref):
    """Add a note to an intervention (the only change after 24 hours). Admin."""
    entry = MaintenanceEntry.get_or_404(MaintenanceEntry.ref == entry_ref)
    form = NoteForm()
    if form.validate_on_submit():
        maintenance.annotate(current_user, entry, form.text.data.strip())
        flash("Note ajoutée.")
    else:
        flash(form.text.errors[0] if form.text.errors else "Note refusée.", "error")
    return redirect(url_for("compliance.maintenance_log"))
