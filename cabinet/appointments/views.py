"""Agenda views and single appointments."""

import datetime

from flask import flash, redirect, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from cabinet import dates, htmx
from cabinet.appointments import bp, forms, schedule, services
from cabinet.appointments.models import AppointmentType
from cabinet.audit import trace
from cabinet.htmx import render
from cabinet.patients import services as patient_services
from cabinet.patients.forms import SearchForm


def _day_arg() -> datetime.date:
    return dates.parse_day(request.args.get("jour")) or datetime.date.today()


def _fill_choices(form) -> None:
    form.practitioner.choices = [(p.ref, p.display_name) for p in services.practitioners()]
    types = list(services.active_types())
    # A home-visit type ticks "À domicile" in the page (static/js/app.js).
    form.appointment_type.choices = [
        SelectChoice(
            str(t.id),
            f"{t.name} ({t.duration_minutes} min)",
            render_kw={"data-home": "1"} if t.is_home_visit else {},
        )
        for t in types
    ]
    if form.appointment_type.data is None:
        usual = next((t for t in types if t.name == "Séance"), types[0] if types else None)
        form.appointment_type.data = str(usual.id) if usual else None


@bp.route("/")
def index():
    """Day view (all practitioners side by side) or week view of one. Secretary, practitioners."""
    day = _day_arg()
    view = "semaine" if request.args.get("vue") == "semaine" else "jour"
    everyone = services.practitioners()
    chosen_ref = request.args.get("praticien", "")
    chosen = [p for p in everyone if p.ref == chosen_ref]
    if view == "semaine" and not chosen:
        chosen = [p for p in everyone if p.id == current_user.id] or everyone[:1]
    shown = chosen or everyone
    first = schedule.week_start(day) if view == "semaine" else day
    days = [first + datetime.timedelta(days=i) for i in range(7 if view == "semaine" else 1)]
    start, _ = schedule.local_day_bounds(days[0])
    _, end = schedule.local_day_bounds(days[-1])
    ids = [p.id for p in shown]
    appointments = list(services.agenda(ids, start, end)) if ids else []
    absences = list(services.absences(ids, start, end)) if ids else []
    trace(
        current_user,
        "appointment.agenda_view",
        target="agenda",
        detail=f"{view} du {days[0]:%d/%m/%Y}, {len(appointments)} rendez-vous",
    )
    step = datetime.timedelta(days=7 if view == "semaine" else 1)
    return render(
        "appointments/index.html",
        "appointments/_agenda.html",
        day=day,
        days=days,
        view=view,
        practitioners=everyone,
        shown=shown,
        chosen_ref=chosen_ref,
        appointments=appointments,
        absences=absences,
        previous=day - step,
        following=day + step,
        today=datetime.date.today(),
    )


@bp.route("/rdv/nouveau", methods=["GET", "POST"])
def new():
    """Book one appointment, from a free slot or the form; conflicts say why and propose
    other slots. Secretary, practitioners."""
    form = forms.AppointmentForm()
    _fill_choices(form)
    if request.method == "GET":
        _prefill(form)
    patient = _picked_patient(form.patient_ref.data)
    refusal = None
    if form.validate_on_submit() and patient is not None:
        appointment_type = AppointmentType.get_or_none(
            AppointmentType.id == int(form.appointment_type.data)
        )
        booking = services.Booking(
            practitioner=services.get_practitioner_or_404(form.practitioner.data),
            patient=patient,
            appointment_type=appointment_type,
            starts_at=schedule.to_utc(form.day.data, form.time.data),
            location=form.location.data,
            visit_address=form.visit_address.data,
            access_info=form.access_info.data,
            note=form.note.data,
            team_reason=form.team_reason.data or "",
            team_note=form.team_note.data or "",
        )
        try:
            appointment = services.book(booking, current_user)
        except services.BookingRefused as refused:
            refusal = refused
        else:
            flash(f"Rendez-vous enregistré : {schedule.describe(appointment.starts_at)}.")
            return redirect(url_for("appointments.show", appointment_ref=appointment.ref))
    status = 200 if request.method == "GET" else 422
    return render(
        "appointments/new.html",
        form=form,
        patient=patient,
        refusal=refusal,
        taking_on=isinstance(refusal, services.TakingOnNeedsReason) or bool(form.team_reason.data),
        search_form=SearchForm(),
        quick_form=forms.QuickPatientForm(),
    ), status


def _prefill(form) -> None:
    """From a free slot of the agenda (?praticien=&jour=&heure=) or a patient page (?patient=)."""
    args = request.args
    if args.get("praticien"):
        form.practitioner.data = args["praticien"]
    form.day.data = dates.parse_day(args.get("jour")) or datetime.date.today()
    try:
        form.time.data = datetime.time.fromisoformat(args.get("heure", ""))
    except ValueError:
        pass
    if args.get("patient"):
        form.patient_ref.data = args["patient"]


def _picked_patient(ref: str | None):
    if not ref:
        return None
    from cabinet.patients.models import Patient

    return Patient.get_or_none(Patient.ref == ref)


@bp.route("/patients/choisir", methods=["POST"])
def patient_picker():
    """As-you-type patient search for booking (posted: no name in a URL). Same users."""
    form = SearchForm()
    query = (form.q.data or "").strip() if form.validate() else ""
    patients = patient_services.search(query, current_user) if query else []
    return render(
        "appointments/new.html",
        "appointments/_picker.html",
        patients=patients,
        searched=bool(query),
        form=None,
        search_form=form,
        patient=None,
        refusal=None,
        quick_form=forms.QuickPatientForm(),
    )


@bp.route("/patients/nouveau", methods=["POST"])
def quick_patient():
    """Create a patient with the minimum identity while booking. Same users."""
    form = forms.QuickPatientForm()
    if not form.validate_on_submit():
        return render(
            "appointments/new.html",
            "appointments/_quick_patient.html",
            quick_form=form,
            form=None,
            search_form=SearchForm(),
            patient=None,
            refusal=None,
        ), 422
    data = {
        "birth_name": " ".join(form.birth_name.data.split()),
        "last_name": " ".join(form.birth_name.data.split()),
        "first_names": " ".join(form.first_names.data.split()),
        "birth_date": form.birth_date.data,
        "sex": form.sex.data,
        "phone": (form.phone.data or "").strip(),
    }
    patient = patient_services.create_patient(data, current_user)
    response = render(
        "appointments/new.html",
        "appointments/_picked.html",
        patient=patient,
        form=None,
        search_form=SearchForm(),
        refusal=None,
        quick_form=forms.QuickPatientForm(),
    )
    # The new patient replaces the one box that says who is chosen (never two of them).
    return htmx.retarget(response, "#picked")


@bp.route("/rdv/<appointment_ref>")
def show(appointment_ref):
    """An appointment, its history and the actions on it. Secretary, practitioners."""
    appointment = services.get_appointment_or_404(appointment_ref)
    trace(
        current_user,
        "appointment.view",
        patient=appointment.patient,
        target=f"appointment:{appointment.ref}",
    )
    local = schedule.to_local(appointment.starts_at)
    return render(
        "appointments/show.html",
        appointment=appointment,
        move_form=forms.MoveForm(day=local.date(), time=local.time().replace(second=0)),
        cancel_form=forms.CancelForm(),
        mark_form=forms.MarkForm(),
        events=list(appointment.events),
        address=services.visit_address(appointment),
    )


def _back(appointment):
    return redirect(url_for("appointments.show", appointment_ref=appointment.ref))


@bp.route("/rdv/<appointment_ref>/deplacer", methods=["POST"])
def move(appointment_ref):
    """Move this appointment, or this one and the following of its series. Same users."""
    appointment = services.get_appointment_or_404(appointment_ref)
    form = forms.MoveForm()
    if not form.validate_on_submit():
        flash("Date ou heure invalide : rien n'a été modifié.", "error")
        return _back(appointment)
    try:
        moved = services.move(
            appointment, form.day.data, form.time.data, current_user, form.scope.data
        )
    except services.BookingRefused as refused:
        flash("Déplacement impossible : " + " ".join(refused.reasons), "error")
        if refused.proposals:
            flash("Créneaux libres : " + ", ".join(schedule.describe(p) for p in refused.proposals))
        return _back(appointment)
    flash(f"{len(moved)} rendez-vous déplacé(s).")
    return _back(appointment)


@bp.route("/rdv/<appointment_ref>/annuler", methods=["POST"])
def cancel(appointment_ref):
    """Cancel with a reason from the list, this one or the following too. Same users."""
    appointment = services.get_appointment_or_404(appointment_ref)
    form = forms.CancelForm()
    if not form.validate_on_submit():
        flash("Choisissez un motif d'annulation : rien n'a été modifié.", "error")
        return _back(appointment)
    try:
        count = services.cancel(appointment, form.reason.data, current_user, form.scope.data)
    except services.BookingRefused as refused:
        flash(" ".join(refused.reasons), "error")
        return _back(appointment)
    flash(f"{count} rendez-vous annulé(s).")
    return _back(appointment)


@bp.route("/rdv/<appointment_ref>/statut", methods=["POST"])
def mark(appointment_ref):
    """Mark honoured or missed. Same users."""
    appointment = services.get_appointment_or_404(appointment_ref)
    form = forms.MarkForm()
    if form.validate_on_submit():
        try:
            services.mark(appointment, form.status.data, current_user)
            flash("Statut enregistré.")
        except services.BookingRefused as refused:
            flash(" ".join(refused.reasons), "error")
    return _back(appointment)
