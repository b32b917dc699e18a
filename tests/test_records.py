"""P2–P5, A1, A2, D5: the care record, its scope (care team, shared record, break-glass),
versions, lifestyle consent, sessions, care sheets, receipts and last_care_at."""

import datetime
from decimal import Decimal

import pytest

from tests.conftest import traces

TODAY = datetime.date.today()


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def _assign(app, patient, practitioner):
    from cabinet.patients.models import CareAssignment

    with app.app_context():
        CareAssignment.create(patient=patient, practitioner=practitioner)


def _acts(app):
    from cabinet.records.models import Act

    with app.app_context():
        return {a.code: a for a in Act.select()}


def test_the_treating_practitioner_reads_and_writes_the_record(
    app, practitioner_client, user, make_patient
):
    patient = make_patient()
    _assign(app, patient, user("practitioner"))
    response = practitioner_client.post(
        f"/soins/{patient.ref}/elements",
        data={"kind": "allergy", "label": "Pénicilline", "note": "Urticaire en 2019"},
    )
    assert response.status_code == 302
    page = practitioner_client.get(f"/soins/{patient.ref}").get_data(as_text=True)
    assert "Pénicilline" in page and "Urticaire en 2019" in page
    assert [t.action for t in traces(app, patient_ref=patient.ref)][-2:] == [
        "record.create",
        "record.view",
    ]


def test_a_stranger_practitioner_is_sent_to_break_glass(app, role_client, user, make_patient):
    patient = make_patient()
    _assign(app, patient, user("practitioner"))
    locum = role_client("locum")
    response = locum.get(f"/soins/{patient.ref}")
    assert response.headers["Location"] == f"/soins/{patient.ref}/acces-exceptionnel"
    refused = locum.post(f"/soins/{patient.ref}/acces-exceptionnel", data={"reason": ""})
    assert refused.status_code == 422 and "Choisissez un motif" in refused.get_data(as_text=True)
    assert locum.get(f"/soins/{patient.ref}").status_code == 302
    granted = locum.post(
        f"/soins/{patient.ref}/acces-exceptionnel",
        data={"reason": "replacement", "note": "Remplacement du Dr Soignant"},
    )
    assert granted.headers["Location"] == f"/soins/{patient.ref}"
    assert locum.get(f"/soins/{patient.ref}").status_code == 200
    (access,) = traces(app, action="record.break_glass")
    assert access.patient_ref == patient.ref and access.actor_name == "Léa Remplaçante"
    # The treating practitioner sees it on their home page.
    from tests.conftest import login

    home = login(app.test_client(), "practitioner").get("/").get_data(as_text=True)
    assert (
        "Léa Remplaçante a ouvert le dossier" in home and "Remplacement d&#39;un confrère" in home
    )


def test_break_glass_lasts_for_the_session_only(app, role_client, user, make_patient):
    patient = make_patient()
    first = role_client("locum")
    first.post(f"/soins/{patient.ref}/acces-exceptionnel", data={"reason": "emergency"})
    assert first.get(f"/soins/{patient.ref}").status_code == 200
    again = role_client("locum")  # a new login, a new session
    assert again.get(f"/soins/{patient.ref}").status_code == 302


def test_shared_record_setting_and_patient_objection(app, role_client, make_patient):
    from cabinet import settings
    from cabinet.patients.models import Patient

    shared, objecting = make_patient(), make_patient()
    with app.app_context():
        settings.put("shared_record", True)
        Patient.update(objects_to_sharing=True).where(Patient.id == objecting.id).execute()
    locum = role_client("locum")
    assert locum.get(f"/soins/{shared.ref}").status_code == 200
    assert locum.get(f"/soins/{objecting.ref}").status_code == 302
    with app.app_context():
        settings.put("shared_record", False)
    assert locum.get(f"/soins/{shared.ref}").status_code == 302


def test_corrections_keep_every_version(app, ctx, user, make_patient):
    from cabinet.records import services
    from cabinet.records.models import RecordItemVersion

    doctor, patient = user("practitioner"), make_patient(treated_by="practitioner")
    item = services.add_item(doctor, patient, "treatment", "Doliprane 1 g", note="3 fois par jour")
    services.correct_item(doctor, item, "Doliprane 500 mg", note="3 fois par jour")
    versions = list(
        RecordItemVersion.select()
        .where(RecordItemVersion.item == item.id)
        .order_by(RecordItemVersion.number)
    )
    assert [(v.number, v.label) for v in versions] == [
        (1, "Doliprane 1 g"),
        (2, "Doliprane 500 mg"),
    ]
    assert [t.action for t in traces(app, patient_ref=patient.ref)][-2:] == [
        "record.create",
        "record.update",
    ]


def test_only_the_author_deletes_a_mistake_and_only_within_a_day(app, ctx, user, make_patient):
    from cabinet.records import services
    from cabinet.records.models import RecordItem

    patient = make_patient(treated_by="practitioner")
    item = services.add_item(user("practitioner"), patient, "antecedent", "Appendicectomie")
    with pytest.raises(services.RecordRefused):
        services.delete_mistake(user("locum"), item)
    old = services.add_item(user("practitioner"), patient, "antecedent", "Fracture")
    RecordItem.update(created_at=datetime.datetime(2020, 1, 1)).where(
        RecordItem.id == old.id
    ).execute()
    with pytest.raises(services.RecordRefused) as refused:
        services.delete_mistake(user("practitioner"), RecordItem.get_by_id(old.id))
    assert "corrigez-le" in str(refused.value)
    services.delete_mistake(user("practitioner"), item)
    assert RecordItem.get_or_none(RecordItem.id == item.id) is None
    assert traces(app, action="record.delete")[-1].patient_ref == patient.ref


def test_lifestyle_needs_the_patients_recorded_agreement(app, ctx, user, make_patient):
    from cabinet.records import services

    doctor, patient = user("practitioner"), make_patient(treated_by="practitioner")
    with pytest.raises(services.RecordRefused) as refused:
        services.add_item(doctor, patient, "lifestyle", "Vit seule, autonome")
    assert "accord du patient" in str(refused.value)
    services.record_lifestyle_consent(doctor, patient)
    services.add_item(doctor, patient, "lifestyle", "Vit seule, autonome")


def test_session_makes_a_care_sheet_and_a_receipt_with_exact_amounts(app, ctx, user, make_patient):
    from cabinet.records import services
    from cabinet.records.models import CareSheet, Receipt

    acts = _acts(app)
    patient = make_patient(treated_by="practitioner")
    services.record_session(
        user("practitioner"),
        patient,
        TODAY,
        [(acts["AMK 8"], 1), (acts["IFD"], 1)],
        pain_score=4,
        paid_mode="cheque",
    )
    sheet = CareSheet.get(CareSheet.patient == patient.id)
    assert sheet.total == Decimal("19.95")
    assert sheet.insurer_share == Decimal("11.97") and sheet.patient_share == Decimal("7.98")
    receipt = Receipt.get(Receipt.patient == patient.id)
    assert receipt.amount == Decimal("19.95") and receipt.act_codes == "AMK 8, IFD"


def test_receipt_totals_are_exact_decimals(app, ctx, user, make_patient):
    from cabinet.records import billing

    acts = _acts(app)
    for _ in range(3):
        billing.record_payment(
            user("secretary"), make_patient(), TODAY, acts["AMI 1"], Decimal("0.10"), "cash"
        )
    billing.record_payment(
        user("secretary"), make_patient(), TODAY, acts["AMI 1"], Decimal("0.20"), "card"
    )
    totals = billing.totals(list(billing.journal(TODAY, TODAY)))
    assert totals["overall"] == Decimal("0.50")  # 0.1 + 0.1 + 0.1 + 0.2 in float is 0.5000…01
    assert totals["by_mode"] == {"cash": Decimal("0.30"), "card": Decimal("0.20")}
    with pytest.raises(billing.RecordRefused):
        billing.record_payment(
            user("secretary"), make_patient(), TODAY, acts["AMI 1"], Decimal("-1"), "cash"
        )


def test_last_care_at_follows_every_event(app, ctx, user, make_patient):
    from cabinet.patients.models import Patient
    from cabinet.records import services

    acts, doctor, patient = (
        _acts(app),
        user("practitioner"),
        make_patient(treated_by="practitioner"),
    )
    assert Patient.get_by_id(patient.id).last_care_at is None
    services.record_session(
        doctor, patient, TODAY - datetime.timedelta(days=10), [(acts["AMK 8"], 1)]
    )
    after_session = Patient.get_by_id(patient.id).last_care_at
    assert after_session.date() == TODAY - datetime.timedelta(days=10)
    services.add_item(doctor, patient, "exam", "Radio du genou : normale")
    assert Patient.get_by_id(patient.id).last_care_at > after_session


def test_secretary_records_a_payment_and_sees_the_journal(app, secretary_client, make_patient):
    acts = _acts(app)
    patient = make_patient(birth_name="Payeur")
    response = secretary_client.post(
        "/soins/recettes/paiement",
        data={
            "patient_ref": patient.ref,
            "received_on": TODAY.isoformat(),
            "act": str(acts["AMK 8"].id),
            "amount": "17.20",
            "payment_mode": "card",
        },
    )
    assert response.status_code == 302
    page = secretary_client.get("/soins/recettes/").get_data(as_text=True)
    assert "PAYEUR" in page and "17,20 €" in page and "Carte bancaire" in page
    csv = secretary_client.get(f"/soins/recettes/export.csv?month={TODAY:%Y-%m}").get_data(
        as_text=True
    )
    assert "AMK 8" in csv and "17,20" in csv
    assert traces(app, action="receipt.export")
    bad = secretary_client.post(
        "/soins/recettes/paiement",
        data={
            "patient_ref": patient.ref,
            "received_on": TODAY.isoformat(),
            "act": str(acts["AMK 8"].id),
            "amount": "abc",
            "payment_mode": "card",
        },
    )
    assert bad.status_code == 302
    from cabinet.records.models import Receipt

    with app.app_context():
        assert Receipt.select().count() == 1


def test_practitioner_records_a_session_with_a_measurement(
    app, practitioner_client, user, make_patient
):
    patient = make_patient()
    _assign(app, patient, user("practitioner"))
    acts = _acts(app)
    response = practitioner_client.post(
        f"/soins/{patient.ref}/seance",
        data={
            "session_date": TODAY.isoformat(),
            "acts": [str(acts["AMK 8"].id)],
            "pain_score": "3",
            "range_of_motion": "95",
            "weight": "71.5",
            "note": "Progression",
            "paid": "",
        },
    )
    assert response.status_code == 302
    page = practitioner_client.get(f"/soins/{patient.ref}").get_data(as_text=True)
    assert "71,5 kg" in page and "AMK 8" in page and "95°" in page
    future = practitioner_client.post(
        f"/soins/{patient.ref}/seance",
        data={
            "session_date": (TODAY + datetime.timedelta(days=2)).isoformat(),
            "acts": [str(acts["AMK 8"].id)],
        },
    )
    assert future.status_code == 422 and "ne peut pas être enregistrée" in future.get_data(
        as_text=True
    )


def test_printing_the_summary_is_traced(app, practitioner_client, user, make_patient):
    patient = make_patient()
    _assign(app, patient, user("practitioner"))
    page = practitioner_client.get(f"/soins/{patient.ref}/synthese").get_data(as_text=True)
    assert "Synthèse du dossier de soins" in page
    assert traces(app, action="record.print")[-1].patient_ref == patient.ref


def test_each_record_page_is_traced_once(app, practitioner_client, user, make_patient):
    from cabinet.audit.models import Trace

    patient = make_patient()
    _assign(app, patient, user("practitioner"))
    for url, expected in [
        (f"/soins/{patient.ref}", ["record.view"]),
        (f"/soins/{patient.ref}/seance", ["record.view"]),
        (f"/soins/{patient.ref}/synthese", ["record.print"]),
    ]:
        with app.app_context():
            since = Trace.select(Trace.seq).order_by(Trace.seq.desc()).limit(1).scalar()
        practitioner_client.get(url)
        assert [t.action for t in traces(app, patient_ref=patient.ref) if t.seq > since] == expected
