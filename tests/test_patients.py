"""D1, D2, D5, X3: the administrative file — create, rectify with history, search (posted)."""

import datetime

import pytest

from tests.conftest import traces

VALID = {
    "birth_name": "Lefèvre",
    "last_name": "",
    "first_names": "Héloïse Marie",
    "used_first_name": "",
    "birth_date": "1948-02-29",
    "sex": "F",
    "birthplace_code": "2A004",
    "address": "3 rue des Lilas",
    "postcode": "20000",
    "city": "Ajaccio",
    "phone": "04 95 00 00 00",
    "email": "",
    "ins_number": "",
    "ins_oid": "",
    "identity_status": "provisoire",
    "nir": "253072A07300443",
    "family_situation": "veuf·ve",
    "profession": "",
}


def _patients(app):
    from cabinet.patients.models import Patient

    with app.app_context():
        return list(Patient.select())


def test_create_patient_stores_it_and_redirects_to_its_ref(app, secretary_client):
    response = secretary_client.post("/patients/nouveau", data=VALID)
    assert response.status_code == 302
    (patient,) = _patients(app)
    assert response.headers["Location"] == f"/patients/{patient.ref}"
    assert patient.last_name == "Lefèvre"  # defaults to the birth name
    assert patient.birth_date == datetime.date(1948, 2, 29)
    assert patient.search_key == "lefevre heloise marie"
    assert len(patient.ref) >= 20 and "Lef" not in patient.ref
    (created,) = traces(app, action="patient.create")
    assert created.patient_ref == patient.ref and created.role == "secretary"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nir", "253072A07300444", "La clé du NIR ne correspond pas"),
        ("birth_date", "2199-01-01", "ne peut pas être dans le futur"),
        ("birth_date", "pas une date", "date de naissance valide"),
        ("birth_name", "", "Indiquez le nom de naissance."),
        ("first_names", "   ", "Indiquez au moins un prénom."),
        ("postcode", "7501", "Le code postal compte 5 chiffres."),
        ("email", "pas-un-courriel", "Adresse de courriel invalide."),
        ("birth_name", "x" * 81, "caractères"),
        ("identity_status", "qualifiee", "matricule INS récupéré"),
        ("ins_number", "253072A07300443", "Précisez le type de matricule"),
        ("sex", "", "Indiquez le sexe de l&#39;état civil."),
    ],
)
def test_bad_input_shows_a_french_message_and_changes_nothing(
    app, secretary_client, field, value, message
):
    response = secretary_client.post("/patients/nouveau", data={**VALID, field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert "rien n'a été enregistré" in response.get_data(as_text=True)
    assert _patients(app) == []
    assert traces(app, action="patient.create") == []


def test_edit_keeps_the_history_of_each_changed_field(app, practitioner_client, make_patient):
    patient = make_patient(phone="01 11 11 11 11", city="Lyon")
    form = {
        **VALID,
        "birth_name": patient.birth_name,
        "first_names": patient.first_names,
        "birth_date": "1950-03-14",
        "nir": "",
        "phone": "06 22 22 22 22",
        "city": "Lyon",
        "address": patient.address,
        "postcode": patient.postcode,
        "birthplace_code": "",
        "family_situation": "",
        "sex": "F",
    }
    response = practitioner_client.post(f"/patients/{patient.ref}/modifier", data=form)
    assert response.status_code == 302
    from cabinet.patients.models import Patient, PatientChange

    with app.app_context():
        reloaded = Patient.get_by_id(patient.id)
        changes = {c.field: c for c in PatientChange.select()}
    assert reloaded.phone == "06 22 22 22 22"
    assert changes["phone"].old_value == "01 11 11 11 11"
    assert changes["phone"].actor_name == "Dr Paul Soignant"
    assert "city" not in changes
    page = practitioner_client.get(f"/patients/{patient.ref}").get_data(as_text=True)
    assert "Historique des rectifications" in page and "01 11 11 11 11" in page
    (update,) = traces(app, action="patient.update")
    assert update.patient_ref == patient.ref
    assert "Téléphone" in update.detail and "06 22" not in update.detail


def test_rejected_edit_changes_nothing(app, secretary_client, make_patient):
    patient = make_patient()
    form = {**VALID, "birth_name": "Autre", "nir": "1234"}
    response = secretary_client.post(f"/patients/{patient.ref}/modifier", data=form)
    assert response.status_code == 422
    assert "Le NIR compte 15 caractères" in response.get_data(as_text=True)
    from cabinet.patients.models import Patient, PatientChange

    with app.app_context():
        assert Patient.get_by_id(patient.id).birth_name == patient.birth_name
        assert PatientChange.select().count() == 0


def test_unknown_patient_ref_is_404_in_french(secretary_client):
    response = secretary_client.get("/patients/inconnu")
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)


def test_show_is_traced_once_per_page(app, secretary_client, make_patient):
    patient = make_patient()
    secretary_client.get(f"/patients/{patient.ref}")
    views = traces(app, action="patient.view")
    assert [(t.patient_ref, t.actor_name) for t in views] == [(patient.ref, "Sophie Accueil")]


def test_search_is_accent_and_case_insensitive(app, secretary_client, make_patient):
    make_patient(birth_name="HELOISE", first_names="Anne")
    make_patient(birth_name="Martin", first_names="Héloïse")
    make_patient(birth_name="Durand", first_names="Paul")
    response = secretary_client.post("/patients/recherche", data={"q": "héloïse"})
    page = response.get_data(as_text=True)
    assert "HELOISE" in page and "MARTIN" in page and "DURAND" not in page
    response = secretary_client.post("/patients/recherche", data={"q": "HELO"})
    assert "MARTIN" in response.get_data(as_text=True)


def test_search_by_birth_name_and_birth_date(secretary_client, make_patient):
    make_patient(
        birth_name="Dupont",
        last_name="Bernard",
        first_names="Lucie",
        birth_date=datetime.date(1931, 7, 4),
    )
    assert "BERNARD" in secretary_client.post("/patients/recherche", data={"q": "dupo"}).get_data(
        as_text=True
    )
    page = secretary_client.post("/patients/recherche", data={"q": "04/07/1931"}).get_data(
        as_text=True
    )
    assert "BERNARD" in page


def test_a_search_typed_as_an_impossible_date_says_so(app, secretary_client, make_patient):
    """« 31/02/1980 » is no day: the search says so, in the patients page and in the
    booking's picker, instead of answering that no patient matches; nothing is read."""
    make_patient(birth_name="Février", birth_date=datetime.date(1980, 2, 29))
    message = "Le 31/02/1980 n&#39;existe pas : vérifiez le jour, le mois et l&#39;année."
    response = secretary_client.post(
        "/patients/recherche", data={"q": " 31/02/1980 "}, headers={"HX-Request": "true"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and "Aucun patient ne correspond" not in page
    picker = secretary_client.post(
        "/agenda/patients/choisir", data={"q": "31/02/1980"}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert message in picker and "Aucun patient trouvé" not in picker
    assert traces(app, action="patient.search") == []
    found = secretary_client.post("/patients/recherche", data={"q": "29.02.1980"})
    assert found.status_code == 200 and "FÉVRIER" in found.get_data(as_text=True)


def test_search_shows_last_names_first_and_reads_only_the_first_page(app, make_patient, user):
    """Issue 20: the search's cost stays flat in the number of matches — each name key is
    read in index order and stops at the page size (no sort of every match)."""
    from cabinet.db import database
    from cabinet.patients import services

    make_patient(birth_name="Zimmer", first_names="Marine")
    for n in range(25):
        make_patient(birth_name=f"Martin{chr(97 + n)}", first_names="Paul")
    with app.test_request_context():
        found = services.search("mar", user("secretary"), limit=20)
        assert len(found) == 20 and all(p.last_name.startswith("Martin") for p in found)
        assert [p.last_name for p in found] == sorted(p.last_name for p in found)
        few = services.search("marine", user("secretary"))
        assert [p.last_name for p in few] == ["Zimmer"]
        for column in ("search_key", "search_key_birth", "search_key_first"):
            # Our own column names, hence the noqa.
            plan = database.execute_sql(
                f"EXPLAIN QUERY PLAN SELECT id FROM patient WHERE {column} >= ? AND {column} < ? "  # noqa: S608
                f"ORDER BY {column} LIMIT 20",
                ("mar", "mas"),
            ).fetchall()
            text = " ".join(str(row[-1]) for row in plan)
            assert "USING COVERING INDEX" in text and "TEMP B-TREE" not in text, text
        # The last names' page is read from their index alone, listed columns included: no
        # patient row is read (each on a page of its own, decrypted again after another
        # worker's commit; migration 0019).
        plan = database.execute_sql(
            f'EXPLAIN QUERY PLAN SELECT {services.LISTED} FROM "patient" '  # noqa: S608
            'WHERE "search_key" >= ? AND "search_key" < ? ORDER BY "search_key" LIMIT 20',
            ("mar", "mas"),
        ).fetchall()
        text = " ".join(str(row[-1]) for row in plan)
        assert "USING COVERING INDEX patient_search_listed" in text, text
        assert "TEMP B-TREE" not in text, text


def test_search_is_posted_never_a_get(app, secretary_client, make_patient):
    make_patient(birth_name="Martin")
    response = secretary_client.get("/patients/recherche?q=martin")
    assert response.status_code in (404, 405)
    assert "MARTIN" not in response.get_data(as_text=True)
    assert traces(app, action="patient.search") == []
    page = secretary_client.get("/patients/").get_data(as_text=True)
    assert 'method="post"' in page and 'hx-post="/patients/recherche"' in page


def test_search_returns_the_rows_partial_for_htmx(app, secretary_client, make_patient):
    make_patient(birth_name="Zola", first_names="Émile")
    response = secretary_client.post(
        "/patients/recherche", data={"q": "zola"}, headers={"HX-Request": "true"}
    )
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith('<section id="patient-results"')
    assert "<html" not in page and "ZOLA" in page
    assert response.headers["Vary"] == "HX-Request" or "HX-Request" in response.headers["Vary"]
    full = secretary_client.post("/patients/recherche", data={"q": "zola"}).get_data(as_text=True)
    assert "<html" in full and "ZOLA" in full
    boosted = secretary_client.post(
        "/patients/recherche",
        data={"q": "zola"},
        headers={"HX-Request": "true", "HX-Boosted": "true"},
    ).get_data(as_text=True)
    assert "<html" in boosted
    searches = traces(app, action="patient.search")
    assert len(searches) == 3 and "zola" not in " ".join(t.detail for t in searches).lower()


def test_no_patient_data_in_any_url(app, secretary_client, make_patient):
    patient = make_patient(birth_name="Urlsafe", nir="253072B07300470")
    page = secretary_client.get("/patients/").get_data(as_text=True)
    import re

    for href in re.findall(r'(?:href|action|hx-post)="([^"]+)"', page):
        assert "Urlsafe" not in href and "253072" not in href
    assert f"/patients/{patient.ref}" in page


def test_emptied_search_goes_back_to_the_recent_list(secretary_client, make_patient):
    make_patient(birth_name="Récent")
    page = secretary_client.post("/patients/recherche", data={"q": "  "}).get_data(as_text=True)
    assert "RÉCENT" in page and "Aucun patient ne correspond" not in page


def test_too_long_search_says_so(secretary_client):
    response = secretary_client.post("/patients/recherche", data={"q": "x" * 81})
    assert response.status_code == 422
    assert "Recherche trop longue" in response.get_data(as_text=True)


def test_access_report_covers_the_kept_traces_unless_told_otherwise(
    app, admin_client, make_patient
):
    """T4: an empty or absent period falls back to what the traces keep (setting
    `trace_retention_days`) until today; the report is an access, traced with its period."""
    from cabinet import settings

    patient = make_patient()
    with app.app_context():
        kept = settings.get("trace_retention_days")
    first = datetime.date.today() - datetime.timedelta(days=kept)
    for query in ("", "?start=&end="):
        page = admin_client.get(f"/patients/{patient.ref}/acces{query}")
        assert page.status_code == 200
        assert traces(app, action="patient.access_report")[-1].detail == (
            f"période du {first:%d/%m/%Y}"
        )
    past = admin_client.get(f"/patients/{patient.ref}/acces?start=2020-01-01&end=2020-01-31")
    assert past.status_code == 200
    assert traces(app, action="patient.access_report")[-1].detail == "période du 01/01/2020"
