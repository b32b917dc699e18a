"""Import of the patients of the previous software (issue 17; D2, D5, T1): encodings,
separators, French dates, refusals, duplicates, all or nothing, traces, nothing on disk."""

import datetime
import io

from cabinet.patients import importing
from cabinet.patients.identity import make_nir
from cabinet.patients.models import Patient, PatientImport
from tests.conftest import traces

HEADER = "Nom;Prénom;Date de naissance;Sexe;Adresse;Code postal;Ville;Téléphone;N° sécurité sociale"
GOOD_NIR = make_nir("2850375112345")  # woman, March 1985, Paris


def _csv(lines, encoding="utf-8", sep=";") -> bytes:
    text = "\n".join(line.replace(";", sep) for line in lines) + "\n"
    return text.encode(encoding)


def _upload(client, data: bytes, name="export.csv"):
    """The multipart body built here: Werkzeug's test client would spool a large one to a
    temporary file of its own."""
    boundary = "limite-cabinet-essai"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(
        "/patients/import",
        input_stream=io.BytesIO(body),
        content_length=len(body),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _pending(app) -> PatientImport:
    with app.app_context():
        return PatientImport.select().order_by(PatientImport.id.desc()).get()


def _count(app, **where) -> int:
    with app.app_context():
        query = Patient.select()
        for name, value in where.items():
            query = query.where(getattr(Patient, name) == value)
        return query.count()


ROWS = [
    HEADER,
    f"Lefèvre;Hélène;14/03/1985;F;3 rue des Écoles;75005;Paris;01 02 03 04 05;{GOOD_NIR}",
    "Gaëtan;Noël;01-12-1950;Homme;;;;;",
]


def test_windows_1252_file_with_accents_is_read_and_imported(app, admin_client):
    response = _upload(admin_client, _csv(ROWS, encoding="cp1252"))
    assert response.status_code == 302
    pending = _pending(app)
    assert pending.encoding == "Windows-1252" and pending.separator == ";"
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "LEFÈVRE" in page and "Hélène" in page
    response = admin_client.post(f"/patients/import/{pending.ref}/importer")
    assert response.status_code == 302
    with app.app_context():
        helene = Patient.get(Patient.birth_name == "Lefèvre")
        assert helene.first_names == "Hélène"
        assert helene.birth_date == datetime.date(1985, 3, 14)
        assert helene.nir == GOOD_NIR
        assert helene.objects_to_reminders  # no agreement in the file: none assumed (X5)
        assert Patient.get(Patient.birth_name == "Gaëtan").sex == "M"
        assert PatientImport.get_by_id(pending.id).rows == "[]"  # the cells are erased


def test_comma_separated_utf8_file_with_bom_and_guessed_mapping(app, admin_client):
    lines = [
        "nom de naissance,prénoms,ddn,sexe,courriel,accepte les rappels",
        'Martin,"Jean, Pierre",1970-05-02,M,jean@example.org,oui',
    ]
    data = b"\xef\xbb\xbf" + "\n".join(lines).encode()
    response = _upload(admin_client, data)
    assert response.status_code == 302
    pending = _pending(app)
    assert pending.separator == "," and pending.encoding == "UTF-8"
    assert set(pending.mapping_dict.values()) == {
        "birth_name",
        "first_names",
        "birth_date",
        "sex",
        "email",
        "accepts_reminders",
    }
    admin_client.post(f"/patients/import/{pending.ref}/importer")
    with app.app_context():
        jean = Patient.get(Patient.birth_name == "Martin")
        assert jean.first_names == "Jean, Pierre"
        assert jean.email == "jean@example.org"
        assert not jean.objects_to_reminders


def test_refusals_are_listed_and_refuse_the_whole_import(app, admin_client):
    lines = ROWS + [
        "Faux;Clé;14/03/1985;F;;;;;" + GOOD_NIR[:13] + "00",
        "Sans;Date;;F;;;;;",
        "Impossible;Date;31/02/1980;F;;;;;",
    ]
    before = _count(app)
    _upload(admin_client, _csv(lines))
    pending = _pending(app)
    page = admin_client.get(f"/patients/import/{pending.ref}").get_data(as_text=True)
    assert "NIR : la clé du NIR ne correspond pas" in page
    assert "date de naissance manquante" in page
    assert "date de naissance impossible « 31/02/1980 »" in page
    assert 'data-count="refused">3<' in page and 'data-count="create">2<' in page
    response = admin_client.post(f"/patients/import/{pending.ref}/importer")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Import refusé : rien n&#39;a été créé" in page
    assert "Ligne 4 :" in page and "Ligne 5 :" in page and "Ligne 6 :" in page
    assert _count(app) == before  # nothing created, not even the good rows
    assert traces(app, action="patient.import") == []
    # The admin leaves the refused rows out, knowingly: the others are created, and the
    # import's trace says so.
    response = admin_client.post(
        f"/patients/import/{pending.ref}/importer", data={"leave_out_refused": "y"}
    )
    assert response.status_code == 302
    assert _count(app) == before + 2
    (done,) = traces(app, action="patient.import")
    assert "3 ligne(s) refusée(s) écartée(s)" in done.detail


def test_duplicates_of_present_patients_and_within_the_file_are_not_created(
    app, admin_client, make_patient
):
    make_patient(birth_name="Lefèvre", first_names="Hélène", birth_date=datetime.date(1985, 3, 14))
    lines = ROWS + ["GAËTAN;noël;01/12/1950;M;;;;;"]  # the same man, written otherwise
    _upload(admin_client, _csv(lines))
    pending = _pending(app)
    page = admin_client.get(f"/patients/import/{pending.ref}").get_data(as_text=True)
    assert "déjà présent dans Cabinet" in page
    assert "même personne que la ligne 3 du fichier" in page
    assert 'data-count="create">1<' in page
    admin_client.post(f"/patients/import/{pending.ref}/importer")
    assert _count(app, birth_name="Lefèvre") == 1
    assert _count(app, birth_name="Gaëtan") == 1


def test_traces_one_per_created_file_plus_the_import(app, admin_client):
    _upload(admin_client, _csv(ROWS))
    pending = _pending(app)
    admin_client.get(f"/patients/import/{pending.ref}")
    admin_client.post(f"/patients/import/{pending.ref}/importer")
    with app.app_context():
        refs = {
            p.ref for p in Patient.select().where(Patient.birth_name.in_(["Lefèvre", "Gaëtan"]))
        }
    created = [t for t in traces(app, action="patient.create") if t.detail == "import"]
    assert {t.patient_ref for t in created} == refs
    (done,) = traces(app, action="patient.import")
    assert done.detail.startswith("2 fiche(s) créée(s)")
    assert traces(app, action="patient.import_start")
    assert traces(app, action="patient.import_preview")


def test_the_uploaded_file_is_never_written_to_disk(app, admin_client, monkeypatch):
    """A file well above Werkzeug's 500 KiB spooling threshold: no temporary file is made."""
    from werkzeug import formparser

    made = []
    original = formparser.SpooledTemporaryFile

    def spy(*args, **kwargs):
        made.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(formparser, "SpooledTemporaryFile", spy)
    filler = [f"Patient{i};Test;01/01/1960;F;{'x' * 150};;;;" for i in range(4000)]
    data = _csv([HEADER] + filler)
    assert len(data) > 600 * 1024
    response = _upload(admin_client, data)
    assert response.status_code == 302
    assert made == []
    assert len(_pending(app).row_list) == 4000


def test_a_file_above_the_bound_is_refused(app, admin_client):
    data = _csv([HEADER] + ["x;y;01/01/1960;F;" + "z" * 1000 + ";;;;"] * 4500)
    assert _upload(admin_client, data).status_code == 413
    with app.app_context():
        assert PatientImport.select().count() == 0


def test_unreadable_files_are_refused_with_a_french_message(admin_client):
    response = _upload(admin_client, b"")
    assert response.status_code == 422
    assert "Choisissez le fichier" in response.get_data(as_text=True) or "vide" in (
        response.get_data(as_text=True)
    )
    response = _upload(admin_client, b"une seule colonne\nvaleur\n")
    assert response.status_code == 422
    assert "séparateur" in response.get_data(as_text=True)


def test_a_mapping_without_a_birth_date_column_is_refused(app, admin_client):
    _upload(admin_client, _csv(ROWS))
    pending = _pending(app)
    columns = {f"column_{i}": name for i, name in pending.mapping_dict.items()}
    columns["column_2"] = ""
    admin_client.post(f"/patients/import/{pending.ref}/colonnes", data=columns)
    page = admin_client.get(f"/patients/import/{pending.ref}").get_data(as_text=True)
    assert "Aucune colonne ne donne « Date de naissance »" in page
    response = admin_client.post(f"/patients/import/{pending.ref}/importer")
    assert response.status_code == 422
    assert _count(app, birth_name="Lefèvre") == 0


def test_abandon_erases_the_cells(app, admin_client):
    _upload(admin_client, _csv(ROWS))
    pending = _pending(app)
    assert admin_client.post(f"/patients/import/{pending.ref}/abandonner").status_code == 302
    with app.app_context():
        row = PatientImport.get_by_id(pending.id)
        assert row.status == "abandoned" and row.rows == "[]"
    response = admin_client.post(f"/patients/import/{pending.ref}/importer")
    assert response.status_code == 422


def test_stale_previews_are_erased(app, admin_client, ctx):
    from cabinet.patients import imports

    _upload(admin_client, _csv(ROWS))
    pending = _pending(app)
    assert imports.purge_stale(pending.created_at + datetime.timedelta(days=2)) == 1
    assert _pending(app).rows == "[]"


def test_only_the_admin_imports(practitioner_client, secretary_client):
    for client in (practitioner_client, secretary_client):
        assert client.get("/patients/import").status_code == 403
        assert _upload(client, _csv(ROWS)).status_code == 403


def test_unknown_import_is_404(admin_client):
    assert admin_client.get("/patients/import/inconnu").status_code == 404


def test_french_dates_and_sexes():
    assert importing.parse_date("5.6.1990") == (datetime.date(1990, 6, 5), None)
    assert importing.parse_date("1990-06-05")[0] == datetime.date(1990, 6, 5)
    assert importing.parse_date("29/02/2001")[1] == "date de naissance impossible « 29/02/2001 »"
    assert "illisible" in importing.parse_date("juin 1990")[1]
    assert importing.SEXES[importing.search_key("Mme")] == "F"
