"""The care record of one patient: reading (care team, shared, break-glass), items and their
versions, sessions, the printable summary."""

import datetime

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from cabinet.audit import trace
from cabinet.formatting import euros
from cabinet.forms import FrenchForm
from cabinet.htmx import render
from cabinet.patients.services import get_patient_or_404
from cabinet.records import bp, forms, services
from cabinet.records.models import CareSheet, RecordItem, RecordItemVersion
from cabinet.security import require


def _open(patient_ref: str, trace_view: bool = True):
    """The patient and the basis of access, or a redirect to the break-glass page."""
    patient = get_patient_or_404(patient_ref)
    basis = services.require_record_access(current_user, patient)
    if basis is None:
        return patient, None, redirect(url_for("records.break_glass", patient_ref=patient.ref))
    if trace_view and request.method == "GET":
        # One trace per page of the record shown (a POST is traced by the change it makes).
        services.open_record(current_user, patient, basis)
    return patient, basis, None


@bp.route("/<patient_ref>")
def show(patient_ref):
    """The whole care record with every item's history. Practitioners in scope."""
    patient, basis, elsewhere = _open(patient_ref)
    if elsewhere:
        return elsewhere
    sessions = list(
        services.CareSession.select()
        .where(services.CareSession.patient == patient.id)
        .order_by(services.CareSession.session_date.desc())
    )
    return render(
        "records/show.html",
        patient=patient,
        basis=basis,
        items=services.current_items(patient),
        sessions=sessions,
        consent=services.has_lifestyle_consent(patient),
        form=forms.ItemForm(),
        action_form=FrenchForm(),
        versions=_versions(patient),
        sheets=list(
            CareSheet.select()
            .where(CareSheet.patient == patient.id)
            .order_by(CareSheet.created_at.desc())
        ),
        mistake_delay=services.MISTAKE_DELAY,
        now=services.utcnow(),
    )


def _versions(patient):
    by_item = {}
    query = (
        RecordItemVersion.select(RecordItemVersion, RecordItem)
        .join(RecordItem)
        .where(RecordItem.patient == patient.id)
        .order_by(RecordItemVersion.number)
    )
    for version in query:
        by_item.setdefault(version.item_id, []).append(version)
    return by_item


@bp.route("/<patient_ref>/acces-exceptionnel", methods=["GET", "POST"])
def break_glass(patient_ref):
    """Open the record of a patient outside my care team, with a stated reason (traced,
    shown to the treating practitioner, valid for this session). Practitioners."""
    patient = get_patient_or_404(patient_ref)
    if services.require_record_access(current_user, patient):
        return redirect(url_for("records.show", patient_ref=patient.ref))
    form = forms.BreakGlassForm()
    if form.validate_on_submit():
        services.break_glass(current_user, patient, form.reason.data, form.note.data)
        return redirect(url_for("records.show", patient_ref=patient.ref))
    status = 200 if request.method == "GET" else 422
    return render("records/break_glass.html", patient=patient, form=form), status


@bp.route("/<patient_ref>/elements", methods=["POST"])
@require("record.write")
def add_item(patient_ref):
    """Add an antecedent, allergy, treatment, diagnosis, measurement, exam or lifestyle item."""
    patient, _, elsewhere = _open(patient_ref)
    if elsewhere:
        return elsewhere
    form = forms.ItemForm()
    if form.validate_on_submit():
        try:
            services.add_item(
                current_user,
                patient,
                form.kind.data,
                form.label.data,
                form.value.data,
                form.unit.data,
                form.observed_on.data,
                form.note.data,
            )
        except services.RecordRefused as refused:
            flash(str(refused), "error")
        else:
            flash("Élément ajouté au dossier.")
    else:
        flash(
            "Élément refusé : " + " ".join(e for errors in form.errors.values() for e in errors),
            "error",
        )
    return redirect(url_for("records.show", patient_ref=patient.ref))


def _item_or_404(item_ref):
    item = RecordItem.get_or_none(RecordItem.ref == item_ref)
    if item is None:
        abort(404)
    return item


@bp.route("/element/<item_ref>/corriger", methods=["GET", "POST"])
@require("record.write")
def correct_item(item_ref):
    """Correct an item: a new version, the former ones kept. Practitioners in scope."""
    item = _item_or_404(item_ref)
    patient, _, elsewhere = _open(item.patient.ref)
    if elsewhere:
        return elsewhere
    latest = item.versions.order_by(RecordItemVersion.number.desc()).first()
    form = forms.ItemForm(obj=latest, kind=item.kind)
    form.kind.data = item.kind
    if form.validate_on_submit():
        try:
            services.correct_item(
                current_user,
                item,
                form.label.data,
                form.value.data,
                form.unit.data,
                form.observed_on.data,
                form.note.data,
            )
            flash("Correction enregistrée (nouvelle version).")
        except services.RecordRefused as refused:
            flash(str(refused), "error")
        return redirect(url_for("records.show", patient_ref=patient.ref))
    status = 200 if request.method == "GET" else 422
    return render("records/correct.html", item=item, patient=patient, form=form), status


@bp.route("/element/<item_ref>/supprimer", methods=["POST"])
@require("record.write")
def delete_item(item_ref):
    """Delete an item created by mistake: its author, within 24 hours. Practitioners."""
    item = _item_or_404(item_ref)
    patient, _, elsewhere = _open(item.patient.ref)
    if elsewhere:
        return elsewhere
    try:
        services.delete_mistake(current_user, item)
        flash("Élément supprimé.")
    except services.RecordRefused as refused:
        flash(str(refused), "error")
    return redirect(url_for("records.show", patient_ref=patient.ref))


@bp.route("/<patient_ref>/accord-habitudes-de-vie", methods=["POST"])
@require("record.write")
def lifestyle_consent(patient_ref):
    """Record the patient's agreement to note lifestyle items (§5 g). Practitioners."""
    patient, _, elsewhere = _open(patient_ref)
    if elsewhere:
        return elsewhere
    if FrenchForm().validate_on_submit():
        try:
            services.record_lifestyle_consent(current_user, patient)
            flash("Accord du patient enregistré.")
        except services.RecordRefused as refused:
            flash(str(refused), "error")
    return redirect(url_for("records.show", patient_ref=patient.ref))


@bp.route("/<patient_ref>/seance", methods=["GET", "POST"])
@require("record.write")
def new_session(patient_ref):
    """Record a care session: acts from the list, pain, range of motion, weight, a short
    observation, and the payment if made. Practitioners in scope."""
    patient, _, elsewhere = _open(patient_ref)
    if elsewhere:
        return elsewhere
    form = forms.SessionForm()
    acts = {str(a.id): a for a in services.active_acts()}
    form.acts.choices = [(key, f"{a.code} — {a.label} ({euros(a.fee)})") for key, a in acts.items()]
    if request.method == "GET":
        form.session_date.data = datetime.date.today()
    error = None
    if form.validate_on_submit():
        chosen = [(acts[key], 1) for key in form.acts.data if key in acts]
        try:
            services.record_session(
                current_user,
                patient,
                form.session_date.data,
                chosen,
                form.pain_score.data,
                form.range_of_motion.data,
                form.note.data,
                form.paid.data or None,
            )
            if form.weight.data is not None:
                services.add_item(
                    current_user,
                    patient,
                    "measurement",
                    "Poids",
                    form.weight.data,
                    "kg",
                    form.session_date.data,
                )
        except services.RecordRefused as refused:
            error = str(refused)
        else:
            flash("Séance enregistrée.")
            return redirect(url_for("records.show", patient_ref=patient.ref))
    status = 200 if request.method == "GET" else 422
    return render("records/session.html", patient=patient, form=form, error=error), status


@bp.route("/<patient_ref>/synthese")
def print_summary(patient_ref):
    """Printable care summary (A6: printing is traced). Practitioners in scope."""
    patient, basis, elsewhere = _open(patient_ref, trace_view=False)
    if elsewhere:
        return elsewhere
    trace(current_user, "record.print", patient=patient, target="record")
    sessions = list(
        services.CareSession.select()
        .where(services.CareSession.patient == patient.id)
        .order_by(services.CareSession.session_date.desc())
        .limit(20)
    )
    return render(
        "records/summary.html",
        patient=patient,
        items=services.current_items(patient),
        sessions=sessions,
        printed_at=services.utcnow(),
    )
