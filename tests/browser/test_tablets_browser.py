"""Issue 13: the admin's page « Installer une tablette » as a tablet renders it."""

import re

from playwright.sync_api import expect

from cabinet import tls
from tests.browser.conftest import login, shot

HOSTNAME = "cabinet.local"


def test_the_enrolment_page_shows_its_qr_codes_on_a_tablet(live_server, tablet):
    """The admin's page as a tablet renders it: the three QR images load under the CSP."""
    app = live_server.app
    tls.ensure(app.config["TLS_PATH"], HOSTNAME, [])
    app.config.update(TLS=True, ORIGINS=[f"https://{HOSTNAME}:5000", *app.config["ORIGINS"]])
    login(tablet, live_server.url, "admin")
    tablet.locator("nav").get_by_role("link", name="Cabinet", exact=True).click()
    tablet.get_by_role("link", name="Installer une tablette").click()
    expect(tablet.locator("h1")).to_have_text("Installer une tablette")
    images = tablet.locator("img.qr")
    expect(images).to_have_count(3)
    for index in range(3):
        expect(images.nth(index)).to_have_js_property("complete", True)
        assert images.nth(index).evaluate("image => image.naturalWidth") > 100
    expect(tablet.locator("[data-fingerprint]")).to_have_text(
        re.compile(r"^([0-9A-F]{2} ){31}[0-9A-F]{2}$")
    )
    shot(tablet, "tablette-installer")
