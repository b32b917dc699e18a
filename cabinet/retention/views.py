"""Archives (practitioners: read with a stated reason, restore) and the retention report
(admin: runs, dry run, anonymous counts)."""

import datetime
import json

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from cabinet.audit import trace
from cabinet.forms import DateField, FrenchForm, choices
from cabinet.htmx import render
from cabinet.patients.identity import prefix_upper_bound, search_key
from cabinet.patients.models import Patient
from cabinet.retention import bp, documents, engine, jobs
from cabinet.retention.archive import ArchivedFile, ensure_schema
from cabinet.retention.models import RetentionRun
from cabinet.security import require

READ_REASONS = {
    "returning": "Le patient revient consulter",
    "request": "Demande du patient (droit d'accès)",
    "continuity": "Continuité des soins (demande d'un confrère)",
    "legal": "Demande d'une autorité ou contentieux",
}


class ArchiveSearchForm(FrenchForm):
    q = StringField("Nom du patient", validators=[DataRequired("Indiquez un nom."), Length(max=80)])

    def validate_q(self, field):
        if not search_key(field.data):
            raise ValidationError("Indiquez un nom : des lettres ou des chiffres.")


class ReasonForm(FrenchForm):
    reason = SelectField(
        "Motif de la consultation",
        choices=choices([("", "— Choisir —")] + list(READ_REASONS.items())),
        validators=[DataRequired("Choisissez un motif : la consultation est tracée.")],
    )


class SimulationForm(FrenchForm):
    as_of = DateField("À la date du", validators=[DataRequired("Indiquez une date valide.")])


@bp.route("/archives/", methods=["GET", "POST"])
def archives():
    """Find an archived file by name (posted). Practitioners."""
    ensure_schema()
    engine.recover()  # a move interrupted by a crash is finished before anyone looks
    form = ArchiveSearchForm()
    rows = []
    if form.validate_on_submit():
        key = search_key(form.q.data)
        rows = list(
            ArchivedFile.select(
                ArchivedFile.ref,
                ArchivedFile.search_key,
                ArchivedFile.birth_date,
                ArchivedFile.delete_on,
                ArchivedFile.archived_at,
            )
            .where(
                (ArchivedFile.search_key >= key)
                & (ArchivedFile.search_key < prefix_upper_bound(key))
                & (ArchivedFile.status == "archived")
            )
            .order_by(ArchivedFile.search_key)
            .limit(30)
        )
        trace(
            current_user,
            "retention.archive_search",
            target="archive",
            detail=f"{len(rows)} résultat(s)",
        )
    return render("retention/archives.html", form=form, rows=rows, searched=form.is_submitted())


def _archived_or_404(ref: str) -> ArchivedFile:
    ensure_schema()
    row = ArchivedFile.get_or_none((ArchivedFile.ref == ref) & (ArchivedFile.status == "archived"))
    if row is None:
        abort(404)
    return row


@bp.route("/archives/<patient_ref>", methods=["GET", "POST"])
def archived_file(patient_ref):
    """Read an archived file, read-only, after stating a reason (traced). Practitioners."""
    row = _archived_or_404(patient_ref)
    form = ReasonForm()
    if not form.validate_on_submit():
        status = 200 if request.method == "GET" else 422
        return render("retention/reason.html", row=row, form=form), status
    try:
        document = engine.read(row)
    except engine.ArchiveError as refused:
        flash(str(refused), "error")
        return redirect(url_for("retention.archives"))
    trace(
        current_user,
        "retention.archive_view",
        patient=row.ref,
        target="archive",
        detail=READ_REASONS[form.reason.data],
    )
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
    row = _archived_or_404(patient_ref)
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
    ensure_schema()
    form = SimulationForm()
    if form.validate_on_submit():
        summary = jobs.run(
            datetime.datetime.combine(form.as_of.data, datetime.time(0)),
            dry_run=True,
            actor=current_user,
        )
        run = RetentionRun.select().order_by(RetentionRun.id.desc()).first()
        flash(
            f"Simulation au {summary['as_of']} : {summary['archived']} archivage(s), "
            f"{summary['deleted']} suppression(s)."
        )
        return redirect(url_for("retention.run_report", run_id=run.id))
    if request.method == "GET":
        form.as_of.data = datetime.date.today()
    trace(current_user, "retention.report", target="retention")
    return render(
        "retention/report.html",
        form=form,
        runs=list(jobs.last_runs()),
        stats=engine.statistics(),
        policy=jobs.current_policy(),
    ), (200 if request.method == "GET" else 422)


@bp.route("/conservation/<int:run_id>")
@require("settings.manage")
def run_report(run_id):
    """One run, printable: what was (or would be) archived or deleted, and why. Admin."""
    run = RetentionRun.get_or_none(RetentionRun.id == run_id)
    if run is None:
        abort(404)
    summary = json.loads(run.summary or "{}")
    refs = [item["ref"] for item in summary.get("items", [])]
    names = {
        p.ref: f"{p.last_name.upper()} {p.first_names}"
        for p in Patient.select(Patient.ref, Patient.last_name, Patient.first_names).where(
            Patient.ref.in_(refs[:900])
        )
    }
    ensure_schema()
    names.update(
        {
            a.ref: a.search_key.upper()
            for a in ArchivedFile.select(ArchivedFile.ref, ArchivedFile.search_key).where(
                ArchivedFile.ref.in_(refs[:900])
            )
        }
    )
    trace(current_user, "retention.report", target=f"retention_run:{run.id}")
    return render("retention/run.html", run=run, summary=summary, names=names)
