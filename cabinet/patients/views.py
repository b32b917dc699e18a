from flask import flash, redirect, request, url_for
from flask_login import current_user

from cabinet.htmx import render
from cabinet.patients import bp, care_team, panels, services
from cabinet.patients.forms import PatientForm, ReferralForm, SearchForm
from cabinet.security import require


@bp.route("/")
def index():
    """Patient list with the search box. Anyone who may read administrative files."""
    return render(
        "patients/index.html",
        form=SearchForm(),
        patients=services.recent(current_user),
        searched=False,
    )


@bp.route("/recherche", methods=["POST"])
def search():
    """Search posted as you type (the name never enters a URL). Same readers as the list."""
    form = SearchForm()
    if not form.validate():
        return render(
            "patients/index.html",
            "patients/_results.html",
            form=form,
            patients=[],
            searched=True,
            error=form.q.errors[0],
        ), 422
    if not (form.q.data or "").strip():
        # An emptied search box goes back to the list it started from.
        return render(
            "patients/index.html",
            "patients/_results.html",
            form=form,
            patients=services.recent(current_user),
            searched=False,
        )
    patients = services.search(form.q.data, current_user)
    return render(
        "patients/index.html", "patients/_results.html", form=form, patients=patients, searched=True
    )


@bp.route("/nouveau", methods=["GET", "POST"])
@require("patient.admin.write")
def new():
    """Create a patient's administrative file. Practitioners, secretary, admin."""
    form = PatientForm()
    if form.validate_on_submit():
        patient = services.create_patient(form.cleaned(), current_user)
        flash("Fiche patient créée.")
        return redirect(url_for("patients.show", patient_ref=patient.ref))
    return render("patients/new.html", form=form), 200 if request.method == "GET" else 422


@bp.route("/<patient_ref>")
def show(patient_ref):
    """A patient's administrative file and its rectification history. Readers of files."""
    patient = services.open_patient(patient_ref, current_user)
    return render(
        "patients/show.html",
        patient=patient,
        history=services.history(patient),
        panels=panels.for_user(patient, current_user),
        team=care_team.members(patient),
        referral=_referral_form(patient),
    )


def _referral_form(patient) -> ReferralForm | None:
    if not care_team.may_refer(current_user, patient):
        return None
    form = ReferralForm(care_team.colleagues_outside(patient))
    return form if form.practitioner.choices else None


@bp.route("/<patient_ref>/equipe-de-soins", methods=["POST"])
@require("care_team.refer")
def refer(patient_ref):
    """Add a colleague to the patient's care team (A2). A treating practitioner, the admin."""
    patient = services.get_patient_or_404(patient_ref)
    form = ReferralForm(care_team.colleagues_outside(patient))
    if form.validate_on_submit():
        try:
            care_team.refer(current_user, patient, form.practitioner.data)
        except care_team.CareTeamRefused as refused:
            flash(str(refused), "error")
        else:
            flash("Praticien ajouté à l'équipe de soins.")
    else:
        flash("Choisissez un praticien du cabinet qui n'est pas déjà dans l'équipe.", "error")
    return redirect(url_for("patients.show", patient_ref=patient.ref))


@bp.route("/<patient_ref>/modifier", methods=["GET", "POST"])
@require("patient.admin.write")
def edit(patient_ref):
    """Rectify a patient's administrative file; the old values are kept. Writers of files."""
    patient = services.open_patient(patient_ref, current_user)
    form = PatientForm(obj=patient)
    if form.validate_on_submit():
        try:
            changed = services.update_patient(patient, form.cleaned(), current_user)
        except services.PatientRestricted as frozen:
            flash(str(frozen), "error")
            return redirect(url_for("patients.show", patient_ref=patient.ref))
        flash("Fiche patient mise à jour." if changed else "Aucune modification.")
        return redirect(url_for("patients.show", patient_ref=patient.ref))
    status = 200 if request.method == "GET" else 422
    return render("patients/edit.html", form=form, patient=patient), status
