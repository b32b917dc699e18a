"""The home pages in-process (issue 20): the first page after every sign-in — and the
practitioner's own view of a patient, which bench/pages.py drives as the secretary.

Usage: python -m bench.home [--requests 400]
(the instance of bench/pages.py, seeded or reused at its default size). Signs in through
the real login a secretary and a practitioner of its own (the practitioner with a software
authenticator, in the team of the bench's patient only, named to sort after the demo's
agendas; both disabled at the end, as bench/pages.py disables its own), then prints
medians of:
- the secretary's home page and the practitioner's, through Flask's test client;
- the practitioner's patient page, care record and latest appointment of the bench's
  patient, and her unread transmissions;
- the home page's data for the demo's `praticien`, whose team holds her share of the
  demo's patients (4,970 at 100,000), asked directly in a request context: her second
  factor is not the bench's to use.
Asserts nothing.
"""

import argparse
import datetime
import re
import secrets
import statistics
import time

from bench import pages as bench_pages
from bench.served import instance_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    folder, facts = bench_pages.prepare(100_000, 1_000_000, 3_000_000)
    app = instance_app(folder)
    accounts = _accounts(app, facts["patient_id"])
    try:
        desk = _signed_in(app, *accounts["secretary"])
        _report("home page, secretary", lambda: _home(desk), args.requests)
        doctor = _signed_in(app, *accounts["practitioner"], authenticator=True)
        _report(
            "home page, practitioner (a one-patient team)", lambda: _home(doctor), args.requests
        )
        ref, appointment = facts["patient_ref"], _an_appointment(app, facts["patient_id"])
        for name, path in (
            ("patient page", f"/patients/{ref}"),
            ("care record", f"/soins/{ref}"),
            ("an appointment's page", f"/agenda/rdv/{appointment}"),
            ("unread transmissions", "/transmissions/"),
        ):
            _report(f"{name}, practitioner", lambda p=path: _page(doctor, p), args.requests)
        _report_demo_practitioner(app, max(args.requests // 10, 20))
    finally:
        _disable(app)


def _accounts(app, patient_id: int) -> dict:
    from cabinet.patients.models import CareAssignment
    from cabinet.users.services import create_user

    made = {
        "secretary": (f"banc-sec-{secrets.token_hex(3)}", secrets.token_urlsafe(16)),
        "practitioner": (f"banc-prat-{secrets.token_hex(3)}", secrets.token_urlsafe(16)),
    }
    with app.app_context():
        login, password = made["secretary"]
        create_user(login, "secretary", password, display_name="Banc secrétaire")
        login, password = made["practitioner"]
        doctor = create_user(login, "practitioner", password, display_name="Zoé Banc (essai)")
        CareAssignment.create(patient=patient_id, practitioner=doctor.id)
    return made


def _signed_in(app, login: str, password: str, authenticator: bool = False):
    """A test client through the real login: password, then (practitioner) the enrolment of
    a software authenticator, as a first sign-in does."""
    client = app.test_client()
    token = _token(client.get("/connexion").get_data(as_text=True), "form")
    response = client.post(
        "/connexion", data={"login": login, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.status_code
    if authenticator:
        from tests.soft_webauthn import SoftAuthenticator

        headers = {"X-CSRFToken": _token(client.get("/enregistrement").get_data(as_text=True))}
        options = client.post("/webauthn/enregistrement/options", headers=headers).get_json()
        credential = SoftAuthenticator().create(options)
        result = client.post(
            "/webauthn/enregistrement",
            json={"credential": credential, "name": "Banc d'essai"},
            headers=headers,
        )
        assert result.get_json()["status"] == "ok", result.get_json()
    return client


def _token(page: str, where: str = "htmx") -> str:
    if where == "form":
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


def _home(client) -> None:
    response = client.get("/")
    assert response.status_code == 200 and "Bonjour" in response.get_data(as_text=True)


def _an_appointment(app, patient_id: int) -> str:
    """The ref of the bench patient's latest appointment."""
    from cabinet.appointments.models import Appointment

    with app.app_context():
        latest = (
            Appointment.select(Appointment.ref)
            .where(Appointment.patient == patient_id)
            .order_by(Appointment.starts_at.desc())
            .first()
        )
        return latest.ref


def _page(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)


def _report(name: str, ask, requests: int) -> None:
    for _ in range(30):  # warm the connections' caches
        ask()
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        ask()
        times.append(time.perf_counter() - started)
    print(f"{name:<58} {statistics.median(times) * 1000:7.2f} ms  (median of {requests})")


def _report_demo_practitioner(app, requests: int) -> None:
    from cabinet.auth.models import User
    from cabinet.home import services as home
    from cabinet.patients.models import CareAssignment

    with app.test_request_context():
        nurse = User.get(User.login == "praticien")
        team = CareAssignment.select().where(CareAssignment.practitioner == nurse.id).count()
        today = datetime.date.today()
        _report(
            f"home page's data, the demo's praticien ({team:,} in her team)",
            lambda: home.home_page(nurse, today),
            requests,
        )


def _disable(app) -> None:
    from cabinet.auth.models import User
    from cabinet.db import utcnow

    with app.app_context():
        User.update(disabled_at=utcnow(), disabled_reason="banc d'essai terminé").where(
            User.login.startswith("banc-") & User.disabled_at.is_null()
        ).execute()


if __name__ == "__main__":
    main()
