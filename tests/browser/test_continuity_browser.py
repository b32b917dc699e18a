"""X2 on a tablet: after a verified backup the admin's "Sauvegardes et continuité" page shows
the status in green with the backup listed, and the restore procedure prints to A4 with the
keys' envelope, the backup's name and the two commands, and nothing of the screen."""

import subprocess

import pytest
from playwright.sync_api import expect

from cabinet.compliance import backups
from tests.browser.conftest import SCREENSHOTS, login, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def backed_up(live_server, tmp_path):
    """A backup on "another disk", tested by its restore in a process of its own."""
    app = live_server.app
    app.config["BACKUP_DIR"] = tmp_path / "disque-usb"
    with app.app_context():
        summary = backups.create()
    assert summary["verified"] is True
    return summary


def test_admin_sees_a_green_status_and_prints_the_restore_procedure(tablet, live_server, backed_up):
    page = tablet
    login(page, live_server.url, "admin")
    page.get_by_role("navigation").get_by_role("link", name="Sauvegardes").click()
    expect(page.locator("h1")).to_have_text("Sauvegardes et continuité")
    status = page.locator("#backup-status")
    expect(status).to_have_attribute("data-level", "green")
    expect(status).to_contain_text("Dernière sauvegarde vérifiée")
    expect(status).to_have_css("border-left-color", "rgb(29, 107, 58)")
    expect(page.locator("#backup-list tbody tr")).to_have_count(1)
    expect(page.locator("#backup-list")).to_contain_text("réussi le")
    shot(page, "sauvegardes-etat-vert")

    page.get_by_role("link", name="Procédure de restauration (à imprimer)").click()
    expect(page.locator("h1")).to_have_text("Procédure de restauration")
    expect(page.locator("#restore-procedure")).to_contain_text(backed_up["name"])
    shot(page, "procedure-restauration")
    pdfs = SCREENSHOTS.parent / "pdf"
    pdfs.mkdir(parents=True, exist_ok=True)
    pdf = pdfs / "procedure-restauration.pdf"
    page.pdf(path=pdf, print_background=True, prefer_css_page_size=True)
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info, info
    text = " ".join(
        subprocess.run(
            ["pdftotext", "-enc", "UTF-8", pdf, "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    for words in ("L'enveloppe des clés", "Les deux commandes", "backup restore", "make serve"):
        assert words.replace("'", "’") in text or words in text, words
    assert backed_up["name"] in text
    for screen_only in ("Imprimer", "Se déconnecter", "Ma sécurité", "Retour"):
        assert screen_only not in text, screen_only
