"""Import of the patients of the previous software (issue 17): upload, preview, import.
Admin only (`patient.import`)."""

from flask import flash, redirect, request, url_for
from flask_login import current_user

from cabinet.htmx import render
from cabinet.patients import bp, importing, imports
from cabinet.patients.forms import ImportRunForm, ImportUploadForm, import_mapping_form
from cabinet.security import require


@bp.route("/import", methods=["GET", "POST"])
@require("patient.import")
def import_new():
    """Send the CSV export of the previous software; it is read in memory. Admin."""
    form = ImportUploadForm()
    error = None
    if form.validate_on_submit():
        try:
            pending = imports.start(current_user, form.raw_file())
        except importing.FileRefused as refused:
            error = str(refused)
        else:
            return redirect(url_for("patients.import_show", import_ref=pending.ref))
    status = 200 if request.method == "GET" else 422
    return render("patients/import_new.html", form=form, error=error), status


def _preview_page(pending, status: int = 200, problems=None, run_form=None):
    return render(
        "patients/import_show.html",
        pending=pending,
        preview=imports.preview(current_user, pending) if pending.status == "pending" else None,
        mapping_form=import_mapping_form(pending.header_list, pending.mapping_dict),
        run_form=run_form or ImportRunForm(),
        problems=problems or [],
        fields=importing.FIELDS,
    ), status


@bp.route("/import/<import_ref>")
@require("patient.import")
def import_show(import_ref):
    """The preview of a waiting import (per row: created, refused, present), or its
    outcome. Admin."""
    return _preview_page(imports.get_import_or_404(import_ref))


@bp.route("/import/<import_ref>/colonnes", methods=["POST"])
@require("patient.import")
def import_mapping(import_ref):
    """Change which of our fields each column gives, then show the preview again. Admin."""
    pending = imports.get_import_or_404(import_ref)
    form = import_mapping_form(pending.header_list, pending.mapping_dict)
    if pending.status == "pending" and form.validate_on_submit():
        imports.set_mapping(pending, form.mapping())
        flash("Correspondance des colonnes enregistrée.")
    return redirect(url_for("patients.import_show", import_ref=pending.ref))


@bp.route("/import/<import_ref>/importer", methods=["POST"])
@require("patient.import")
def import_run(import_ref):
    """Create the files, all or nothing; refused with the list of problems. Admin."""
    pending = imports.get_import_or_404(import_ref)
    form = ImportRunForm()
    if not form.validate_on_submit():
        return _preview_page(pending, 422, ["Formulaire expiré : recommencez."], form)
    try:
        done = imports.run(current_user, pending, form.leave_out_refused.data)
    except imports.ImportRefused as refused:
        flash(str(refused), "error")
        return _preview_page(pending, 422, refused.problems, form)
    flash(f"Import terminé : {done.created_count} fiche(s) créée(s).")
    return redirect(url_for("patients.import_show", import_ref=done.ref))


@bp.route("/import/<import_ref>/abandonner", methods=["POST"])
@require("patient.import")
def import_abandon(import_ref):
    """Drop a waiting import and its cells. Admin."""
    pending = imports.get_import_or_404(import_ref)
    if pending.status == "pending":
        imports.abandon(current_user, pending)
        flash("Import abandonné : le contenu du fichier est effacé.")
    return redirect(url_for("patients.import_new"))
