"""Patient information (I1) on a tablet: the practice settings filled by the admin, the
waiting-room poster (A4, one page) and the home-visit leaflet (A5, two pages) printed by
Chromium to PDF with every art. 13 item, the leaflet handed at a home visit in two taps, and
printing refused while the settings are incomplete."""

import datetime
import re
import struct
import subprocess
import unicodedata
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from cabinet.appointments import schedule
from cabinet.notices import content
from tests.browser.conftest import SCREENSHOTS, login
from tests.browser.conftest import shot as _shot
from tests.care import new_appointment
from tests.conftest import traces
from tests.test_notices import ART13, PRACTICE

pytestmark = pytest.mark.browser

PDFS = SCREENSHOTS.parent / "pdf"
A4_POINTS = (595.28, 841.89)
A5_POINTS = (419.53, 595.28)
# The settings form's labels, as the admin reads them.
LABELS = {
    "practice_name": "Nom du cabinet",
    "practice_practitioners": "Praticiens (un par ligne, avec leur profession)",
    "practice_address": "Adresse du cabinet",
    "practice_phone": "Téléphone",
    "practice_email": "Courriel",
    "privacy_contact": "Contact pour les données personnelles",
    "dpo_name": "Délégué à la protection des données (si désigné)",
    "software_provider": "Éditeur du logiciel (sous-traitant)",
    "health_data_host": "Hébergeur certifié de données de santé (si hébergé)",
    "reminder_channels": "Rappels de rendez-vous (canaux)",
    "backup_location": "Lieu des sauvegardes chiffrées",
}
# Screen-only text that must never reach the paper: the print bar and the top bar.
SCREEN_ONLY = (
    "Imprimer",
    "Retour",
    "Agenda",
    "Se déconnecter",
    "Ma sécurité",
    "Accueil",
    "Dr Paul Soignant",  # the signed-in user, in the top bar (the notice says "Paul Soignant")
)
# In headless Chromium window.print() returns at once; replacing it lets the test see that
# the page asked for the print dialog, and can never block the test.
FAKE_PRINT = "window.print = () => { window.__printed = (window.__printed || 0) + 1; };"


# Helpers -------------------------------------------------------------------------------------


def shot(page: Page, name: str) -> Path:
    """conftest's `shot`, then remove the `style=""` Playwright's screenshot leaves on inputs
    (htmx would copy it onto the next boosted page, where the CSP reports it)."""
    path = _shot(page, name)
    page.evaluate(
        "document.querySelectorAll('[style=\"\"]').forEach((e) => e.removeAttribute('style'))"
    )
    return path


def normalise(text: str) -> str:
    """One line of text: compatibility forms (ligatures, no-break spaces) folded, soft hyphens
    dropped, a line broken after a word's hyphen ("Sous-" / "traitant") joined back, every
    other run of whitespace (pdftotext breaks lines anywhere) made one space."""
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    text = re.sub(r"(?<=\w)-[ \t]*\n\s*(?=\w)", "-", text)
    return " ".join(text.split())


def print_pdf(page: Page, name: str) -> tuple[Path, str, dict[str, str]]:
    """Print the page as Chromium does, with the page size its CSS asks for (no `format`: a
    page the CSS does not size would come out as Letter and fail the size check); return the
    PDF, its text (normalised) and its `pdfinfo` fields.

    `pdftotext -raw`: its default mode drops the hyphen of a word broken at the end of a line
    ("Sous-" / "traitant" comes out as "Soustraitant"); raw keeps the characters as printed."""
    PDFS.mkdir(parents=True, exist_ok=True)
    path = PDFS / f"{name}.pdf"
    page.pdf(path=path, print_background=True, prefer_css_page_size=True)
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    fields = {
        key.strip(): value.strip()
        for key, _, value in (line.partition(":") for line in info.splitlines())
    }
    raw = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", path, "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return path, normalise(raw), fields


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """The size in points of every page (pdfinfo's "Page size" is the first page's only)."""
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", pdf], capture_output=True, text=True, check=True
    ).stdout
    return [
        (float(width), float(height))
        for width, height in re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+) pts", info)
    ]


def assert_size(sizes: list[tuple[float, float]], expected: tuple[float, float]) -> None:
    assert sizes, "no page in the PDF"
    for width, height in sizes:
        assert abs(width - expected[0]) <= 2 and abs(height - expected[1]) <= 2, sizes


def first_page_png(pdf: Path, expected: tuple[float, float]) -> Path:
    """Render page 1 at 72 dpi next to the PDF (one pixel per point) for people to look at."""
    prefix = pdf.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "72", "-f", "1", "-l", "1", "-singlefile", pdf, prefix],
        check=True,
        capture_output=True,
    )
    png = prefix.with_suffix(".png")
    with png.open("rb") as image:
        header = image.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert abs(width - expected[0]) <= 2 and abs(height - expected[1]) <= 2, (width, height)
    return png


def assert_every_art13_item(text: str, document: str) -> None:
    missing = [item for item in ART13 if normalise(item) not in text]
    assert missing == [], f"art. 13 items missing from the {document}: {missing}\n{text}"


def assert_no_screen_text(text: str, document: str) -> None:
    printed = [word for word in SCREEN_ONLY if word in text]
    assert printed == [], f"screen-only text printed on the {document}: {printed}\n{text}"


def print_button(page: Page) -> Locator:
    return page.locator(".print-bar").get_by_role("button", name="Imprimer", exact=True)


def tap_print_and_wait(page: Page, url_path: str) -> None:
    """Tap "Imprimer": the print is recorded, the page reloads with ?imprimer=1 and asks for
    the print dialog by itself."""
    print_button(page).tap()
    expect(page).to_have_url(re.compile(rf"{re.escape(url_path)}\?imprimer=1(&|$)"))
    page.wait_for_function("() => window.__printed === 1")


def prints(app) -> list[tuple[str, str, str]]:
    from cabinet.notices.models import NoticePrint

    with app.app_context():
        return [
            (p.kind, p.actor_name, p.appointment_ref)
            for p in NoticePrint.select().order_by(NoticePrint.id)
        ]


@pytest.fixture
def practice(live_server):
    """The practice settings of tests/test_notices.py, written as the settings page does."""
    from cabinet import settings

    with live_server.app.app_context():
        for key, value in PRACTICE.items():
            settings.put(key, value)
        assert content.missing() == []


@pytest.fixture
def fake_print(tablet):
    tablet.add_init_script(FAKE_PRINT)
    return tablet


# 1. The admin fills the practice settings ---------------------------------------------------


def test_admin_fills_the_practice_settings_in_the_browser(tablet, live_server):
    page = tablet
    login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/information/parametres")
    expect(page.locator("h1")).to_have_text("Paramètres du cabinet")
    gaps = page.get_by_role("alert").locator("li")
    expect(gaps).to_have_text(
        list(content.REQUIRED.values()) + ["un téléphone ou un courriel du cabinet"]
    )
    form = page.locator("form.card")
    for key, value in PRACTICE.items():
        form.get_by_label(LABELS[key], exact=True).fill(value)
    shot(page, "notices-01-parametres-remplis")
    form.get_by_role("button", name="Enregistrer").tap()

    expect(page.get_by_role("status")).to_have_text("Paramètres du cabinet enregistrés.")
    expect(page.get_by_text("Les notices peuvent être imprimées.")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    form = page.locator("form.card")
    for key, value in PRACTICE.items():
        if key != "practice_practitioners":  # the browser posts a textarea's lines with CRLF
            expect(form.get_by_label(LABELS[key], exact=True)).to_have_value(value)
    shot(page, "notices-02-parametres-enregistres")

    with live_server.app.app_context():
        saved = content.practice()
        assert content.missing() == []
    for key, value in PRACTICE.items():
        if key != "practice_practitioners":
            assert saved[key] == value, key
    assert saved["practitioners_list"] == PRACTICE["practice_practitioners"].split("\n")
    updated = traces(live_server.app, action="settings.update")
    assert sorted(t.target for t in updated) == sorted(
        f"setting:{key}" for key, value in PRACTICE.items() if value
    )


# 2. The waiting-room poster on A4 -------------------------------------------------------------


def test_poster_prints_every_art13_item_on_one_a4_page(fake_print, live_server, practice):
    page = fake_print
    login(page, live_server.url, "practitioner")
    page.goto(f"{live_server.url}/information/affiche")
    expect(page.locator("h1")).to_have_text("Vos données personnelles au cabinet")
    expect(print_button(page)).to_be_visible()
    shot(page, "notices-03-affiche-ecran")

    tap_print_and_wait(page, "/information/affiche")
    assert prints(live_server.app) == [("poster", "Dr Paul Soignant", "")]
    assert [t.target for t in traces(live_server.app, action="notice.print")] == ["notice:poster"]

    pdf, text, info = print_pdf(page, "affiche")
    sizes = page_sizes(pdf)
    assert_size(sizes, A4_POINTS)  # A4 portrait
    assert_every_art13_item(text, "poster")
    assert "Vos données personnelles au cabinet" in text
    assert_no_screen_text(text, "poster")
    png = first_page_png(pdf, A4_POINTS)
    print(f"\nPoster: {pdf} ({info['Pages']} page(s), {info['Page size']}) and {png}")
    assert info["Pages"] == "1", f"the poster takes {info['Pages']} A4 pages, not one"


# 3. The home-visit leaflet on A5 --------------------------------------------------------------


def test_leaflet_prints_every_art13_item_on_two_a5_pages(fake_print, live_server, practice):
    page = fake_print
    login(page, live_server.url, "practitioner")
    page.goto(f"{live_server.url}/information/depliant")
    expect(page.locator("h1")).to_have_text("Vos données personnelles")
    expect(page.locator(".lead")).to_have_text("Information remise lors des soins à domicile.")
    shot(page, "notices-04-depliant-ecran")

    tap_print_and_wait(page, "/information/depliant")
    assert prints(live_server.app) == [("leaflet", "Dr Paul Soignant", "")]
    assert traces(live_server.app, action="notice.leaflet_given") == []  # no visit named

    pdf, text, info = print_pdf(page, "depliant")
    sizes = page_sizes(pdf)
    assert_size(sizes, A5_POINTS)  # A5 portrait, every page
    assert_every_art13_item(text, "leaflet")
    assert "Information remise lors des soins à domicile." in text
    assert_no_screen_text(text, "leaflet")
    png = first_page_png(pdf, A5_POINTS)
    print(f"\nLeaflet: {pdf} ({info['Pages']} page(s), {info['Page size']}) and {png}")
    assert info["Pages"] == "2", f"the leaflet takes {info['Pages']} A5 pages, not two"


# 4. The leaflet handed at a home visit: two taps from the appointment ------------------------


def test_leaflet_handed_at_a_home_visit_in_two_taps(
    fake_print, live_server, practice, make_patient, user
):
    from cabinet.appointments.models import Appointment

    page = fake_print
    patient = make_patient(birth_name="Lefebvre", first_names="Odette")
    starts = schedule.to_utc(datetime.date.today() + datetime.timedelta(days=1), datetime.time(10))
    with live_server.app.app_context():
        visit = new_appointment(
            patient, user("practitioner"), starts, kind="Soin à domicile", location="home"
        )
    appointment_url = f"{live_server.url}/agenda/rdv/{visit.ref}"

    login(page, live_server.url, "practitioner")
    page.goto(appointment_url)
    expect(page.locator("h1")).to_have_text(re.compile(r"^Soin à domicile — "))
    expect(page.get_by_text("Dépliant non remis")).to_be_visible()
    shot(page, "notices-05-visite-depliant-non-remis")

    # Every touch the nurse makes, from the appointment to the print dialog.
    taps: list[str] = []
    page.expose_function("__tapped", lambda target: taps.append(target))
    page.add_init_script(
        "document.addEventListener('touchstart', (e) => window.__tapped("
        "(e.target.closest('a, button') || e.target).textContent.trim()), {capture: true});"
    )
    page.reload()  # the init script applies from the next document on
    expect(page.get_by_text("Dépliant non remis")).to_be_visible()

    page.get_by_role("link", name="Imprimer et remettre le dépliant").tap()
    expect(page.locator("h1")).to_have_text("Vos données personnelles")
    expect(page).to_have_url(re.compile(rf"/information/depliant\?rdv={visit.ref}$"))
    tap_print_and_wait(page, "/information/depliant")
    expect(page).to_have_url(re.compile(rf"[?&]rdv={visit.ref}(&|$)"))
    assert taps == ["Imprimer et remettre le dépliant", "Imprimer"], taps

    assert prints(live_server.app) == [("leaflet", "Dr Paul Soignant", visit.ref)]
    (given,) = traces(live_server.app, action="notice.leaflet_given")
    assert given.target == f"appointment:{visit.ref}" and given.patient_ref == patient.ref
    with live_server.app.app_context():
        assert Appointment.get_by_id(visit.id).leaflet_given_at is not None

    # Back on the appointment: the leaflet is shown as handed.
    page.goto(appointment_url)
    expect(
        page.get_by_text(re.compile(r"Dépliant remis le \d\d/\d\d/\d{4} à \d\d:\d\d"))
    ).to_be_visible()
    expect(page.get_by_text("Dépliant non remis")).to_have_count(0)
    shot(page, "notices-06-visite-depliant-remis")


# 5. Printing refused while the settings are incomplete --------------------------------------


def test_missing_settings_show_what_is_missing_and_no_print_button(
    tablet, live_server, console_watch
):
    page = tablet
    # The refusal is answered 409, which Chromium logs as a failed resource.
    console_watch.allow_status(409, "/information/affiche")
    console_watch.allow_status(409, "/information/depliant")
    login(page, live_server.url, "practitioner")
    for path, kind in (
        ("/information/affiche", "Affiche de la salle d'attente (A4)"),
        ("/information/depliant", "Dépliant pour les visites à domicile (A5)"),
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 409
        expect(page.locator("h1")).to_have_text(
            "Impossible d'imprimer : il manque des informations"
        )
        expect(page.get_by_text(f"Pour que « {kind} » soit complet")).to_be_visible()
        expect(page.locator("ul.gaps li")).to_have_text(
            [
                "le nom du cabinet",
                "la liste des praticiens",
                "l'adresse du cabinet",
                "le contact pour les questions sur les données personnelles",
                "l'éditeur du logiciel (sous-traitant)",
                "un téléphone ou un courriel du cabinet",
            ]
        )
        expect(page.get_by_text("Demandez à l'administrateur du cabinet")).to_be_visible()
        expect(page.get_by_role("button", name="Imprimer")).to_have_count(0)
        expect(page.locator("article.notice")).to_have_count(0)
    shot(page, "notices-07-parametres-manquants")
    assert prints(live_server.app) == []


# 6. The poster stays on one A4 sheet whatever the settings (issue 18.4) --------------------


def longest(length: int, words: str) -> str:
    """Plausible words repeated up to exactly `length` characters (what a long entry looks
    like: it wraps like text, unlike one unbroken token)."""
    text = words
    while len(text) < length:
        text += " " + words
    return text[:length].rstrip() + "x" * (length - len(text[:length].rstrip()))


@pytest.fixture
def practice_at_its_longest(live_server):
    """Every text setting at its maximum length, every choice at its longest wording (the
    legitimate interest, which states the interest and the right to object), the shared
    record on and the longest retention figures."""
    from cabinet import settings

    texts = {
        key: longest(declared.maximum, "Maison de santé pluriprofessionnelle Saint-Éloi")
        for key, declared in settings.DECLARED.items()
        if declared.kind is str and not declared.choices
    }
    texts["practice_practitioners"] = "\n".join(
        [longest(58, "Dominique-Alexandre Martin-Lefèvre, masseur-kinésithérapeute")] * 10
    )
    with live_server.app.app_context():
        for key, value in texts.items():
            settings.put(key, value)
        for key in content.BASIS_KEYS:
            settings.put(key, "legitimate_interest")
        settings.put("shared_record", True)
        for key in ("retention_active_years", "retention_archive_years"):
            settings.put(key, settings.DECLARED[key].maximum)
        settings.put("retention_care_sheet_days", 365)
        settings.put("retention_receipt_years", 10)
        assert content.missing() == []
        assert all(len(settings.get(key)) == len(value) for key, value in texts.items())


def test_poster_fits_one_a4_page_with_every_setting_at_its_longest(
    fake_print, live_server, practice_at_its_longest
):
    page = fake_print
    login(page, live_server.url, "practitioner")
    page.goto(f"{live_server.url}/information/affiche")
    pdf, text, info = print_pdf(page, "affiche-parametres-au-maximum")
    assert_size(page_sizes(pdf), A4_POINTS)
    png = first_page_png(pdf, A4_POINTS)
    print(f"\nPoster at its longest: {pdf} ({info['Pages']} page(s)) and {png}")
    assert info["Pages"] == "1", f"the poster takes {info['Pages']} A4 pages, not one"
    # Still whole: the last section and the DPO at its full length are on the sheet.
    assert "Obligation de fournir les données" in text
    assert "Aucune décision automatisée" in text
    assert normalise(longest(200, "Maison de santé pluriprofessionnelle Saint-Éloi")) in text
    assert_no_screen_text(text, "poster")


def test_the_appointment_confirmation_fits_one_a4_page_with_every_setting_at_its_longest(
    tablet, live_server, practice_at_its_longest, make_patient, user
):
    """Found in a walk-through: the confirmation handed to a patient, with the demo's
    information text, printed on two A4 pages (the second three lines long)."""
    patient = make_patient(birth_name="Lemaire", first_names="Gisèle")
    starts = schedule.to_utc(datetime.date.today() + datetime.timedelta(days=1), datetime.time(10))
    with live_server.app.app_context():
        visit = new_appointment(patient, user("practitioner"), starts)
    page = tablet
    login(page, live_server.url, "secretary")
    page.goto(f"{live_server.url}/agenda/rdv/{visit.ref}/confirmation")
    expect(page.locator("h1")).to_have_text("Votre rendez-vous")
    pdf, text, info = print_pdf(page, "confirmation-parametres-au-maximum")
    assert_size(page_sizes(pdf), A4_POINTS)
    print(f"\nConfirmation at its longest: {pdf} ({info['Pages']} page(s))")
    assert info["Pages"] == "1", f"the confirmation takes {info['Pages']} A4 pages, not one"
    # Whole: the appointment, and the information text to its last sentence.
    assert "avec Dr Paul Soignant — Séance" in text
    assert "Notice complète affichée au cabinet et remise sur demande." in text
    assert "Imprimer" not in text and "Retour" not in text
