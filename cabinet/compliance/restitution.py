"""Restitution (X8): every data of the practice, in open formats, in one encrypted archive.

`export_all(path)` writes an AES-256 ZIP (pyzipper, WinZip AES) whose password is drawn
here and shown once by the command. Inside:

- `json/<domain>.json`: one document per domain, following docs/restitution-schema.json
  (also inside, as `schema.json`): {"schema", "version", "domain", "generated_at",
  "tables": {table: {"columns": [...], "rows": [{column: value}]}}}, values as stored
  (timestamps are UTC text, blobs in hexadecimal);
- `csv/<table>.csv`: the same rows for spreadsheets (";" separated, UTF-8 with BOM, cells a
  spreadsheet would run as a formula quoted: the JSON keeps the exact values);
- `documents/`: what prints without a browser: the register of processing and the
  maintenance log, as HTML pages any browser prints.

Everything is read in one read transaction (the archive and the journals of readings
attached), so the export is one
consistent moment while the practice keeps working. Secrets are never exported: password
hashes, authenticators, recovery codes, sessions, challenges and login attempts.
"""

import datetime
import io
import json
import os
from pathlib import Path

import pyzipper
from flask import current_app, render_template

from cabinet import csvsafe, keys, settings
from cabinet.audit import trace
from cabinet.compliance import maintenance, snapshot
from cabinet.config import ROOT
from cabinet.db import database, raw_key, readings_files, retrying, utcnow
from cabinet.notices import content
from cabinet.notices.models import KINDS, NoticePrint
from cabinet.rights.access import new_password

SCHEMA_PATH = ROOT / "docs" / "restitution-schema.json"
VERSION = 1
DOMAINS = {
    "practice": ["setting", "schema_migration", "notice_print"],
    "accounts": ["user"],
    "patients": [
        "patient",
        "patient_change",
        "care_assignment",
        "patient_import",
        "care_grant",
        "access_note",
    ],
    "appointments": [
        "appointment_type",
        "opening_hours",
        "absence",
        "series",
        "appointment",
        "appointment_event",
        "round",
        "round_stop",
    ],
    "records": [
        "act",
        "record_item",
        "record_item_version",
        "lifestyle_consent",
        "care_session",
        "session_act",
        "care_sheet",
        "receipt",
        "break_glass",
    ],
    "prescriptions": ["prescription", "prescription_photo", "nursing_assessment"],
    "transmissions": ["transmission", "transmission_version", "transmission_read"],
    "handover": ["handover"],
    "billing": ["tariff", "ngap_act", "priced_visit"],
    "rights": ["rights_request"],
    "reminders": ["outgoing_mail"],
    "retention": ["retention_run"],
    "archive": ["archived_file", "anonymous_stat"],
    "audit": ["trace", "trace_checkpoint", "readings_journal"],
    "consultations": ["trace", "trace_checkpoint"],
    "compliance": ["backup_run", "backup_check", "maintenance_entry", "maintenance_note"],
    "governance": [
        "incident",
        "incident_update",
        "access_review",
        "access_review_line",
        "measure_confirmation",
    ],
}
# The domains read from another file than the active base (attached under these names).
SCHEMAS = {"archive": "archive", "consultations": "readings"}
# Secrets and short-lived security state: of no use to the practice, a risk if they leaked.
EXCLUDED_TABLES = {
    "user_session",
    "webauthn_challenge",
    "webauthn_credential",
    "recovery_code",
    "login_attempt",
}
EXCLUDED_COLUMNS = {"user": {"password_hash"}}
# Rows that are secrets: the SMTP account's password among the settings.
EXCLUDED_ROWS = {"setting": ("key", sorted(settings.SECRET_KEYS))}
OTHER = "other"  # a table no domain names yet still leaves with the rest


class ExportRefused(Exception):
    """Why the export cannot be written (French)."""


def _value(value):
    return value.hex() if isinstance(value, bytes) else value


def _columns(conn, schema: str, table: str) -> list[str]:
    excluded = EXCLUDED_COLUMNS.get(table, set())
    rows = conn.execute(f'PRAGMA {schema}.table_info("{table}")').fetchall()
    return [row[1] for row in rows if row[1] not in excluded]


def _rows(conn, schema: str, table: str, columns: list[str]):
    names = ", ".join(f'"{c}"' for c in columns)
    where, values = "", []
    if table in EXCLUDED_ROWS:
        column, values = EXCLUDED_ROWS[table]
        where = f'WHERE "{column}" NOT IN ({", ".join("?" for _ in values)})'
    cursor = conn.execute(
        f'SELECT {names} FROM {schema}."{table}" {where} ORDER BY rowid',  # noqa: S608
        values,
    )
    while batch := cursor.fetchmany(1000):
        yield from batch


def further_readings(conn) -> dict[str, str]:
    """{domain: schema} of each further journal of readings attached (lectures-2.db… one
    per process that wrote readings, audit/journals.py): "consultations-2": "readings_2"."""
    attached = [row[1] for row in conn.execute("PRAGMA database_list")]
    numbers = sorted(int(name[9:]) for name in attached if name.startswith("readings_"))
    return {f"consultations-{n}": f"readings_{n}" for n in numbers}


def plan(conn) -> dict[str, list[tuple[str, str]]]:
    """{domain: [(schema, table)]} for every exported table of every database."""
    attached = {row[1] for row in conn.execute("PRAGMA database_list")}
    further = further_readings(conn)
    present = {
        schema: set(snapshot.counts(conn, schema)) if schema in attached else set()
        for schema in ("main", *SCHEMAS.values(), *further.values())
    }
    placed, result = set(), {}
    domains = {**DOMAINS, **dict.fromkeys(further, DOMAINS["consultations"])}
    for domain, tables in domains.items():
        for table in tables:
            schema = further.get(domain) or SCHEMAS.get(domain, "main")
            if table in present[schema]:
                result.setdefault(domain, []).append((schema, table))
                placed.add((schema, table))
    for schema, tables in present.items():
        for table in sorted(tables - EXCLUDED_TABLES):
            if (schema, table) not in placed:
                result.setdefault(OTHER, []).append((schema, table))
    return result


def _open(config) -> object:
    found = keys.load_all(config["KEYS_PATH"])
    conn = snapshot.connect(Path(config["DATABASE_PATH"]), found["database"])
    for slot, readings in readings_files(Path(config["READINGS_PATH"])):
        conn.execute(
            f"ATTACH DATABASE ? AS {'readings' if slot == 1 else f'readings_{slot}'} KEY ?",
            (str(readings), raw_key(found["database"])),
        )
    archive = Path(config["ARCHIVE_PATH"])
    if found["archive"] and archive.exists() and archive.stat().st_size > 0:
        conn.execute(
            "ATTACH DATABASE ? AS archive KEY ?", (str(archive), raw_key(found["archive"]))
        )
    return conn


def _write_domain(archive, conn, domain: str, tables, generated_at: str) -> int:
    """One domain's JSON, streamed row by row (flat memory for a million appointments)."""
    count = 0
    with archive.open(f"json/{domain}.json", "w") as out:
        head = {"schema": "cabinet-restitution", "version": VERSION, "domain": domain}
        out.write((json.dumps({**head, "generated_at": generated_at})[:-1]).encode())
        out.write(b', "tables": {')
        for index, (schema, table) in enumerate(tables):
            columns = _columns(conn, schema, table)
            prefix = ", " if index else ""
            out.write(f'{prefix}"{table}": {{"columns": {json.dumps(columns)}, "rows": ['.encode())
            for number, row in enumerate(_rows(conn, schema, table, columns)):
                record = {c: _value(v) for c, v in zip(columns, row, strict=True)}
                out.write((", " if number else "").encode())
                out.write(json.dumps(record, ensure_ascii=False).encode())
                count += 1
            out.write(b"]}")
        out.write(b"}}\n")
    return count


def csv_name(schema: str, table: str) -> str:
    """The table's file in csv/: the journals of readings have the main journal's tables."""
    if schema == "readings":
        return f"csv/consultations-{table}.csv"
    if schema.startswith("readings_"):
        return f"csv/consultations-{schema[9:]}-{table}.csv"
    return f"csv/{table}.csv"


def _write_csv(archive, conn, schema: str, table: str) -> None:
    columns = _columns(conn, schema, table)
    with archive.open(csv_name(schema, table), "w") as out:
        buffer = io.StringIO()
        writer = csvsafe.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow(columns)
        for number, row in enumerate(_rows(conn, schema, table, columns)):
            writer.writerow([_value(v) for v in row])
            if number % 1000 == 999:
                out.write(buffer.getvalue().encode())
                buffer.seek(0)
                buffer.truncate(0)
        out.write(buffer.getvalue().encode())


def _documents() -> dict[str, str]:
    """The printable documents rendered without a browser (HTML)."""
    with current_app.test_request_context():
        register = render_template(
            "notices/register.html",
            practice=content.practice(),
            purposes=content.purposes(),
            measures=content.security_measures(),
            missing=content.missing(),
            generated_at=utcnow(),
            prints=list(NoticePrint.select().order_by(NoticePrint.id.desc()).limit(30)),
            kinds=KINDS,
        )
        rows = list(maintenance.entries())
        log = render_template(
            "compliance/maintenance_print.html",
            entries=rows,
            notes=maintenance.notes_by_entry(rows),
            generated_at=utcnow(),
        )
    return {"documents/registre-traitements.html": register, "documents/main-courante.html": log}


README = """Export complet des données du cabinet (restitution), généré par Cabinet le {at}.

json/   un fichier par domaine (patients, agenda, dossiers de soins, journal…),
        au format décrit par schema.json (JSON Schema 2020-12) ;
csv/    une table par fichier (séparateur « ; », UTF-8) ; une cellule qu'un tableur
        prendrait pour une formule commence par une apostrophe : le JSON garde la valeur exacte ;
documents/  le registre des traitements et la main courante, à ouvrir et imprimer
        avec un navigateur.
Les horodatages sont en UTC. Ni mot de passe, ni clé, ni authentificateur n'y figurent.
"""


def export_all(path: Path) -> dict:
    """Write the archive at `path` (never over an existing file); the password is returned
    to be shown once. Written in the maintenance log and traced before it starts."""
    path = path.resolve()
    if path.exists():
        raise ExportRefused(f"{path} existe déjà : choisissez un autre nom de fichier.")
    if not path.parent.is_dir():
        raise ExportRefused(f"Le dossier {path.parent} n'existe pas.")
    maintenance.record_system(
        f"Export complet des données du cabinet (restitution) vers {path}.", data_touched=True
    )
    _trace_export(path)
    password = new_password()
    partial = path.with_name(f".{path.name}.partiel")
    generated_at = utcnow().isoformat(timespec="seconds") + "Z"
    documents = _documents()
    conn = _open(current_app.config)
    rows = tables = 0
    try:
        conn.execute("BEGIN")
        layout = plan(conn)
        with pyzipper.AESZipFile(
            partial, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
        ) as archive:
            archive.setpassword(password.encode())
            archive.setencryption(pyzipper.WZ_AES, nbits=256)
            archive.writestr("LISEZMOI.txt", README.format(at=generated_at))
            archive.writestr("schema.json", SCHEMA_PATH.read_bytes())
            for domain, entries in layout.items():
                rows += _write_domain(archive, conn, domain, entries, generated_at)
                for schema, table in entries:
                    _write_csv(archive, conn, schema, table)
                    tables += 1
            for name, html in documents.items():
                archive.writestr(name, html)
        conn.execute("COMMIT")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        conn.close()
    snapshot.fsync_file(partial)
    os.rename(partial, path)
    return {
        "path": str(path),
        "size": path.stat().st_size,
        "tables": tables,
        "rows": rows,
        "password": password,
        "at": datetime.datetime.fromisoformat(generated_at.rstrip("Z")),
    }


def _trace_export(path: Path) -> None:
    def work():
        with database.atomic():
            trace(None, "system.export_all", target="instance", detail=path.name)

    retrying(work)
