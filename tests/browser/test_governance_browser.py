"""Governance on the admin's tablet (T5, A5, G2): an incident recorded at discovery shows
its 72-hour clock on the home page, the annual review is signed, the compliance report
prints to a PDF whose text carries every measure with its status."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login
from tests.browser.test_notices_browser import print_pdf, shot
from tests.conftest import traces

pytestmark = pytest.mark.browser


def test_admin_records_an_incident_and_sees_its_clock(tablet: Page, live_server):
    page = tablet
    now = datetime.datetime.now(datetime.UTC).astimezone(
        datetime.timezone(datetime.timedelta(hours=1))  # Paris in winter (the test's date)
    )
    an_hour_ago = now - datetime.timedelta(hours=1)
    login(page, live_server.url, "admin")
    page.get_by_role("link", name="Conformité").first.click()
    expect(page.locator("h1")).to_have_text("Conformité")
    page.get_by_role("link", name="Déclarer un incident").click()
    form = page.locator("#incident-form")
    form.get_by_label("Découvert le").fill(an_hour_ago.date().isoformat())
    form.locator("#discovered_time").fill(an_hour_ago.strftime("%H:%M"))
    form.get_by_label("Qui l'a constatée, et comment").fill("L'infirmière, tablette introuvable")
    form.get_by_label("Disponibilité (données perdues ou inaccessibles)").check()
    form.get_by_label("Confidentialité (données vues ou emportées par qui ne devait pas)").check()
    form.get_by_label("Ce qui s'est passé").fill("Tablette du cabinet perdue lors d'une tournée.")
    form.get_by_role("button", name="Inscrire au registre").click()

    clock = page.locator("#incident-clock")
    expect(clock).to_have_attribute("data-clock", "running")
    expect(clock).to_contain_text("Reste 70 h")
    shot(page, "governance-01-incident")
    completion = page.locator("#incident-completion")
    completion.get_by_label("Nombre approximatif de personnes").fill("35")
    completion.get_by_label("Mesures prises").fill("Effacement à distance demandé.")
    completion.get_by_role("button", name="Ajouter au registre").click()
    expect(page.locator("#incident")).to_contain_text("Effacement à distance demandé.")

    page.goto(f"{live_server.url}/")
    expect(page.locator("#incident-clocks")).to_contain_text("Reste 70 h")
    assert [t.action for t in traces(live_server.app, action="incident.record")] == [
        "incident.record"
    ]


def test_admin_signs_the_review_and_prints_the_report(tablet: Page, live_server):
    page = tablet
    login(page, live_server.url, "admin")
    expect(page.locator("#review-reminder")).to_be_visible()
    page.locator("#review-reminder").get_by_role("link", name="Faire la revue").click()
    expect(page.locator("h1")).to_have_text("Revue annuelle des habilitations")
    selects = page.locator("#review-form select")
    expect(selects).to_have_count(4)
    for index in range(selects.count()):
        selects.nth(index).select_option("kept")
    page.get_by_role("button", name="Signer la revue").click()
    expect(page.locator("h1")).to_contain_text("Revue des habilitations du ")
    expect(page.locator("#past-review tbody tr").first).to_contain_text("Conservé tel quel")

    page.goto(f"{live_server.url}/conformite/rapport")
    measure = page.locator("#mesure-habilitations")
    expect(measure).to_have_attribute("data-status", "to confirm")
    measure.get_by_role("button", name="Confirmer").click()
    expect(page.locator("#mesure-habilitations")).to_have_attribute("data-status", "enforced")
    shot(page, "governance-02-rapport")
    _, text, info = print_pdf(page, "governance-rapport")
    assert int(info["Pages"]) >= 2
    assert "Rapport de conformité" in text
    for title in (
        "Gérer les habilitations",
        "Sauvegarder et prévoir la continuité d'activité",
        "Analyse d'impact et délégué à la protection des données",
    ):
        assert title in text
    assert "Imprimer" not in text  # the buttons do not print
