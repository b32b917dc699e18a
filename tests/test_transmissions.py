"""Issue 16, transmissions (P2, A1, A2, T1, X6): structured notes between the members of a
care team, dated and signed, versioned, unread counts per user on the home page and a read
mark per colleague; never for the secretary; break-glass as for the record."""

import pytest

from cabinet.patients import care_team
from tests.conftest import traces

NOTE = {
    "target": "Pansement du talon",
    "data": "Plaie propre, bords rosés",
    "actions": "Pansement refait, à revoir jeudi",
    "results": "",
}


@pytest.fixture
def shared_patient(app, user, make_patient):
    """A patient whose care team holds the practitioner and the locum."""
    patient = make_patient(birth_name="Garnier", treated_by="practitioner")
    with app.test_request_context():
        care_team.join(patient, user("locum"), None, "assigned")
    return patient


@pytest.fixture
def third_colleague(app):
    """A third practitioner of the practice (services only: she never logs in here)."""
    from cabinet.users.services import create_user

    with app.test_request_context():
        return create_user(
            "collegue", "practitioner", "Mot de passe très long 2024 !", display_name="Zoé Collègue"
        )


def _write(client, patient, **fields):
    return client.post(f"/transmissions/patient/{patient.ref}/nouvelle", data={**NOTE, **fields})


def _only_transmission(app):
    from cabinet.transmissions.models import Transmission

    with app.app_context():
        return Transmission.select().get()


def _unread(app, someone):
    """The home page's count, held to the unread list at each step."""
    from cabinet.transmissions import services

    with app.app_context():
        count = services.unread_count(someone)
        assert count == len(services.unread(someone))
        return count


def test_a_transmission_written_is_unread_for_the_colleague_until_she_marks_it(
    app, practitioner_client, role_client, user, shared_patient
):
    assert _write(practitioner_client, shared_patient).status_code == 302
    transmission = _only_transmission(app)
    assert transmission.latest_version().author_name == "Dr Paul Soignant"
    assert _unread(app, user("practitioner")) == 0  # her own
    assert _unread(app, user("locum")) == 1
    locum = role_client("locum")
    home = locum.get("/").get_data(as_text=True)
    assert 'data-unread="1"' in home and "1 transmission non lue" in home
    assert "Pansement du talon" not in home  # a count only on the home page
    page = locum.get("/transmissions/").get_data(as_text=True)
    assert "Pansement du talon" in page and "GARNIER" in page and "Non lue" in page
    marked = locum.post(f"/transmissions/{transmission.ref}/lue", data={"retour": "non-lues"})
    assert marked.status_code == 302 and marked.headers["Location"].endswith("/transmissions/")
    assert _unread(app, user("locum")) == 0
    assert 'data-unread="0"' in locum.get("/").get_data(as_text=True)
    # The author sees who read it.
    page = practitioner_client.get(f"/transmissions/patient/{shared_patient.ref}")
    assert "Lue par : Léa Remplaçante" in page.get_data(as_text=True)
    assert [t.action for t in traces(app, patient_ref=shared_patient.ref)][
        -1
    ] == "transmission.view"
    assert len(traces(app, action="transmission.create")) == 1
    assert len(traces(app, action="transmission.read")) == 1


def test_unread_counts_are_per_user(
    app, practitioner_client, role_client, user, shared_patient, third_colleague
):
    with app.test_request_context():
        care_team.join(shared_patient, third_colleague, None, "assigned")
    _write(practitioner_client, shared_patient)
    _write(practitioner_client, shared_patient, target="Douleur")
    transmission = _only_or_first(app)
    role_client("locum").post(f"/transmissions/{transmission.ref}/lue")
    assert _unread(app, user("locum")) == 1
    assert _unread(app, third_colleague) == 2
    assert _unread(app, user("practitioner")) == 0


def _only_or_first(app):
    from cabinet.transmissions.models import Transmission

    with app.app_context():
        return Transmission.select().order_by(Transmission.id).first()


def test_a_correction_by_its_author_is_a_new_version_and_unread_again(
    app, practitioner_client, role_client, user, shared_patient
):
    _write(practitioner_client, shared_patient)
    transmission = _only_transmission(app)
    locum = role_client("locum")
    locum.post(f"/transmissions/{transmission.ref}/lue")
    # Only the author corrects.
    refused = locum.post(
        f"/transmissions/{transmission.ref}/corriger", data={**NOTE, "results": "x"}
    )
    assert refused.status_code == 422 and "auteur d" in refused.get_data(as_text=True)
    corrected = practitioner_client.post(
        f"/transmissions/{transmission.ref}/corriger",
        data={**NOTE, "results": "Cicatrisation en cours"},
    )
    assert corrected.status_code == 302
    transmission = _only_transmission(app)
    with app.app_context():
        versions = list(transmission.versions)
        assert transmission.version == 2 and len(versions) == 2
        assert versions[0].results == "" and transmission.latest_version().results
    assert _unread(app, user("locum")) == 1
    page = practitioner_client.get(f"/transmissions/{transmission.ref}/corriger")
    assert "Versions précédentes" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"target": ""}, "Indiquez la cible"),
        ({"data": "", "actions": "", "results": ""}, "au moins les données"),
        ({"data": "x" * 301}, "300 caractères au plus."),
    ],
)
def test_bad_input_is_refused_in_french_and_nothing_saved(
    app, practitioner_client, shared_patient, fields, message
):
    response = _write(practitioner_client, shared_patient, **fields)
    follow = practitioner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in follow
    from cabinet.transmissions.models import Transmission

    with app.app_context():
        assert Transmission.select().count() == 0


def test_the_form_reminds_what_may_be_written(practitioner_client, shared_patient):
    page = practitioner_client.get(f"/transmissions/patient/{shared_patient.ref}")
    text = page.get_data(as_text=True)
    assert "factuel et sans jugement" in text and 'maxlength="300"' in text


def test_secretary_and_admin_never_reach_transmissions(
    app, practitioner_client, secretary_client, admin_client, shared_patient
):
    _write(practitioner_client, shared_patient)
    transmission = _only_transmission(app)
    for client in (secretary_client, admin_client):
        for method, url in [
            ("GET", "/transmissions/"),
            ("GET", f"/transmissions/patient/{shared_patient.ref}"),
            ("POST", f"/transmissions/patient/{shared_patient.ref}/nouvelle"),
            ("GET", f"/transmissions/{transmission.ref}/corriger"),
            ("POST", f"/transmissions/{transmission.ref}/lue"),
        ]:
            response = client.open(url, method=method)
            assert response.status_code == 403, (url, method)
            assert "Pansement du talon" not in response.get_data(as_text=True)
        page = client.get(f"/patients/{shared_patient.ref}").get_data(as_text=True)
        assert "Pansement du talon" not in page and "Transmissions" not in page


def test_outside_the_care_team_break_glass_applies_and_no_unread_count(
    app, practitioner_client, role_client, user, make_patient
):
    patient = make_patient(birth_name="Hamon", treated_by="practitioner")
    _write(practitioner_client, patient)
    assert _unread(app, user("locum")) == 0
    locum = role_client("locum")
    response = locum.get(f"/transmissions/patient/{patient.ref}")
    assert response.status_code == 302 and "acces-exceptionnel" in response.headers["Location"]
    locum.post(
        f"/soins/{patient.ref}/acces-exceptionnel", data={"reason": "continuity", "note": ""}
    )
    page = locum.get(f"/transmissions/patient/{patient.ref}").get_data(as_text=True)
    assert "Pansement du talon" in page and "Accès exceptionnel" in page


def test_the_patient_page_shows_the_latest_transmissions_to_the_team(
    practitioner_client, role_client, shared_patient
):
    _write(practitioner_client, shared_patient)
    page = role_client("locum").get(f"/patients/{shared_patient.ref}").get_data(as_text=True)
    assert 'id="transmissions-panel"' in page and "Pansement du talon" in page and "Non lue" in page


def test_unknown_transmission_is_404_and_get_on_post_is_405(practitioner_client, shared_patient):
    assert practitioner_client.get("/transmissions/inconnu/corriger").status_code == 404
    assert practitioner_client.post("/transmissions/inconnu/lue").status_code == 404
    assert (
        practitioner_client.get(f"/transmissions/patient/{shared_patient.ref}/nouvelle").status_code
        == 405
    )


def test_transmissions_are_archived_and_restored_with_the_record(
    app, practitioner_client, shared_patient
):
    from cabinet.retention import documents

    _write(practitioner_client, shared_patient)
    with app.app_context():
        document = documents.dump_many([shared_patient.id])[shared_patient.id]
    assert [row["target"] for row in document["transmission_version"]] == ["Pansement du talon"]
    assert len(document["transmission"]) == 1 and len(document["transmission_read"]) == 1
