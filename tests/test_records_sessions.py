"""P2, P4, P5, R1: a care session with its acts, its care-sheet copy and its receipt, the
weight taken with it — in one transaction —, the receipts journal and the retention clock."""

import datetime
from decimal import Decimal

import peewee
import pytest

from tests.care import acts, assign
from tests.conftest import traces

TODAY = datetime.date.today()


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def test_session_makes_a_care_sheet_and_a_receipt_with_exact_amounts(app, ctx, user, make_patient):
    from cabinet.records import services
    from cabinet.records.models import CareSheet, Receipt

    codes = acts(app)
    patient = make_patient(treated_by="practitioner")
    services.record_session(
        user("practitioner"),
        patient,
        TODAY,
        [(codes["AMK 8"], 1), (codes["IFD"], 1)],
        pain_score=4,
        paid_mode="cheque",
    )
    sheet = CareSheet.get(CareSheet.patient == patient.id)
    assert sheet.total == Decimal("19.95")
    assert sheet.insurer_share == Decimal("11.97") and sheet.patient_share == Decimal("7.98")
    receipt = Receipt.get(Receipt.patient == patient.id)
    assert receipt.amount == Decimal("19.95") and receipt.act_codes == "AMK 8, IFD"


def test_a_session_and_its_weight_are_saved_together_or_not_at_all(app, ctx, user, make_patient):
    """One service call, one transaction: when the weight cannot be written (here the
    database itself refuses a new record item), the session, its acts, its care sheet, its
    receipt and their traces are not written either."""
    from cabinet.db import database
    from cabinet.records import services
    from cabinet.records.models import (
        CareSession,
        CareSheet,
        Receipt,
        RecordItem,
        RecordItemVersion,
        SessionAct,
    )

    doctor, patient = user("practitioner"), make_patient(treated_by="practitioner")
    amk = acts(app)["AMK 8"]
    care = services.record_session(doctor, patient, TODAY, [(amk, 1)], weight=Decimal("71.5"))
    (weight,) = RecordItemVersion.select().join(RecordItem).where(RecordItem.patient == patient.id)
    assert (weight.label, weight.value, weight.unit) == ("Poids", Decimal("71.5"), "kg")
    assert weight.observed_on == TODAY and weight.item.kind == "measurement"
    assert [t.action for t in traces(app, patient_ref=patient.ref)][-2:] == [
        "record.session_create",
        "record.create",
    ]
    assert CareSession.get_by_id(care.id).patient_id == patient.id
    tables = (CareSession, SessionAct, CareSheet, Receipt, RecordItem, RecordItemVersion)
    before = [table.select().count() for table in tables], len(traces(app))
    database.execute_sql(
        "CREATE TEMP TRIGGER no_item BEFORE INSERT ON record_item "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    )
    with pytest.raises(peewee.IntegrityError):
        services.record_session(
            doctor, patient, TODAY, [(amk, 1)], paid_mode="cash", weight=Decimal("70.0")
        )
    database.execute_sql("DROP TRIGGER no_item")
    assert ([table.select().count() for table in tables], len(traces(app))) == before


def test_receipt_totals_are_exact_decimals(app, ctx, user, make_patient):
    from cabinet.records import billing

    codes = acts(app)
    for _ in range(3):
        billing.record_payment(
            user("secretary"), make_patient(), TODAY, codes["AMI 1"], Decimal("0.10"), "cash"
        )
    billing.record_payment(
        user("secretary"), make_patient(), TODAY, codes["AMI 1"], Decimal("0.20"), "card"
    )
    totals = billing.totals(list(billing.journal(TODAY, TODAY)))
    assert totals["overall"] == Decimal("0.50")  # 0.1 + 0.1 + 0.1 + 0.2 in float is 0.5000…01
    assert totals["by_mode"] == {"cash": Decimal("0.30"), "card": Decimal("0.20")}
    with pytest.raises(billing.RecordRefused):
        billing.record_payment(
            user("secretary"), make_patient(), TODAY, codes["AMI 1"], Decimal("-1"), "cash"
        )


def test_last_care_at_follows_every_event(app, ctx, user, make_patient):
    from cabinet.patients.models import Patient
    from cabinet.records import services

    codes, doctor, patient = (
        acts(app),
        user("practitioner"),
        make_patient(treated_by="practitioner"),
    )
    assert Patient.get_by_id(patient.id).last_care_at is None
    services.record_session(
        doctor, patient, TODAY - datetime.timedelta(days=10), [(codes["AMK 8"], 1)]
    )
    after_session = Patient.get_by_id(patient.id).last_care_at
    assert after_session.date() == TODAY - datetime.timedelta(days=10)
    services.add_item(doctor, patient, "exam", "Radio du genou : normale")
    assert Patient.get_by_id(patient.id).last_care_at > after_session


def _pay(client, patient, act, amount):
    return client.post(
        "/soins/recettes/paiement",
        data={
            "patient_ref": patient.ref,
            "received_on": TODAY.isoformat(),
            "act": str(act.id),
            "amount": amount,
            "payment_mode": "card",
        },
    )


def test_secretary_records_a_payment_and_sees_the_journal(app, secretary_client, make_patient):
    from cabinet.records.models import Receipt

    amk = acts(app)["AMK 8"]
    patient = make_patient(birth_name="Payeur")
    response = _pay(secretary_client, patient, amk, "17.20")
    assert response.status_code == 302
    with app.app_context():
        (receipt,) = Receipt.select()
    assert (receipt.patient_id, receipt.amount, receipt.payment_mode) == (
        patient.id,
        Decimal("17.20"),
        "card",
    )
    assert receipt.act_codes == "AMK 8" and receipt.patient_name.startswith("PAYEUR ")
    page = secretary_client.get("/soins/recettes/").get_data(as_text=True)
    assert "PAYEUR" in page and "17,20 €" in page and "Carte bancaire" in page
    csv = secretary_client.get(f"/soins/recettes/export.csv?month={TODAY:%Y-%m}").get_data(
        as_text=True
    )
    assert "AMK 8" in csv and "17,20" in csv
    assert traces(app, action="receipt.export")
    bad = _pay(secretary_client, patient, amk, "abc")
    assert bad.status_code == 302
    with app.app_context():
        assert Receipt.select().count() == 1


def test_the_receipts_page_prefills_the_patient_chosen_from_the_file(
    app, secretary_client, make_patient
):
    patient = make_patient()
    page = secretary_client.get(f"/soins/recettes/?patient={patient.ref}").get_data(as_text=True)
    assert f'name="patient_ref" value="{patient.ref}"' in page
    assert "Patient choisi depuis sa fiche." in page
    assert "Patient choisi" not in secretary_client.get("/soins/recettes/").get_data(as_text=True)


def test_practitioner_records_a_session_with_a_measurement(
    app, practitioner_client, user, make_patient
):
    from cabinet.records.models import CareSession, RecordItem

    patient = make_patient()
    assign(app, patient, user("practitioner"))
    amk = acts(app)["AMK 8"]
    response = practitioner_client.post(
        f"/soins/{patient.ref}/seance",
        data={
            "session_date": TODAY.isoformat(),
            "acts": [str(amk.id)],
            "pain_score": "3",
            "range_of_motion": "95",
            "weight": "71.5",
            "note": "Progression",
            "paid": "",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        (care,) = CareSession.of_patient(patient)
        (weight,) = RecordItem.of_patient(patient)
        assert (care.pain_score, care.range_of_motion, care.note) == (3, 95, "Progression")
        assert [a.act.code for a in care.acts] == ["AMK 8"] and not list(care.receipts)
        assert weight.latest_version().value == Decimal("71.5")
    page = practitioner_client.get(f"/soins/{patient.ref}").get_data(as_text=True)
    assert "71,5 kg" in page and "AMK 8" in page and "95°" in page
    future = practitioner_client.post(
        f"/soins/{patient.ref}/seance",
        data={
            "session_date": (TODAY + datetime.timedelta(days=2)).isoformat(),
            "acts": [str(amk.id)],
        },
    )
    assert future.status_code == 422 and "ne peut pas être enregistrée" in future.get_data(
        as_text=True
    )
    with app.app_context():
        assert CareSession.of_patient(patient).count() == 1


def test_the_session_form_proposes_today_and_the_practices_acts(
    app, practitioner_client, make_patient
):
    patient = make_patient(treated_by="practitioner")
    page = practitioner_client.get(f"/soins/{patient.ref}/seance").get_data(as_text=True)
    assert f'value="{TODAY.isoformat()}"' in page
    assert "AMK 8 — " in page
    missing = practitioner_client.post(f"/soins/{patient.ref}/seance", data={"acts": ["1"]})
    assert missing.status_code == 422 and "Indiquez une date valide." in missing.get_data(
        as_text=True
    )
