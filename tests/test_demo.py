"""X7 demo data that holds together: each care series announces the sessions it holds
(issue 19, point 6: series said "10 séances" over 1 to 9 appointments)."""

from cabinet.appointments.schedule import to_local


def test_demo_series_hold_the_sessions_they_announce(app, runner):
    from cabinet.appointments.models import Appointment, Series

    result = runner.invoke(args=["seed-demo", "--patients", "60", "--seed", "2"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        series = list(Series.select())
        assert len(series) >= 5
        for one in series:
            starts = [
                to_local(a.starts_at)
                for a in Appointment.select()
                .where(Appointment.series == one)
                .order_by(Appointment.starts_at)
            ]
            assert one.count == len(starts) >= 1, one.id
            assert one.first_date == starts[0].date()
            assert one.local_time == starts[0].time()
            weekdays = {int(day) for day in one.weekdays.split(",")}
            assert weekdays == {start.weekday() for start in starts}


def test_demo_practitioners_treat_the_patients_they_see(app, runner):
    """A2: the demo's bookings put each practitioner in the care team of her patients, so the
    demo records open without break-glass, and the demo's own records are filled."""
    from cabinet.appointments.models import Appointment
    from cabinet.patients.models import CareAssignment
    from cabinet.records.models import RecordItem

    # Enough appointments to reach past days: the demo fills records from honoured ones.
    result = runner.invoke(
        args=["seed-demo", "--patients", "40", "--seed", "4", "--appointments", "2000"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        booked = {
            (a.patient_id, a.practitioner_id)
            for a in Appointment.select().where(Appointment.status != "cancelled")
        }
        team = {(m.patient_id, m.practitioner_id) for m in CareAssignment.select()}
        assert booked and booked <= team
        assert RecordItem.select().count() > 0


def test_demo_has_prescriptions_with_sessions_left_and_renewals(app, runner):
    """Issue 15 done-means: each demo practitioner has a few prescriptions, some at home
    with a night passage, some physiotherapy series, and some falling due for renewal."""
    import datetime

    from cabinet.auth.models import User
    from cabinet.prescriptions import services
    from cabinet.prescriptions.models import Prescription

    result = runner.invoke(
        args=["seed-demo", "--patients", "40", "--seed", "5", "--appointments", "2000"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = list(Prescription.select())
        assert {row.kind for row in rows} == {"nursing", "physiotherapy"}
        assert any(row.night_required and row.home_care for row in rows)
        nurse = User.get(User.login == "praticien")
        assert services.renewals(nurse, datetime.date.today())
        left = services.progress_of(rows, datetime.date.today())
        assert all(0 < item.left <= item.total for item in left)


def test_demo_has_tomorrows_round_access_notes_transmissions_and_a_handover(app, runner):
    """Issue 16 done-means on demo data: the nurse's round of tomorrow with access notes,
    transmissions her colleague has not read, and a handover to the locum open today."""
    import datetime

    from cabinet.appointments import agenda, rounds
    from cabinet.auth.models import User
    from cabinet.handover.models import Handover
    from cabinet.patients.models import AccessNote
    from cabinet.transmissions import services as transmissions

    result = runner.invoke(
        args=["seed-demo", "--patients", "60", "--seed", "3", "--appointments", "3000"]
    )
    assert result.exit_code == 0, result.output
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    with app.app_context():
        nurse = User.get(User.login == "praticien")
        locum = User.get(User.login == "remplacant")
        visits = agenda.tour(nurse, tomorrow)
        assert len(visits) >= 3
        assert rounds.day_kilometres(nurse, tomorrow) is not None
        noted = AccessNote.select().where(AccessNote.patient.in_([v.patient_id for v in visits]))
        assert noted.count() >= 3
        assert transmissions.unread_count(locum) >= 1
        assert transmissions.unread_count(nurse) >= 1
        (handover,) = Handover.select()
        assert handover.locum_id == locum.id and handover.is_open(datetime.date.today())


def test_demo_home_visit_types_are_at_home_and_the_others_at_the_practice(app, runner):
    """Found in a walk-through: the demo showed « Soin à domicile — Au cabinet », a home
    visit the round and the tour sheet (which read the place) left out."""
    from cabinet.appointments.models import Appointment, AppointmentType

    result = runner.invoke(
        args=["seed-demo", "--patients", "40", "--seed", "3", "--appointments", "2000"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        pairs = {
            (a.appointment_type.is_home_visit, a.location)
            for a in Appointment.select(Appointment, AppointmentType).join(AppointmentType)
        }
    assert pairs == {(True, "home"), (False, "practice")}


def test_demo_reminders_list_the_patients_who_accept_them(app, runner):
    """I7 on demo data: tomorrow's reminder list names patients who accepted reminders, and
    leaves out those who did not (found in a walk-through: every demo patient objected,
    so the list and the e-mail reminders were always empty)."""
    import datetime

    from cabinet.appointments import agenda
    from cabinet.auth.models import User

    result = runner.invoke(
        args=["seed-demo", "--patients", "60", "--seed", "3", "--appointments", "3000"]
    )
    assert result.exit_code == 0, result.output
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    with app.test_request_context():
        secretary = User.get(User.login == "secretaire")
        to_remind, left_out = agenda.reminders(secretary, tomorrow)
        assert len(to_remind) >= 3 and left_out >= 1
        assert not any(a.patient.objects_to_reminders for a in to_remind)
        assert all("@example." in a.patient.email for a in to_remind if a.patient.email)
