"""Prescriptions (P3, A1): recorded from a photo (checked, re-encoded, metadata stripped,
nothing stored on refusal), sessions counted from the agenda (done, cancelled, moved), the
series proposed, renewal lists for the practitioner and the secretary, the BSI."""

import datetime
import io

import pytest
from PIL import Image

from tests.conftest import traces
from tests.photos import huge_png, jpeg

TODAY = datetime.date.today()


def _form(**overrides):
    data = {
        "prescriber_name": "Dr Martin Prescrit",
        "prescriber_rpps": "",
        "prescribed_on": TODAY.isoformat(),
        "kind": "nursing",
        "acts_text": "Pansement lourd à domicile",
        "act_codes": "AMI 4",
        "sessions_count": "10",
        "per_week": "2",
        "rhythm": "10 séances, 2 par semaine",
        "starts_on": TODAY.isoformat(),
        "valid_until": (TODAY + datetime.timedelta(days=60)).isoformat(),
        "home_care": "y",
    }
    data.update(overrides)
    return data


def _prescriptions(app):
    from cabinet.prescriptions.models import Prescription, PrescriptionPhoto

    with app.app_context():
        return list(Prescription.select()), list(PrescriptionPhoto.select())


@pytest.fixture
def patient(make_patient):
    return make_patient(treated_by="practitioner")


def _post(client, patient, photo=None, **overrides):
    data = _form(**overrides)
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), "ordonnance.jpg")
    return client.post(
        f"/ordonnances/patient/{patient.ref}/nouvelle",
        data=data,
        content_type="multipart/form-data",
    )


def test_prescription_from_a_photo_strips_gps_and_serves_it_to_the_team(
    app, practitioner_client, secretary_client, patient
):
    original = jpeg(3000, 2000)
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)  # the camera's GPS
    response = _post(practitioner_client, patient, original)
    assert response.status_code == 302
    (prescription,), (photo,) = _prescriptions(app)
    stored = Image.open(io.BytesIO(bytes(photo.data)))
    assert stored.format == "JPEG" and max(stored.size) == 2000
    assert not stored.getexif() and "comment" not in stored.info
    assert b"AppareilTest" not in bytes(photo.data) and b"prive" not in bytes(photo.data)
    served = practitioner_client.get(f"/ordonnances/{prescription.ref}/photo.jpg")
    assert served.mimetype == "image/jpeg" and served.data == bytes(photo.data)
    assert served.headers["Cache-Control"] == "no-store"
    assert secretary_client.get(f"/ordonnances/{prescription.ref}/photo.jpg").status_code == 403
    assert [t.action for t in traces(app, patient_ref=patient.ref)][-2:] == [
        "prescription.create",
        "prescription.photo_view",
    ]


@pytest.mark.parametrize(
    ("photo", "message"),
    [
        (b"%PDF-1.4 pas une image", "pas une image lisible"),
        (huge_png(), "trop grande"),
    ],
)
def test_refused_upload_says_why_and_stores_nothing(
    app, practitioner_client, patient, photo, message
):
    response = _post(practitioner_client, patient, photo)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _prescriptions(app) == ([], [])


def test_photo_over_8_mb_is_refused():
    """Checked on the bytes before any decoding (the request itself is bounded at 10 MiB)."""
    from cabinet.prescriptions import photos

    with pytest.raises(photos.PhotoRefused, match="dépasse 8 Mo"):
        photos.clean(b"\xff\xd8\xff" + b"0" * photos.MAX_BYTES)


def test_invalid_form_changes_nothing(app, practitioner_client, patient):
    response = _post(
        practitioner_client,
        patient,
        valid_until=(TODAY - datetime.timedelta(days=1)).isoformat(),
        prescriber_rpps="123",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "La fin de validité précède le début des soins." in page
    assert "Le numéro RPPS a 11 chiffres." in page
    assert _prescriptions(app) == ([], [])


def test_secretary_and_stranger_cannot_record(app, secretary_client, role_client, make_patient):
    stranger = make_patient()
    assert _post(secretary_client, stranger).status_code == 403
    response = _post(role_client("practitioner"), stranger)
    assert response.status_code == 302 and "acces-exceptionnel" in response.headers["Location"]
    assert _prescriptions(app) == ([], [])


def _prescription(app, user, patient, **fields):
    from cabinet.prescriptions import services

    data = {
        key: value
        for key, value in _form().items()
        if key not in ("home_care", "sessions_count", "per_week")
    }
    data.update(
        prescribed_on=TODAY,
        starts_on=TODAY,
        valid_until=TODAY + datetime.timedelta(days=60),
        sessions_count=10,
        per_week=2,
        home_care=True,
    )
    data.update(fields)
    with app.test_request_context():
        return services.create(user("practitioner"), patient, data)


def _series(app, user, patient, prescription, statuses):
    """A series proposed from the prescription, its occurrences in the given statuses."""
    from cabinet.appointments.models import Appointment, AppointmentType, Series

    doctor = user("practitioner")
    with app.app_context():
        kind = AppointmentType.get(AppointmentType.name == "Séance")
        series = Series.create(
            practitioner=doctor,
            patient=patient,
            appointment_type=kind,
            count=len(statuses),
            weekdays="0",
            local_time=datetime.time(9),
            first_date=TODAY,
            prescription_ref=prescription.ref,
            created_by=doctor.id,
        )
        start = datetime.datetime.combine(TODAY, datetime.time(8))
        rows = []
        for index, status in enumerate(statuses):
            at = start + datetime.timedelta(days=index - 2)
            rows.append(
                Appointment.create(
                    practitioner=doctor,
                    patient=patient,
                    appointment_type=kind,
                    starts_at=at,
                    ends_at=at + datetime.timedelta(minutes=30),
                    status=status,
                    series=series,
                    created_by=doctor.id,
                )
            )
        return rows


def test_sessions_counted_done_cancelled_moved(app, user, patient, practitioner_client):
    from cabinet.appointments import services as booking
    from cabinet.prescriptions import services

    prescription = _prescription(app, user, patient)
    rows = _series(app, user, patient, prescription, ["honoured", "cancelled", "missed", "booked"])
    with app.test_request_context():
        progress = services.progress(prescription)
        assert (progress.done, progress.planned, progress.left) == (1, 1, 9)
        booked = rows[3]
        booking.move(
            booked, TODAY + datetime.timedelta(days=5), datetime.time(10), user("practitioner")
        )
        moved = services.progress(prescription)
        assert (moved.done, moved.planned) == (1, 1)  # a moved session still counts once
        numbers = services.session_numbers({prescription.ref})
        assert {rows[0].id: 1, rows[3].id: 2} == {k: v[0] for k, v in numbers.items()}
    page = practitioner_client.get(f"/ordonnances/{prescription.ref}").get_data(as_text=True)
    assert "1/10 séances faites, 1 prévue(s)" in page


def test_warning_at_the_last_two_sessions(app, user, patient):
    from cabinet.prescriptions import services

    prescription = _prescription(app, user, patient, sessions_count=3)
    rows = _series(app, user, patient, prescription, ["honoured", "booked", "booked"])
    with app.test_request_context():
        progress = services.progress(prescription)
        assert progress.last_ones and progress.left == 2
        numbers = services.session_numbers({prescription.ref})
        labels = [services.session_label(*numbers[row.id]) for row in rows]
    assert labels == [
        "séance 1/3",
        "séance 2/3 — fin d'ordonnance proche",
        "séance 3/3 — fin d'ordonnance proche",
    ]


def test_agenda_shows_session_number_to_the_team_only(
    app, user, patient, practitioner_client, secretary_client
):
    prescription = _prescription(app, user, patient)
    _series(app, user, patient, prescription, ["booked", "booked", "booked"])
    url = f"/agenda/?jour={TODAY.isoformat()}"
    assert "séance 3/10" in practitioner_client.get(url).get_data(as_text=True)
    assert "séance 3/10" not in secretary_client.get(url).get_data(as_text=True)
    assert "prescription.view" in [t.action for t in traces(app, patient_ref=patient.ref)]


def test_series_proposed_from_the_prescription(app, user, patient, practitioner_client):
    from cabinet.appointments.models import Series

    prescription = _prescription(app, user, patient, per_week=2, sessions_count=4)
    response = practitioner_client.get(f"/ordonnances/{prescription.ref}/serie")
    target = response.headers["Location"]
    assert "ordonnance=" in target and "seances=4" in target and "jours=0,3" in target
    page = practitioner_client.get(target).get_data(as_text=True)
    assert 'value="4"' in page and prescription.ref in page
    monday = TODAY + datetime.timedelta(days=7 - TODAY.weekday())
    form = {
        "patient_ref": patient.ref,
        "practitioner": user("practitioner").ref,
        "appointment_type": "",
        "count": "4",
        "weekdays": ["0", "3"],
        "time": "09:00",
        "first_date": monday.isoformat(),
        "location": "home",
        "prescription_ref": prescription.ref,
        "confirm": "y",
    }
    from cabinet.appointments.models import AppointmentType

    with app.app_context():
        form["appointment_type"] = str(AppointmentType.get(AppointmentType.name == "Séance").id)
    assert practitioner_client.post("/agenda/serie/nouvelle", data=form).status_code == 302
    with app.app_context():
        series = Series.get(Series.patient == patient.id)
        assert series.prescription_ref == prescription.ref and series.count == 4


def test_renewal_lists(app, user, make_patient, practitioner_client, secretary_client):
    soon = make_patient(treated_by="practitioner", birth_name="Bientôt")
    later = make_patient(treated_by="practitioner", birth_name="Tranquille")
    almost = make_patient(treated_by="practitioner", birth_name="Presque")
    _prescription(
        app, user, soon, valid_until=TODAY + datetime.timedelta(days=5), acts_text="Soins A"
    )
    _prescription(app, user, later, acts_text="Soins B")
    used = _prescription(app, user, almost, sessions_count=3, acts_text="Soins C")
    _series(app, user, almost, used, ["honoured", "booked"])
    page = practitioner_client.get("/ordonnances/a-renouveler").get_data(as_text=True)
    assert "BIENTÔT" in page and "PRESQUE" in page and "TRANQUILLE" not in page
    assert "Soins A" in page and "plus que 2 séance(s)" in page
    calls = secretary_client.get("/ordonnances/a-renouveler/appels").get_data(as_text=True)
    assert "BIENTÔT" in calls and "Dr Martin Prescrit" in calls and "TRANQUILLE" not in calls
    assert "Soins" not in calls and "AMI" not in calls
    assert secretary_client.get("/ordonnances/a-renouveler").status_code == 403


def test_bsi_and_its_renewal(app, user, patient, practitioner_client):
    done = TODAY - datetime.timedelta(days=360)
    response = practitioner_client.post(
        f"/ordonnances/patient/{patient.ref}/bsi",
        data={"done_on": done.isoformat(), "level": "BSB"},
    )
    assert response.status_code == 302
    page = practitioner_client.get("/ordonnances/a-renouveler").get_data(as_text=True)
    assert "BSI du" in page and "(BSB)" in page
    refused = practitioner_client.post(
        f"/ordonnances/patient/{patient.ref}/bsi", data={"done_on": "", "level": "BSX"}
    )
    assert refused.status_code == 422


def test_patient_page_panel_for_practitioner_only(
    app, user, patient, practitioner_client, secretary_client
):
    _prescription(app, user, patient, acts_text="Injections quotidiennes")
    mine = practitioner_client.get(f"/patients/{patient.ref}").get_data(as_text=True)
    assert "patient-prescriptions" in mine and "0/10 séances faites" in mine
    page = secretary_client.get(f"/patients/{patient.ref}").get_data(as_text=True)
    assert "Injections quotidiennes" not in page and "patient-prescriptions" not in page
