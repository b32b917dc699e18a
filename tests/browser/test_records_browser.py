"""Care record on a tablet: a practitioner records a session (acts, pain, range of motion, a
weight, an observation, the payment) from the patient's page (`make bench` times it); the
secretary sees the payment but no care content; a locum goes through break-glass, which the
treating practitioner then reads on their home page."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ACTION_TIMEOUT_MS, TABLET, login
from tests.browser.conftest import shot as _shot
from tests.browser.steps import fill_session, search_patient
from tests.conftest import traces

pytestmark = pytest.mark.browser

DOCTOR = "Dr Paul Soignant"
LOCUM = "Léa Remplaçante"
BIRTH_NAME, FIRST_NAMES = "Kerhervé", "Maëlys"
SHOWN_NAME = "KERHERVÉ Maëlys"  # the patient page's heading: last name upper-cased
OBSERVATION = "Flexion du genou en progrès, marche sans canne"
PAIN, RANGE, WEIGHT = 4, 95, Decimal("71.5")


# Helpers -------------------------------------------------------------------------------------


def shot(page: Page, name: str):
    """conftest's `shot`, then remove the `style=""` Playwright's screenshot leaves on inputs
    (htmx would copy it onto the next boosted page, which the CSP reports; see the agenda
    tests)."""
    path = _shot(page, name)
    page.evaluate(
        "document.querySelectorAll('[style=\"\"]').forEach((e) => e.removeAttribute('style'))"
    )
    return path


def card(page: Page, title: str):
    """A section of the page by its exact heading."""
    return page.locator("section.card").filter(
        has=page.get_by_role("heading", name=title, exact=True)
    )


def other_tablet(new_context, console_watch) -> Page:
    """A second tablet (another person's), watched for console errors like the first one."""
    context = new_context(**TABLET)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    page.on("console", console_watch.on_console)
    page.on("pageerror", console_watch.on_page_error)
    return page


@pytest.fixture
def patient(live_server, make_patient, user):
    """A fictitious patient in the treating practitioner's care (an explicit assignment)."""
    from cabinet.patients.models import CareAssignment

    created = make_patient(birth_name=BIRTH_NAME, first_names=FIRST_NAMES, city="Quimper")
    with live_server.app.app_context():
        CareAssignment.create(patient=created, practitioner=user("practitioner"))
    return created


@pytest.fixture
def recorded(live_server, patient, user):
    """The session of test 1, recorded through the services (as the session form does)."""
    from cabinet.records import services
    from cabinet.records.models import Act

    doctor, today = user("practitioner"), datetime.date.today()
    with live_server.app.test_request_context():
        amk8 = Act.get(Act.code == "AMK 8")
        services.record_session(
            doctor, patient, today, [(amk8, 1)], PAIN, RANGE, OBSERVATION, "card"
        )
        services.add_item(doctor, patient, "measurement", "Poids", WEIGHT, "kg", today)
    return patient


def record_of(app, patient):
    """What the database holds for the patient: sessions, receipts, care sheets, measures."""
    from cabinet.records.models import (
        CareSession,
        CareSheet,
        Receipt,
        RecordItem,
        RecordItemVersion,
    )

    with app.app_context():
        measures = list(
            RecordItemVersion.select(RecordItemVersion)
            .join(RecordItem)
            .where((RecordItem.patient == patient.id) & (RecordItem.kind == "measurement"))
        )
        return {
            "sessions": list(CareSession.select().where(CareSession.patient == patient.id)),
            "acts": [
                [a.act.code for a in s.acts]
                for s in CareSession.select().where(CareSession.patient == patient.id)
            ],
            "receipts": list(Receipt.select().where(Receipt.patient == patient.id)),
            "sheets": list(CareSheet.select().where(CareSheet.patient == patient.id)),
            "measures": [(m.label, m.value, m.unit) for m in measures],
        }


# 1. A session recorded from the patient's page -----------------------------------------------


def test_practitioner_records_a_session_with_an_act_and_a_weight(tablet, live_server, patient):
    page = tablet
    today = datetime.date.today()
    login(page, live_server.url, "practitioner")
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Patients"
    ).click()
    expect(page.locator("h1")).to_have_text("Patients")
    search_patient(page, "kerherve")
    rows = page.locator("#patient-results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("KERHERVÉ")
    expect(rows.first).to_contain_text(FIRST_NAMES)

    rows.first.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text(SHOWN_NAME)
    assert page.url == f"{live_server.url}/patients/{patient.ref}"
    panel = page.locator("#patient-record")
    expect(panel.get_by_role("heading", name="Dossier de soins", exact=True)).to_be_visible()
    expect(panel.get_by_role("link", name="Dossier complet")).to_be_visible()
    shot(page, "records-01-fiche-praticien")

    panel.get_by_role("link", name="Nouvelle séance").click()
    expect(page.locator("h1")).to_have_text(f"Séance — {SHOWN_NAME}")
    expect(page.get_by_label("Date de la séance")).to_have_value(today.isoformat())
    fill_session(page, PAIN, RANGE, "71.5", OBSERVATION)
    expect(page.locator("input[name=acts]:checked")).to_have_count(1)
    shot(page, "records-02-seance-remplie")
    page.get_by_role("button", name="Enregistrer la séance").click()

    expect(page.locator("h1")).to_have_text(f"Dossier de soins — {SHOWN_NAME}")
    expect(page.locator(".flash")).to_have_text("Séance enregistrée.")
    assert page.url == f"{live_server.url}/soins/{patient.ref}"

    sessions = card(page, "Séances").locator("tbody tr")
    expect(sessions).to_have_count(1)
    expect(sessions.first.locator("td")).to_have_text(
        [f"{today:%d/%m/%Y}", DOCTOR, "AMK 8", str(PAIN), f"{RANGE}°", OBSERVATION]
    )
    measures = page.locator("#record-measurement")
    expect(measures.get_by_role("heading", name="Mesure", exact=True)).to_be_visible()
    expect(measures.locator("ul.items > li")).to_have_count(1)
    expect(measures.locator("ul.items > li")).to_contain_text(f"Poids : 71,5 kg ({today:%d/%m/%Y})")
    sheets = card(page, "Copies des feuilles de soins").locator("tbody tr")
    expect(sheets).to_have_count(1)
    cells = sheets.first.locator("td")
    expect(cells.nth(0)).to_have_text(f"{today:%d/%m/%Y}")
    expect(cells.nth(1)).to_contain_text("AMK 8 × 1")
    expect(cells.nth(2)).to_have_text("17,20 €")
    expect(cells.nth(3)).to_have_text("10,32 €")  # 60 % paid by the health insurance
    expect(cells.nth(4)).to_have_text("6,88 €")
    shot(page, "records-03-dossier-apres-seance")
    # Printed, the record shows what it holds, not the buttons that change it (found in a
    # walk-through: « Corriger », « Supprimer », the empty form came out on paper).
    page.emulate_media(media="print")
    expect(measures.locator("ul.items > li")).to_be_visible()
    expect(measures.get_by_role("link", name="Corriger")).to_be_hidden()
    expect(measures.get_by_role("button", name="Supprimer (erreur de saisie)")).to_be_hidden()
    expect(page.get_by_role("heading", name="Ajouter un élément")).to_be_hidden()
    page.emulate_media(media="screen")
    expect(measures.get_by_role("link", name="Corriger")).to_be_visible()

    saved = record_of(live_server.app, patient)
    assert len(saved["sessions"]) == 1
    (session,) = saved["sessions"]
    assert (session.session_date, session.pain_score, session.range_of_motion) == (
        today,
        PAIN,
        RANGE,
    )
    assert session.note == OBSERVATION
    assert saved["acts"] == [["AMK 8"]]
    (receipt,) = saved["receipts"]
    assert receipt.amount == Decimal("17.20") and receipt.payment_mode == "card"
    assert receipt.act_codes == "AMK 8" and receipt.received_on == today
    (sheet,) = saved["sheets"]
    assert sheet.total == Decimal("17.20") and sheet.session_id == session.id
    assert saved["measures"] == [("Poids", WEIGHT, "kg")]
    actions = [t.action for t in traces(live_server.app, patient_ref=patient.ref)]
    assert "record.session_create" in actions and "receipt.create" in actions


# 2. The secretary sees the payment, never the care -------------------------------------------


def test_secretary_sees_the_payment_but_no_care_content(
    tablet, live_server, recorded, new_context, console_watch
):
    # The treating practitioner does see the session on the patient page: what the secretary
    # must not see is really there to be hidden.
    page = tablet
    login(page, live_server.url, "practitioner")
    page.goto(f"{live_server.url}/patients/{recorded.ref}")
    expect(page.locator("h1")).to_have_text(SHOWN_NAME)
    expect(page.locator("#patient-record")).to_contain_text(f"douleur {PAIN}/10 — {OBSERVATION}")

    desk = other_tablet(new_context, console_watch)
    login(desk, live_server.url, "secretary")
    desk.goto(f"{live_server.url}/patients/{recorded.ref}")
    expect(desk.locator("h1")).to_have_text(SHOWN_NAME)
    payments = desk.locator("#patient-payments")
    expect(payments.get_by_role("heading", name="Paiements", exact=True)).to_be_visible()
    rows = payments.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td")).to_have_text(
        [f"{datetime.date.today():%d/%m/%Y}", "AMK 8", "17,20 €", "Carte bancaire"]
    )
    expect(desk.locator("#patient-record")).to_have_count(0)
    expect(desk.get_by_role("heading", name="Dossier de soins")).to_have_count(0)
    shot(desk, "records-04-fiche-secretaire")

    html = desk.content()
    assert "Dossier de soins" not in html
    for secret in (
        OBSERVATION,
        "Flexion",
        "canne",
        f"{PAIN}/10",
        "douleur",
        "Douleur",
        "EVA",
        "Poids",
        "71,5",
        "71.5",
        "71,50",
        "71.50",
        f"{RANGE}°",
    ):
        assert secret not in html, f"{secret!r} shown to the secretary"
    desk.context.close()


# 3. Break-glass by a locum, shown to the treating practitioner --------------------------------


def test_locum_breaks_the_glass_and_the_treating_practitioner_is_told(
    tablet, live_server, recorded, new_context, console_watch
):
    page = tablet
    login(page, live_server.url, "locum")
    page.goto(f"{live_server.url}/soins/{recorded.ref}")
    assert page.url == f"{live_server.url}/soins/{recorded.ref}/acces-exceptionnel"
    expect(page.locator("h1")).to_have_text("Accès exceptionnel au dossier")
    expect(page.locator("main")).to_contain_text(f"{SHOWN_NAME} n'est pas suivi·e par vous")
    expect(page.locator("main")).not_to_contain_text(OBSERVATION)
    page.get_by_label("Motif").select_option(label="Urgence")
    shot(page, "records-05-acces-exceptionnel")
    page.get_by_role("button", name="Ouvrir le dossier").click()

    expect(page.locator("h1")).to_have_text(f"Dossier de soins — {SHOWN_NAME}")
    assert page.url == f"{live_server.url}/soins/{recorded.ref}"
    expect(page.locator("main p.error[role=alert]")).to_have_text(
        "Accès exceptionnel : il est tracé et signalé au praticien qui suit ce patient."
    )
    expect(card(page, "Séances").locator("tbody tr")).to_contain_text(OBSERVATION)
    (access,) = traces(live_server.app, action="record.break_glass")
    assert access.patient_ref == recorded.ref
    assert (access.actor_name, access.detail) == (LOCUM, "Urgence")
    (viewed,) = [
        t
        for t in traces(live_server.app, action="record.view", patient_ref=recorded.ref)
        if t.actor_name == LOCUM
    ]
    assert viewed.detail == "accès exceptionnel"

    doctor = other_tablet(new_context, console_watch)
    login(doctor, live_server.url, "practitioner")
    expect(doctor.locator("h1")).to_have_text(f"Bonjour {DOCTOR}")
    notices = doctor.locator("#break-glass-notices li")
    expect(notices).to_have_count(1)
    expect(notices.first).to_contain_text(
        f"{LOCUM} a ouvert le dossier de {SHOWN_NAME} — motif : Urgence"
    )
    expect(notices.first.get_by_role("link", name=SHOWN_NAME)).to_have_attribute(
        "href", f"/patients/{recorded.ref}"
    )
    doctor.context.close()
