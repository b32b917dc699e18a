"""The cotation aid on the real database (P4, P5): tariffs by date (a visit before an
avenant priced by the old tariff), the checks of the common mistakes, the pre-bill, its
CSV and day sheet, the receipts journal when paid, the admin's new tariff version."""

import csv
import datetime
import io
from decimal import Decimal as D

import pytest

TODAY = datetime.date.today()


@pytest.fixture
def patient(make_patient):
    return make_patient(treated_by="practitioner")


def _price(app, patient, day, idents, hour=12, **fields):
    from cabinet.billing import services

    with app.test_request_context():
        visit = services.Visit(day, datetime.time(hour), idents, **fields)
        return services.price(patient, visit)


def test_visit_before_an_avenant_priced_by_the_old_tariff(app, patient):
    """Avenant 7 kinés: AMK 2,15 € until 21/02/2024, 2,21 € from 22/02/2024."""
    before = _price(app, patient, datetime.date(2024, 2, 21), ["amk-respiratoire"])
    after = _price(app, patient, datetime.date(2024, 2, 22), ["amk-respiratoire"])
    assert before.quote.total == D("17.20") and after.quote.total == D("17.68")
    ifd_old = _price(app, patient, datetime.date(2024, 1, 27), ["ami-injection"], home=True)
    ifd_new = _price(app, patient, datetime.date(2024, 1, 28), ["ami-injection"], home=True)
    assert [s.amount for s in ifd_old.quote.steps if s.code == "IFD"] == [D("2.50")]
    assert [s.amount for s in ifd_new.quote.steps if s.code == "IFD"] == [D("2.75")]


def test_coefficient_versions_by_date(app, patient):
    """Avenant 7: AMS 7,5 (membre et racine) + 0,6 point on 01/07/2025."""
    june = _price(app, patient, datetime.date(2025, 6, 30), ["ams-membre"])
    july = _price(app, patient, datetime.date(2025, 7, 1), ["ams-membre"])
    assert [s.code for s in june.quote.lines] == ["AMS 7,5"]
    assert [s.code for s in july.quote.lines] == ["AMS 8,1"] and july.quote.total == D("17.90")


def _prescription(app, user, patient, **fields):
    from cabinet.prescriptions import services

    data = {
        "prescriber_name": "Dr Cotation",
        "prescriber_rpps": "",
        "prescribed_on": TODAY - datetime.timedelta(days=10),
        "kind": "nursing",
        "acts_text": "Injections",
        "act_codes": "AMI 1",
        "sessions_count": 1,
        "per_week": 7,
        "rhythm": "",
        "starts_on": TODAY - datetime.timedelta(days=10),
        "valid_until": TODAY + datetime.timedelta(days=10),
        "renewable": False,
        "night_required": False,
        "home_care": False,
    }
    data.update(fields)
    with app.test_request_context():
        return services.create(user("practitioner"), patient, data)


def _save(app, user, patient, day, idents, hour=12, **fields):
    from cabinet.billing import services

    with app.test_request_context():
        return services.save(
            user("practitioner"),
            patient,
            services.Visit(day, datetime.time(hour), idents, **fields),
        )


def test_warnings_for_the_common_mistakes(app, user, patient):
    prescription = _prescription(app, user, patient)
    clean = _price(app, patient, TODAY, ["ami-injection"], prescription=prescription)
    assert clean.warnings == []
    _save(app, user, patient, TODAY, ["ami-injection"], hour=12, prescription=prescription)
    late = TODAY + datetime.timedelta(days=11)
    priced = _price(
        app,
        patient,
        late,
        ["ami-pansement-lourd", "bsa-forfait"],
        hour=21,
        prescription=prescription,
        home=True,
    )
    text = " ".join(priced.warnings)
    assert "AMI 4 ne figure pas sur l'ordonnance" in text
    assert "Ordonnance expirée le" in text
    assert "Séance 2 au-delà des 1 prescrites." in text
    assert "BSI manquant" in text
    assert "nécessité d'une exécution de nuit" in text
    assert "ne mentionne pas les soins à domicile" in text
    twin = _price(app, patient, TODAY, ["ami-injection"], hour=12, prescription=prescription)
    assert any("double facturation" in w for w in twin.warnings)
    none = _price(app, patient, TODAY, ["ami-injection"], hour=15)
    assert none.warnings[0].startswith("Aucune ordonnance choisie")


def test_night_home_visit_priced_and_kept_in_the_prebill(app, user, patient, practitioner_client):
    prescription = _prescription(
        app,
        user,
        patient,
        act_codes="AMI 4, AMI 1",
        sessions_count=10,
        night_required=True,
        home_care=True,
    )
    url = f"/cotation/patient/{patient.ref}"
    form = {
        "day": TODAY.isoformat(),
        "time": "21:10",
        "acts": ["ami-pansement-lourd", "ami-injection"],
        "prescription": prescription.ref,
        "home": "y",
        "km": "7",
        "zone": "plain",
    }
    page = practitioner_client.post(url, data=form).get_data(as_text=True)
    assert "AMI 4 à taux plein (art. 11B : acte le plus important)" in page
    assert "AMI 1 à 50 % (art. 11B : deuxième acte)" in page
    assert "Majoration de nuit : passage à 21 h 10 : 9,15 €" in page
    assert "2 × 7 km − 4 km d&#39;abattement = 10 km" in page
    response = practitioner_client.post(url, data={**form, "save": "y"})
    assert response.status_code == 302
    from cabinet.billing.models import PricedVisit

    with app.app_context():
        visit = PricedVisit.get()
        # 12.60 + 1.58 + 9.15 (night) + 5.00 (MCI: heavy dressing) + 2.75 + 3.50
        assert visit.total == D("34.58") and visit.acts == "AMI 4, AMI 1, NUIT, MCI, IFD, IK"
    day = practitioner_client.get(f"/cotation/jour?jour={TODAY.isoformat()}").get_data(as_text=True)
    assert "34,58 €" in day and "pas une feuille de soins" in day
    # The message says the amount as the page does (it said « 34.58 € », found in a walk).
    assert "Visite cotée 34,58 € ajoutée à la pré-facturation." in day
    sheet = practitioner_client.get(f"/cotation/jour/impression?jour={TODAY.isoformat()}")
    assert "n'est pas une feuille de soins" in sheet.get_data(as_text=True)
    export = practitioner_client.get(f"/cotation/jour/export.csv?jour={TODAY.isoformat()}")
    rows = list(
        csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    from cabinet.billing.services import CSV_COLUMNS

    assert rows[0] == CSV_COLUMNS
    assert [r[6] for r in rows[1:]] == ["AMI 4", "AMI 1", "NUIT", "MCI", "IFD", "IK"]
    assert rows[2][8] == "0,5" and rows[6][7] == "10" and rows[1][10] == "34,58"


def test_paid_visit_feeds_the_receipts_journal_once(app, user, patient, practitioner_client):
    from cabinet.records.models import Receipt

    visit = _save(app, user, patient, TODAY, ["ami-injection"])
    url = f"/cotation/visite/{visit.ref}/reglee"
    assert practitioner_client.post(url, data={"mode": "card"}).status_code == 302
    practitioner_client.post(url, data={"mode": "card"})
    with app.app_context():
        (receipt,) = Receipt.select()
        assert receipt.amount == D("4.50") and receipt.act_codes == "AMI 1, MAU"


def test_admin_adds_a_tariff_version(app, admin_client, patient):
    data = {
        "tariff": "nurse:AMI",
        "amount": "3.30",
        "effective_from": "2030-01-01",
        "source": "Avenant fictif de test",
        "confirmed": "y",
    }
    assert admin_client.post("/cotation/tarifs", data=data).status_code == 302
    assert admin_client.post("/cotation/tarifs", data=data).status_code == 422  # same date
    before = _price(app, patient, datetime.date(2029, 12, 31), ["ami-injection"], hour=10)
    after = _price(app, patient, datetime.date(2030, 1, 1), ["ami-injection"], hour=10)
    assert [s.amount for s in before.quote.lines][0] == D("3.15")
    assert [s.amount for s in after.quote.lines][0] == D("3.30")
    page = admin_client.get("/cotation/tarifs").get_data(as_text=True)
    assert "Avenant fictif de test" in page and "[à confirmer]" in page


def test_stranger_and_secretary_cannot_price(app, make_patient, role_client, secretary_client):
    stranger = make_patient()
    response = role_client("practitioner").get(f"/cotation/patient/{stranger.ref}")
    assert response.status_code == 302 and "acces-exceptionnel" in response.headers["Location"]
    assert secretary_client.get(f"/cotation/patient/{stranger.ref}").status_code == 403
    assert secretary_client.get("/cotation/jour").status_code == 403
