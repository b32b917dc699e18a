"""The reminders' pages: SMTP account and timing with a test button, the sent messages
(admin); e-mailing an appointment's confirmation (secretary, practitioners)."""

from flask import flash, redirect, request, url_for
from flask_login import current_user

from cabinet.appointments import agenda
from cabinet.htmx import render
from cabinet.reminders import bp, services
from cabinet.reminders.forms import CardForm, MailSettingsForm, MailTestForm
from cabinet.security import require


def _settings_page(form, test_form, status=200, test_error=None):
    return render(
        "reminders/settings.html",
        form=form,
        test_form=test_form,
        test_error=test_error,
        password_set=services.password_is_set(),
    ), status


@bp.route("/parametres", methods=["GET", "POST"])
@require("settings.manage")
def settings_page():
    """The practice's SMTP account and when reminders leave. Admin."""
    form = MailSettingsForm()
    if form.validate_on_submit():
        changed = services.save_settings(current_user, form.values(), form.smtp_password.data)
        flash("Paramètres des rappels enregistrés." if changed else "Aucune modification.")
        return redirect(url_for("reminders.settings_page"))
    return _settings_page(form, MailTestForm(), 200 if request.method == "GET" else 422)


@bp.route("/parametres/essai", methods=["POST"])
@require("settings.manage")
def send_test():
    """Send a test message with the stored account, now, and say how it went. Admin."""
    form = MailTestForm()
    if not form.validate_on_submit():
        return _settings_page(MailSettingsForm(formdata=None), form, 422)
    error = services.send_test(current_user, form.recipient.data.strip())
    if error:
        return _settings_page(MailSettingsForm(formdata=None), form, 422, error)
    flash("Message d'essai envoyé : vérifiez sa réception.")
    return redirect(url_for("reminders.settings_page"))


@bp.route("/envois")
@require("settings.manage")
def outbox():
    """The latest messages: to whom, when, outcome (never their content). Admin."""
    return render(
        "reminders/outbox.html",
        rows=services.outbox(current_user),
        waiting=services.waiting_without_server(),
    )


@bp.route("/rdv/<appointment_ref>/confirmation", methods=["POST"])
@require("appointment.manage")
def email_card(appointment_ref):
    """E-mail an appointment's confirmation to a consenting patient. Secretary, practitioners."""
    appointment = agenda.get_appointment_or_404(appointment_ref)
    if CardForm().validate_on_submit():
        try:
            services.queue_card(current_user, appointment)
        except services.MailRefused as refused:
            flash(str(refused), "error")
        else:
            flash("Confirmation mise en file : elle part par courriel dans quelques minutes.")
    return redirect(url_for("appointments.show", appointment_ref=appointment.ref))
