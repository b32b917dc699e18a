"""Issue 18 point 7: no page repeats an id (HTML requires them unique; a repeated id breaks
`<label for>`, `aria-*` references and the test selectors). Every page the access matrix of
tests/test_access.py visits is fetched for every role, with real objects behind each ref
and CSRF on (so every form renders its hidden token), and parsed with html.parser."""

import datetime
from collections import Counter
from html.parser import HTMLParser

import pytest

from tests.care import new_appointment
from tests.test_access import ROLES, SESSION_ENDING, _requests


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.ids.extend(value for name, value in attrs if name == "id" and value is not None)

    handle_startendtag = handle_starttag


def duplicate_ids(page: str) -> list[str]:
    parser = _Ids()
    parser.feed(page)
    parser.close()
    return sorted(name for name, count in Counter(parser.ids).items() if count > 1)


def test_duplicate_ids_are_found():
    page = '<form><input id="csrf_token"></form><form><input id="csrf_token"/><p id="x">'
    assert duplicate_ids(page) == ["csrf_token"]


@pytest.fixture
def real_values(app, user, make_patient):
    """Every URL argument pointing at a real object, so each page renders in full: a
    patient cared for by the practitioner, with a care record, a session, an appointment,
    a rights request, the locum's account, opening hours and absences."""
    from cabinet.appointments.models import Absence, OpeningHours
    from cabinet.patients.models import CareAssignment
    from cabinet.records import services
    from cabinet.records.models import Act
    from cabinet.rights.models import RightsRequest

    doctor = user("practitioner")
    patient = make_patient(birth_name="Identifiant")
    today = datetime.date.today()
    with app.test_request_context():
        CareAssignment.create(patient=patient, practitioner=doctor)
        item = services.add_item(doctor, patient, "allergy", "Pollen")
        services.record_session(
            doctor, patient, today, [(Act.get(Act.code == "AMK 8"), 1)], note="Séance"
        )
        start = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time(9))
        appointment = new_appointment(patient, doctor, start)
        request = RightsRequest.create(
            patient_ref=patient.ref,
            requester="Le patient",
            kind="medical_access",
            received_on=today,
            earliest_on=today + datetime.timedelta(days=2),
            due_on=today + datetime.timedelta(days=8),
        )
        # Two rows each, so the availability page repeats its delete forms.
        for weekday in (0, 1):
            OpeningHours.create(
                practitioner=doctor,
                weekday=weekday,
                opens=datetime.time(8),
                closes=datetime.time(12),
            )
        for days in (30, 60):
            leave = datetime.datetime.combine(
                today + datetime.timedelta(days=days), datetime.time()
            )
            Absence.create(
                practitioner=doctor,
                kind="holiday",
                starts_at=leave,
                ends_at=leave + datetime.timedelta(days=2),
            )
    return {
        "patient_ref": patient.ref,
        "appointment_ref": appointment.ref,
        "item_ref": item.ref,
        "request_ref": request.ref,
        "user_ref": user("locum").ref,
        "filename": "css/app.css",
        "credential_id": 1,
        "session_id": 1,
        "hours_id": 1,  # POST-only routes: not fetched here
        "absence_id": 1,
        "target": "application",
        "prescription_ref": "inconnu",
        "visit_ref": "inconnu",
        "import_ref": "inconnu",
        "transmission_ref": _transmission(app, user, patient),
        "handover_ref": "inconnu",
        "run_id": 1,
        "kind": "poster",
        "entry_ref": _maintenance_entry(app, user),
        **_governance(app, user),
    }


def _governance(app, user) -> dict:
    """An incident with an addition and a signed review: their pages hold several forms."""
    from cabinet.auth.models import User
    from cabinet.governance import incidents, reviews

    admin = user("admin")
    with app.test_request_context():
        found = datetime.datetime(2026, 11, 30, 9, 0)
        incident = incidents.record(
            admin,
            {
                "discovered_at": found,
                "noticed_by": "Secrétaire",
                "natures": ["integrity"],
                "description": "Fiche modifiée par erreur.",
            },
        )
        incidents.complete(admin, incident, {"consequences": "Aucune."})
        review = reviews.sign(admin, {u.id: "kept" for u in User.select()})
    return {"incident_ref": incident.ref, "review_ref": review.ref}


def _transmission(app, user, patient) -> str:
    """Two transmissions, so the patient's page repeats their forms (issue 16)."""
    from cabinet.transmissions import services as transmissions

    with app.test_request_context():
        for target in ("Douleur", "Pansement"):
            written = transmissions.write(
                user("practitioner"), patient, {"target": target, "actions": "Revoir jeudi"}
            )
    return written.ref


def _maintenance_entry(app, user) -> str:
    """Two entries of the maintenance log, so its page repeats its note forms."""
    from cabinet.compliance import maintenance

    with app.test_request_context():
        for who in ("Technicien A", "Technicien B"):
            entry = maintenance.record(
                user("admin"), datetime.date.today(), who, "", "Mise à jour", False
            )
    return entry.ref


@pytest.mark.parametrize("role", ROLES)
def test_no_page_repeats_an_id(app, role_client, role, real_values):
    client = role_client(role)
    # Signed in with CSRF off (the test login posts no token); on from here, so that every
    # form renders its token field as in production. Only GETs follow: none is refused.
    app.config["WTF_CSRF_ENABLED"] = True
    checked, found = 0, {}
    for endpoint, method, url in list(_requests(app, real_values)):
        if method != "GET" or endpoint in SESSION_ENDING or endpoint == "static":
            continue
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            response.close()  # exports stream
            if response.mimetype != "text/html":
                continue
            repeated = duplicate_ids(response.get_data(as_text=True))
            if repeated:
                found[(endpoint, bool(headers))] = repeated
            checked += 1
    assert found == {}
    assert checked > 40
