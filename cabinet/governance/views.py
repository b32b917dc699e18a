"""The admin's governance pages: incidents, the annual review, the compliance report."""

import datetime

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from cabinet import settings
from cabinet.db import utcnow
from cabinet.governance import bp, dpia, incidents, letters, report, reviews
from cabinet.governance.forms import (
    CompletionForm,
    ConfirmForm,
    IncidentForm,
    NotificationForm,
    ReviewForm,
)
from cabinet.htmx import render
from cabinet.notices import content


def _incident_or_404(ref: str):
    return incidents.get_or_none(current_user, ref) or abort(404)


def _incident_page(incident, status=200, error=None, **forms):
    forms.setdefault("completion", CompletionForm(formdata=None))
    forms.setdefault("notification", NotificationForm(formdata=None))
    page = incidents.summary(incident, utcnow())
    return render("governance/incident.html", status=status, error=error, **page, **forms)


@bp.route("/")
def index():
    """Incidents and their clocks, the review's state, the DPIA indicator. Admin."""
    today = datetime.date.today()
    last, due, overdue = reviews.next_due(today)
    return render(
        "governance/index.html",
        clocks=incidents.open_clocks(utcnow()),
        incidents=list(incidents.register()),
        last_review=last,
        review_due=due,
        review_overdue=overdue,
        indicator=dpia.count(today),
        method=dpia.METHOD,
        reference=dpia.REFERENCE,
    )


@bp.route("/incidents/nouveau", methods=["GET", "POST"])
def new_incident():
    """Record an incident at its discovery: its 72-hour clock starts. Admin."""
    form, error = IncidentForm(), None
    if form.validate_on_submit():
        try:
            incident = incidents.record(current_user, form.fields_for_record())
        except incidents.IncidentRefused as refused:
            error = str(refused)
        else:
            flash("Incident inscrit au registre : le délai de 72 heures court.")
            return redirect(url_for("governance.incident", incident_ref=incident.ref))
    status = 200 if request.method == "GET" else 422
    return render("governance/new_incident.html", form=form, error=error, status=status)


@bp.route("/incidents/<incident_ref>")
def incident(incident_ref):
    """An incident, its clock, its additions and the forms to complete it. Admin."""
    return _incident_page(_incident_or_404(incident_ref))


@bp.route("/incidents/<incident_ref>/completer", methods=["POST"])
def complete_incident(incident_ref):
    """Add what became known; nothing earlier is changed. Admin."""
    incident, form = _incident_or_404(incident_ref), CompletionForm()
    if not form.validate_on_submit():
        return _incident_page(incident, 422, completion=form)
    try:
        added = incidents.complete(current_user, incident, form.fields_for_completion())
    except incidents.IncidentRefused as refused:
        return _incident_page(incident, 422, str(refused), completion=form)
    flash("Complément enregistré." if added else "Aucun champ rempli : rien n'a été ajouté.")
    return redirect(url_for("governance.incident", incident_ref=incident_ref))


@bp.route("/incidents/<incident_ref>/notification", methods=["POST"])
def notify_incident(incident_ref):
    """Record the CNIL notification; after 72 hours, with the reason of the delay. Admin."""
    incident, form = _incident_or_404(incident_ref), NotificationForm()
    if not form.validate_on_submit():
        return _incident_page(incident, 422, notification=form)
    try:
        incidents.record_notification(
            current_user, incident, form.notified_at(), form.reference.data, form.delay_reason.data
        )
    except incidents.IncidentRefused as refused:
        return _incident_page(incident, 422, str(refused), notification=form)
    flash("Notification à la CNIL enregistrée.")
    return redirect(url_for("governance.incident", incident_ref=incident_ref))


@bp.route("/incidents/<incident_ref>/notification-cnil")
def cnil_text(incident_ref):
    """The French text for the CNIL's online form, printable. Admin."""
    incident = _incident_or_404(incident_ref)
    known = incidents.state(incident)
    sections = letters.cnil_notification(incident, known, content.practice())
    return render("governance/cnil_text.html", incident=incident, sections=sections)


@bp.route("/incidents/<incident_ref>/lettre")
def persons_letter(incident_ref):
    """The letter to the persons concerned, printable. Admin."""
    incident = _incident_or_404(incident_ref)
    paragraphs = letters.persons_letter(incident, incidents.state(incident), content.practice())
    return render("governance/letter.html", incident=incident, paragraphs=paragraphs)


@bp.route("/incidents/registre")
def incident_register():
    """The whole breach register, printable. Admin."""
    now = utcnow()
    rows = [incidents.summary(row, now) for row in incidents.register()]
    return render("governance/register.html", rows=rows, practice=content.practice())


@bp.route("/revue", methods=["GET", "POST"])
def review():
    """The annual review of accounts: a decision for each, then the signature. Admin."""
    form, error = ReviewForm(), None
    if form.validate_on_submit():
        decisions = reviews.decisions_from(request.form)
        try:
            signed = reviews.sign(current_user, decisions, form.note.data or "")
        except reviews.ReviewRefused as refused:
            error = str(refused)
        else:
            flash("Revue des habilitations signée.")
            return redirect(url_for("governance.past_review", review_ref=signed.ref))
    status = 200 if request.method == "GET" else 422
    return render(
        "governance/review.html",
        form=form,
        error=error,
        status=status,
        accounts=reviews.accounts(),
        chosen=request.form,
        past=list(reviews.past()),
    )


@bp.route("/revue/<review_ref>")
def past_review(review_ref):
    """A signed review as it was, printable. Admin."""
    signed = reviews.get_or_none(current_user, review_ref) or abort(404)
    return render("governance/past_review.html", review=signed, lines=list(signed.lines))


@bp.route("/rapport")
def compliance_report():
    """The compliance report, measure by measure, with live evidence; printable. Admin."""
    rows = report.read(current_user)
    return render(
        "governance/report.html",
        rows=rows,
        form=ConfirmForm(formdata=None),
        practice=content.practice(),
        today=datetime.date.today(),
        generated_at=utcnow(),
        dpo=settings.get("dpo_name"),
    )


@bp.route("/rapport/confirmer", methods=["POST"])
def confirm_measure():
    """The practice ticks an organisational measure as in place, with its date. Admin."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            report.confirm(current_user, form.measure.data, form.item.data, form.confirmed_on.data)
        except ValueError as refused:
            flash(f"{refused} Rien n'a été enregistré.")
        else:
            flash("Mesure confirmée.")
    else:
        flash("Date de confirmation invalide : rien n'a été enregistré.")
    anchor = f"#mesure-{form.measure.data}" if form.measure.data in report.BY_ID else ""
    return redirect(url_for("governance.compliance_report") + anchor)
