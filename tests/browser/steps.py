"""What a person clicks and types in the two journeys `make bench` times (bench/journeys.py):
a care series for a new patient, and one session recorded from the patient's page. The
browser tests take the same steps and check every page on the way."""

import datetime
import re

from playwright.sync_api import Page, Response

from tests.browser.conftest import scripts_ready

DOCTOR = "Dr Paul Soignant"


def main_nav(page: Page):
    return page.get_by_role("navigation", name="Navigation principale")


# A care series for a new patient ---------------------------------------------------------


def create_quick_patient(
    page: Page, birth_name: str, first_names: str, birth_date: str, sex: str
) -> Response:
    """Create the patient on the booking page with the minimum identity; the server's answer."""
    page.locator("summary", has_text="Nouveau patient (identité minimale)").click()
    quick = page.locator("#quick-patient")
    quick.get_by_label("Nom de naissance").fill(birth_name)
    quick.get_by_label("Prénom(s)").fill(first_names)
    quick.get_by_label("Date de naissance").fill(birth_date)
    quick.get_by_label("Sexe").select_option(sex)
    with page.expect_response(lambda r: r.url.endswith("/agenda/patients/nouveau")) as created:
        quick.get_by_role("button", name="Créer et choisir ce patient").click()
    return created.value


def fill_series(page: Page, first: datetime.date) -> None:
    """The series of the issue: Dr Paul Soignant, 10 sessions, Monday and Thursday at 18:00."""
    form = page.locator("#series-form")
    form.get_by_label("Praticien", exact=True).select_option(label=DOCTOR)
    form.get_by_label("Type de séance").select_option(label="Séance (30 min)")
    form.get_by_label("Nombre de séances").fill("10")
    form.get_by_label("À partir du").fill(first.isoformat())
    form.get_by_label(re.compile(r"^Heure\b")).fill("18:00")
    form.get_by_label("Lundi", exact=True).check()
    form.get_by_label("Jeudi", exact=True).check()


def preview(page: Page, status: int):
    """Ask for the preview; the answer has `status`. The occurrences listed."""
    with page.expect_response(
        lambda r: (
            r.url.split("?")[0].endswith("/agenda/serie/nouvelle") and r.request.method == "POST"
        )
    ) as answered:
        page.locator("#series-form").get_by_role("button", name="Aperçu").click()
    assert answered.value.status == status
    return page.locator("#series-preview ol > li")


# One session recorded --------------------------------------------------------------------


def search_patient(page: Page, typed: str) -> None:
    """Type in the patients page's search, up to the answer to the whole word (htmx queues
    the last one)."""
    scripts_ready(page)
    with page.expect_response(
        lambda r: (
            r.url.endswith("/patients/recherche") and f"q={typed}" in (r.request.post_data or "")
        )
    ):
        page.locator("#q").press_sequentially(typed)


def fill_session(page: Page, pain: int, range_of_motion: int, weight: str, observation: str):
    """An AMK 8 session with a pain score, a range of motion, a weight, an observation and a
    card payment."""
    page.get_by_role("checkbox", name=re.compile(r"^AMK 8 — ")).check()
    page.get_by_label("Douleur (EVA 0 à 10)").fill(str(pain))
    page.get_by_label("Amplitude articulaire (degrés)").fill(str(range_of_motion))
    page.get_by_label("Poids (kg)").fill(weight)
    page.get_by_label("Observation").fill(observation)
    page.get_by_label("Paiement").select_option(label="Carte bancaire")
