"""P1: opening hours and absences recorded through the availability page — created, refused
with a French message when they overlap one already recorded (nothing saved), deleted; each
test reloads the rows from the database."""

import datetime
import html

import pytest

from cabinet.appointments import schedule
from tests.appointment_helpers import FUTURE
from tests.conftest import traces

PAGE = "/agenda/disponibilites"


def _hours(practitioner, weekday="0", opens="09:00", closes="12:00") -> dict:
    return {
        "h-practitioner": practitioner.ref,
        "h-weekday": weekday,
        "h-opens": opens,
        "h-closes": closes,
    }


def _absence(practitioner, first, last, kind="holiday") -> dict:
    return {
        "a-practitioner": practitioner.ref,
        "a-kind": kind,
        "a-first_day": first.isoformat(),
        "a-last_day": last.isoformat(),
    }


def _opening_rows(app, practitioner) -> list[tuple]:
    from cabinet.appointments.models import OpeningHours

    with app.app_context():
        rows = OpeningHours.select().where(OpeningHours.practitioner == practitioner.id)
        return sorted((r.weekday, r.opens, r.closes) for r in rows)


def _absence_rows(app, practitioner) -> list[tuple]:
    from cabinet.appointments.models import Absence

    with app.app_context():
        rows = Absence.select().where(Absence.practitioner == practitioner.id)
        return sorted((r.kind, r.starts_at, r.ends_at) for r in rows)


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# Opening hours --------------------------------------------------------------------------------


def test_opening_hours_are_recorded_and_listed(app, secretary_client, user):
    doctor = user("practitioner")
    response = secretary_client.post(PAGE, data=_hours(doctor))
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    assert _opening_rows(app, doctor) == [(0, datetime.time(9), datetime.time(12))]
    (saved,) = traces(app, action="settings.update")
    assert saved.target == f"opening_hours:{doctor.ref}" and saved.role == "secretary"
    page = _text(secretary_client.get(PAGE))
    assert "Horaires enregistrés." in page and "09:00–12:00" in page


def test_overlapping_opening_hours_are_refused_and_nothing_is_saved(app, secretary_client, user):
    doctor, locum = user("practitioner"), user("locum")
    assert secretary_client.post(PAGE, data=_hours(doctor)).status_code == 302
    refused = secretary_client.post(PAGE, data=_hours(doctor, opens="11:00", closes="14:00"))
    assert refused.status_code == 422
    assert (
        "Ces horaires chevauchent ceux du lundi déjà enregistrés pour Dr Paul Soignant "
        "(09:00–12:00) : rien n'a été enregistré."
    ) in _text(refused)
    assert _opening_rows(app, doctor) == [(0, datetime.time(9), datetime.time(12))]
    assert len(traces(app, action="settings.update")) == 1
    # Touching is not overlapping; another day or another practitioner is free too.
    for data in (
        _hours(doctor, opens="12:00", closes="14:00"),
        _hours(doctor, weekday="1", opens="10:00", closes="11:00"),
        _hours(locum, opens="10:00", closes="11:00"),
    ):
        assert secretary_client.post(PAGE, data=data).status_code == 302
    assert _opening_rows(app, doctor) == [
        (0, datetime.time(9), datetime.time(12)),
        (0, datetime.time(12), datetime.time(14)),
        (1, datetime.time(10), datetime.time(11)),
    ]
    assert _opening_rows(app, locum) == [(0, datetime.time(10), datetime.time(11))]


def test_opening_hours_closing_before_they_open_are_refused(app, practitioner_client, user):
    doctor = user("practitioner")
    refused = practitioner_client.post(PAGE, data=_hours(doctor, opens="14:00", closes="09:00"))
    assert refused.status_code == 422
    assert "La fermeture doit suivre l'ouverture." in _text(refused)
    assert _opening_rows(app, doctor) == []


# Absences -------------------------------------------------------------------------------------


def test_an_absence_covers_whole_local_days(app, secretary_client, user):
    doctor = user("practitioner")
    last = FUTURE + datetime.timedelta(days=4)
    response = secretary_client.post(PAGE, data=_absence(doctor, FUTURE, last, kind="training"))
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    start, _ = schedule.local_day_bounds(FUTURE)
    _, end = schedule.local_day_bounds(last)
    assert _absence_rows(app, doctor) == [("training", start, end)]
    (saved,) = traces(app, action="settings.update")
    assert saved.target == f"absence:{doctor.ref}"
    assert "Absence enregistrée." in _text(secretary_client.get(PAGE))


def test_an_absence_shows_in_its_agenda_on_its_days_only(app, secretary_client, user):
    doctor, locum = user("practitioner"), user("locum")
    last = FUTURE + datetime.timedelta(days=1)
    assert secretary_client.post(PAGE, data=_absence(doctor, FUTURE, last, kind="training"))
    # The week of the first day: the column of each of the two days says it, no other.
    week = _text(secretary_client.get(f"/agenda/?jour={FUTURE}&vue=semaine&praticien={doctor.ref}"))
    columns = week.split('<section class="agenda-column')[1:]
    marked = [i for i, column in enumerate(columns) if '<p class="absence">Formation' in column]
    first = FUTURE.weekday()
    assert marked == [d for d in (first, first + 1) if d < 7]
    # The day view: in the absent practitioner's column, not in the colleague's.
    day = _text(secretary_client.get(f"/agenda/?jour={FUTURE}"))
    columns = day.split('<section class="agenda-column')[1:]
    by_name = {c.split("<h2>")[1].split("</h2>")[0]: c for c in columns}
    assert '<p class="absence">Formation' in by_name[doctor.display_name]
    assert '<p class="absence">' not in by_name[locum.display_name]
    following = _text(secretary_client.get(f"/agenda/?jour={last + datetime.timedelta(days=1)}"))
    assert '<p class="absence">' not in following


def test_an_overlapping_absence_is_refused_and_nothing_is_saved(app, secretary_client, user):
    doctor, locum = user("practitioner"), user("locum")
    last = FUTURE + datetime.timedelta(days=4)
    assert secretary_client.post(PAGE, data=_absence(doctor, FUTURE, last)).status_code == 302
    later = last + datetime.timedelta(days=3)
    refused = secretary_client.post(PAGE, data=_absence(doctor, last, later, kind="training"))
    assert refused.status_code == 422
    assert (
        "Cette absence chevauche celle déjà enregistrée pour Dr Paul Soignant "
        f"(Congés du {FUTURE:%d/%m/%Y} au {last:%d/%m/%Y}) : rien n'a été enregistré."
    ) in _text(refused)
    assert [kind for kind, _, _ in _absence_rows(app, doctor)] == ["holiday"]
    # The day after the last one is free, and so is a colleague's agenda.
    following = last + datetime.timedelta(days=1)
    assert secretary_client.post(PAGE, data=_absence(doctor, following, later)).status_code == 302
    assert secretary_client.post(PAGE, data=_absence(locum, FUTURE, last)).status_code == 302
    assert len(_absence_rows(app, doctor)) == 2 and len(_absence_rows(app, locum)) == 1


def test_an_absence_ending_before_it_starts_is_refused(app, secretary_client, user):
    doctor = user("practitioner")
    refused = secretary_client.post(
        PAGE, data=_absence(doctor, FUTURE, FUTURE - datetime.timedelta(days=1))
    )
    assert refused.status_code == 422
    assert "La fin de l'absence précède son début." in _text(refused)
    assert _absence_rows(app, doctor) == []


# Deletion -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "target"), [("horaires", "opening_hours"), ("absences", "absence")]
)
def test_opening_hours_and_absences_are_deleted(app, secretary_client, user, address, target):
    from cabinet.appointments.models import Absence, OpeningHours

    doctor = user("practitioner")
    model, rows, data = {
        "horaires": (OpeningHours, _opening_rows, _hours(doctor)),
        "absences": (Absence, _absence_rows, _absence(doctor, FUTURE, FUTURE)),
    }[address]
    assert secretary_client.post(PAGE, data=data).status_code == 302
    with app.app_context():
        row_id = model.get(model.practitioner == doctor.id).id
    deleted = secretary_client.post(f"{PAGE}/{address}/{row_id}/supprimer")
    assert deleted.status_code == 302 and deleted.headers["Location"] == PAGE
    assert rows(app, doctor) == []
    removal = traces(app, action="settings.update")[-1]
    assert (removal.target, removal.detail) == (target, "suppression")
    assert secretary_client.post(f"{PAGE}/{address}/{row_id}/supprimer").status_code == 404
