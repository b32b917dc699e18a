"""Rights and journal on a portrait tablet (820 px): the journal fits without sideways
scrolling, and a refusal (the 48-hour delay) is shown in the error style, not as a success."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser

TABLET_WIDTH = 820


@pytest.fixture
def request_today(app, user, make_patient):
    """A medical-record request received today (not answerable before 48 hours)."""
    from cabinet.rights import services

    patient = make_patient(birth_name="Délai-Légal", first_names="Marie-Thérèse")
    with app.test_request_context():
        return services.create_request(
            user("secretary"),
            "Marie-Thérèse Délai-Légal, par courrier recommandé",
            "medical_access",
            datetime.date.today(),
            True,
            False,
            patient.ref,
        )


def test_journal_fits_a_portrait_tablet(tablet, live_server, request_today):
    page = tablet
    login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/journal/")
    expect(page.locator("table.traces tbody tr").first).to_be_visible()
    expect(page.get_by_text("Demande de droits").first).to_be_visible()
    widths = page.evaluate(
        "() => ({page: document.documentElement.scrollWidth,"
        " table: Math.ceil(document.querySelector('table.traces').getBoundingClientRect().right)})"
    )
    shot(page, "journal-tablette")
    assert widths["page"] <= TABLET_WIDTH and widths["table"] <= TABLET_WIDTH, widths


def test_the_48_hour_refusal_is_shown_as_an_error(tablet, live_server, request_today):
    page = tablet
    login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/droits/demande/{request_today.ref}")
    page.get_by_label("Issue").select_option("answered")
    page.get_by_role("button", name="Clore la demande").click()
    flash = page.locator(".flash")
    expect(flash).to_have_attribute("data-flash", "error")
    expect(flash).to_have_attribute("role", "alert")
    expect(flash).to_contain_text("48 heures")
    expect(flash).to_have_css("background-color", "rgb(251, 234, 234)")
    shot(page, "droits-refus-48-heures")
