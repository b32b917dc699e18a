"""Edge values never make a 500 (issue 19, point 5): every route of `app.url_map`, as each
role, with every path argument and every query or form parameter the route reads set in
turn to integers beyond 64 bits, dates at the ends of the calendar, huge and control
strings. Out-of-range input gets the French 404, or the form again with a French message.

The parameters a route reads are not listed by hand: a first request with ordinary values
records every name the view asks `request.args` / `request.form` for (WTForms included),
then each of those names is fuzzed while the others keep their ordinary values, so a bad
date reaches the service behind a form that would otherwise stop at another field.
"""

import datetime
import re
from urllib.parse import quote

import pytest
from werkzeug.datastructures import ImmutableMultiDict

from tests.care import new_appointment

EDGE_VALUES = [
    str(2**63),
    str(2**64 + 1),
    "-1",
    "0",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "x" * 5000,
    "9" * 5000,
    "\n",
    "\x00",  # sent percent-encoded: %00
]
ROLES = ["admin", "practitioner", "secretary", None]  # None: not signed in
# Ending the session under test, or erasing the very patient the walk uses, would stop
# the walk itself; both are fuzzed last, in test_session_ending_routes_survive_edges.
LAST = {"auth.logout", "rights.erase", "rights.erase_optional"}
# A few names each walk must have seen read, or the recording broke and the walk fuzzed
# nothing but the ordinary requests.
MUST_READ = {
    "admin": {"actor", "avant", "start", "end", "as_of", "retour", "received_on"},
    "practitioner": {"jour", "day", "first_date", "month", "session_date", "retour"},
    "secretary": {"jour", "day", "h-weekday", "a-first_day", "month", "retour"},
    None: {"login", "password"},
}
READ: set[str] = set()


class _RecordingDict(ImmutableMultiDict):
    """request.args / request.form that remember which names the view asked for."""

    def __getitem__(self, key):
        READ.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        READ.add(key)
        return super().__contains__(key)

    def get(self, key, default=None, type=None):
        READ.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        READ.add(key)
        return super().getlist(key, type)


@pytest.fixture
def fuzz_app(app):
    class RecordingRequest(app.request_class):
        parameter_storage_class = _RecordingDict

    app.request_class = RecordingRequest
    return app


@pytest.fixture
def ordinary(app, user, make_patient):
    """Real objects for path arguments, and an ordinary value for every parameter name."""
    from cabinet.appointments.models import AppointmentType
    from cabinet.patients.models import CareAssignment
    from cabinet.records import services
    from cabinet.records.models import Act

    doctor = user("practitioner")
    patient = make_patient(birth_name="Ordinaire")
    today = datetime.date.today()
    with app.test_request_context():
        CareAssignment.create(patient=patient, practitioner=doctor)
        item = services.add_item(doctor, patient, "allergy", "Pollen")
        kind = AppointmentType.get(AppointmentType.name == "Séance")
        start = datetime.datetime.combine(today, datetime.time(9))
        appointment = new_appointment(patient, doctor, start, kind=kind)
        act = Act.get(Act.code == "AMK 8")
    day, month = today.isoformat(), f"{today:%Y-%m}"
    path = {
        "patient_ref": patient.ref,
        "appointment_ref": appointment.ref,
        "item_ref": item.ref,
        "user_ref": user("locum").ref,
        "request_ref": "inconnu",
        "filename": "css/app.css",
        "kind": "poster",
        "credential_id": "1",
        "session_id": "1",
        "hours_id": "1",
        "absence_id": "1",
        "target": "application",
        "prescription_ref": "inconnu",
        "visit_ref": "inconnu",
        "transmission_ref": "inconnu",
        "handover_ref": "inconnu",
        "run_id": "1",
        "entry_ref": _maintenance_entry(app, user),
        "incident_ref": _incident(app, user),
        "review_ref": "inconnu",
        "import_ref": _pending_import(app, user),
    }
    params = {
        **{name: day for name in ("jour", "day", "first_date", "received_on", "session_date")},
        **{name: day for name in ("start", "end", "observed_on", "as_of", "a-first_day")},
        "a-last_day": day,
        "birth_date": "1950-03-14",
        "end_date": "",
        "month": month,
        "vue": "semaine",
        "praticien": doctor.ref,
        "practitioner": doctor.ref,
        "h-practitioner": doctor.ref,
        "a-practitioner": doctor.ref,
        "patient": patient.ref,
        "patient_ref": patient.ref,
        "heure": "10:00",
        "time": "10:00",
        "h-opens": "08:00",
        "h-closes": "12:00",
        "h-weekday": "0",
        "a-kind": "holiday",
        "appointment_type": str(kind.id),
        "location": "practice",
        "count": "3",
        "weekdays": "0",
        "act": str(act.id),
        "acts": str(act.id),
        "amount": "17.20",
        "payment_mode": "card",
        "kind": "allergy",
        "label": "Pollen",
        "reason": "emergency",
        "scope": "one",
        "status": "honoured",
        "birth_name": "Ordinaire",
        "first_names": "Anne",
        "sex": "F",
        "q": "ordinaire",
        "requester": "Anne Ordinaire",
        "avant": "10",
        "actor": "1",
        "rdv": appointment.ref,
        "recipient": "essai@example.org",
        "column_0": "birth_name",
        "leave_out_refused": "y",
    }
    return path, params


def _pending_import(app, user) -> str:
    from cabinet.patients import imports

    with app.test_request_context():
        data = "Nom;Prénom;Date de naissance;Sexe\nFuzz;Anne;14/03/1950;F\n".encode()
        return imports.start(user("admin"), data).ref


def _maintenance_entry(app, user) -> str:
    from cabinet.compliance import maintenance

    with app.test_request_context():
        entry = maintenance.record(
            user("admin"), datetime.date.today(), "Technicien", "", "Mise à jour", False
        )
    return entry.ref


def _incident(app, user) -> str:
    from cabinet.governance import incidents

    with app.test_request_context():
        found = datetime.datetime(2026, 11, 30, 9, 0)
        fields = {
            "discovered_at": found,
            "noticed_by": "Secrétaire",
            "natures": ["integrity"],
            "description": "Fiche modifiée par erreur.",
        }
        return incidents.record(user("admin"), fields).ref


def _path(rule, values: dict) -> str:
    def fill(match):
        return quote(values[match.group(1)], safe="/")

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", fill, rule.rule)


def _failed(client, method, url, params) -> str | None:
    """What went wrong (a 5xx, or the exception TESTING lets through), or None."""
    sent = {"query_string": params} if method == "GET" else {"data": params}
    try:
        response = client.open(url, method=method, **sent)
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc)[:80]}"
    response.close()  # static files stream from an open file
    return str(response.status_code) if response.status_code >= 500 else None


def _walk(app, client, role, ordinary, endpoints):
    """Every (endpoint, method): ordinary values, then each path argument and each name it
    read set to every edge value. Returns the requests that answered 5xx."""
    path_values, params = ordinary
    failures, fuzzed = [], set()
    rules = [r for r in app.url_map.iter_rules() if r.endpoint in endpoints]
    for rule in sorted(rules, key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            READ.clear()
            problem = _failed(client, method, _path(rule, path_values), params)
            if problem:
                failures.append((role, rule.endpoint, method, "(ordinaire)", "", problem))
            read = sorted(READ)
            fuzzed.update(read)
            for value in EDGE_VALUES:
                for argument in rule.arguments:
                    url = _path(rule, {**path_values, argument: value})
                    problem = _failed(client, method, url, params)
                    if problem:
                        failures.append(
                            (role, rule.endpoint, method, argument, value[:20], problem)
                        )
                for name in read:
                    url = _path(rule, path_values)
                    problem = _failed(client, method, url, {**params, name: value})
                    if problem:
                        failures.append((role, rule.endpoint, method, name, value[:20], problem))
    return failures, fuzzed


@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_500_to_edge_values(fuzz_app, role_client, ordinary, role):
    client = role_client(role)
    endpoints = {r.endpoint for r in fuzz_app.url_map.iter_rules()} - LAST
    failures, fuzzed = _walk(fuzz_app, client, role, ordinary, endpoints)
    for failure in failures:
        print(failure)
    assert failures == []
    assert MUST_READ[role] <= fuzzed, MUST_READ[role] - fuzzed
    if role is not None:  # the walk ran signed in to the end, not refused half-way
        assert client.get("/").status_code == 200


def test_session_ending_routes_survive_edges(fuzz_app, role_client, ordinary):
    for endpoint in sorted(LAST):
        failures, _ = _walk(fuzz_app, role_client("admin"), "admin", ordinary, {endpoint})
        assert failures == []
