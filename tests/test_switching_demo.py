"""Issue 17, done means: on demo data the admin imports the example file of docs/, sees the
preview and the refusals, imports; with the test SMTP server a reminder arrives for a
consenting patient and none for an objecting one."""

import datetime
import io

from cabinet import demo
from cabinet.appointments.models import Appointment, AppointmentType
from cabinet.appointments.schedule import to_utc
from cabinet.config import ROOT
from cabinet.patients.models import Patient
from cabinet.reminders import jobs
from tests.test_reminders import app, smtp  # noqa: F401 - the app trusting the SMTP server

EXAMPLE = ROOT / "docs" / "exemple-import-patients.csv"


def _upload(client, data: bytes):
    boundary = "limite-demo"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="exemple.csv"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(
        "/patients/import",
        input_stream=io.BytesIO(body),
        content_length=len(body),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_the_example_file_is_the_generated_one():
    assert EXAMPLE.read_bytes() == demo.import_example()


def test_demo_import_then_reminders(app, smtp, runner, admin_client, user):  # noqa: F811
    result = runner.invoke(args=["seed-demo", "--patients", "40", "--seed", "3"])
    assert result.exit_code == 0, result.output
    response = _upload(admin_client, EXAMPLE.read_bytes())
    assert response.status_code == 302, response.get_data(as_text=True)
    preview = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Windows-1252" in preview
    assert 'data-count="create">20<' in preview and 'data-count="refused">3<' in preview
    assert 'data-count="duplicate">1<' in preview
    assert "la clé du NIR ne correspond pas" in preview
    assert "date de naissance manquante" in preview and "« 30/02/1975 »" in preview
    run_url = response.headers["Location"] + "/importer"
    assert admin_client.post(run_url).status_code == 422  # all or nothing
    assert admin_client.post(run_url, data={"leave_out_refused": "y"}).status_code == 302
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    with app.app_context():
        agrees = Patient.get(Patient.birth_name == "LESAGE")
        objects = Patient.get(Patient.birth_name == "REYNAUD")
        assert not agrees.objects_to_reminders and objects.objects_to_reminders
        assert objects.email  # an address, but no agreement: no reminder
        kind = AppointmentType.select().first()
        for hour, patient in ((10, agrees), (11, objects)):
            starts = to_utc(tomorrow, datetime.time(hour))
            Appointment.create(
                practitioner=user("practitioner"),
                patient=patient,
                appointment_type=kind,
                starts_at=starts,
                ends_at=starts + datetime.timedelta(minutes=30),
                created_by=user("secretary"),
            )
    with app.app_context():  # as the scheduler runs it
        jobs.run(to_utc(datetime.date.today(), datetime.time(11, 30)))
    # The two imported patients: the one who agreed gets her reminder, the other none (the
    # demo's own patients who accept reminders get theirs for their own appointments).
    imported = {agrees.email, objects.email}
    sent = [m["To"] for m in smtp.mailbox.messages]
    assert [to for to in sent if to in imported] == ["roland.lesage@example.org"]
