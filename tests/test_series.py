"""P3: a care series is previewed occurrence by occurrence, then saved at once, or not at all
when one occurrence conflicts; through the services and through the series page."""

import datetime

import pytest

from cabinet.appointments import rules, schedule
from tests.appointment_helpers import (
    MONDAY,
    THURSDAY,
    appointment_count,
    book_series,
    booking,
    first_monday,
)
from tests.conftest import traces


def test_series_preview_equals_what_is_saved(app, ctx, user, make_patient, kinds):
    from cabinet.appointments.models import Appointment

    patient = make_patient()
    monday = first_monday()
    preview = rules.preview_series(
        user("practitioner"),
        patient,
        kinds["Séance"],
        monday,
        {MONDAY, THURSDAY},
        datetime.time(18),
        10,
    )
    assert len(preview) == 10 and not any(o.reasons for o in preview)
    saved_series = book_series(user, patient, kinds, monday)
    saved = [a.starts_at for a in saved_series.appointments.order_by(Appointment.starts_at)]
    assert saved == [o.starts_at for o in preview]
    assert all(schedule.to_local(s).hour == 18 for s in saved)
    (created,) = traces(app, action="appointment.series_create")
    assert created.patient_ref == patient.ref and created.detail == "10 séances"


def test_a_series_with_one_conflict_saves_nothing(app, ctx, user, make_patient, kinds):
    from cabinet.appointments import services

    patient = make_patient()
    monday = first_monday()
    services.book(
        booking(
            user("practitioner"),
            make_patient(),
            kinds["Séance"],
            monday + datetime.timedelta(days=7),
            18,
        ),
        user("secretary"),
    )
    preview = rules.preview_series(
        user("practitioner"), patient, kinds["Séance"], monday, {MONDAY}, datetime.time(18), 4
    )
    assert [bool(o.reasons) for o in preview] == [False, True, False, False]
    with pytest.raises(rules.BookingRefused):
        book_series(user, patient, kinds, monday, weekdays={MONDAY}, count=4)
    assert appointment_count(app) == 1


def test_series_page_previews_then_saves(app, secretary_client, user, make_patient, kinds):
    patient = make_patient()
    form = {
        "patient_ref": patient.ref,
        "practitioner": user("practitioner").ref,
        "appointment_type": str(kinds["Séance"].id),
        "count": "10",
        "weekdays": ["0", "3"],
        "time": "18:00",
        "first_date": first_monday().isoformat(),
        "location": "practice",
    }
    preview = secretary_client.post("/agenda/serie/nouvelle", data=form).get_data(as_text=True)
    assert "Aperçu : 10 séances" in preview and "Enregistrer les 10 séances" in preview
    assert appointment_count(app) == 0
    saved = secretary_client.post("/agenda/serie/nouvelle", data={**form, "confirm": "y"})
    assert saved.status_code == 302 and appointment_count(app) == 10
    assert "vue=semaine" in saved.headers["Location"]
    no_days = secretary_client.post("/agenda/serie/nouvelle", data={**form, "weekdays": []})
    assert "Cochez au moins un jour." in no_days.get_data(as_text=True)
