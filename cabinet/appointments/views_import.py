"""Import of the future appointments of the previous software (issue 17, second file), after
its patients: upload, preview, import. Admin only (`patient.import`)."""

from flask import flash, redirect, request, url_for
from flask_login import current_user

from cabinet.appointments import bp, importing
from cabinet.htmx import render
from cabinet.patients import imports
from cabinet.patients.forms import ImportRunForm, ImportUploadForm, import_mapping_form
from cabinet.patients.importing import FileRefused
from cabinet.security import require

KIND = "appointments"


@bp.route("/import", methods=["GET", "POST"])
@require("patient.import")
def import_new():
    """Send the CSV of future appointments; it is read in memory. Admin."""
    form = ImportUploadForm()
    error = None
    if form.validate_on_submit():
        try:
            pending = imports.start(current_user, form.raw_file(), KIND, importing.guess_mapping)
        except FileRefused as refused:
            error = str(refused)
        else:
            return redirect(url_for("appointments.import_show", import_ref=pending.ref))
    status = 200 if request.method == "GET" else 422
    return render("appointments/import_new.html", form=form, error=error), status


def _preview_page(pending, status: int = 200, problems=None, run_form=None):
    rows, mapping_problems = ([], [])
    if pending.status == "pending":
        rows, mapping_problems = importing.preview(current_user, pending)
    return render(
        "appointments/import_show.html",
        pending=pending,
        rows=rows,
        mapping_problems=mapping_problems,
        mapping_form=import_mapping_form(
            pending.header_list, pending.mapping_dict, importing.FIELDS
        ),
        run_form=run_form or ImportRunForm(),
        problems=problems or [],
    ), status


@bp.route("/import/<import_ref>")
@require("patient.import")
def import_show(import_ref):
    """The preview of a waiting import of appointments, or its outcome. Admin."""
    return _preview_page(imports.get_import_or_404(import_ref, KIND))


@bp.route("/import/<import_ref>/colonnes", methods=["POST"])
@require("patient.import")
def import_mapping(import_ref):
    """Change which of our fields each column gives. Admin."""
    pending = imports.get_import_or_404(import_ref, KIND)
    form = import_mapping_form(pending.header_list, pending.mapping_dict, importing.FIELDS)
    if pending.status == "pending" and form.validate_on_submit():
        imports.set_mapping(pending, form.mapping())
        flash("Correspondance des colonnes enregistrée.")
    return redirect(url_for("appointments.import_show", import_ref=pending.ref))


@bp.route("/import/<import_ref>/importer", methods=["POST"])
@require("patient.import")
def import_run(import_ref):
    """Book every row through the agenda's rules, all or nothing. Admin."""
    pending = imports.get_import_or_404(import_ref, KIND)
    form = ImportRunForm()
    if not form.validate_on_submit():
        return _preview_page(pending, 422, ["Formulaire expiré : recommencez."], form)
    try:
        done = importing.run(current_user, pending, form.leave_out_refused.data)
    except importing.ImportRefused as refused:
        flash(str(refused), "error")
        return _preview_page(pending, 422, refused.problems, form)
    flash(f"Import terminé : {done.created_count} rendez-vous créé(s).")
    return redirect(url_for("appointments.import_show", import_ref=done.ref))


@bp.route("/import/<import_ref>/abandonner", methods=["POST"])
@require("patient.import")
def import_abandon(import_ref):
    """Drop a waiting import of appointments and its cells. Admin."""
    pending = imports.get_import_or_404(import_ref, KIND)
    if pending.status == "pending":
        imports.abandon(current_user, pending)
        flash("Import abandonné : le contenu du fichier est effacé.")
    return redirect(url_for("appointments.import_new"))
