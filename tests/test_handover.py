"""Issue 16, the locum's handover (A2, A6, T1): the practitioner hands the patients of a period
over to a locum account; the locum reads exactly those files between the dates (refused and
traced before and after), and prints a minimal sheet."""

import datetime

import pytest

from cabinet.appointments import services as booking_services
from cabinet.patients import care_team
from tests.appointment_helpers import booking
from tests.conftest import traces

TODAY = datetime.date.today()
START = TODAY + datetime.timedelta(days=2)
END = TODAY + datetime.timedelta(days=8)


@pytest.fixture
def period_patient(app, user, make_patient, kinds):
    """A patient of the practitioner with a home visit during the period, a prescription, an
    access note and a transmission; and one outside the period."""
    from cabinet.patients import access_notes
    from cabinet.prescriptions import services as prescriptions
    from cabinet.transmissions import services as transmissions

    doctor = user("practitioner")
    patient = make_patient(
        birth_name="Perrin", nir="253072B07300470", profession="Fleuriste", email="p@example.org"
    )
    other = make_patient(birth_name="Horsperiode")
    with app.test_request_context():
        for who, day in [
            (patient, START + datetime.timedelta(days=1)),
            (other, END + datetime.timedelta(days=5)),
        ]:
            booking_services.book(
                booking(doctor, who, kinds["Soin à domicile"], day, 9, location="home"),
                user("secretary"),
            )
        access_notes.save(user("secretary"), patient, {"door_code": "7788A"})
        prescriptions.create(
            doctor,
            patient,
            {
                "prescriber_name": "Dr Lemoine",
                "prescriber_rpps": "",
                "prescribed_on": TODAY,
                "kind": "nursing",
                "acts_text": "Injection d'insuline",
                "act_codes": "AMI 1",
                "sessions_count": 30,
                "per_week": 7,
                "rhythm": "matin et soir",
                "starts_on": TODAY,
                "valid_until": TODAY + datetime.timedelta(days=30),
                "renewable": False,
                "night_required": False,
                "home_care": True,
            },
        )
        transmissions.write(
            doctor,
            patient,
            {"target": "Glycémie", "data": "DONNEE-PRIVEE 2,1 g/L", "actions": "Contrôler à midi"},
        )
    return patient


def _prepare(client, to, confirm=True, patients=(), **fields):
    data = {"locum": to.ref, "starts": START.isoformat(), "ends": END.isoformat(), **fields}
    if confirm:
        data["confirm"] = "oui"
        data["patients"] = [p.ref for p in patients]
    return client.post("/passations/nouvelle", data=data)


def _handover(app):
    from cabinet.handover.models import Handover

    with app.app_context():
        return Handover.select().get()


def _shift(app, handover, starts, ends):
    """Move the handover's dates (and its grants'), as days passing would."""
    from cabinet.handover.models import Handover
    from cabinet.patients.models import CareGrant

    with app.app_context():
        Handover.update(starts=starts, ends=ends).where(Handover.id == handover.id).execute()
        CareGrant.update(starts=starts, ends=ends).where(
            CareGrant.handover_ref == handover.ref
        ).execute()


def test_the_preview_lists_the_periods_patients_only(practitioner_client, user, period_patient):
    page = _prepare(practitioner_client, user("locum"), confirm=False)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "PERRIN" in text and "HORSPERIODE" not in text
    assert "Confier ces patients" in text


def test_the_locum_sees_exactly_those_patients_only_during_the_dates(
    app, practitioner_client, role_client, user, make_patient, period_patient
):
    locum_user = user("locum")
    created = _prepare(practitioner_client, locum_user, patients=[period_patient])
    assert created.status_code == 302
    handover = _handover(app)
    assert len(traces(app, action="care_grant.create")) == 1
    assert traces(app, action="care_grant.create")[0].patient_ref == period_patient.ref
    locum = role_client("locum")
    ref = period_patient.ref

    # Before the dates: refused, and traced as such.
    record = locum.get(f"/soins/{ref}")
    assert record.status_code == 302 and "acces-exceptionnel" in record.headers["Location"]
    closed = locum.get(f"/passations/{handover.ref}")
    assert closed.status_code == 403 and "ne commence que le" in closed.get_data(as_text=True)
    refused = traces(app, action="care_grant.refused")
    assert (
        refused and refused[-1].patient_ref == ref and "pas encore commencée" in refused[-1].detail
    )
    assert traces(app, action="handover.refused")[-1].outcome == "refused"
    with app.app_context():
        assert not care_team.is_member(locum_user, period_patient)
        assert care_team.is_member(locum_user, period_patient, today=START)
        assert not care_team.is_member(
            locum_user, period_patient, today=END + datetime.timedelta(days=1)
        )

    # During: the record, the transmissions (unread), the access note, the handover sheet.
    _shift(app, handover, TODAY, END)
    assert locum.get(f"/soins/{ref}").status_code == 200
    with app.app_context():
        from cabinet.transmissions import services as transmissions

        assert transmissions.unread_count(locum_user) == 1
    sheet = locum.get(f"/passations/{handover.ref}").get_data(as_text=True)
    for expected in ["PERRIN", "7788A", "Injection d&#39;insuline", "Glycémie", "Dr Lemoine"]:
        assert expected in sheet, expected
    assert "HORSPERIODE" not in sheet
    # Another patient of the practitioner, not handed over: still closed to the locum.
    stranger = make_patient(birth_name="Autre", treated_by="practitioner")
    assert locum.get(f"/soins/{stranger.ref}").status_code == 302
    assert {t.patient_ref for t in traces(app, action="handover.view")} == {ref}

    # After: refused again, traced; the grant expired by itself, she never joined the team.
    _shift(app, handover, TODAY - datetime.timedelta(days=9), TODAY - datetime.timedelta(days=1))
    assert locum.get(f"/soins/{ref}").status_code == 302
    after = locum.get(f"/passations/{handover.ref}")
    assert after.status_code == 403 and "est terminée" in after.get_data(as_text=True)
    assert "terminée" in traces(app, action="care_grant.refused")[-1].detail
    with app.app_context():
        assert not care_team.is_joined(locum_user, period_patient)
    # The practitioner keeps her view of it.
    assert practitioner_client.get(f"/passations/{handover.ref}").status_code == 200


def test_the_printed_sheet_holds_only_the_allowed_fields(
    app, practitioner_client, user, period_patient
):
    _prepare(practitioner_client, user("locum"), patients=[period_patient])
    handover = _handover(app)
    text = practitioner_client.get(f"/passations/{handover.ref}/impression").get_data(as_text=True)
    for allowed in ["PERRIN", "7788A", "Injection d&#39;insuline", "Glycémie", "Contrôler à midi"]:
        assert allowed in text, allowed
    for forbidden in ["253072B07300470", "Fleuriste", "p@example.org", "DONNEE-PRIVEE", "AMI 1"]:
        assert forbidden not in text, forbidden
    (printed,) = traces(app, action="handover.print")
    assert printed.patient_ref == period_patient.ref


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"starts": (TODAY - datetime.timedelta(days=1)).isoformat()}, "dans le passé"),
        ({"ends": (START - datetime.timedelta(days=1)).isoformat()}, "précède"),
        ({"ends": (TODAY + datetime.timedelta(days=45)).isoformat()}, "s&#39;arrête le"),
        ({"locum": "inconnu"}, "compte de remplaçant"),
        ({"starts": "2300-01-01"}, "date de début valide"),
    ],
)
def test_bad_input_is_refused_and_nothing_granted(
    app, practitioner_client, user, period_patient, fields, message
):
    response = _prepare(practitioner_client, user("locum"), patients=[period_patient], **fields)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    from cabinet.patients.models import CareGrant

    with app.app_context():
        assert CareGrant.select().count() == 0


def test_a_handover_with_no_patient_chosen_is_refused(
    app, practitioner_client, user, period_patient
):
    response = practitioner_client.post(
        "/passations/nouvelle",
        data={
            "locum": user("locum").ref,
            "starts": START.isoformat(),
            "ends": END.isoformat(),
            "confirm": "oui",
        },
    )
    assert response.status_code == 422 and "au moins un patient" in response.get_data(as_text=True)


def test_a_non_locum_cannot_receive_a_handover(app, practitioner_client, user, period_patient):
    from cabinet.users.services import create_user

    with app.test_request_context():
        colleague = create_user(
            "titulaire",
            "practitioner",
            "Mot de passe très long 2024 !",
            display_name="Dr Titulaire",
        )
    response = _prepare(practitioner_client, colleague, patients=[period_patient])
    assert response.status_code == 422


def test_others_never_open_a_handover(
    app, practitioner_client, secretary_client, admin_client, user, period_patient
):
    _prepare(practitioner_client, user("locum"), patients=[period_patient])
    handover = _handover(app)
    for client in (secretary_client, admin_client):
        assert client.get(f"/passations/{handover.ref}").status_code == 403
        assert client.get("/passations/nouvelle").status_code == 403
    assert practitioner_client.get("/passations/inconnu").status_code == 404


def test_home_pages_name_the_handover(app, practitioner_client, role_client, user, period_patient):
    _prepare(practitioner_client, user("locum"), patients=[period_patient])
    home = role_client("locum").get("/").get_data(as_text=True)
    assert "Remplacement de Dr Paul Soignant" in home and "ouverte à partir du" in home
    assert "Remplacée par Léa Remplaçante" in practitioner_client.get("/").get_data(as_text=True)


def _end(client, handover, **data):
    return client.post(f"/passations/{handover.ref}/fin", data=data)


def test_the_practitioner_ends_a_handover_early_and_the_locum_loses_access_at_once(
    app, practitioner_client, role_client, user, period_patient
):
    """Found in a walk-through: back early, the practitioner could not end a handover; the
    locum kept the files until the planned date (only disabling her account cut it)."""
    locum_user, ref = user("locum"), period_patient.ref
    _prepare(practitioner_client, locum_user, patients=[period_patient])
    handover = _handover(app)
    _shift(app, handover, TODAY - datetime.timedelta(days=3), END)
    locum = role_client("locum")
    assert locum.get(f"/soins/{ref}").status_code == 200
    page = practitioner_client.get(f"/passations/{handover.ref}").get_data(as_text=True)
    assert "Mettre fin à la passation maintenant" in page
    # The locum sees the handover but cannot end it.
    assert "Mettre fin" not in locum.get(f"/passations/{handover.ref}").get_data(as_text=True)
    assert _end(locum, handover).status_code == 403

    ended = _end(practitioner_client, handover)
    assert ended.status_code == 302
    shown = practitioner_client.get(ended.headers["Location"]).get_data(as_text=True)
    assert "Passation terminée" in shown and "Mettre fin" not in shown
    yesterday = TODAY - datetime.timedelta(days=1)
    with app.app_context():
        from cabinet.patients.models import CareGrant

        assert _handover(app).ends == yesterday
        assert [g.ends for g in CareGrant.select()] == [yesterday]
        assert not care_team.is_member(locum_user, period_patient)
    # At once: the record and the handover are closed to her, refusals traced.
    assert locum.get(f"/soins/{ref}").status_code == 302
    assert locum.get(f"/passations/{handover.ref}").status_code == 403
    (grant_end,) = traces(app, action="care_grant.end")
    assert grant_end.patient_ref == ref and f"prévu jusqu'au {END:%d/%m/%Y}" in grant_end.detail
    (whole,) = traces(app, action="handover.end")
    assert f"fin le {yesterday:%d/%m/%Y} au lieu du {END:%d/%m/%Y}" in whole.detail
    # No longer among the current ones; a second end changes nothing.
    with app.test_request_context():
        from cabinet.handover import services

        assert services.mine(user("practitioner"))["given"] == []
    again = _end(practitioner_client, handover)
    assert "déjà terminée" in practitioner_client.get(again.headers["Location"]).get_data(
        as_text=True
    )
    assert len(traces(app, action="handover.end")) == 1


def test_a_handover_not_begun_is_cancelled(
    app, practitioner_client, role_client, user, period_patient
):
    _prepare(practitioner_client, user("locum"), patients=[period_patient])
    handover = _handover(app)
    page = practitioner_client.get(f"/passations/{handover.ref}").get_data(as_text=True)
    assert "Annuler la passation" in page
    assert _end(practitioner_client, handover).status_code == 302
    with app.app_context():
        assert _handover(app).ends == START - datetime.timedelta(days=1)
        # No day of the planned period opens the file any more.
        assert not care_team.is_member(user("locum"), period_patient, today=START)
    shown = practitioner_client.get(f"/passations/{handover.ref}").get_data(as_text=True)
    assert "Passation annulée : elle n&#39;ouvrira aucun dossier." in shown
    assert "Passation arrêtée (elle devait commencer le" in shown
    closed = role_client("locum").get(f"/passations/{handover.ref}")
    assert closed.status_code == 403 and "a été arrêtée" in closed.get_data(as_text=True)
    assert "annulée avant de commencer" in traces(app, action="handover.end")[0].detail
    with app.test_request_context():
        from cabinet.handover import services

        assert services.mine(user("locum"))["received"] == []


def test_only_its_practitioner_ends_a_handover(
    app, practitioner_client, secretary_client, admin_client, user, period_patient
):
    _prepare(practitioner_client, user("locum"), patients=[period_patient])
    handover = _handover(app)
    for client in (secretary_client, admin_client):
        assert _end(client, handover).status_code == 403
    assert practitioner_client.post("/passations/inconnu/fin").status_code == 404
    with app.app_context():
        assert _handover(app).ends == END
    assert traces(app, action="handover.end") == []


def test_a_handover_begun_today_and_ended_today_opens_nothing_more(
    app, practitioner_client, role_client, user, period_patient
):
    """Found in a walk-through: ending the demo's handover, begun that very day, said it had
    been « annulée avant de commencer » and that the locum had opened none of the files."""
    _prepare(practitioner_client, user("locum"), patients=[period_patient])
    handover = _handover(app)
    _shift(app, handover, TODAY, END)
    locum = role_client("locum")
    assert locum.get(f"/soins/{period_patient.ref}").status_code == 200
    ended = _end(practitioner_client, handover)
    shown = practitioner_client.get(ended.headers["Location"]).get_data(as_text=True)
    assert "Passation terminée : Léa Remplaçante n&#39;a plus accès à ces dossiers." in shown
    assert "annulée" not in shown
    assert locum.get(f"/soins/{period_patient.ref}").status_code == 302
    (whole,) = traces(app, action="handover.end")
    assert f"arrêtée le jour de son début au lieu du {END:%d/%m/%Y}" in whole.detail
    assert "arrêtée" in traces(app, action="care_grant.refused")[-1].detail
