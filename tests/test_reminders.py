"""E-mail reminders against a real SMTP server on the loopback (issue 17; I1, I7, X5, T1):
timing across DST, consent and objection, minimal content, retries with back-off, at most
once after a crash, the settings' password never shown, the test button, the e-mailed card."""

import datetime
import secrets

import pytest

from cabinet import create_app, demo, scheduler, settings
from cabinet.appointments.models import Appointment
from cabinet.appointments.schedule import to_utc
from cabinet.db import database
from cabinet.patients.models import Patient
from cabinet.reminders import jobs, mail, services
from cabinet.reminders.models import OutgoingMail
from tests.conftest import instance_config, traces
from tests.smtp_server import LOGIN, LoopbackSmtpServer

SMTP_PASSWORD = secrets.token_urlsafe(12)


@pytest.fixture
def smtp(tmp_path):
    server = LoopbackSmtpServer(tmp_path / "smtp", SMTP_PASSWORD).start()
    yield server
    server.stop()


@pytest.fixture
def app(instance, smtp):
    """The test instance, trusting the test server's authority, its account set."""
    app = create_app(instance_config(instance, SMTP_CA_FILE=smtp.ca_file))
    with app.app_context():
        demo.seed_practice_settings()
        for key, value in {
            "smtp_host": "localhost",
            "smtp_port": smtp.port,
            "smtp_security": "starttls",
            "smtp_login": LOGIN,
            "smtp_password": SMTP_PASSWORD,
            "smtp_sender": LOGIN,
            "reminder_hours": "24",
        }.items():
            settings.put(key, value)
    yield app
    database.close()


def _last_sunday(year: int, month: int) -> datetime.date:
    day = datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)
    return day - datetime.timedelta(days=(day.weekday() + 1) % 7)


NEXT_YEAR = datetime.date.today().year + 1
SPRING = _last_sunday(NEXT_YEAR, 3)  # clocks go forward that night: the day before is 23 h
AUTUMN = _last_sunday(NEXT_YEAR, 10)  # clocks go back: 25 h


def _book(app, user, kinds, patient, day, hour=10, kind="Séance", note=""):
    with app.app_context():
        starts = to_utc(day, datetime.time(hour))
        return Appointment.create(
            practitioner=user("practitioner"),
            patient=patient,
            appointment_type=kinds[kind],
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=30),
            note=note,
            created_by=user("secretary"),
        )


def _consenting(make_patient, app, email="patient@example.org", **extra):
    patient = make_patient(email=email, **extra)
    with app.app_context():
        Patient.update(objects_to_reminders=False).where(Patient.id == patient.id).execute()
        return Patient.get_by_id(patient.id)


def _run(app, now):
    """The job as the scheduler runs it: an application context, no request."""
    with app.app_context():
        return jobs.run(now)


def _rows(app):
    with app.app_context():
        return list(OutgoingMail.select().order_by(OutgoingMail.id))


def test_sent_at_the_same_local_time_the_day_before_across_spring_dst(
    app, smtp, make_patient, user, kinds
):
    patient = _consenting(make_patient, app)
    _book(app, user, kinds, patient, SPRING, hour=10)
    # 10:00 in Paris on the Saturday (winter time) is 09:00 UTC, 23 hours before.
    due = to_utc(SPRING - datetime.timedelta(days=1), datetime.time(10))
    assert due.hour == 9
    _run(app, due - datetime.timedelta(minutes=1))
    assert smtp.mailbox.messages == []
    _run(app, due)
    (message,) = smtp.mailbox.messages
    assert message["To"] == "patient@example.org"
    assert f"{SPRING:%d/%m/%Y} à 10 h 00" in message["Subject"]


def test_sent_at_the_same_local_time_the_day_before_across_autumn_dst(
    app, smtp, make_patient, user, kinds
):
    patient = _consenting(make_patient, app)
    _book(app, user, kinds, patient, AUTUMN, hour=10)
    due = to_utc(AUTUMN - datetime.timedelta(days=1), datetime.time(10))
    assert due.hour == 8  # summer time on the Saturday, 25 hours before
    _run(app, due - datetime.timedelta(minutes=1))
    assert smtp.mailbox.messages == []
    _run(app, due)
    assert len(smtp.mailbox.messages) == 1


def test_72_hours_before_as_well(app, smtp, make_patient, user, kinds):
    with app.app_context():
        settings.put("reminder_hours", "24,72")
    patient = _consenting(make_patient, app)
    _book(app, user, kinds, patient, SPRING, hour=10)
    _run(app, to_utc(SPRING - datetime.timedelta(days=3), datetime.time(10)))
    _run(app, to_utc(SPRING - datetime.timedelta(days=1), datetime.time(10)))
    assert [row.lead_hours for row in _rows(app)] == [72, 24]
    assert len(smtp.mailbox.messages) == 2


def test_never_to_a_patient_without_consent_or_with_an_objection(
    app, smtp, make_patient, user, kinds
):
    never_agreed = make_patient(email="jamais@example.org")  # objection is the default (X5)
    agreed_then_objected = _consenting(make_patient, app, email="oppose@example.org")
    with app.app_context():
        Patient.update(objects_to_reminders=True).where(
            Patient.id == agreed_then_objected.id
        ).execute()
    no_address = _consenting(make_patient, app, email="")
    agreed = _consenting(make_patient, app, email="accord@example.org")
    for patient in (never_agreed, agreed_then_objected, no_address, agreed):
        _book(app, user, kinds, patient, SPRING, hour=9 + len(_rows(app)))
    _run(app, to_utc(SPRING - datetime.timedelta(days=1), datetime.time(20)))
    assert [m["To"] for m in smtp.mailbox.messages] == ["accord@example.org"]


def test_content_is_minimal_and_carries_the_short_information_text(
    app, smtp, make_patient, user, kinds
):
    patient = _consenting(make_patient, app)
    _book(app, user, kinds, patient, SPRING, hour=10, kind="Bilan", note="MOTIF-CONFIDENTIEL")
    _run(app, to_utc(SPRING - datetime.timedelta(days=1), datetime.time(10)))
    (message,) = smtp.mailbox.messages
    body = message.get_content()
    assert "Cabinet paramédical de démonstration" in body
    assert f"{SPRING:%d/%m/%Y} à 10 h 00" in body
    assert "1 rue de l'Exemple, 69000 Lyon" in body
    assert "04 00 00 00 00" in body  # how to cancel
    assert "Vos données personnelles." in body  # the short text (I1)
    for hidden in ("MOTIF-CONFIDENTIEL", "Bilan", "Séance", "Soignant", "Paul"):
        assert hidden not in body and hidden not in message["Subject"]
    assert message["Message-ID"] == _rows(app)[0].message_id


def test_retries_with_back_off_after_the_server_refuses(app, smtp, make_patient, user, kinds):
    patient = _consenting(make_patient, app)
    _book(app, user, kinds, patient, SPRING, hour=10)
    due = to_utc(SPRING - datetime.timedelta(days=1), datetime.time(10))
    smtp.mailbox.refuse = 2
    _run(app, due)
    (row,) = _rows(app)
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.next_attempt_at == due + services.BACKOFF[0]
    assert "451" in row.last_error
    _run(app, due + datetime.timedelta(minutes=1))  # too early: not tried
    assert _rows(app)[0].attempts == 1
    _run(app, due + services.BACKOFF[0])
    assert _rows(app)[0].next_attempt_at == due + services.BACKOFF[0] + services.BACKOFF[1]
    _run(app, due + services.BACKOFF[0] + services.BACKOFF[1])
    (row,) = _rows(app)
    assert (row.status, row.attempts) == ("sent", 3)
    assert len(smtp.mailbox.messages) == 1
    (sent,) = traces(app, action="mail.sent")
    assert sent.patient_ref == patient.ref and "MOTIF" not in (sent.detail or "")


def test_given_up_after_the_last_attempt(app, smtp, make_patient, user, kinds):
    patient = _consenting(make_patient, app)
    _book(app, user, kinds, patient, SPRING, hour=10)
    now = to_utc(SPRING - datetime.timedelta(days=1), datetime.time(10))
    smtp.mailbox.refuse = 99
    for _ in range(services.MAX_ATTEMPTS):
        _run(app, now)
        now = _rows(app)[0].next_attempt_at
    (row,) = _rows(app)
    assert (row.status, row.attempts) == ("failed", services.MAX_ATTEMPTS)
    assert traces(app, action="mail.failed")


def test_nothing_sent_twice_after_a_crash_between_send_and_record(
    app, smtp, make_patient, user, kinds, monkeypatch
):
    class Crash(BaseException):
        """The process dies right after the server accepted the message."""

    patient = _consenting(make_patient, app)
    _book(app, user, kinds, patient, SPRING, hour=10)
    due = to_utc(SPRING - datetime.timedelta(days=1), datetime.time(10))
    real_send = mail.send

    def send_then_crash(message, smtp_account=None):
        real_send(message, smtp_account)
        raise Crash()

    monkeypatch.setattr(mail, "send", send_then_crash)
    with pytest.raises(Crash):
        _run(app, due)
    monkeypatch.setattr(mail, "send", real_send)
    assert _rows(app)[0].status == "sending"
    for minutes in (1, 10, 60):
        _run(app, due + datetime.timedelta(minutes=minutes))
    (row,) = _rows(app)  # never queued again either: the key is unique
    assert row.status == "uncertain"
    assert len(smtp.mailbox.messages) == 1


def test_a_cancelled_or_moved_appointment_is_not_reminded(app, smtp, make_patient, user, kinds):
    patient = _consenting(make_patient, app)
    cancelled = _book(app, user, kinds, patient, SPRING, hour=10)
    moved = _book(app, user, kinds, patient, SPRING, hour=11)
    now = to_utc(SPRING - datetime.timedelta(days=1), datetime.time(12))
    with app.test_request_context():
        assert services.queue_due_reminders(now) == 2
        Appointment.update(status="cancelled").where(Appointment.id == cancelled.id).execute()
        Appointment.update(starts_at=moved.starts_at + datetime.timedelta(days=2)).where(
            Appointment.id == moved.id
        ).execute()
        services.send_due(now)
    assert {row.last_error for row in _rows(app)} == {"rendez-vous annulé", "rendez-vous déplacé"}
    assert smtp.mailbox.messages == []


def test_settings_password_is_stored_and_never_rendered(app, admin_client):
    page = admin_client.get("/rappels/parametres").get_data(as_text=True)
    assert SMTP_PASSWORD not in page and 'data-password="set"' in page
    form = {
        "reminder_hours": "72",
        "smtp_host": "localhost",
        "smtp_port": "2525",
        "smtp_security": "tls",
        "smtp_login": LOGIN,
        "smtp_sender": LOGIN,
        "smtp_password": "",
    }
    assert admin_client.post("/rappels/parametres", data=form).status_code == 302
    with app.app_context():
        assert settings.get("smtp_password") == SMTP_PASSWORD  # empty field: kept
        assert settings.get("smtp_port") == 2525 and settings.get("reminder_hours") == "72"
    response = admin_client.post("/rappels/parametres", data={**form, "smtp_password": "Nouveau-1"})
    assert response.status_code == 302
    page = admin_client.get("/rappels/parametres").get_data(as_text=True)
    assert "Nouveau-1" not in page
    with app.app_context():
        assert settings.get("smtp_password") == "Nouveau-1"
    bad = admin_client.post("/rappels/parametres", data={**form, "smtp_sender": "pas-une-adresse"})
    assert bad.status_code == 422 and "Nouveau-1" not in bad.get_data(as_text=True)


def test_test_button_sends_now_or_says_why_not(app, smtp, admin_client):
    response = admin_client.post("/rappels/parametres/essai", data={"recipient": "moi@example.org"})
    assert response.status_code == 302
    (message,) = smtp.mailbox.messages
    assert message["To"] == "moi@example.org" and "Essai" in message["Subject"]
    with app.app_context():
        settings.put("smtp_password", "MotDePasse-Faux-9")
    response = admin_client.post("/rappels/parametres/essai", data={"recipient": "moi@example.org"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "mot de passe SMTP refusé" in page and "MotDePasse-Faux-9" not in page
    assert [row.status for row in _rows(app)] == ["sent", "failed"]


def test_the_confirmation_card_can_be_emailed(
    app, smtp, secretary_client, make_patient, user, kinds
):
    patient = _consenting(make_patient, app)
    appointment = _book(app, user, kinds, patient, SPRING, hour=10)
    response = secretary_client.post(f"/rappels/rdv/{appointment.ref}/confirmation")
    assert response.status_code == 302
    scheduler.reminders(app)  # what the scheduler's process calls every 5 minutes
    (message,) = smtp.mailbox.messages
    assert "Confirmation" in message["Subject"] and "confirmé" in message.get_content()
    assert traces(app, action="mail.card_queued")


def test_no_card_for_a_patient_who_did_not_agree(app, secretary_client, make_patient, user, kinds):
    patient = make_patient(email="jamais@example.org")
    appointment = _book(app, user, kinds, patient, SPRING, hour=10)
    response = secretary_client.post(
        f"/rappels/rdv/{appointment.ref}/confirmation", follow_redirects=True
    )
    assert "n&#39;a pas accepté" in response.get_data(as_text=True)
    assert _rows(app) == []


def test_outbox_says_to_whom_when_and_outcome(app, smtp, admin_client, make_patient, user, kinds):
    patient = _consenting(make_patient, app)
    _book(app, user, kinds, patient, SPRING, hour=10, note="MOTIF-CONFIDENTIEL")
    _run(app, to_utc(SPRING - datetime.timedelta(days=1), datetime.time(10)))
    page = admin_client.get("/rappels/envois").get_data(as_text=True)
    assert "patient@example.org" in page and 'data-status="sent"' in page
    assert "MOTIF-CONFIDENTIEL" not in page
    assert traces(app, action="mail.outbox_view")


def test_the_password_never_leaves_in_the_restitution(app):
    from cabinet.compliance import restitution

    with app.app_context():
        conn = restitution._open(app.config)
        rows = list(restitution._rows(conn, "main", "setting", ["key", "value"]))
        conn.close()
    assert "smtp_password" not in {key for key, _ in rows}
    assert SMTP_PASSWORD not in {value for _, value in rows}


def test_the_command_runs_the_job(app, smtp, runner, make_patient, user, kinds):
    patient = _consenting(make_patient, app)
    tomorrow = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(
        hours=20
    )
    with app.app_context():
        Appointment.create(
            practitioner=user("practitioner"),
            patient=patient,
            appointment_type=kinds["Séance"],
            starts_at=tomorrow,
            ends_at=tomorrow + datetime.timedelta(minutes=30),
            created_by=user("secretary"),
        )
    result = runner.invoke(args=["reminders", "run"])
    assert result.exit_code == 0, result.output
    assert "1 mis en file, 1 envoyé(s)" in result.output
    assert len(smtp.mailbox.messages) == 1


def test_messages_waiting_for_a_mail_server_are_said(
    app, smtp, admin_client, secretary_client, make_patient, user, kinds
):
    """Reminders are on by default (24 h): until the practice sets its mail account, they
    wait — the outbox and the admin's home page say how many, and where to set it (found in
    a walk-through: the demo piled them up with nothing said). The secretary's home page
    does not carry it; once the account is set, the notice goes."""
    patient = _consenting(make_patient, app)
    _book(app, user, kinds, patient, SPRING, hour=10)
    with app.app_context():
        settings.put("smtp_host", "")
    _run(app, to_utc(SPRING - datetime.timedelta(days=1), datetime.time(10)))
    assert [row.status for row in _rows(app)] == ["queued"] and smtp.mailbox.messages == []
    for page in (admin_client.get("/rappels/envois"), admin_client.get("/")):
        text = page.get_data(as_text=True)
        assert "Aucun serveur de courriel n'est réglé" in text
        assert "1 courriel (rappels, confirmations) attend : il partira" in text
        assert 'href="/rappels/parametres"' in text
    assert "Aucun serveur de courriel" not in secretary_client.get("/").get_data(as_text=True)
    with app.app_context():
        settings.put("smtp_host", "localhost")
    assert "Aucun serveur de courriel" not in admin_client.get("/").get_data(as_text=True)
    assert "Aucun serveur de courriel" not in admin_client.get("/rappels/envois").get_data(
        as_text=True
    )
