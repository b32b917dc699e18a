"""A patient's whole file as one JSON document, and back (R2, R6).

The document holds every row that belongs to the file, table by table, with ids
replaced on restore and foreign keys remapped; accounts, appointment types and acts
are referenced by id (they are never deleted). Receipts stay in the active base:
the books have their own period.
"""

import datetime
import decimal
import hashlib
import hmac
import json

from peewee import (
    AutoField,
    BlobField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
    TimeField,
)

from cabinet.appointments.models import (
    STATUSES,
    Appointment,
    AppointmentEvent,
    AppointmentType,
    Series,
)
from cabinet.auth.models import User
from cabinet.billing.models import PricedVisit
from cabinet.db import database
from cabinet.patients.identity import IDENTITY_STATUSES
from cabinet.patients.models import SEXES, AccessNote, CareAssignment, Patient, PatientChange
from cabinet.patients.services import TRACKED_FIELDS
from cabinet.prescriptions.models import NursingAssessment, Prescription, PrescriptionPhoto
from cabinet.records.models import (
    ITEM_KINDS,
    MEASUREMENT_UNITS,
    PAYMENT_MODES,
    Act,
    CareSession,
    CareSheet,
    LifestyleConsent,
    RecordItem,
    RecordItemVersion,
    SessionAct,
)
from cabinet.transmissions.models import Transmission, TransmissionRead, TransmissionVersion

SCHEMA = 1
# (name, model, {foreign key field: name of the table it points to inside the document})
TABLES = [
    ("patient", Patient, {}),
    ("patient_change", PatientChange, {"patient": "patient"}),
    # Administrative, like the address: archived and restored with the file.
    ("access_note", AccessNote, {"patient": "patient"}),
    ("series", Series, {"patient": "patient"}),
    ("appointment", Appointment, {"patient": "patient", "series": "series"}),
    ("appointment_event", AppointmentEvent, {"appointment": "appointment"}),
    ("record_item", RecordItem, {"patient": "patient"}),
    ("record_item_version", RecordItemVersion, {"item": "record_item"}),
    ("lifestyle_consent", LifestyleConsent, {"patient": "patient"}),
    ("care_session", CareSession, {"patient": "patient"}),
    ("session_act", SessionAct, {"session": "care_session"}),
    ("care_sheet", CareSheet, {"patient": "patient", "session": "care_session"}),
    ("care_assignment", CareAssignment, {"patient": "patient"}),
    ("prescription", Prescription, {"patient": "patient"}),
    ("prescription_photo", PrescriptionPhoto, {"prescription": "prescription"}),
    ("nursing_assessment", NursingAssessment, {"patient": "patient"}),
    # Its receipt stays in the active base (the books' own period): the id still names it.
    ("priced_visit", PricedVisit, {"patient": "patient", "prescription": "prescription"}),
    # Transmissions are care record: archived and restored with it, versions and read marks.
    ("transmission", Transmission, {"patient": "patient"}),
    ("transmission_version", TransmissionVersion, {"transmission": "transmission"}),
    ("transmission_read", TransmissionRead, {"transmission": "transmission"}),
]


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def dump_many(patient_ids: list[int]) -> dict[int, dict]:
    """Documents of several patients at once: one query per table, whatever the batch size.
    Rows are read as the driver gives them and turned into the document's values column by
    column (`_reader`), without building a model instance or a peewee dict per row: the
    same values as `_plain(field.python_value(...))`, at a fraction of the cost (issue 20;
    tests/test_retention.py compares the two on every table)."""
    documents = {
        pid: {"schema": SCHEMA, **{name: [] for name, _, _ in TABLES}} for pid in patient_ids
    }
    owner_of: dict[str, dict[int, int]] = {"patient": {pid: pid for pid in patient_ids}}
    for name, model, links in TABLES:
        fields = model._meta.sorted_fields
        keys = [field.name for field in fields]
        readers = [_reader(field) for field in fields]
        if name == "patient":
            parent_field, parents = "id", patient_ids
        else:
            parent_field, parent_table = next(iter(links.items()))
            parents = list(owner_of[parent_table])
        parent_position = keys.index(parent_field)
        owners = owner_of["patient"] if name == "patient" else owner_of[parent_table]
        owner_of[name] = {}
        # Plain SQL: peewee would build a node per id of the IN list (most of the time here).
        columns = ", ".join(f'"{field.column_name}"' for field in fields)
        parent_column = model._meta.fields[parent_field].column_name
        table = model._meta.table_name
        for chunk in _chunks(parents):
            marks = ", ".join("?" * len(chunk))
            # Names come from the models, values are bound.
            sql = f'SELECT {columns} FROM "{table}" WHERE "{parent_column}" IN ({marks}) ORDER BY "id"'  # noqa: S608, E501
            for raw in database.execute_sql(sql, chunk).fetchall():
                row = {
                    key: value if read is None or value is None else read(value)
                    for key, read, value in zip(keys, readers, raw, strict=True)
                }
                owner = owners[raw[parent_position]]
                owner_of[name][row["id"]] = owner
                documents[owner][name].append(row)
    return documents


def _reader(field):
    """How a stored value becomes a document value (None: as the driver gives it)."""
    if isinstance(field, DateTimeField):
        return _datetime_text(field)
    if isinstance(field, DateField | TimeField):
        width = 10 if isinstance(field, DateField) else 8
        return lambda value: (
            value if isinstance(value, str) and len(value) == width else _slow(field, value)
        )
    if isinstance(field, BooleanField):
        return bool
    if isinstance(field, IntegerField | CharField | TextField | ForeignKeyField | AutoField):
        return None  # integers and texts are stored as the document holds them
    return lambda value: _slow(field, value)  # decimals, blobs


def _datetime_text(field):
    def read(value):
        # What peewee stores for a datetime, str(value): "2026-03-02 10:00:00[.123456]".
        if isinstance(value, str) and len(value) in (19, 26) and value[10] == " ":
            if not value.endswith(".000000"):
                return f"{value[:10]}T{value[11:]}"
        return _slow(field, value)

    return read


def _slow(field, value):
    return _plain(field.python_value(value))


def _chunks(ids: list[int], size: int = 900):
    # SQLite caps the number of bound parameters in one statement.
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def to_json(document: dict) -> str:
    # Keys in the order of the tables and their columns: nothing reads the text but
    # json.loads (the seal is over these bytes, whatever their order), and sorting them
    # was a quarter of the cost at 100,000 files.
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def seal(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def restore(document: dict) -> Patient:
    """Insert the document's rows into the active base (new ids, remapped links)."""
    if document.get("schema") != SCHEMA:
        raise ValueError(f"Unknown archive schema {document.get('schema')!r}")
    new_ids: dict[str, dict[int, int]] = {}
    for name, model, links in TABLES:
        new_ids[name] = {}
        # A document archived before a table existed has no rows for it.
        for row in document.get(name, []):
            values = _stored(model, row)
            old_id = values.pop("id")
            for field, table in links.items():
                if values.get(field) is not None:
                    values[field] = new_ids[table][values[field]]
            new_ids[name][old_id] = model.insert(values).execute()
    (patient_id,) = new_ids["patient"].values()
    return Patient.get_by_id(patient_id)


def _stored(model, row: dict) -> dict:
    """A document's row as the table stores it: blobs were written in hexadecimal."""
    values = dict(row)
    for name, value in row.items():
        field = model._meta.fields.get(name) or model._meta.combined.get(name)
        if isinstance(field, BlobField) and isinstance(value, str):
            values[name] = bytes.fromhex(value)
    return values


def comparable(document: dict) -> dict:
    """The document without row ids (which change on restore), links given by position."""
    positions: dict[str, dict[int, int]] = {}
    result = {}
    for name, _, links in TABLES:
        positions[name] = {row["id"]: index for index, row in enumerate(document.get(name, []))}
        rows = []
        for row in document.get(name, []):
            values = {k: v for k, v in row.items() if k != "id"}
            for field, table in links.items():
                if values.get(field) is not None:
                    values[field] = positions[table][values[field]]
            rows.append(values)
        result[name] = rows
    return result


def labels() -> dict:
    """French labels for the codes and ids a document holds, for the pages that show one."""
    return {
        "kinds": ITEM_KINDS,
        "statuses": STATUSES,
        "fields": TRACKED_FIELDS,
        "sexes": SEXES,
        "identity": IDENTITY_STATUSES,
        "units": MEASUREMENT_UNITS,
        "payment_modes": PAYMENT_MODES,
        # Accounts, appointment types and acts are never deleted: a document names them by id.
        "acts": {a.id: a.code for a in Act.select(Act.id, Act.code)},
        "appointment_types": {t.id: t.name for t in AppointmentType.select()},
        "accounts": {u.id: u.display_name for u in User.select(User.id, User.display_name)},
    }
