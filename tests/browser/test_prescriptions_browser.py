"""Issue 15 on a tablet: the nurse records a prescription from a photo of the paper one,
generates its series of sessions in the agenda, and prices a night home visit with the
explanation step by step (P2, P3, D5, T1)."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from tests import photos
from tests.browser.conftest import login, shot
from tests.conftest import traces

pytestmark = pytest.mark.browser

DOCTOR = "Dr Paul Soignant"


@pytest.fixture
def patient(live_server, make_patient):
    return make_patient(treated_by="practitioner", birth_name="Le Goff", first_names="Anaïs")


def stored(app, patient):
    from cabinet.appointments.models import Appointment
    from cabinet.prescriptions.models import Prescription, PrescriptionPhoto

    with app.app_context():
        rows = list(Prescription.select().where(Prescription.patient == patient.id))
        return {
            "prescriptions": rows,
            "photos": [p.data for p in PrescriptionPhoto.select()],
            "sessions": Appointment.select().where(Appointment.patient == patient.id).count(),
        }


def test_nurse_records_a_prescription_from_a_photo_then_its_series(
    tablet: Page, live_server, patient, tmp_path
):
    page = tablet
    today = datetime.date.today()
    start = today + datetime.timedelta(days=(7 - today.weekday()) % 7 or 7)  # next Monday
    picture = tmp_path / "ordonnance.jpg"
    picture.write_bytes(photos.jpeg())
    login(page, live_server.url, "practitioner")
    page.goto(f"{live_server.url}/patients/{patient.ref}")
    page.get_by_role("link", name="Nouvelle ordonnance").click()
    expect(page.locator("h1")).to_contain_text("Ordonnance — LE GOFF")

    form = page.locator("#prescription-form")
    form.get_by_label("Photo de l'ordonnance (facultatif)").set_input_files(str(picture))
    form.get_by_label("Prescripteur").fill("Dr Hélène Marchal")
    form.get_by_label("Date de l'ordonnance").fill(today.isoformat())
    form.get_by_label("Nature des soins").select_option(label="Soins infirmiers")
    form.get_by_label("Actes prescrits (en toutes lettres)").fill(
        "Pansement lourd et complexe, injection sous-cutanée"
    )
    form.get_by_label("Cotation prévue (codes)").fill("AMI 4, AMI 1")
    form.get_by_label("Nombre de séances ou de passages").fill("6")
    form.get_by_label("Séances par semaine").fill("3")
    form.get_by_label("Début des soins").fill(start.isoformat())
    form.get_by_label("Valable jusqu'au").fill((start + datetime.timedelta(days=30)).isoformat())
    form.get_by_label("Nécessité d'une exécution de nuit indiquée").check()
    form.get_by_label("Soins à domicile indiqués").check()
    form.get_by_role("button", name="Enregistrer l'ordonnance").click()

    expect(page.locator("h1")).to_have_text(re.compile(r"^Ordonnance du "))
    expect(page.locator("[data-status=photo]")).to_be_visible()
    expect(page.locator("#prescription-progress")).to_contain_text("6")
    shot(page, "prescriptions-01-ordonnance")
    held = stored(live_server.app, patient)
    assert len(held["prescriptions"]) == 1 and len(held["photos"]) == 1
    assert b"AppareilTest" not in held["photos"][0]  # metadata stripped (GPS, camera)
    ref = held["prescriptions"][0].ref
    assert [t.target for t in traces(live_server.app, action="prescription.create")] == [
        f"prescription:{ref}"
    ]

    page.get_by_role("link", name="Proposer la série de séances").click()
    expect(page.locator("h1")).to_have_text("Nouvelle série de séances")
    series = page.locator("#series-form")
    expect(series.get_by_label("Nombre de séances")).to_have_value("6")
    series.get_by_label("Praticien", exact=True).select_option(label=DOCTOR)
    series.get_by_label(re.compile(r"^Heure\b")).fill("08:00")
    series.get_by_role("button", name="Aperçu").click()
    expect(page.locator("#series-preview ol > li")).to_have_count(6)
    page.get_by_role("button", name="Enregistrer les 6 séances").click()
    expect(page.get_by_text("Série de 6 séances enregistrée.")).to_be_visible()
    assert stored(live_server.app, patient)["sessions"] == 6


def test_nurse_prices_a_night_home_visit_with_the_explanation(
    tablet: Page, live_server, patient, user
):
    from cabinet.prescriptions import services

    today = datetime.date.today()
    with live_server.app.test_request_context():
        services.create(
            user("practitioner"),
            patient,
            {
                "prescriber_name": "Dr Hélène Marchal",
                "prescribed_on": today,
                "kind": "nursing",
                "acts_text": "Pansement lourd et complexe, injection",
                "act_codes": "AMI 4, AMI 1",
                "sessions_count": 10,
                "starts_on": today,
                "valid_until": today + datetime.timedelta(days=30),
                "night_required": True,
                "home_care": True,
            },
        )
    page = tablet
    login(page, live_server.url, "practitioner")
    page.goto(f"{live_server.url}/patients/{patient.ref}")
    panel = page.locator("#patient-prescriptions")
    expect(panel).to_contain_text("Soins infirmiers — Dr Hélène Marchal")
    panel.get_by_role("link", name="Coter une visite").click()
    visit = page.locator("#visit-form")
    visit.get_by_label("Date de la visite").fill(today.isoformat())
    visit.get_by_label("Heure du passage").fill("21:10")
    visit.locator("input[name=acts][value=ami-pansement-lourd]").check()
    visit.locator("input[name=acts][value=ami-injection]").check()
    visit.get_by_label("Ordonnance").select_option(index=1)
    visit.get_by_label("Visite à domicile (IFD)").check()
    visit.get_by_label("Distance du cabinet au domicile, aller (km)").fill("7")
    visit.get_by_role("button", name="Calculer").click()

    quote = page.locator("#quote")
    expect(quote).to_be_visible()
    expect(quote).to_contain_text("AMI 4 à taux plein (art. 11B : acte le plus important)")
    expect(quote).to_contain_text("AMI 1 à 50 % (art. 11B : deuxième acte)")
    expect(quote).to_contain_text("Majoration de nuit : passage à 21 h 10")
    expect(quote).to_contain_text("2 × 7 km − 4 km d'abattement = 10 km")
    expect(quote.locator("h2")).to_have_text("Calcul : 34,58 €")
    shot(page, "prescriptions-02-cotation-nuit")
    page.get_by_role("button", name="Ajouter à la pré-facturation").click()
    expect(page.get_by_text("34,58 €").first).to_be_visible()
