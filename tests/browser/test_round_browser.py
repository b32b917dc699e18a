"""Issue 16 in a real browser, on the tablet viewport: a nurse orders tomorrow's round with the
big buttons and prints the tour sheet to A4 PDF in her order; a locum, during her handover,
reads a transmission and marks it read."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from cabinet.appointments import schedule
from cabinet.patients.identity import make_nir
from tests.browser.conftest import login
from tests.browser.test_agenda_browser import assert_a4, print_pdf, shot

pytestmark = pytest.mark.browser

NIR = make_nir("1520775123456")  # never on a printed sheet
PROFESSION = "Horloger bijoutier"


def _tomorrow() -> datetime.date:
    return datetime.date.today() + datetime.timedelta(days=1)


@pytest.fixture
def home_visits(live_server, user, make_patient, kinds):
    """Three home visits of the practitioner tomorrow at 9, 10 and 11 h, booked by the
    secretary, the second patient with access notes."""
    from cabinet.appointments import services
    from cabinet.patients import access_notes

    patients = []
    for hour, name in [(9, "Arnaud"), (10, "Blanchard"), (11, "Collin")]:
        patient = make_patient(
            birth_name=name,
            address=f"{hour} avenue Foch",
            city="Lyon",
            nir=NIR if hour == 9 else "",
            profession=PROFESSION,
        )
        booking = services.Booking(
            practitioner=user("practitioner"),
            patient=patient,
            appointment_type=kinds["Soin à domicile"],
            starts_at=schedule.to_utc(_tomorrow(), datetime.time(hour)),
            location="home",
        )
        with live_server.app.test_request_context():
            services.book(booking, user("secretary"))
        patients.append(patient)
    with live_server.app.test_request_context():
        access_notes.save(user("secretary"), patients[1], {"door_code": "B2024", "animal": "Chat"})
    return patients


def _stop_names(page) -> list[str]:
    return [
        re.search(r"ARNAUD|BLANCHARD|COLLIN", text).group(0)
        for text in page.locator("#round .round-stop-head").all_inner_texts()
    ]


def test_nurse_orders_tomorrows_round_on_a_tablet_and_prints_it(
    tablet, live_server, user, home_visits
):
    page = tablet
    login(page, live_server.url, "practitioner")
    day = _tomorrow()
    page.goto(
        f"{live_server.url}/agenda/tournee/ordre?praticien={user('practitioner').ref}"
        f"&jour={day.isoformat()}"
    )
    expect(page.locator("#round .round-stop")).to_have_count(3)
    assert _stop_names(page) == ["ARNAUD", "BLANCHARD", "COLLIN"]
    # Big touch targets: the move buttons are a thumb's size.
    box = page.get_by_role("button", name="Descendre ARNAUD").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    expect(page.locator("#round")).to_contain_text("B2024")
    geo = page.locator("#round a.round-map").first.get_attribute("href")
    assert geo.startswith("geo:0,0?q=9%20avenue%20Foch")

    # Collin first: two taps on « Monter », each saved; the list is swapped by htmx.
    page.get_by_role("button", name="Monter COLLIN").click()
    expect(page.locator("#round .round-stop").nth(1)).to_contain_text("COLLIN")
    page.get_by_role("button", name="Monter COLLIN").click()
    expect(page.locator("#round .round-stop").first).to_contain_text("COLLIN")
    # The keyboard path: the pressed button kept the focus; Tab to the next stop's « Descendre ».
    expect(page.get_by_role("button", name="Monter COLLIN")).to_be_disabled()
    page.get_by_role("button", name="Descendre ARNAUD").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#round .round-stop").last).to_contain_text("ARNAUD")
    assert _stop_names(page) == ["COLLIN", "BLANCHARD", "ARNAUD"]
    shot(page, "round-01-ordre-de-la-tournee")

    # The kilometres of the day, typed the French way.
    page.get_by_label("Kilomètres parcourus ce jour-là").fill("36,5")
    page.get_by_role("button", name="Enregistrer les kilomètres").click()
    expect(page.locator("[data-flash=ok]")).to_have_text("Kilomètres de la tournée enregistrés.")

    page.get_by_role("link", name="Feuille de tournée (impression)").click()
    expect(page.locator("table.tour tbody tr")).to_have_count(3)
    _, text, info = print_pdf(page, "tournee-ordonnee")
    assert_a4(info)
    assert text.index("COLLIN") < text.index("BLANCHARD") < text.index("ARNAUD"), text
    assert "Digicode : B2024" in text and "36,5 km" in text
    assert "Soin à domicile" not in text and "Ordre de la tournée" not in text


def test_locum_reads_a_transmission_during_her_handover(tablet, live_server, user, home_visits):
    from cabinet.handover import services as handovers
    from cabinet.transmissions import services as transmissions

    doctor, locum = user("practitioner"), user("locum")
    patient = home_visits[0]
    today = datetime.date.today()
    with live_server.app.test_request_context():
        transmissions.write(
            doctor,
            patient,
            {
                "target": "Pansement du mollet",
                "data": "Peau rouge autour",
                "actions": "Refaire demain",
            },
        )
        handovers.prepare(doctor, locum, today, today + datetime.timedelta(days=3), [patient])
    page = tablet
    login(page, live_server.url, "locum")
    expect(page.locator("#unread-transmissions-count")).to_contain_text("1 transmission non lue")
    expect(page.locator("#handovers")).to_contain_text("Remplacement de Dr Paul Soignant")
    page.locator("#unread-transmissions-count").get_by_role("link").click()
    item = page.locator(".transmission").first
    expect(item).to_contain_text("Pansement du mollet")
    expect(item).to_contain_text("signée Dr Paul Soignant")
    shot(page, "round-02-transmission-non-lue")
    item.get_by_role("button", name="Marquer comme lue").click()
    expect(page.locator("[data-status=empty]")).to_have_text("Aucune transmission non lue.")
    page.goto(f"{live_server.url}/")
    expect(page.locator("#unread-transmissions-count")).to_have_attribute("data-unread", "0")
    # The handover sheet, during its dates.
    page.locator("#handovers").get_by_role("link", name="Ouvrir la passation").click()
    expect(page.locator(".handover-entry")).to_have_count(1)
    expect(page.locator(".handover-entry")).to_contain_text("ARNAUD")
    shot(page, "round-03-passation")
    # The printable sheet, as PDF: only the allowed fields (A6).
    page.get_by_role("link", name="Fiche imprimable").click()
    expect(page.locator("h1")).to_contain_text("Passation du")
    _, text, info = print_pdf(page, "fiche-de-passation")
    assert_a4(info)
    for allowed in ("ARNAUD", "9 avenue Foch", "Pansement du mollet", "Refaire demain"):
        assert allowed in text, allowed
    for forbidden in (NIR, PROFESSION, "Peau rouge autour", "Imprimer"):
        assert forbidden not in text, forbidden
