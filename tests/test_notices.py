"""I1, I2, P7: notices filled from the practice's settings, every art. 13 item, the
register of processing; printing recorded (and on the home visit)."""

import datetime
import html
import json

import pytest

from tests.care import new_appointment
from tests.conftest import traces

PRACTICE = {
    "practice_name": "Cabinet paramédical des Tilleuls",
    "practice_practitioners": "Paul Soignant, masseur-kinésithérapeute\nLéa Remplaçante, infirmière",
    "practice_address": "4 place des Tilleuls, 69003 Lyon",
    "practice_phone": "04 72 00 00 00",
    "practice_email": "contact@tilleuls.example",
    "privacy_contact": "Camille Admin, contact@tilleuls.example",
    "dpo_name": "",
    "software_provider": "Cabinet (logiciel installé au cabinet)",
    "health_data_host": "",
    "reminder_channels": "SMS",
    "backup_location": "Disque chiffré rangé au coffre",
}
# Each art. 13 item, and the medical-record and care-team points, as each notice words them.
ART13 = [
    "Cabinet paramédical des Tilleuls",
    "4 place des Tilleuls",  # controller and contact
    "Contact pour vos données",  # DPO or contact
    "base légale",
    "intérêt légitime",  # purposes, legal bases, legitimate interests
    "Destinataires",
    "Sous-traitant",
    "hors de l'Union européenne",  # recipients, transfers
    "ans après votre dernière venue",  # retention
    "rectification",
    "effacement",
    "limitation",
    "opposer",
    "portabilité",  # rights
    "retirer",
    "réclamation auprès de la CNIL",  # consent withdrawal, complaint
    "nécessaires à votre prise en charge",  # whether required
    "Aucune décision automatisée",  # automated decisions
    "48 heures",
    "8 jours",  # medical record access (L1111-7)
]


def _fill(admin_client):
    response = admin_client.post("/information/parametres", data=PRACTICE)
    assert response.status_code == 302


def test_missing_settings_block_printing_with_a_clear_list(admin_client, practitioner_client):
    for url in ("/information/affiche", "/information/depliant", "/information/texte-court"):
        response = practitioner_client.get(url)
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 409
        assert "Impossible d'imprimer" in page and "le nom du cabinet" in page
        assert "l'éditeur du logiciel" in page
    assert practitioner_client.post("/information/imprimer/poster").status_code == 302
    _fill(admin_client)
    assert practitioner_client.get("/information/affiche").status_code == 200


@pytest.mark.parametrize(
    "url", ["/information/affiche", "/information/depliant", "/information/texte-court"]
)
def test_every_notice_holds_every_art13_item(admin_client, practitioner_client, url):
    _fill(admin_client)
    page = html.unescape(practitioner_client.get(url).get_data(as_text=True))
    missing = [item for item in ART13 if item not in page]
    assert missing == []


def test_notices_follow_the_settings(app, admin_client, practitioner_client):
    _fill(admin_client)
    from cabinet import settings

    with app.app_context():
        settings.put("shared_record", True)
        settings.put("retention_archive_years", 20)
    page = html.unescape(practitioner_client.get("/information/affiche").get_data(as_text=True))
    assert "dossier partagé" in page and "puis 20 ans en archive" in page


def test_printing_is_recorded_and_a_leaflet_on_the_home_visit(
    app, admin_client, practitioner_client, user, make_patient
):
    _fill(admin_client)
    from cabinet.appointments.models import Appointment, AppointmentType

    with app.app_context():
        start = datetime.datetime(2027, 2, 1, 9)
        visit = new_appointment(
            make_patient(), user("practitioner"), start, kind=AppointmentType.get(), location="home"
        )
    response = practitioner_client.post("/information/imprimer/leaflet", data={"rdv": visit.ref})
    assert response.headers["Location"].startswith("/information/depliant?imprimer=1")
    assert "data-autoprint" in practitioner_client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context():
        assert Appointment.get_by_id(visit.id).leaflet_given_at is not None
        from cabinet.notices.models import NoticePrint

        assert [(p.kind, p.appointment_ref) for p in NoticePrint.select()] == [
            ("leaflet", visit.ref)
        ]
    assert traces(app, action="notice.leaflet_given")[-1].target == f"appointment:{visit.ref}"
    page = practitioner_client.get(f"/agenda/rdv/{visit.ref}").get_data(as_text=True)
    assert "Dépliant remis le" in page


def test_register_describes_each_purpose_and_the_measures_enabled(app, admin_client):
    _fill(admin_client)
    page = html.unescape(admin_client.get("/information/registre").get_data(as_text=True))
    for purpose in (
        "Gestion des rendez-vous",
        "Tenue du dossier médical et de soins",
        "Feuilles de soins",
        "Comptabilité du cabinet",
        "Échanges avec d'autres",
    ):
        assert purpose in page
    for heading in (
        "Contrôle d'accès",
        "Traçabilité",
        "Protection des logiciels",
        "Sauvegarde",
        "Chiffrement",
        "Contrôle des sous-traitants",
        "Autres mesures",
    ):
        assert heading in page
    assert "obligatoire pour tous" in page and "Traces conservées 365 jours" in page
    assert "Disque chiffré rangé au coffre" in page
    exported = json.loads(admin_client.get("/information/registre.json").get_data(as_text=True))
    assert len(exported["activities"]) == 5 and exported["controller"]["practice_name"]
    assert traces(app, action="notice.register_export")


def test_confirmation_card_carries_the_short_text(
    app, admin_client, secretary_client, user, make_patient
):
    from cabinet.appointments import services
    from cabinet.appointments.models import AppointmentType
    from cabinet.appointments.schedule import to_utc

    _fill(admin_client)
    with app.test_request_context():
        appointment = services.book(
            services.Booking(
                user("practitioner"),
                make_patient(),
                AppointmentType.get(AppointmentType.name == "Séance"),
                to_utc(datetime.date.today() + datetime.timedelta(days=20), datetime.time(11)),
            ),
            user("secretary"),
        )
    page = html.unescape(
        secretary_client.get(f"/agenda/rdv/{appointment.ref}/confirmation").get_data(as_text=True)
    )
    assert "Vos données personnelles." in page and "réclamation auprès de la CNIL" in page


# Legal bases (issue 18.3, P7): the référentiel's §4 table by default, a setting otherwise,
# one wording in every notice and in the register, the right to object where it applies.

DOCUMENTS = ("/information/affiche", "/information/depliant", "/information/texte-court")
DEFAULT_BASES = {
    "Gestion des rendez-vous": "Intérêt légitime du cabinet (art. 6.1.f RGPD) : organiser "
    "l'agenda du cabinet et vous recevoir (ou venir chez vous) à l'heure convenue — vous "
    "pouvez vous y opposer (art. 21 RGPD)",
    "Tenue du dossier médical et de soins": "Obligation légale (art. 6.1.c RGPD)",
    "Feuilles de soins et échanges avec l'assurance maladie": "Obligation légale (art. 6.1.c RGPD)",
    "Comptabilité du cabinet": "Intérêt légitime du cabinet (art. 6.1.f RGPD) : tenir les "
    "comptes du cabinet et justifier ses recettes — vous pouvez vous y opposer (art. 21 RGPD)",
    "Échanges avec d'autres professionnels et avec les patients": "Intérêt légitime du cabinet "
    "(art. 6.1.f RGPD) : coordonner vos soins avec les professionnels qui vous prennent en "
    "charge — vous pouvez vous y opposer (art. 21 RGPD)",
}


def _pages(admin_client, practitioner_client) -> dict[str, str]:
    pages = {
        url: html.unescape(practitioner_client.get(url).get_data(as_text=True)) for url in DOCUMENTS
    }
    pages["/information/registre"] = html.unescape(
        admin_client.get("/information/registre").get_data(as_text=True)
    )
    return pages


def _exported(admin_client) -> dict[str, dict]:
    body = json.loads(admin_client.get("/information/registre.json").get_data(as_text=True))
    return {activity["name"]: activity for activity in body["activities"]}


def test_bases_follow_the_referentiel_table_by_default(admin_client, practitioner_client):
    _fill(admin_client)
    for url, page in _pages(admin_client, practitioner_client).items():
        for name, basis in DEFAULT_BASES.items():
            assert f"base légale : {basis}" in page or f"{basis}</dd>" in page, (url, name)
        assert "mission d'intérêt public / mesures précontractuelles" not in page, url
        assert "Aucun traitement ne repose sur l'intérêt légitime" not in page, url
    exported = _exported(admin_client)
    assert {name: a["basis"] for name, a in exported.items()} == DEFAULT_BASES
    appointments = exported["Gestion des rendez-vous"]["legal_basis"]
    assert appointments["key"] == "legitimate_interest" and appointments["right_to_object"]
    assert appointments["follows_referentiel"] and appointments["article"] == "art. 6.1.f RGPD"
    assert appointments["legitimate_interest"].startswith("organiser l'agenda")


def test_every_notice_names_the_right_to_object_where_the_basis_gives_it(
    admin_client, practitioner_client
):
    _fill(admin_client)
    for url, page in _pages(admin_client, practitioner_client).items():
        if url == "/information/registre":
            continue
        assert (
            "Droit d'opposition (art. 21 RGPD) : pour des raisons tenant à votre situation "
            "particulière, vous pouvez vous opposer aux traitements fondés sur l'intérêt "
            "légitime ou l'intérêt public (gestion des rendez-vous, comptabilité du cabinet, "
            "échanges avec d'autres professionnels et avec les patients) ; il ne s'applique pas "
            "à ceux qu'impose la loi (tenue du dossier médical et de soins, feuilles de soins "
            "et échanges avec l'assurance maladie)." in " ".join(page.split())
        ), url


def test_settings_page_marks_the_referentiels_choice(admin_client):
    page = html.unescape(admin_client.get("/information/parametres").get_data(as_text=True))
    assert page.count("— proposée par le référentiel") == 5
    assert '<option selected value="legitimate_interest">Intérêt légitime du cabinet' in page
    assert "Justification des bases légales choisies hors référentiel" in page


def _chosen(**bases) -> dict:
    return {**PRACTICE, **{f"legal_basis_{key}": value for key, value in bases.items()}}


def test_a_documented_choice_reads_the_same_everywhere(app, admin_client, practitioner_client):
    why = "Cabinet conventionné : rendez-vous pris dans le cadre de la permanence des soins."
    response = admin_client.post(
        "/information/parametres",
        data=_chosen(appointments="public_interest", accounting="legal_obligation")
        | {"legal_basis_justification": why},
    )
    assert response.status_code == 302
    appointments = (
        "Mission d'intérêt public (art. 6.1.e RGPD) — vous pouvez vous y opposer (art. 21 RGPD)"
    )
    accounting = "Obligation légale (art. 6.1.c RGPD)"
    for url, page in _pages(admin_client, practitioner_client).items():
        assert appointments in page and "organiser l'agenda du cabinet" not in page, url
        assert "tenir les comptes du cabinet" not in page, url
    register = _pages(admin_client, practitioner_client)["/information/registre"]
    assert "Choix du cabinet ; le référentiel propose : Intérêt légitime du cabinet" in register
    assert why in register
    exported = _exported(admin_client)
    assert exported["Gestion des rendez-vous"]["basis"] == appointments
    assert exported["Comptabilité du cabinet"]["basis"] == accounting
    assert exported["Comptabilité du cabinet"]["legal_basis"]["justification"] == why
    assert not exported["Comptabilité du cabinet"]["legal_basis"]["follows_referentiel"]
    targets = {t.target for t in traces(app, action="settings.update")}
    assert {"setting:legal_basis_appointments", "setting:legal_basis_accounting"} <= targets


def test_without_legitimate_interest_no_objection_is_promised(admin_client, practitioner_client):
    every = dict.fromkeys(("appointments", "accounting", "exchanges"), "legal_obligation")
    response = admin_client.post(
        "/information/parametres",
        data=_chosen(**every) | {"legal_basis_justification": "Choix documenté du cabinet."},
    )
    assert response.status_code == 302
    for url, page in _pages(admin_client, practitioner_client).items():
        assert "vous pouvez vous y opposer (art. 21 RGPD)" not in page, url
        if url != "/information/registre":
            assert "Aucun traitement ne repose sur l'intérêt légitime du cabinet" in page, url


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"legal_basis_appointments": "contract"},
            "Une base légale diffère du référentiel (« Gestion des rendez-vous ») : indiquez "
            "la justification documentée de ce choix.",
        ),
        ({"legal_basis_accounting": "au-choix"}, "N'est pas un choix valide"),
    ],
)
def test_a_bad_basis_choice_is_refused_and_changes_nothing(app, admin_client, data, message):
    _fill(admin_client)
    before = traces(app, action="settings.update")
    response = admin_client.post("/information/parametres", data={**PRACTICE, **data})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and message in page
    from cabinet import settings

    with app.app_context():
        assert settings.get("legal_basis_appointments") == "legitimate_interest"
        assert settings.get("legal_basis_accounting") == "legitimate_interest"
    assert traces(app, action="settings.update") == before


def test_a_basis_outside_the_list_is_refused_by_the_settings_module(app):
    from cabinet import settings

    with app.app_context(), pytest.raises(settings.SettingError, match="choix inconnu"):
        settings.put("legal_basis_appointments", "interet-du-cabinet")
