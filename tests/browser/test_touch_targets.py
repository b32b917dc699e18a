"""Issue 18 point 6: every control a finger must hit is at least 44×44 CSS px on the
tablet (820×1180, coarse pointer), for each role, on the main pages.

The rule measured (WCAG 2.5.5 size, with 2.5.8's inline exception):
- every visible `a[href]`, `button`, `input` (not hidden), `select`, `textarea` and
  `summary` is measured by its bounding box;
- a checkbox or radio is measured by its label when a tap anywhere on the label toggles
  it: a label that wraps it, or its `for=` label when that label's box covers the box
  (static/css/app.css stretches such labels under their box on a coarse pointer);
- a link inside a paragraph (`<p>`) that holds other words is inline in running text and
  exempt, as WCAG 2.5.8 allows; links in lists, tables, headings and menus are not.
"""

import datetime

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login, shot
from tests.care import new_appointment
from tests.test_notices import PRACTICE

pytestmark = pytest.mark.browser

MIN_PX = 44
# Every visible control smaller than MIN_PX, measured as the module docstring says.
SMALL_CONTROLS = """
(minimum) => {
  const boxOf = (el) => el.getBoundingClientRect();
  const shown = (el) => {
    const r = boxOf(el);
    if (r.width === 0 || r.height === 0) return false;
    for (let e = el; e; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.display === "none" || style.visibility === "hidden") return false;
      if (e.classList.contains("sr-only")) return false;
    }
    return true;
  };
  const covers = (outer, inner) => outer.left <= inner.left + 0.5 && outer.right >= inner.right - 0.5
    && outer.top <= inner.top + 0.5 && outer.bottom >= inner.bottom - 0.5;
  const words = (text) => (text || "").replace(/[^\\p{L}\\p{N}]+/gu, "");
  const inlineInProse = (link) => {
    const paragraph = link.closest("p");
    if (!paragraph) return false;
    return words(paragraph.textContent).length - words(link.textContent).length >= 8;
  };
  const name = (el) => {
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim();
    return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}`
      + `${el.type && el.tagName === "INPUT" ? "[" + el.type + "]" : ""} «${text.slice(0, 40)}»`;
  };
  const small = [];
  const controls = "a[href], button, input:not([type=hidden]), select, textarea, summary";
  for (const el of document.querySelectorAll(controls)) {
    if (!shown(el)) continue;
    let target = el;
    let measured = "";
    if (el.matches("input[type=checkbox], input[type=radio]")) {
      const wrapping = el.closest("label");
      const covering = [...el.labels].find((l) => shown(l) && covers(boxOf(l), boxOf(el)));
      target = wrapping || covering || el;
      measured = target === el ? "" : " (par son libellé)";
    } else if (el.matches("a") && inlineInProse(el)) {
      continue;
    }
    const r = boxOf(target);
    if (r.width < minimum - 0.01 || r.height < minimum - 0.01) {
      small.push(`${name(el)}${measured}: ${r.width.toFixed(1)}×${r.height.toFixed(1)}`);
    }
  }
  return small;
}
"""


@pytest.fixture
def walk_data(live_server, make_patient, user):
    """What the main pages show when they are full: the practice filled in; a patient
    cared for by the practitioner (record item, session, past and future appointments, a
    rights request, a handover to the locum); another practitioner's patient (break-glass); an appointment at
    10:00 tomorrow that the booking form will collide with."""
    from cabinet import settings
    from cabinet.appointments.models import AppointmentType
    from cabinet.appointments.schedule import to_utc
    from cabinet.handover import services as handovers
    from cabinet.patients import access_notes
    from cabinet.patients.models import CareAssignment
    from cabinet.records import services
    from cabinet.records.models import Act
    from cabinet.rights.models import RightsRequest
    from cabinet.transmissions import services as transmissions

    app = live_server.app
    doctor, locum = user("practitioner"), user("locum")
    patient = make_patient(birth_name="Touchard", first_names="Anaïs")
    stranger = make_patient(birth_name="Éloigné", first_names="Marc")
    today = datetime.date.today()
    tomorrow = today + datetime.timedelta(days=1)
    with app.test_request_context():
        for key, value in PRACTICE.items():
            settings.put(key, value)
        CareAssignment.create(patient=patient, practitioner=doctor)
        CareAssignment.create(patient=stranger, practitioner=locum)
        services.add_item(doctor, patient, "allergy", "Pollen de bouleau")
        services.record_session(
            doctor, patient, today, [(Act.get(Act.code == "AMK 8"), 1)], note="Bonne séance"
        )
        kind = AppointmentType.get(AppointmentType.name == "Séance")
        for day, hour in ((today - datetime.timedelta(days=7), 9), (tomorrow, 10)):
            start = to_utc(day, datetime.time(hour))
            appointment = new_appointment(patient, doctor, start, kind=kind)
        # Issue 16: a home visit tomorrow (the round), its access notes, a transmission.
        home_kind = AppointmentType.get(AppointmentType.is_home_visit == True)  # noqa: E712
        new_appointment(
            patient, doctor, to_utc(tomorrow, datetime.time(15)), kind=home_kind, location="home"
        )
        access_notes.save(user("secretary"), patient, {"door_code": "1234", "animal": "Chat"})
        transmissions.write(
            doctor,
            patient,
            {"target": "Douleur", "data": "EVA 4", "actions": "Revoir demain"},
        )
        # A handover of the patient to the locum, from today: its page links each patient.
        handover = handovers.prepare(doctor, locum, today, tomorrow, [patient])
        request = RightsRequest.create(
            patient_ref=patient.ref,
            requester="La patiente",
            kind="access",
            received_on=today,
            due_on=today + datetime.timedelta(days=30),
        )
    return {
        "patient": patient.ref,
        "stranger": stranger.ref,
        "appointment": appointment.ref,
        "request": request.ref,
        "handover": handover.ref,
        "locum": locum.ref,
        "doctor": doctor.ref,
        "tomorrow": tomorrow.isoformat(),
    }


def pages_for(role: str, data: dict) -> dict[str, str]:
    """The main pages each role works with (name → path)."""
    common = {
        "accueil": "/",
        "patients": "/patients/",
        "fiche-patient": f"/patients/{data['patient']}",
        "ma-securite": "/securite",
        "affiche": "/information/affiche",
        "depliant": "/information/depliant",
        "texte-court": "/information/texte-court",
        "patient-nouveau": "/patients/nouveau",
        "patient-modifier": f"/patients/{data['patient']}/modifier",
    }
    agenda = {
        "agenda-jour": f"/agenda/?jour={data['tomorrow']}",
        "agenda-semaine": f"/agenda/?vue=semaine&jour={data['tomorrow']}",
        "rendez-vous-nouveau": f"/agenda/rdv/nouveau?patient={data['patient']}",
        "serie": f"/agenda/serie/nouvelle?patient={data['patient']}",
        "rendez-vous": f"/agenda/rdv/{data['appointment']}",
        "recettes": "/soins/recettes/",
        "disponibilites": "/agenda/disponibilites",
        "rappels": "/agenda/rappels",
        "tournee": f"/agenda/tournee?jour={data['tomorrow']}",
        "ordre-de-la-tournee": f"/agenda/tournee/ordre?jour={data['tomorrow']}",
        "notes-d-acces": f"/patients/{data['patient']}/acces-domicile",
        "confirmation": f"/agenda/rdv/{data['appointment']}/confirmation",
    }
    if role == "admin":
        return common | {
            "parametres-cabinet": "/information/parametres",
            "registre": "/information/registre",
            "comptes": "/comptes/",
            "compte-remplacant": f"/comptes/{data['locum']}",
            "parametres-securite": "/comptes/parametres-securite",
            "droits": "/droits/",
            "demande-droits": f"/droits/demande/{data['request']}",
            "journal": "/journal/",
            "conservation": "/conservation/",
            "types-de-rendez-vous": "/agenda/types",
            "releve-des-acces": f"/patients/{data['patient']}/acces",
        }
    if role == "practitioner":
        return (
            common
            | agenda
            | {
                "dossier-de-soins": f"/soins/{data['patient']}",
                "seance": f"/soins/{data['patient']}/seance",
                "acces-exceptionnel": f"/soins/{data['stranger']}/acces-exceptionnel",
                "archives": "/archives/",
                "releve-des-acces": f"/patients/{data['patient']}/acces",
                "transmissions": f"/transmissions/patient/{data['patient']}",
                "transmissions-non-lues": "/transmissions/",
                "passations": "/passations/",
                "passation-nouvelle": "/passations/nouvelle",
                "passation": f"/passations/{data['handover']}",
            }
        )
    return common | agenda


def small_controls(page: Page) -> list[str]:
    return page.evaluate(SMALL_CONTROLS, MIN_PX)


def refused_booking(page: Page, base: str, data: dict) -> list[str]:
    """Book the patient again at 10:00 tomorrow: the form comes back with the refusal,
    the reasons and its radios."""
    page.goto(
        f"{base}/agenda/rdv/nouveau?patient={data['patient']}&praticien={data['doctor']}"
        f"&jour={data['tomorrow']}&heure=10:00"
    )
    page.locator("#booking").get_by_role("button", name="Réserver").click()
    expect(page.get_by_text("Ce créneau ne peut pas être réservé")).to_be_visible()
    return small_controls(page)


@pytest.mark.parametrize("role", ["admin", "practitioner", "secretary"])
def test_every_control_is_44_px_at_least_on_the_tablet(
    tablet, live_server, console_watch, walk_data, role
):
    page = tablet
    console_watch.allow_status(422, "/agenda/rdv/nouveau")  # the refused booking
    login(page, live_server.url, role)
    assert page.evaluate("matchMedia('(pointer: coarse)').matches")
    found = {}
    for name, path in pages_for(role, walk_data).items():
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, (name, path)
        expect(page.locator("h1").first).to_be_visible()
        small = small_controls(page)
        if small:
            found[name] = small
        shot(page, f"cibles-{role}-{name}")
    if role != "admin":
        small = refused_booking(page, live_server.url, walk_data)
        if small:
            found["rendez-vous-refuse"] = small
        shot(page, f"cibles-{role}-rendez-vous-refuse")
    assert found == {}, "\n".join(f"{page}: {small}" for page, small in found.items())


def tap_label_corner(page: Page, box_id: str) -> None:
    """Tap 3 px inside the top-left corner of the box's label: off the box and off the
    words, where only the stretched label can catch the finger."""
    page.locator(f"#{box_id}").scroll_into_view_if_needed()
    label = page.locator(f"label[for='{box_id}']").bounding_box()
    box = page.locator(f"#{box_id}").bounding_box()
    assert label is not None and box is not None
    assert label["height"] >= MIN_PX and label["y"] + 3 < box["y"]
    page.touchscreen.tap(label["x"] + 3, label["y"] + 3)


def test_a_tap_on_the_stretched_label_toggles_its_box(tablet, live_server, walk_data):
    """The rule above measures such boxes by their label: a tap there must toggle them."""
    page = tablet
    login(page, live_server.url, "practitioner")
    page.goto(f"{live_server.url}/agenda/serie/nouvelle?patient={walk_data['patient']}")
    monday = page.locator("#weekdays-0")
    expect(monday).not_to_be_checked()
    tap_label_corner(page, "weekdays-0")
    expect(monday).to_be_checked()
    page.goto(f"{live_server.url}/patients/{walk_data['patient']}")
    reminders = page.locator("#reminders")
    expect(reminders).not_to_be_checked()
    tap_label_corner(page, "reminders")
    expect(reminders).to_be_checked()


# The menu in portrait (found in a walk-through) -----------------------------------------------

MENU_BOX = """
() => {
  const bar = document.querySelector(".topbar").getBoundingClientRect();
  const nav = document.querySelector(".topbar .nav");
  const links = [...nav.querySelectorAll("a")].map((a) => a.getBoundingClientRect());
  return {
    bar: bar.height,
    rows: new Set(links.map((r) => Math.round(r.top))).size,
    pageScroll: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
}
"""


@pytest.mark.parametrize("role", ["admin", "practitioner", "secretary"])
def test_the_menu_takes_one_line_in_portrait_and_every_item_is_reachable(tablet, live_server, role):
    """Found in a walk-through: wrapped between the brand and « Se déconnecter », the menu
    took two to four lines in portrait (820×1180): 162 px for the admin, 206 px for the
    practitioner. In portrait it has a line of its own, swiped sideways when longer."""
    page = tablet
    login(page, live_server.url, role)
    box = page.evaluate(MENU_BOX)
    print(f"\n{role}: the top bar {box['bar']:.0f} px high, the menu on {box['rows']} line(s)")
    assert box["rows"] == 1, box
    assert box["bar"] <= 0.12 * 1180, box
    assert box["pageScroll"] <= 0, box  # the page itself never scrolls sideways
    shot(page, f"menu-portrait-{role}")
    # Every item can be brought into view and followed, the last one included.
    last = page.locator(".topbar .nav a").last
    last.scroll_into_view_if_needed()
    expect(last).to_be_in_viewport()
    expect(last).to_have_text("Ma sécurité")
    last.click()
    expect(page.locator("h1")).to_have_text("Ma sécurité")
