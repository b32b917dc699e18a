"""D5, I4, §5 g: record items kept in versions, a mistake deleted by its author within a
day, lifestyle items only with the patient's recorded agreement."""

import datetime
import html

import pytest

from tests.conftest import traces


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


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


def test_a_correction_posted_adds_a_version_and_keeps_the_kind(
    app, practitioner_client, user, make_patient
):
    from cabinet.records import services
    from cabinet.records.models import RecordItem

    patient = make_patient(treated_by="practitioner")
    with app.test_request_context():
        item = services.add_item(user("practitioner"), patient, "allergy", "Latex")
    page = practitioner_client.get(f"/soins/element/{item.ref}/corriger")
    assert page.status_code == 200 and 'value="Latex"' in page.get_data(as_text=True)
    response = practitioner_client.post(
        f"/soins/element/{item.ref}/corriger",
        data={"kind": "treatment", "label": "Latex (gants)", "note": "Réaction cutanée"},
    )
    assert response.headers["Location"] == f"/soins/{patient.ref}"
    with app.app_context():
        saved = RecordItem.get_by_id(item.id)
        latest = saved.latest_version()
    assert saved.kind == "allergy"  # a correction never changes what the item is
    assert (latest.number, latest.label, latest.note) == (2, "Latex (gants)", "Réaction cutanée")
    refused = practitioner_client.post(f"/soins/element/{item.ref}/corriger", data={"label": ""})
    assert refused.status_code == 422 and "Indiquez un intitulé" in refused.get_data(as_text=True)
    with app.app_context():
        assert RecordItem.get_by_id(item.id).latest_version().number == 2


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


def test_a_refused_item_is_said_in_french_and_saves_nothing(app, practitioner_client, make_patient):
    """Refused by the form (no label) or by the service (a measurement without a value)."""
    from cabinet.records.models import RecordItem

    patient = make_patient(treated_by="practitioner")
    for data, message in [
        ({"kind": "allergy", "label": ""}, "Élément refusé : Indiquez un intitulé."),
        ({"kind": "measurement", "label": "Tension"}, "Une mesure a besoin d'une valeur."),
    ]:
        response = practitioner_client.post(
            f"/soins/{patient.ref}/elements", data=data, follow_redirects=True
        )
        assert message in html.unescape(response.get_data(as_text=True))
    with app.app_context():
        assert RecordItem.select().count() == 0


def test_a_refused_item_comes_back_with_what_was_typed(app, practitioner_client, make_patient):
    """Found in a walk-through: a missing title emptied the note and reset the kind. The
    record comes back (422) with the typed values, the field's message beside it, the page
    read traced, and nothing saved."""
    from cabinet.records.models import RecordItem
    from tests.conftest import traces

    patient = make_patient(treated_by="practitioner")
    before = len(traces(app, action="record.view"))
    response = practitioner_client.post(
        f"/soins/{patient.ref}/elements",
        data={"kind": "treatment", "label": "", "note": "Prise le soir, au coucher"},
    )
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Prise le soir, au coucher" in page and '<option selected value="treatment">' in page
    assert "Élément refusé : Indiquez un intitulé. Rien n'a été enregistré." in page
    assert 'action="/soins/' in page and '/elements#ajouter"' in page
    assert len(traces(app, action="record.view")) == before + 1
    with app.app_context():
        assert RecordItem.select().count() == 0
