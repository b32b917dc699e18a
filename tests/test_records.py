"""A1, A2, T1: who opens the care record — the care team, the shared record, break-glass
for one login session — and the trace of every page of it. Items are in
test_records_items.py, sessions and money in test_records_sessions.py."""

import datetime

import pytest

from tests.care import assign, record_care
from tests.conftest import login, traces

TODAY = datetime.date.today()


def test_the_treating_practitioner_reads_and_writes_the_record(
    app, practitioner_client, user, make_patient
):
    from cabinet.records.models import RecordItem

    patient = make_patient()
    assign(app, patient, user("practitioner"))
    response = practitioner_client.post(
        f"/soins/{patient.ref}/elements",
        data={"kind": "allergy", "label": "Pénicilline", "note": "Urticaire en 2019"},
    )
    assert response.status_code == 302
    with app.app_context():
        (item,) = RecordItem.of_patient(patient)
        saved = item.latest_version()
    assert (item.kind, saved.label, saved.note) == ("allergy", "Pénicilline", "Urticaire en 2019")
    page = practitioner_client.get(f"/soins/{patient.ref}").get_data(as_text=True)
    assert "Pénicilline" in page and "Urticaire en 2019" in page
    assert [t.action for t in traces(app, patient_ref=patient.ref)][-2:] == [
        "record.create",
        "record.view",
    ]


def test_a_stranger_practitioner_is_sent_to_break_glass(app, role_client, user, make_patient):
    patient = make_patient()
    assign(app, patient, user("practitioner"))
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
    home = login(app.test_client(), "practitioner").get("/").get_data(as_text=True)
    assert (
        "Léa Remplaçante a ouvert le dossier" in home and "Remplacement d&#39;un confrère" in home
    )


@pytest.mark.parametrize(
    "method, path, data",
    [
        ("get", "/soins/{patient}", {}),
        ("get", "/soins/{patient}/seance", {}),
        ("get", "/soins/{patient}/synthese", {}),
        ("get", "/soins/element/{item}/corriger", {}),
        ("post", "/soins/{patient}/elements", {"kind": "allergy", "label": "Ajoutée"}),
        ("post", "/soins/element/{item}/corriger", {"kind": "allergy", "label": "Corrigée"}),
        ("post", "/soins/element/{item}/supprimer", {}),
        ("post", "/soins/{patient}/accord-habitudes-de-vie", {}),
        ("post", "/soins/{patient}/seance", {"session_date": TODAY.isoformat(), "acts": ["1"]}),
    ],
)
def test_outside_the_team_every_record_page_leads_to_break_glass_and_changes_nothing(
    app, role_client, user, make_patient, method, path, data
):
    """A2: the refusal is raised by the scope (OutsideCareTeam) and answered once, by the
    blueprint, for every page that opens the record — nothing is read, written or traced."""
    from cabinet.records.models import CareSession, LifestyleConsent, RecordItemVersion

    patient = make_patient()
    doctor = user("practitioner")
    assign(app, patient, doctor)
    record_care(app, doctor, patient, "Allergie au latex")
    with app.app_context():
        item = RecordItemVersion.get().item

    def counts():
        with app.app_context():
            return [m.select().count() for m in (RecordItemVersion, CareSession, LifestyleConsent)]

    before = counts()
    locum = role_client("locum")
    traced = len(traces(app))
    url = path.format(patient=patient.ref, item=item.ref)
    response = getattr(locum, method)(url, data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/soins/{patient.ref}/acces-exceptionnel"
    assert counts() == before
    assert len(traces(app)) == traced


def test_break_glass_page_sends_an_open_record_back_to_the_record(
    app, practitioner_client, user, make_patient
):
    patient = make_patient()
    assign(app, patient, user("practitioner"))
    response = practitioner_client.get(f"/soins/{patient.ref}/acces-exceptionnel")
    assert response.headers["Location"] == f"/soins/{patient.ref}"
    assert not traces(app, action="record.break_glass")


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


def test_printing_the_summary_is_traced(app, practitioner_client, user, make_patient):
    patient = make_patient()
    assign(app, patient, user("practitioner"))
    page = practitioner_client.get(f"/soins/{patient.ref}/synthese").get_data(as_text=True)
    assert "Synthèse du dossier de soins" in page
    assert traces(app, action="record.print")[-1].patient_ref == patient.ref


def test_each_record_page_is_traced_once(app, practitioner_client, user, make_patient):
    patient = make_patient()
    assign(app, patient, user("practitioner"))
    for url, expected in [
        (f"/soins/{patient.ref}", ["record.view"]),
        (f"/soins/{patient.ref}/seance", ["record.view"]),
        (f"/soins/{patient.ref}/synthese", ["record.print"]),
    ]:
        since = len(traces(app, patient_ref=patient.ref))
        practitioner_client.get(url)
        assert [t.action for t in traces(app, patient_ref=patient.ref)[since:]] == expected


def test_the_patient_page_panels_show_the_record_to_its_team_and_payments_to_the_desk(
    app, role_client, user, make_patient
):
    """A1: the record's panel (traced as a reading) for the care team, the invitation to
    break-glass for another practitioner, act codes and amounts only for the secretary."""
    patient = make_patient()
    doctor = user("practitioner")
    assign(app, patient, doctor)
    record_care(app, doctor, patient, "Allergie à l'iode", paid_mode="card")
    page = role_client("practitioner").get(f"/patients/{patient.ref}").get_data(as_text=True)
    assert "Allergie à l&#39;iode" in page and "Dernières séances" in page
    assert traces(app, action="record.view")[-1].detail == "équipe de soins"
    stranger = role_client("locum").get(f"/patients/{patient.ref}").get_data(as_text=True)
    assert "Allergie" not in stranger and "Ce patient n'est pas suivi par vous" in stranger
    desk = role_client("secretary").get(f"/patients/{patient.ref}").get_data(as_text=True)
    assert "Allergie" not in desk and "Carte bancaire" in desk and "17,20 €" in desk
    assert "AMK 8" in desk
