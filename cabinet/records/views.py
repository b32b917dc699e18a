"""The care record of one patient: reading (care team, shared, break-glass), items and their
versions, sessions, the printable summary."""

from flask import flash, redirect, request, url_for
from flask_login import current_user

from cabinet.forms import FrenchForm
from cabinet.htmx import render
from cabinet.patients.services import get_patient_or_404
from cabinet.records import billing, bp, forms, scope, services
from cabinet.security import require


@bp.errorhandler(scope.OutsideCareTeam)
def _break_glass_first(outside: scope.OutsideCareTeam):
    """A practitioner outside the care team states a reason before any page of the record."""
    return redirect(url_for("records.break_glass", patient_ref=outside.patient.ref))


def _open(patient_ref: str):
    """The patient and the basis of access (OutsideCareTeam goes to the break-glass page).
    One trace per page of the record shown: a POST is traced by the change it makes."""
    return scope.get_record_or_404(current_user, patient_ref, traced=request.method == "GET")


def _back_to_record(patient):
    return redirect(url_for("records.show", patient_ref=patient.ref))


def _status() -> int:
    return 200 if request.method == "GET" else 422


def _attempt(done: str, change, *args, **kwargs) -> None:
    """Make a record change as the current user; say `done`, or why it was refused
    (nothing was saved)."""
    try:
        change(current_user, *args, **kwargs)
    except scope.RecordRefused as refused:
        flash(str(refused), "error")
    else:
        flash(done)


@bp.route("/<patient_ref>")
def show(patient_ref):
    """The whole care record with every item's history. Practitioners in scope."""
    patient, basis = _open(patient_ref)
    return _record_page(patient, basis, forms.ItemForm())


def _record_page(patient, basis: str, form, status: int = 200):
    return render(
        "records/show.html",
        status=status,
        patient=patient,
        basis=basis,
        form=form,
        action_form=FrenchForm(),
        **services.record_page(patient),
    )


@bp.route("/<patient_ref>/acces-exceptionnel", methods=["GET", "POST"])
def break_glass(patient_ref):
    """Open the record of a patient outside my care team, with a stated reason (traced,
    shown to the treating practitioner, valid for this session). Practitioners."""
    patient = get_patient_or_404(patient_ref)
    if not scope.needs_break_glass(current_user, patient):
        return _back_to_record(patient)
    form = forms.BreakGlassForm()
    if form.validate_on_submit():
        scope.break_glass(current_user, patient, form.reason.data, form.note.data)
        return _back_to_record(patient)
    return render("records/break_glass.html", patient=patient, form=form), _status()


@bp.route("/<patient_ref>/elements", methods=["POST"])
@require("record.write")
def add_item(patient_ref):
    """Add an antecedent, allergy, treatment, diagnosis, measurement, exam or lifestyle item."""
    form = forms.ItemForm()
    valid = form.validate_on_submit()
    # A refused item shows the record again, with what was typed and each field's message,
    # rather than a redirect to an emptied form (found in a walk-through): that page is a
    # reading, traced; an added item is traced by the change it makes.
    patient, basis = scope.get_record_or_404(current_user, patient_ref, traced=not valid)
    if not valid:
        flash("Élément refusé : " + forms.errors_of(form) + " Rien n'a été enregistré.", "error")
        return _record_page(patient, basis, form, status=422)
    _attempt("Élément ajouté au dossier.", services.add_item, patient, **form.cleaned())
    return _back_to_record(patient)


@bp.route("/element/<item_ref>/corriger", methods=["GET", "POST"])
@require("record.write")
def correct_item(item_ref):
    """Correct an item: a new version, the former ones kept. Practitioners in scope."""
    item = services.get_item_or_404(item_ref)
    patient, _ = _open(item.patient.ref)
    form = forms.ItemForm.for_correction(item)
    if form.validate_on_submit():
        done = "Correction enregistrée (nouvelle version)."
        _attempt(done, services.correct_item, item, **form.version())
        return _back_to_record(patient)
    return render("records/correct.html", item=item, patient=patient, form=form), _status()


@bp.route("/element/<item_ref>/supprimer", methods=["POST"])
@require("record.write")
def delete_item(item_ref):
    """Delete an item created by mistake: its author, within 24 hours. Practitioners."""
    item = services.get_item_or_404(item_ref)
    patient, _ = _open(item.patient.ref)
    _attempt("Élément supprimé.", services.delete_mistake, item)
    return _back_to_record(patient)


@bp.route("/<patient_ref>/accord-habitudes-de-vie", methods=["POST"])
@require("record.write")
def lifestyle_consent(patient_ref):
    """Record the patient's agreement to note lifestyle items (§5 g). Practitioners."""
    patient, _ = _open(patient_ref)
    if FrenchForm().validate_on_submit():
        _attempt("Accord du patient enregistré.", services.record_lifestyle_consent, patient)
    return _back_to_record(patient)


@bp.route("/<patient_ref>/seance", methods=["GET", "POST"])
@require("record.write")
def new_session(patient_ref):
    """Record a care session: acts from the list, pain, range of motion, weight, a short
    observation, and the payment if made. Practitioners in scope."""
    patient, _ = _open(patient_ref)
    form = forms.SessionForm(billing.active_acts())
    error = None
    if form.validate_on_submit():
        try:
            services.record_session(current_user, patient, **form.cleaned())
        except scope.RecordRefused as refused:
            error = str(refused)
        else:
            flash("Séance enregistrée.")
            return _back_to_record(patient)
    return render("records/session.html", patient=patient, form=form, error=error), _status()


@bp.route("/<patient_ref>/synthese")
def print_summary(patient_ref):
    """Printable care summary (A6: printing is traced). Practitioners in scope."""
    patient, _ = scope.get_record_or_404(current_user, patient_ref, traced=False)
    summary = services.print_summary(current_user, patient)
    return render("records/summary.html", patient=patient, **summary)
