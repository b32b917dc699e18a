"""Two journeys on a tablet, timed in Debian's Chromium driven by Playwright against the app
served on localhost, with the steps of the browser tests (tests/browser/steps.py), which
check every page of them but time nothing:

- "series for a new patient, login to week view": the secretary logs in (password and
  WebAuthn), creates the patient on the booking page, previews and saves 10 sessions;
- "record one session, click to saved record": from the patient in the search results, the
  practitioner opens the file, records an AMK 8 session with its measures, and sees it saved.

Each round runs on a fresh copy of one test instance (the accounts and their software
authenticators of tests/conftest.py), so every round books the same free slots.

Usage: python -m bench.journeys [--rounds N]   (also run by `python -m bench`)
"""

import argparse
import datetime
import json
import logging
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from cabinet.auth.models import User
from cabinet.patients import services as patient_services
from cabinet.patients.models import CareAssignment
from tests.browser import steps
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, TABLET, login, serving
from tests.conftest import ACCOUNTS, build_instance

RESULTS = Path(__file__).resolve().parent / "results.json"
# A busy machine is slower, never wrong: waits are long here, and nothing fails on time.
WAIT_MS = 60_000
SHOWN_NAME = "KERHERVÉ Maëlys"  # a fictitious patient, as in the records browser tests


def _next_monday() -> datetime.date:
    today = datetime.date.today()
    return today + datetime.timedelta(days=7 - today.weekday())


def series_for_a_new_patient(page: Page, url: str) -> float:
    """Seconds from the login page to the week view showing the saved series."""
    first = _next_monday()
    started = time.perf_counter()
    login(page, url, "secretary")
    steps.main_nav(page).get_by_role("link", name="Agenda").click()
    expect(page.locator("h1")).to_have_text(re.compile(r"^Agenda — "))
    page.get_by_role("link", name="Nouvelle série").click()
    expect(page.locator("h1")).to_have_text("Nouvelle série de séances")
    steps.create_quick_patient(page, "Lemaître-Vasseur", "Aurélien", "1978-06-21", "M")
    expect(page.locator("[data-picked-ref]")).to_have_count(1)
    steps.fill_series(page, first)
    expect(steps.preview(page, 200)).to_have_count(10)
    page.get_by_role("button", name="Enregistrer les 10 séances").click()
    expect(page.locator("h1")).to_have_text(f"Agenda — semaine du {first:%d/%m/%Y}")
    return time.perf_counter() - started


def _patient_in_care(served) -> None:
    """The patient of the second journey, in the practitioner's care team."""
    identity = {
        "birth_name": "Kerhervé",
        "last_name": "Kerhervé",
        "first_names": "Maëlys",
        "birth_date": datetime.date(1950, 3, 14),
        "sex": "F",
        "city": "Quimper",
    }
    with served.app.test_request_context():
        practitioner = User.get(User.login == ACCOUNTS["practitioner"][0])
        patient = patient_services.create_patient(identity, practitioner)
        CareAssignment.create(patient=patient, practitioner=practitioner)


def one_session_recorded(page: Page, url: str) -> float:
    """Seconds from the click on the patient found to the care record showing the session."""
    login(page, url, "practitioner")
    steps.main_nav(page).get_by_role("link", name="Patients").click()
    expect(page.locator("h1")).to_have_text("Patients")
    steps.search_patient(page, "kerherve")
    rows = page.locator("#patient-results tbody tr")
    expect(rows).to_have_count(1)
    started = time.perf_counter()
    rows.first.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text(SHOWN_NAME)
    page.locator("#patient-record").get_by_role("link", name="Nouvelle séance").click()
    expect(page.locator("h1")).to_have_text(f"Séance — {SHOWN_NAME}")
    steps.fill_session(page, 4, 95, "71.5", "Flexion du genou en progrès")
    page.get_by_role("button", name="Enregistrer la séance").click()
    expect(page.locator(".flash")).to_have_text("Séance enregistrée.")
    return time.perf_counter() - started


JOURNEYS = {
    "series_new_patient_login_to_week_view_s": (series_for_a_new_patient, None),
    "one_session_click_to_saved_record_s": (one_session_recorded, _patient_in_care),
}


def _round(browser, template: Path, folder: Path, journey, prepare) -> float:
    shutil.copytree(template, folder)
    with serving(folder) as served:
        if prepare:
            prepare(served)
        context = browser.new_context(**TABLET)
        context.set_default_timeout(WAIT_MS)
        try:
            return journey(context.new_page(), served.url)
        finally:
            context.close()


def measure(rounds: int = 3) -> dict:
    """Seconds of each journey: the median of `rounds` runs, and every run."""
    expect.set_options(timeout=WAIT_MS)
    # One line per request would bury the figures.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    results = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        template = build_instance(Path(tmp) / "template")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, (journey, prepare) in JOURNEYS.items():
                runs = [
                    _round(browser, template, Path(tmp) / f"{name}-{i}", journey, prepare)
                    for i in range(rounds)
                ]
                results[name] = {
                    "median": round(statistics.median(runs), 2),
                    "runs": [round(run, 2) for run in runs],
                }
        finally:
            browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    journeys = measure(args.rounds)
    # Alone, it updates its own entry of the benchmark results and leaves the others.
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["journeys"] = journeys
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    for name, value in journeys.items():
        print(f"journeys.{name:<48}{value['median']:>8} s médiane  {value['runs']}")


if __name__ == "__main__":
    main()
