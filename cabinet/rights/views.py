"""The register of rights requests (whoever receives a request), one request's page, and
the answers that are not a copy of the file: erasure, restriction, the patient's
preferences. Copies of the file are in views_access.py."""

import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from cabinet.forms import FrenchForm
from cabinet.patients.services import PatientRestricted, get_patient_or_404
from cabinet.rights import access, bp, services
from cabinet.rights.forms import CloseForm, PreferencesForm, RequestForm
from cabinet.rights.models import KINDS, STATUSES
from cabinet.security import require


def _back_to_file(patient):
    return redirect(url_for("patients.show", patient_ref=patient.ref))


@bp.route("/", methods=["GET", "POST"])
def index():
    """The register of rights requests with their deadlines; a new request. Whoever receives
    one: admin, secretary, practitioners."""
    form = RequestForm(patient_ref=request.args.get("patient", ""))
    if form.validate_on_submit():
        if form.patient_ref.data:
            get_patient_or_404(form.patient_ref.data)
        created = services.create_request(current_user, **form.cleaned())
        flash(f"Demande enregistrée : réponse au plus tard le {created.due_on:%d/%m/%Y}.")
        return redirect(url_for("rights.show", request_ref=created.ref))
    rows = services.register(datetime.date.today())
    page = render_template(
        "rights/index.html", form=form, rows=rows, kinds=KINDS, statuses=STATUSES
    )
    return page, 200 if request.method == "GET" else 422


@bp.route("/demande/<request_ref>", methods=["GET", "POST"])
def show(request_ref):
    """One request: deadline, who answers it and how, closing it. Admin, secretary,
    practitioners (each sees the answers their profile may give)."""
    row = services.get_request_or_404(request_ref)
    form = CloseForm()
    if form.validate_on_submit():
        try:
            services.close_request(current_user, row, form.status.data, form.answer.data or "")
        except services.RightsRefused as refused:
            flash(str(refused), "error")
        else:
            flash("Demande close.")
        return redirect(url_for("rights.show", request_ref=row.ref))
    return render_template(
        "rights/show.html",
        row=row,
        form=form,
        kinds=KINDS,
        statuses=STATUSES,
        action_form=FrenchForm(),
        **access.request_page(current_user, row),
    )


@bp.route("/demande/<request_ref>/identite", methods=["POST"])
def check_identity(request_ref):
    """Record that the requester's identity was checked. Admin, secretary, practitioners."""
    row = services.get_request_or_404(request_ref)
    if FrenchForm().validate_on_submit() and not row.identity_checked:
        services.confirm_identity(current_user, row)
        flash("Identité du demandeur vérifiée.")
    return redirect(url_for("rights.show", request_ref=row.ref))


@bp.route("/patients/<patient_ref>/effacer", methods=["POST"])
@require("rights.answer")
def erase(patient_ref):
    """Erase a person never cared for; refused, with the reason, otherwise. Admin."""
    patient = get_patient_or_404(patient_ref)
    if not FrenchForm().validate_on_submit():
        abort(400)
    try:
        services.erase(current_user, patient)
    except services.RightsRefused as refused:
        flash("Effacement refusé : " + str(refused), "error")
        return _back_to_file(patient)
    flash("Les données de cette personne ont été effacées.")
    return redirect(url_for("rights.index"))


def _answer(patient_ref: str, change, done: str):
    """Apply the admin's `change` to the file (a posted form with its token), say `done`
    (formatted with what the change returns), and go back to the file."""
    patient = get_patient_or_404(patient_ref)
    if FrenchForm().validate_on_submit():
        flash(done.format(change(current_user, patient)))
    return _back_to_file(patient)


@bp.route("/patients/<patient_ref>/effacer-facultatif", methods=["POST"])
@require("rights.answer")
def erase_optional(patient_ref):
    """Erase lifestyle items and the reminder preference (not required by law). Admin."""
    done = "Informations facultatives effacées ({} habitude(s) de vie)."
    return _answer(patient_ref, services.erase_optional, done)


@bp.route("/patients/<patient_ref>/limiter", methods=["POST"])
@require("rights.answer")
def restrict(patient_ref):
    """Freeze the file while a dispute is checked (read-only, retention suspended). Admin."""
    done = "Dossier gelé : lecture seule jusqu'à la levée de la limitation."
    return _answer(patient_ref, services.restrict, done)


@bp.route("/patients/<patient_ref>/lever-limitation", methods=["POST"])
@require("rights.answer")
def lift(patient_ref):
    """Lift the restriction. Admin."""
    return _answer(patient_ref, services.lift_restriction, "Limitation levée.")


@bp.route("/patients/<patient_ref>/preferences", methods=["POST"])
@require("patient.admin.write")
def preferences(patient_ref):
    """Reminders agreement and objection to sharing (I7). Secretary, practitioners, admin."""
    patient = get_patient_or_404(patient_ref)
    form = PreferencesForm()
    if form.validate_on_submit():
        try:
            services.set_objections(
                current_user, patient, not form.reminders.data, form.sharing_objection.data
            )
        except PatientRestricted as frozen:
            flash(str(frozen), "error")
        else:
            flash("Préférences enregistrées.")
    return _back_to_file(patient)
