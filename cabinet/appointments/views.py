"""Agenda views and single appointments."""

import datetime

from flask import flash, redirect, request, url_for
from flask_login import current_user

from cabinet import dates, htmx
from cabinet.appointments import (
    agenda,
    appointment_types,
    bp,
    forms,
    rules,
    schedule,
    services,
)
from cabinet.appointments.links import CellLinks
from cabinet.htmx import render
from cabinet.patients import services as patient_services
from cabinet.patients.forms import SearchForm


def booking_page(page: str, partial: str | None = None, status: int = 200, **context):
    """A booking page (one appointment or a series) or one of its fragments: the patient
    search and quick-creation forms come with every one of them."""
    context = {"form": None, "patient": None, "refusal": None, "taking_on": False, **context}
    context.setdefault("search_form", SearchForm())
    context.setdefault("quick_form", forms.QuickPatientForm())
    return render(page, partial, status=status, **context)


def booking_form(form_class):
    """A booking form offering the agendas and types, prefilled from the URL on a GET."""
    form = form_class()
    form.offer(agenda.practitioners(), appointment_types.offered())
    if request.method == "GET":
        form.prefill(request.args)
    return form


@bp.route("/")
def index():
    """Day view (practitioners side by side, six at a time) or week view of one. Secretary,
    practitioners."""
    page = agenda.agenda_page(
        current_user,
        dates.parse_day(request.args.get("jour")) or datetime.date.today(),
        request.args.get("vue", ""),
        request.args.get("praticien", ""),
        request.args.get("groupe", type=int),  # None when absent or not a number
    )
    CellLinks().put_on(page.columns)
    return render(
        "appointments/index.html",
        "appointments/_agenda.html",
        **vars(page),
        today=datetime.date.today(),
    )


def _booking(form, patient) -> services.Booking:
    return services.Booking(
        practitioner=agenda.get_practitioner_or_404(form.practitioner.data),
        patient=patient,
        appointment_type=appointment_types.get_or_404(form.appointment_type.data),
        starts_at=schedule.to_utc(form.day.data, form.time.data),
        **form.details(),
    )


@bp.route("/rdv/nouveau", methods=["GET", "POST"])
def new():
    """Book one appointment, from a free slot or the form; conflicts say why and propose
    other slots. Secretary, practitioners."""
    form = booking_form(forms.AppointmentForm)
    patient = agenda.picked_patient(form.patient_ref.data)
    refusal = None
    if form.validate_on_submit() and patient is not None:
        try:
            appointment = services.book(_booking(form, patient), current_user)
        except rules.BookingRefused as refused:
            refusal = refused
        else:
            flash(f"Rendez-vous enregistré : {schedule.describe(appointment.starts_at)}.")
            return redirect(url_for("appointments.show", appointment_ref=appointment.ref))
    return booking_page(
        "appointments/new.html",
        status=200 if request.method == "GET" else 422,
        form=form,
        patient=patient,
        refusal=refusal,
        taking_on=isinstance(refusal, rules.TakingOnNeedsReason) or bool(form.team_reason.data),
    )


@bp.route("/patients/choisir", methods=["POST"])
def patient_picker():
    """As-you-type patient search for booking (posted: no name in a URL). Same users."""
    form = SearchForm()
    query = (form.q.data or "").strip() if form.validate() else ""
    return booking_page(
        "appointments/new.html",
        "appointments/_picker.html",
        patients=patient_services.search(query, current_user) if query else [],
        searched=bool(query),
        search_form=form,
    )


@bp.route("/patients/nouveau", methods=["POST"])
def quick_patient():
    """Create a patient with the minimum identity while booking. Same users."""
    form = forms.QuickPatientForm()
    if not form.validate_on_submit():
        return booking_page(
            "appointments/new.html", "appointments/_quick_patient.html", 422, quick_form=form
        )
    patient = patient_services.create_patient(form.identity(), current_user)
    response = booking_page("appointments/new.html", "appointments/_picked.html", patient=patient)
    # The new patient replaces the one box that says who is chosen (never two of them).
    return htmx.retarget(response, "#picked")


@bp.route("/rdv/<appointment_ref>")
def show(appointment_ref):
    """An appointment, its history and the actions on it. Secretary, practitioners."""
    appointment = agenda.open_appointment(appointment_ref, current_user)
    local = schedule.to_local(appointment.starts_at)
    return render(
        "appointments/show.html",
        appointment=appointment,
        move_form=forms.MoveForm(day=local.date(), time=local.time().replace(second=0)),
        cancel_form=forms.CancelForm(),
        mark_form=forms.MarkForm(),
        markable=services.markable(appointment),
        events=agenda.events_of(appointment),
        address=agenda.visit_address(appointment),
    )


def _back(appointment, message: str = "", category: str = "message"):
    """Back to the appointment's page, saying what happened."""
    if message:
        flash(message, category)
    return redirect(url_for("appointments.show", appointment_ref=appointment.ref))


@bp.route("/rdv/<appointment_ref>/deplacer", methods=["POST"])
def move(appointment_ref):
    """Move this appointment, or this one and the following of its series. Same users."""
    appointment = agenda.get_appointment_or_404(appointment_ref)
    form = forms.MoveForm()
    if not form.validate_on_submit():
        return _back(appointment, "Date ou heure invalide : rien n'a été modifié.", "error")
    try:
        moved = services.move(
            appointment, form.day.data, form.time.data, current_user, form.scope.data
        )
    except rules.BookingRefused as refused:
        flash("Déplacement impossible : " + " ".join(refused.reasons), "error")
        if refused.proposals:
            flash("Créneaux libres : " + ", ".join(schedule.describe(p) for p in refused.proposals))
        return _back(appointment)
    return _back(appointment, f"{len(moved)} rendez-vous déplacé(s).")


@bp.route("/rdv/<appointment_ref>/annuler", methods=["POST"])
def cancel(appointment_ref):
    """Cancel with a reason from the list, this one or the following too. Same users."""
    appointment = agenda.get_appointment_or_404(appointment_ref)
    form = forms.CancelForm()
    if not form.validate_on_submit():
        return _back(
            appointment, "Choisissez un motif d'annulation : rien n'a été modifié.", "error"
        )
    try:
        count = services.cancel(appointment, form.reason.data, current_user, form.scope.data)
    except rules.BookingRefused as refused:
        return _back(appointment, " ".join(refused.reasons), "error")
    return _back(appointment, f"{count} rendez-vous annulé(s).")


@bp.route("/rdv/<appointment_ref>/statut", methods=["POST"])
def mark(appointment_ref):
    """Mark honoured or missed. Same users."""
    appointment = agenda.get_appointment_or_404(appointment_ref)
    form = forms.MarkForm()
    if form.validate_on_submit():
        try:
            services.mark(appointment, form.status.data, current_user)
            flash("Statut enregistré.")
        except rules.BookingRefused as refused:
            flash(" ".join(refused.reasons), "error")
    return _back(appointment)
