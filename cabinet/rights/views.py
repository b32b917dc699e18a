"""Rights requests and what answers them (admin), and the patient's preferences."""

import datetime

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from cabinet.audit import trace
from cabinet.forms import DateField, FrenchForm, choices
from cabinet.patients.services import get_patient_or_404
from cabinet.rights import bp, services
from cabinet.rights.deadlines import urgency
from cabinet.rights.models import KINDS, STATUSES, RightsRequest
from cabinet.security import require


class RequestForm(FrenchForm):
    requester = StringField(
        "Demandeur", validators=[DataRequired("Indiquez qui fait la demande."), Length(max=120)]
    )
    kind = SelectField("Droit exercé", choices=choices(KINDS))
    received_on = DateField("Reçue le", validators=[DataRequired("Indiquez une date valide.")])
    identity_checked = BooleanField("Identité du demandeur vérifiée")
    old_information = BooleanField("Informations médicales de plus de 5 ans (délai de 2 mois)")
    patient_ref = StringField(validators=[Optional(), Length(max=40)])

    def validate_received_on(self, field):
        if field.data and field.data > datetime.date.today():
            from wtforms.validators import ValidationError

            raise ValidationError("La date de réception ne peut pas être dans le futur.")


class CloseForm(FrenchForm):
    status = SelectField("Issue", choices=choices({"answered": "Répondu", "refused": "Refusé"}))
    answer = TextAreaField("Réponse (résumé)", validators=[Optional(), Length(max=2000)])


class PreferencesForm(FrenchForm):
    reminders = BooleanField("Le patient accepte les rappels de rendez-vous")
    sharing_objection = BooleanField(
        "Le patient s'oppose au partage de son dossier au sein du cabinet"
    )


def _request_or_404(ref):
    row = RightsRequest.get_or_none(RightsRequest.ref == ref)
    if row is None:
        abort(404)
    return row


@bp.route("/", methods=["GET", "POST"])
def index():
    """The register of rights requests with their deadlines; a new request. Admin."""
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
    """One request: deadline, what answers it, and closing it. Admin."""
    row = _request_or_404(request_ref)
    form = CloseForm()
    if form.validate_on_submit():
        try:
            services.close_request(current_user, row, form.status.data, form.answer.data or "")
        except services.RightsRefused as refused:
            flash(str(refused))
        else:
            flash("Demande close.")
        return redirect(url_for("rights.show", request_ref=row.ref))
    patient = None
    if row.patient_ref:
        from cabinet.patients.models import Patient

        patient = Patient.get_or_none(Patient.ref == row.patient_ref)
        if patient is not None:
            trace(current_user, "patient.view", patient=patient, target=f"rights_request:{row.ref}")
    return render_template(
        "rights/show.html",
        row=row,
        form=form,
        kinds=KINDS,
        statuses=STATUSES,
        patient=patient,
        action_form=FrenchForm(),
        refusal=services.erasure_refusal(patient) if patient else None,
        urgency=urgency(row.due_on, datetime.date.today()),
    )


@bp.route("/patients/<patient_ref>/export", methods=["POST"])
def export(patient_ref):
    """Prepare the encrypted export; its password is shown once. Admin."""
    patient = get_patient_or_404(patient_ref)
    if not FrenchForm().validate_on_submit():
        abort(400)
    session["pending_export"] = {"patient_ref": patient.ref, "password": services.new_password()}
    return redirect(url_for("rights.export_ready", patient_ref=patient.ref))


@bp.route("/patients/<patient_ref>/export/pret")
def export_ready(patient_ref):
    """The password, shown once, and the download. Admin."""
    pending = session.get("pending_export")
    if not pending or pending["patient_ref"] != patient_ref:
        flash("Export expiré : préparez-le de nouveau.")
        return redirect(url_for("rights.index"))
    patient = get_patient_or_404(patient_ref)
    shown = pending.pop("shown", False)
    pending["shown"] = True
    session["pending_export"] = pending
    return render_template(
        "rights/export_ready.html", patient=patient, password=None if shown else pending["password"]
    )


@bp.route("/patients/<patient_ref>/export/dossier.zip")
def download(patient_ref):
    """The AES-256 encrypted ZIP (downloaded once). Admin."""
    pending = session.pop("pending_export", None)
    if not pending or pending["patient_ref"] != patient_ref:
        flash("Export expiré : préparez-le de nouveau.")
        return redirect(url_for("rights.index"))
    patient = get_patient_or_404(patient_ref)
    data = services.encrypted_export(current_user, patient, pending["password"])
    response = current_app.response_class(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = 'attachment; filename="dossier-patient.zip"'
    return response


@bp.route("/patients/<patient_ref>/dossier")
def print_file(patient_ref):
    """The whole file as a printable document for the patient (I3). Admin."""
    patient = get_patient_or_404(patient_ref)
    whole = services.whole_file(patient)
    trace(current_user, "rights.access_print", patient=patient, target="patient")
    from cabinet.retention.documents import labels

    return render_template("rights/whole_file.html", patient=patient, whole=whole, labels=labels())


@bp.route("/patients/<patient_ref>/effacer", methods=["POST"])
def erase(patient_ref):
    """Erase a person never cared for; refused, with the reason, otherwise. Admin."""
    patient = get_patient_or_404(patient_ref)
    if not FrenchForm().validate_on_submit():
        abort(400)
    try:
        services.erase(current_user, patient)
    except services.RightsRefused as refused:
        flash("Effacement refusé : " + str(refused))
        return redirect(url_for("patients.show", patient_ref=patient.ref))
    flash("Les données de cette personne ont été effacées.")
    return redirect(url_for("rights.index"))


@bp.route("/patients/<patient_ref>/effacer-facultatif", methods=["POST"])
def erase_optional(patient_ref):
    """Erase lifestyle items and the reminder preference (not required by law). Admin."""
    patient = get_patient_or_404(patient_ref)
    if FrenchForm().validate_on_submit():
        count = services.erase_optional(current_user, patient)
        flash(f"Informations facultatives effacées ({count} habitude(s) de vie).")
    return redirect(url_for("patients.show", patient_ref=patient.ref))


@bp.route("/patients/<patient_ref>/limiter", methods=["POST"])
def restrict(patient_ref):
    """Freeze the file while a dispute is checked (read-only, retention suspended). Admin."""
    patient = get_patient_or_404(patient_ref)
    if FrenchForm().validate_on_submit():
        services.restrict(current_user, patient)
        flash("Dossier gelé : lecture seule jusqu'à la levée de la limitation.")
    return redirect(url_for("patients.show", patient_ref=patient.ref))


@bp.route("/patients/<patient_ref>/lever-limitation", methods=["POST"])
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
            flash("Ce dossier est gelé : aucune modification n'est possible.")
        else:
            services.set_objections(
                current_user, patient, not form.reminders.data, form.sharing_objection.data
            )
            flash("Préférences enregistrées.")
    return redirect(url_for("patients.show", patient_ref=patient.ref))
