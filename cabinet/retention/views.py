"""Archives (practitioners: read with a stated reason, restore) and the retention report
(admin: runs, dry run, anonymous counts)."""

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from cabinet.forms import FrenchForm
from cabinet.htmx import render
from cabinet.retention import bp, documents, engine, services
from cabinet.retention.forms import ArchiveSearchForm, ReasonForm, SimulationForm
from cabinet.security import require


def _status() -> int:
    return 200 if request.method == "GET" else 422


@bp.route("/archives/", methods=["GET", "POST"])
def archives():
    """Find an archived file by name (posted). Practitioners."""
    services.open_archives()
    form = ArchiveSearchForm()
    rows = []
    if form.validate_on_submit():
        rows = services.search_archives(current_user, form.q.data)
    return render("retention/archives.html", form=form, rows=rows, searched=form.is_submitted())


@bp.route("/archives/<patient_ref>", methods=["GET", "POST"])
def archived_file(patient_ref):
    """Read an archived file, read-only, after stating a reason (traced). Practitioners."""
    row = services.get_archived_or_404(patient_ref)
    form = ReasonForm()
    if not form.validate_on_submit():
        return render("retention/reason.html", row=row, form=form), _status()
    try:
        document = services.read_archived(current_user, row, form.reason.data)
    except engine.ArchiveError as refused:
        flash(str(refused), "error")
        return redirect(url_for("retention.archives"))
    return render(
        "retention/archived_file.html",
        row=row,
        doc=document,
        restore_form=FrenchForm(),
        labels=documents.labels(),
    )


@bp.route("/archives/<patient_ref>/restaurer", methods=["POST"])
@require("record.write")
def restore(patient_ref):
    """Bring a returning patient back to the active base; their clock restarts. Practitioners."""
    row = services.get_archived_or_404(patient_ref)
    if not FrenchForm().validate_on_submit():
        abort(400)
    try:
        patient = engine.restore(row.ref, current_user)
    except engine.ArchiveError as refused:
        flash(str(refused), "error")
        return redirect(url_for("retention.archives"))
    flash("Dossier restauré dans la base active.")
    return redirect(url_for("patients.show", patient_ref=patient.ref))


@bp.route("/conservation/", methods=["GET", "POST"])
@require("settings.manage")
def report():
    """Runs of the retention job, a dry run for any date, the anonymous counts. Admin."""
    form = SimulationForm()
    if form.validate_on_submit():
        summary, run = services.simulate(current_user, form.as_of.data)
        flash(
            f"Simulation au {summary['as_of']} : {summary['archived']} archivage(s), "
            f"{summary['deleted']} suppression(s)."
        )
        return redirect(url_for("retention.run_report", run_id=run.id))
    page = services.report(current_user)
    return render("retention/report.html", form=form, **page), _status()


@bp.route("/conservation/<int:run_id>")
@require("settings.manage")
def run_report(run_id):
    """One run, printable: what was (or would be) archived or deleted, and why. Admin."""
    return render("retention/run.html", **services.run_report(current_user, run_id))
