"""Agenda on a tablet: a care series for a new patient, a booking from a free slot, the
home-visit tour sheet and the access report printed to A4 PDF, htmx day-to-day navigation."""

import datetime
import re
import struct
import subprocess
import urllib.parse
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cabinet.appointments import schedule
from cabinet.patients.identity import make_nir
from tests.browser.conftest import SCREENSHOTS, TABLET, login, scripts_ready
from tests.browser.conftest import shot as _shot
from tests.browser.steps import DOCTOR, create_quick_patient, fill_series, main_nav, preview
from tests.conftest import traces

pytestmark = pytest.mark.browser

PDFS = SCREENSHOTS.parent / "pdf"
A4_POINTS = (595.28, 841.89)
MONDAY, THURSDAY = 0, 3
NIR = make_nir("2850769123456")  # a valid NIR: it must never reach the tour sheet
PROFESSION = "Boulangère pâtissière"


# Helpers -------------------------------------------------------------------------------------


def today() -> datetime.date:
    """The server's today (the app uses date.today() too)."""
    return datetime.date.today()


def tomorrow() -> datetime.date:
    return today() + datetime.timedelta(days=1)


def next_monday() -> datetime.date:
    """The first Monday strictly after today."""
    return today() + datetime.timedelta(days=7 - today().weekday())


def day_title(day: datetime.date) -> str:
    return f"{schedule.WEEKDAYS[day.weekday()].capitalize()} {day:%d/%m/%Y}"


def print_pdf(page: Page, name: str) -> tuple[Path, str, dict[str, str]]:
    """Print the page as Chromium does (A4, backgrounds, the CSS @page size); return the PDF,
    its text (whitespace collapsed: table cells may wrap) and its `pdfinfo` fields."""
    PDFS.mkdir(parents=True, exist_ok=True)
    path = PDFS / f"{name}.pdf"
    page.pdf(path=path, format="A4", print_background=True, prefer_css_page_size=True)
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    fields = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition(":") for line in info.splitlines())
    )
    raw = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True, text=True, check=True
    ).stdout
    return path, " ".join(raw.split()), fields


def assert_a4(fields: dict[str, str]) -> None:
    match = re.match(r"([\d.]+) x ([\d.]+) pts", fields["Page size"])
    assert match, fields["Page size"]
    width, height = float(match[1]), float(match[2])
    assert abs(width - A4_POINTS[0]) <= 2 and abs(height - A4_POINTS[1]) <= 2, fields["Page size"]


def first_page_png(pdf: Path) -> Path:
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
    assert abs(width - 595) <= 2 and abs(height - 842) <= 2, (width, height)
    return png


def shot(page: Page, name: str) -> Path:
    """conftest's `shot`, then undo what Playwright leaves behind.

    To hide the caret, Playwright's screenshot sets then clears an inline style on every
    input, leaving `style=""`. On the next boosted navigation htmx's attribute settling copies
    that attribute onto the new page's inputs of the same id, which the CSP (style-src 'self')
    reports as a violation: a test artefact, not the app's doing.
    """
    path = _shot(page, name)
    page.evaluate(
        "document.querySelectorAll('[style=\"\"]').forEach((e) => e.removeAttribute('style'))"
    )
    return path


def column(page: Page, title: str):
    """One column of the agenda, by its heading (a practitioner, or a day of the week)."""
    return page.locator(".agenda-column").filter(
        has=page.get_by_role("heading", name=title, exact=True)
    )


def appointments_of(app, patient_ref: str):
    from cabinet.appointments.models import Appointment
    from cabinet.patients.models import Patient

    with app.app_context():
        return list(
            Appointment.select(Appointment)
            .join(Patient)
            .where(Patient.ref == patient_ref)
            .order_by(Appointment.starts_at)
        )


@pytest.fixture
def book(live_server, user, kinds):
    """Book through the service, as the secretary, for the practitioner (a real, traced booking)."""
    from cabinet.appointments import services

    def make(patient, day, hour, minute=0, kind="Séance", **place):
        booking = services.Booking(
            practitioner=user("practitioner"),
            patient=patient,
            appointment_type=kinds[kind],
            starts_at=schedule.to_utc(day, datetime.time(hour, minute)),
            **place,
        )
        with live_server.app.test_request_context():
            return services.book(booking, user("secretary"))

    return make


# 1. A care series for a new patient ----------------------------------------------------------


def test_secretary_books_a_ten_session_series_for_a_new_patient(tablet, live_server, make_patient):
    page = tablet
    first = next_monday()
    other = make_patient(birth_name="Quintard", first_names="Bérénice")

    login(page, live_server.url, "secretary")
    main_nav(page).get_by_role("link", name="Agenda").click()
    expect(page.locator("h1")).to_have_text(f"Agenda — {day_title(today())}")
    page.get_by_role("link", name="Nouvelle série").click()
    expect(page.locator("h1")).to_have_text("Nouvelle série de séances")

    # The patient is new: created on the spot with the minimum identity.
    created = create_quick_patient(page, "Lemaître-Vasseur", "Aurélien", "1978-06-21", "M")
    assert created.status == 200
    picked = page.locator("[data-picked-ref]")
    expect(picked).to_contain_text("LEMAÎTRE-VASSEUR Aurélien")
    expect(picked).to_contain_text("21/06/1978")
    patient_ref = picked.get_attribute("data-picked-ref")
    assert patient_ref
    expect(page.locator("#patient_ref")).to_have_value(patient_ref)
    shot(page, "agenda-01-serie-nouveau-patient")

    fill_series(page, first)
    occurrences = preview(page, 200)
    expect(occurrences).to_have_count(10)
    expect(page.locator("#series-preview li.ok")).to_have_count(10)
    expect(page.locator("#series-preview h2")).to_have_text("Aperçu : 10 séances")
    dates = schedule.series_dates(first, {MONDAY, THURSDAY}, 10)
    for item, day in zip(occurrences.all(), dates, strict=True):
        expect(item).to_have_text(
            f"{schedule.WEEKDAYS[day.weekday()]} {day:%d/%m/%Y} à 18:00 — libre"
        )
    # The preview kept the chosen patient and every field.
    expect(page.locator("#patient_ref")).to_have_value(patient_ref)
    expect(page.locator("#picked")).to_contain_text("LEMAÎTRE-VASSEUR Aurélien")
    assert appointments_of(live_server.app, patient_ref) == []  # a preview saves nothing
    shot(page, "agenda-02-serie-apercu")

    page.get_by_role("button", name="Enregistrer les 10 séances").click()
    expect(page.locator("h1")).to_contain_text(f"Agenda — semaine du {first:%d/%m/%Y} · ")
    expect(page.locator(".flash")).to_have_text("Série de 10 séances enregistrée.")
    assert "vue=semaine" in page.url and f"jour={first.isoformat()}" in page.url
    for day in (first, first + datetime.timedelta(days=3)):
        slot = column(page, f"{schedule.WEEKDAYS[day.weekday()].capitalize()} {day:%d/%m}")
        expect(slot.locator(".slot")).to_have_count(1)
        expect(slot.locator(".slot .time")).to_have_text("18:00–18:30")
        expect(slot.locator(".slot .who")).to_have_text("LEMAÎTRE-VASSEUR Aurélien")
    expect(page.locator(".agenda-column .slot")).to_have_count(2)  # the first week only
    shot(page, "agenda-03-serie-semaine")

    saved = appointments_of(live_server.app, patient_ref)
    local = [schedule.to_local(a.starts_at) for a in saved]
    assert len(saved) == 10
    assert [t.date() for t in local] == dates
    assert all(t.time() == datetime.time(18) for t in local)
    assert all(a.ends_at - a.starts_at == datetime.timedelta(minutes=30) for a in saved)
    assert len({a.series_id for a in saved}) == 1 and saved[0].series_id is not None
    with live_server.app.app_context():
        assert {a.practitioner.display_name for a in saved} == {DOCTOR}
        assert {a.appointment_type.name for a in saved} == {"Séance"}
    (series_trace,) = traces(live_server.app, action="appointment.series_create")
    assert series_trace.patient_ref == patient_ref and series_trace.detail == "10 séances"

    # The same series for another patient: every session collides, the preview says why
    # and offers no way to save.
    page.get_by_role("link", name="Nouvelle série").click()
    expect(page.locator("h1")).to_have_text("Nouvelle série de séances")
    scripts_ready(page)
    with page.expect_response(lambda r: r.url.endswith("/agenda/patients/choisir")):
        page.locator("#pick-q").press_sequentially("quintard")
    choice = page.locator(".choose-patient", has_text="QUINTARD Bérénice")
    expect(choice).to_have_count(1)
    choice.click()
    expect(page.locator("#patient_ref")).to_have_value(other.ref)
    fill_series(page, first)
    occurrences = preview(page, 200)  # a preview, even with conflicts, is not a refusal
    expect(occurrences).to_have_count(10)
    conflicts = page.locator("#series-preview li.conflict")
    expect(conflicts).to_have_count(10)
    for item in conflicts.all():
        expect(item).to_contain_text(f"{DOCTOR} a déjà un rendez-vous de 18:00 à 18:30.")
    expect(page.locator("#series-preview .error")).to_have_text(
        "Des séances sont en conflit : changez l'heure, les jours ou la date de début."
    )
    expect(page.get_by_role("button", name=re.compile("^Enregistrer"))).to_have_count(0)
    shot(page, "agenda-04-serie-en-conflit")
    assert appointments_of(live_server.app, other.ref) == []
    assert len(traces(live_server.app, action="appointment.series_create")) == 1
    from cabinet.appointments.models import Appointment, Series

    with live_server.app.app_context():
        assert (Appointment.select().count(), Series.select().count()) == (10, 1)


# 2. One appointment from a free slot ---------------------------------------------------------


def test_booking_from_a_free_slot_searches_the_patient_by_post(
    tablet, live_server, make_patient, book
):
    page = tablet
    day = tomorrow()
    patient = make_patient(birth_name="Garnier-Dubois", first_names="Théodore", city="Rennes")
    book(make_patient(birth_name="Occupé", first_names="Gaston"), day, 9)
    requests = []
    page.on("request", lambda request: requests.append(request))

    login(page, live_server.url, "secretary")
    page.goto(f"{live_server.url}/agenda/?jour={day.isoformat()}")
    expect(page.locator("h1")).to_have_text(f"Agenda — {day_title(day)}")
    doctor = column(page, DOCTOR)
    expect(doctor.locator(".slot .time")).to_have_text("09:00–09:30")
    shot(page, "agenda-05-jour-creneau-libre")
    doctor.get_by_role("link", name="Libre à 09:30 — réserver").click()

    expect(page.locator("h1")).to_have_text("Nouveau rendez-vous")
    booking = page.locator("#booking")
    expect(booking.get_by_label(re.compile(r"^Date\b"))).to_have_value(day.isoformat())
    expect(booking.get_by_label(re.compile(r"^Heure\b"))).to_have_value("09:30")
    expect(booking.get_by_label("Praticien", exact=True).locator("option:checked")).to_have_text(
        DOCTOR
    )
    scripts_ready(page)
    with page.expect_request(lambda r: r.url.endswith("/agenda/patients/choisir")) as searched:
        page.locator("#pick-q").press_sequentially("garnier")
    assert searched.value.method == "POST"
    assert "q=garnier" in (searched.value.post_data or "")
    choice = page.locator(".choose-patient", has_text="GARNIER-DUBOIS Théodore")
    expect(choice).to_have_count(1)
    expect(choice).to_contain_text("Rennes")
    choice.click()
    expect(page.locator("#patient_ref")).to_have_value(patient.ref)
    expect(page.locator("#picked")).to_have_text(
        "Patient choisi : GARNIER-DUBOIS Théodore (14/03/1950)"
    )
    booking.get_by_label("Type de rendez-vous").select_option(label="Séance (30 min)")
    shot(page, "agenda-06-reservation")
    booking.get_by_role("button", name="Réserver").click()

    expect(page.locator("h1")).to_have_text(
        f"Séance — {schedule.WEEKDAYS[day.weekday()]} {day:%d/%m/%Y} à 09:30"
    )
    expect(page.locator(".flash")).to_have_text(
        f"Rendez-vous enregistré : {schedule.WEEKDAYS[day.weekday()]} {day:%d/%m/%Y} à 09:30."
    )
    assert re.search(r"/agenda/rdv/[\w-]+$", page.url), page.url
    shot(page, "agenda-07-rendez-vous-enregistre")
    # « Déplacer » and « Annuler » fold out, and say so with an arrow that turns.
    move = page.locator("summary", has_text="Déplacer")
    arrow = "el => getComputedStyle(el, '::before')"
    assert move.evaluate(f"{arrow}.content") == '"▸"'
    closed = move.evaluate(f"{arrow}.transform")
    move.click()
    assert move.evaluate(f"{arrow}.transform") != closed

    # No name in any URL: not the address bar, not a request (searches and choices are posted).
    for url in [page.url] + [r.url for r in requests]:
        plain = urllib.parse.unquote(url).lower()
        for typed in ("garnier", "dubois", "théodore", "theodore"):
            assert typed not in plain, url
    (saved,) = appointments_of(live_server.app, patient.ref)
    assert schedule.to_local(saved.starts_at).replace(tzinfo=None) == datetime.datetime.combine(
        day, datetime.time(9, 30)
    )
    assert saved.ends_at - saved.starts_at == datetime.timedelta(minutes=30)
    assert saved.location == "practice"


# 3. The tour sheet printed ------------------------------------------------------------------


def test_tour_sheet_prints_on_a4_with_only_what_the_tour_needs(
    tablet, live_server, make_patient, book, user
):
    page = tablet
    day = tomorrow()
    first = make_patient(
        birth_name="Perrin",
        first_names="Joséphine",
        address="12 rue des Lilas",
        postcode="69003",
        city="Lyon",
        phone="04 78 11 22 33",
        nir=NIR,
        profession=PROFESSION,
    )
    second = make_patient(
        birth_name="Vidal",
        first_names="Marcel",
        address="3 impasse du Moulin",
        postcode="69100",
        city="Villeurbanne",
        phone="06 44 55 66 77",
    )
    at_practice = make_patient(birth_name="Roussel", first_names="Armelle", phone="01 99 88 77 66")
    book(
        first,
        day,
        9,
        kind="Soin à domicile",
        location="home",
        access_info="Digicode 4B12, 3e étage",
    )
    book(
        second,
        day,
        11,
        15,
        kind="Soin à domicile",
        location="home",
        visit_address="Résidence Les Tilleuls, 8 allée des Pins, 69100 Villeurbanne",
        access_info="Boîte à clés 2580",
    )
    book(at_practice, day, 14)

    login(page, live_server.url, "practitioner")
    doctor_ref = user("practitioner").ref
    page.goto(f"{live_server.url}/agenda/tournee?praticien={doctor_ref}&jour={day.isoformat()}")
    expect(page.locator("h1")).to_have_text(
        f"Tournée du {schedule.WEEKDAYS[day.weekday()]} {day:%d/%m/%Y} — {DOCTOR}"
    )
    expect(page.locator("table.tour tbody tr")).to_have_count(2)
    shot(page, "agenda-08-feuille-de-tournee")

    pdf, text, info = print_pdf(page, "feuille-de-tournee")
    assert_a4(info)
    assert info["Pages"] == "1", info
    for expected in (
        f"Tournée du {schedule.WEEKDAYS[day.weekday()]} {day:%d/%m/%Y} — {DOCTOR}",
        "09:00",
        "11:15",
        "PERRIN Joséphine",
        "VIDAL Marcel",
        "12 rue des Lilas, 69003 Lyon",
        "Résidence Les Tilleuls, 8 allée des Pins, 69100 Villeurbanne",
        "04 78 11 22 33",
        "06 44 55 66 77",
        "Digicode 4B12, 3e étage",
        "Boîte à clés 2580",
        "Document confidentiel",  # print-only
    ):
        assert expected in text, f"{expected!r} missing from the tour sheet: {text}"
    for absent in (
        "ROUSSEL",
        "Armelle",
        "01 99 88 77 66",
        "14:00",
        NIR,
        NIR[:13],
        "Boulangère",
        "Soin à domicile",
        "Séance",
        "Agenda",
        "Se déconnecter",
        "Ma sécurité",
        "Afficher",
        "Imprimer",
    ):
        assert absent not in text, f"{absent!r} printed on the tour sheet: {text}"
    png = first_page_png(pdf)
    print(f"\nTour sheet: {pdf} and {png}")

    printed = traces(live_server.app, action="appointment.tour_print")
    assert sorted(t.patient_ref for t in printed) == sorted([first.ref, second.ref])
    assert all(t.detail == f"tournée du {day:%d/%m/%Y}" for t in printed)
    assert {t.actor_name for t in printed} == {DOCTOR}


# 4. The patient's access report printed -------------------------------------------------------


def test_access_report_prints_who_opened_the_file(tablet, live_server, make_patient, new_context):
    page = tablet
    patient = make_patient(birth_name="Fontaine", first_names="Clémence")
    # The secretary opens the file on her own tablet: the report must show it.
    desk = new_context(**TABLET).new_page()
    login(desk, live_server.url, "secretary")
    desk.goto(f"{live_server.url}/patients/{patient.ref}")
    expect(desk.locator("h1")).to_have_text("FONTAINE Clémence")
    desk.context.close()

    login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/patients/{patient.ref}")
    expect(page.locator("h1")).to_have_text("FONTAINE Clémence")
    page.get_by_role("link", name="Accès au dossier").click()
    expect(page.locator("h1")).to_have_text("Relevé des accès au dossier")
    row = page.locator(".access-report tbody tr").filter(has_text="Sophie Accueil")
    expect(row.filter(has_text="Consultation de la fiche administrative")).to_have_count(1)
    shot(page, "agenda-09-releve-des-acces")

    pdf, text, info = print_pdf(page, "releve-des-acces")
    assert_a4(info)
    for expected in (
        "Relevé des accès au dossier",
        "FONTAINE Clémence",
        "Sophie Accueil",
        "Secrétaire",
        "Consultation de la fiche administrative",
        "Relevé établi le",  # print-only
    ):
        assert expected in text, f"{expected!r} missing from the report: {text}"
    for absent in ("Se déconnecter", "Ma sécurité", "Comptes", "Patients", "Afficher", "Imprimer"):
        assert absent not in text, f"{absent!r} printed on the report: {text}"
    first_page_png(pdf)


# 5. Day-to-day navigation without reloading the page ---------------------------------------


def test_agenda_navigation_swaps_the_agenda_and_pushes_the_url(tablet, live_server):
    page = tablet
    login(page, live_server.url, "secretary")
    main_nav(page).get_by_role("link", name="Agenda").click()
    heading = page.locator("#agenda h1")
    expect(heading).to_have_text(f"Agenda — {day_title(today())}")
    # Markers: the window's survives a swap (no page load), the old section's does not.
    page.evaluate("window.__agendaMarker = 'same page'")
    page.evaluate("document.getElementById('agenda').dataset.old = 'yes'")
    loads = []
    page.on("load", lambda _: loads.append(page.url))

    for link, day in (("Suivant", tomorrow()), ("Aujourd'hui", today())):
        scripts_ready(page)
        with page.expect_response(lambda r: "/agenda/?" in r.url) as answered:
            page.locator(".agenda-nav").get_by_role("link", name=link, exact=True).click()
        response = answered.value
        assert response.request.headers.get("hx-request") == "true"
        assert "hx-boosted" not in response.request.headers
        assert response.text().lstrip().startswith('<section id="agenda"')  # a fragment only
        expect(page).to_have_url(re.compile(rf"[?&]jour={day.isoformat()}(&|$)"))
        expect(heading).to_have_text(f"Agenda — {day_title(day)}")
        expect(page.locator("#agenda")).to_have_count(1)
        expect(page.locator("#agenda[data-old]")).to_have_count(0)
        assert page.evaluate("window.__agendaMarker") == "same page"
        page.evaluate("document.getElementById('agenda').dataset.old = 'yes'")
        if link == "Suivant":
            shot(page, "agenda-10-jour-suivant")
    assert loads == []
    assert page.evaluate("history.length") >= 3  # each day pushed an entry


def test_a_larger_practice_pages_through_its_agendas_six_at_a_time(tablet, live_server, app):
    """Issue 20: eight agendas — the day view shows six, « Agendas suivants » swaps in the
    other two with htmx and pushes the URL, and the next day keeps them."""
    import secrets

    from cabinet.users.services import create_user

    with app.test_request_context():
        for n in range(1, 7):
            create_user(
                f"collegue{n}",
                "practitioner",
                secrets.token_urlsafe(16),
                display_name=f"Dr Agenda {n:02}",
            )
    page = tablet
    login(page, live_server.url, "secretary")
    main_nav(page).get_by_role("link", name="Agenda").click()
    columns = page.locator("#agenda .agenda-column h2")
    expect(columns).to_have_count(6)
    expect(page.locator(".agenda-groups")).to_contain_text("Agendas 1 à 6 sur 8")
    page.evaluate("window.__agendaMarker = 'same page'")

    scripts_ready(page)
    with page.expect_response(lambda r: "groupe=2" in r.url) as answered:
        page.get_by_role("link", name="Agendas suivants ›").click()
    assert answered.value.request.headers.get("hx-request") == "true"
    expect(columns).to_have_count(2)
    expect(page.locator(".agenda-groups")).to_contain_text("Agendas 7 à 8 sur 8")
    expect(page).to_have_url(re.compile(r"[?&]groupe=2(&|$)"))
    assert page.evaluate("window.__agendaMarker") == "same page"
    shot(page, "agenda-11-agendas-suivants")

    page.locator(".agenda-nav").get_by_role("link", name="Suivant", exact=True).click()
    expect(page.locator("#agenda h1")).to_have_text(f"Agenda — {day_title(tomorrow())}")
    expect(columns).to_have_count(2)
    expect(page).to_have_url(re.compile(r"[?&]groupe=2(&|$)"))


def test_a_week_is_one_row_of_seven_days_in_both_orientations(tablet, live_server):
    """Found in a walk-through: at 1024 px Sunday wrapped onto a row of its own, at 768 px
    the week showed four days and the rest 3,000 px down. Seven columns side by side in
    landscape; in portrait, one row swiped sideways."""
    page = tablet
    login(page, live_server.url, "secretary")
    for width, height in ((1180, 820), (820, 1180), (768, 1024)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/agenda/?vue=semaine&jour={next_monday().isoformat()}")
        columns = page.locator(".agenda-columns.cols-7 > .agenda-column")
        expect(columns).to_have_count(7)
        tops = {round(columns.nth(i).bounding_box()["y"]) for i in range(7)}
        assert len(tops) == 1, (width, tops)
        # The page itself never scrolls sideways: only the week's own row does.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, "agenda-11-semaine-portrait")
