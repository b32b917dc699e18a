"""The register of rights requests (whoever receives a request), one request's page, and
the answers that are not a copy of the file: erasure, restriction, the patient's
preferences. Copies of the file are in views_access.py."""

import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from cabinet.forms import FrenchForm
from cabinet.patients.models import Patient
from cabinet.patients.services import get_patient_or_404, open_patient
from cabinet.rights import bp, services
from cabinet.rights.deadlines import urgency
from cabinet.rights.forms import CloseForm, PreferencesForm, RequestForm
from cabinet.rights.models import KINDS, STATUSES, RightsRequest
from cabinet.security import has_permission, require


def request_or_404(ref: str) -> RightsRequest:
    row = RightsRequest.get_or_none(RightsRequest.ref == ref)
    if row is None:
        abort(404)
    return row


@bp.route("/", methods=["GET", "POST"])
def index():
    """The register of rights requests with their deadlines; a new request. Whoever receives
    one: admin, secretary, practitioners."""
    form = RequestForm()
    if request.method == "GET":
        form.received_on.data = datetime.date.today()
        form.patient_ref.data = request.args.get("patient", "")
    if form.validate_on_submit():
        if form.patient_ref.data:
            get_patient_or_404(form.patient_ref.data)
        created = services.create_request(
            current_user,
            form.requester.data.strip(),
            form.kind.data,
            form.received_on.data,
            form.identity_checked.data,
            form.old_information.data,
            form.patient_ref.data or "",
        )
        flash(f"Demande enregistrée : réponse au plus tard le {created.due_on:%d/%m/%Y}.")
        return redirect(url_for("rights.show", request_ref=created.ref))
    today = datetime.date.today()
    rows = [
        (r, urgency(r.due_on, today) if r.status == "open" else "done")
        for r in RightsRequest.select().order_by(RightsRequest.status.desc(), RightsRequest.due_on)
    ]
    return render_template(
        "rights/index.html", form=form, rows=rows, kinds=KINDS, statuses=STATUSES
    ), 200 if request.method == "GET" else 422


@bp.route("/demande/<request_ref>", methods=["GET", "POST"])
def show(request_ref):
    """One request: deadline, who answers it and how, closing it. Admin, secretary,
    practitioners (each sees the answers their profile may give)."""
    row = request_or_404(request_ref)
    form = CloseForm()
    if form.validate_on_submit():
        try:
            services.close_request(current_user, row, form.status.data, form.answer.data or "")
        except services.RightsRefused as refused:
            flash(str(refused), "error")
        else:
            flash("Demande close.")
        return redirect(url_for("rights.show", request_ref=row.ref))
    patient = None
    if row.patient_ref and Patient.select().where(Patient.ref == row.patient_ref).exists():
        patient = open_patient(row.patient_ref, current_user)
    release_refusal = None
    if row.kind == "medical_access" and has_permission(current_user, "rights.release"):
        _, release_refusal = services.release_refusal(current_user, row)
    return render_template(
        "rights/show.html",
        row=row,
        form=form,
        kinds=KINDS,
        statuses=STATUSES,
        patient=patient,
        action_form=FrenchForm(),
        refusal=services.erasure_refusal(patient) if patient else None,
        release_refusal=release_refusal,
        break_glass=release_refusal == services.NOT_IN_CARE_TEAM,
        releases=list(services.releases(row)),
        urgency=urgency(row.due_on, datetime.date.today()),
    )


@bp.route("/demande/<request_ref>/identite", methods=["POST"])
def check_identity(request_ref):
    """Record that the requester's identity was checked. Admin, secretary, practitioners."""
    row = request_or_404(request_ref)
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
        return redirect(url_for("patients.show", patient_ref=patient.ref))
    flash("Les données de cette personne ont été effacées.")
    return redirect(url_for("rights.index"))


@bp.route("/patients/<patient_ref>/effacer-facultatif", methods=["POST"])
@require("rights.answer")
def erase_optional(patient_ref):
    """Erase lifestyle items and the reminder preference (not required by law). Admin."""
    patient = get_patient_or_404(patient_ref)
    if FrenchForm().validate_on_submit():
        count = services.erase_optional(current_user, patient)
        flash(f"Informations facultatives effacées ({count} habitude(s) de vie).")
    return redirect(url_for("patients.show", patient_ref=patient.ref))


@bp.route("/patients/<patient_ref>/limiter", methods=["POST"])
@require("rights.answer")
def restrict(patient_ref):
    """Freeze the file while a dispute is checked (read-only, retention suspended). Admin."""
    patient = get_patient_or_404(patient_ref)
    if FrenchForm().validate_on_submit():
        services.restrict(current_user, patient)
        flash("Dossier gelé : lecture seule jusqu'à la levée de la limitation.")
    return redirect(url_for("patients.show", patient_ref=patient.ref))


@bp.route("/patients/<patient_ref>/lever-limitation", methods=["POST"])
@require("rights.answer")
def lift(patient_ref):
    """Lift the restriction. Admin."""
    patient = get_patient_or_404(patient_ref)
    if FrenchForm().validate_on_submit():
        services.lift_restriction(current_user, patient)
        flash("Limitation levée.")
    return redirect(url_for("patients.show", patient_ref=patient.ref))


@bp.route("/patients/<patient_ref>/preferences", methods=["POST"])
@require("patient.admin.write")
def preferences(patient_ref):
    """Reminders agreement and objection to sharing (I7). Secretary, practitioners, admin."""
    patient = get_patient_or_404(patient_ref)
    form = PreferencesForm()
    if form.validate_on_submit():
        if patient.restricted_at is not None:
            flash("Ce dossier est gelé : aucune modification n'est possible.", "error")
        else:
            services.set_objections(
                current_user, patient, not form.reminders.data, form.sharing_objection.data
            )
            flash("Préférences enregistrées.")
    return redirect(url_for("patients.show", patient_ref=patient.ref))
