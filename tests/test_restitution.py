"""X8: `export-all` writes every data of the practice in open formats (JSON per domain
following docs/restitution-schema.json, CSV per table, printable documents) in an AES-256
ZIP that opens only with the password it shows once; no secret leaves with it; it is
written in the maintenance log before it runs."""

import csv
import io
import json
import re

import jsonschema
import pytest
import pyzipper

from cabinet.compliance import restitution, snapshot
from cabinet.compliance.models import MaintenanceEntry
from tests.archiving import old_patient as _old_patient
from tests.archiving import run_job as _run
from tests.conftest import traces
from tests.continuity import all_keys

SCHEMA = json.loads(restitution.SCHEMA_PATH.read_text())


@pytest.fixture
def exported(app, make_patient, user, tmp_path):
    _old_patient(app, make_patient, user, name="Archivée")
    _run(app, "2031-01-01")  # one file in the archive
    make_patient(birth_name="Restituée", first_names="Odile")
    target = tmp_path / "export.zip"
    result = app.test_cli_runner().invoke(args=["export-all", "--to", str(target)])
    assert result.exit_code == 0, result.output
    password = re.search(r"une seule fois, notez-le à part\) : (\S+)", result.output).group(1)
    return target, password, result.output


def test_the_archive_opens_only_with_its_password(exported):
    target, password, output = exported
    assert output.count(password) == 1
    with pyzipper.AESZipFile(target) as archive:
        assert all(info.flag_bits & 0x1 for info in archive.infolist())  # every entry encrypted
        with pytest.raises(RuntimeError):
            archive.read("json/patients.json")
        archive.setpassword(b"pas-le-bon-mot-de-passe")
        with pytest.raises(RuntimeError):
            archive.read("json/patients.json")
    assert b"Restitu" not in target.read_bytes()


def _open(target, password):
    archive = pyzipper.AESZipFile(target)
    archive.setpassword(password.encode())
    return archive


def test_every_domain_validates_against_the_documented_schema(exported):
    target, password, _ = exported
    with _open(target, password) as archive:
        names = archive.namelist()
        assert json.loads(archive.read("schema.json")) == SCHEMA
        domains = [n for n in names if n.startswith("json/")]
        assert {d[5:-5] for d in domains} == set(restitution.DOMAINS)
        for name in domains:
            document = json.loads(archive.read(name))
            jsonschema.Draft202012Validator(SCHEMA).validate(document)
        patients = json.loads(archive.read("json/patients.json"))["tables"]["patient"]["rows"]
        assert "Restituée" in {row["birth_name"] for row in patients}
        archived = json.loads(archive.read("json/archive.json"))["tables"]["archived_file"]
        assert archived["rows"] and "ARCHIV" in archived["rows"][0]["search_key"].upper()
        assert {"documents/registre-traitements.html", "documents/main-courante.html"} <= set(names)
        register = archive.read("documents/registre-traitements.html").decode()
        assert "Registre des activités de traitement" in register


def test_a_csv_per_table_with_the_same_rows(exported, app):
    target, password, _ = exported
    with _open(target, password) as archive:
        for domain, tables in restitution.DOMAINS.items():
            document = json.loads(archive.read(f"json/{domain}.json"))
            for table in tables:
                if table not in document["tables"]:
                    continue
                schema = restitution.SCHEMAS.get(domain, "main")
                text = archive.read(restitution.csv_name(schema, table)).decode("utf-8-sig")
                rows = list(csv.reader(io.StringIO(text), delimiter=";"))
                assert rows[0] == document["tables"][table]["columns"], table
                assert len(rows) - 1 == len(document["tables"][table]["rows"]), table


def test_no_secret_leaves_with_the_export(exported, app):
    target, password, _ = exported
    with _open(target, password) as archive:
        everything = b"".join(archive.read(name) for name in archive.namelist())
        accounts = json.loads(archive.read("json/accounts.json"))["tables"]["user"]
        names = archive.namelist()
    assert "password_hash" not in accounts["columns"]
    for table in restitution.EXCLUDED_TABLES:
        assert f"csv/{table}.csv" not in names
    assert b"$argon2" not in everything
    for key in all_keys(app.config["INSTANCE_PATH"]).values():
        assert key.encode() not in everything


def test_the_export_is_written_in_the_maintenance_log_before_it_runs(exported, app):
    target, password, _ = exported
    with app.app_context():
        entry = MaintenanceEntry.select().order_by(MaintenanceEntry.id.desc()).first()
    assert entry.source == "system" and str(target) in entry.what
    with _open(target, password) as archive:
        logged = json.loads(archive.read("json/compliance.json"))
    rows = logged["tables"]["maintenance_entry"]["rows"]
    assert entry.ref in {row["ref"] for row in rows}  # written before, so it is inside
    assert [t.detail for t in traces(app, action="system.export_all")] == ["export.zip"]


def test_an_existing_file_is_never_overwritten(app, tmp_path):
    target = tmp_path / "export.zip"
    target.write_bytes(b"autre chose")
    result = app.test_cli_runner().invoke(args=["export-all", "--to", str(target)])
    assert result.exit_code == 1 and "existe déjà" in result.output
    assert target.read_bytes() == b"autre chose"


def test_every_table_belongs_to_a_documented_domain(app):
    """Keeps docs/restitution-schema.json true: a new table, or a new column, must be
    placed in a domain and written in the schema."""
    from cabinet.retention.archive import ensure_schema

    with app.app_context():
        ensure_schema()
        conn = restitution._open(app.config)
        layout = restitution.plan(conn)
        assert restitution.OTHER not in layout
        for tables in layout.values():
            for schema, table in tables:
                documented = SCHEMA["$defs"][table]["properties"]["rows"]["items"]["required"]
                assert restitution._columns(conn, schema, table) == documented, table
        conn.close()
    assert snapshot  # the export reads through the snapshot connection


def test_the_documented_schema_is_the_one_the_code_writes(app):
    """docs/restitution-schema.json is `python -m cabinet.compliance.restitution_schema`'s
    output for a new instance: rewrite it when a table is added."""
    from cabinet.compliance import restitution_schema
    from cabinet.retention.archive import ensure_schema

    with app.app_context():
        ensure_schema()
        conn = restitution._open(app.config)
        written = restitution_schema.render(conn)
        conn.close()
    assert restitution.SCHEMA_PATH.read_text() == written
