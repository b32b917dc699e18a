"""Rules on patients' administrative files: lookup, search, create, rectify — each traced."""

import datetime
from dataclasses import dataclass, fields

from flask import abort

from cabinet.audit import services as audit_services
from cabinet.audit import trace
from cabinet.db import database, fetch_one, utcnow
from cabinet.formatting import paris_midnight_utc
from cabinet.patients.identity import birth_date_of_query, prefix_upper_bound, search_key
from cabinet.patients.models import Patient, PatientChange

SEARCH_LIMIT = 20
RECENT_LIMIT = 20
# Fields whose changes are kept in the rectification history, with their French label.
TRACKED_FIELDS = {
    "birth_name": "Nom de naissance",
    "last_name": "Nom utilisé",
    "first_names": "Prénoms de naissance",
    "used_first_name": "Prénom utilisé",
    "birth_date": "Date de naissance",
    "sex": "Sexe",
    "birthplace_code": "Lieu de naissance (INSEE)",
    "address": "Adresse",
    "postcode": "Code postal",
    "city": "Commune",
    "phone": "Téléphone",
    "email": "Courriel",
    "ins_number": "Matricule INS",
    "ins_oid": "OID du matricule INS",
    "identity_status": "Statut de l'identité",
    "nir": "NIR",
    "family_situation": "Situation familiale",
    "profession": "Profession",
}
CONTACT_FIELDS = {"address", "postcode", "city", "phone", "email"}


class PatientRestricted(Exception):
    """The file is frozen (I6): nothing may change until the restriction is lifted."""

    def __init__(self):
        super().__init__(
            "Ce dossier est gelé (limitation demandée par le patient) : aucune modification "
            "n'est possible tant que la limitation n'est pas levée."
        )


def ensure_writable(patient: Patient) -> None:
    if patient is not None and patient.restricted_at is not None:
        raise PatientRestricted()


def get_patient_or_404(ref: str) -> Patient:
    """The only way views fetch a patient: by opaque ref (care-team scope comes with records)."""
    # A plain statement (db.fetch_one): every page about a patient starts here.
    patient = fetch_one(Patient, '"ref" = ?', ref)
    if patient is None:
        abort(404)
    return patient


def open_patient(ref: str, actor) -> Patient:
    """Fetch a patient to show their file, and trace the read (one entry per page)."""
    patient = get_patient_or_404(ref)
    trace(actor, "patient.view", patient=patient, target="patient")
    return patient


def search(query: str, actor, limit: int = SEARCH_LIMIT) -> list["ListedPatient"]:
    """Accent- and case-insensitive prefix search on names, or a birth date (jj/mm/aaaa).

    Each name key is an indexed range scan (`>= k AND < k+1`) stopping at `limit`: patients
    whose last name starts with the text come first, then birth names, then first names.
    """
    birth_date = birth_date_of_query(query)
    key = search_key(query)
    if birth_date is not None:
        patients = _listed(
            '"birth_date" = ? ORDER BY "search_key" LIMIT ?', birth_date.isoformat(), limit
        )
    elif key:
        patients = _by_name_prefix(key, limit)
    else:
        return []
    # The query itself may be a name: the trace keeps only how many files were shown.
    trace(actor, "patient.search", target="patients", detail=f"{len(patients)} résultat(s)")
    return patients


@dataclass(slots=True, frozen=True)
class ListedPatient:
    """A line of a list of results (the search's table, the booking's picker): the columns
    it shows, read as plain values — peewee would build a model instance per row, field by
    field, at every keystroke (issue 20). The rest of the file is not read for them."""

    id: int
    ref: str
    last_name: str
    birth_name: str
    first_names: str
    used_first_name: str
    birth_date: datetime.date
    city: str


LISTED = ", ".join(f'"{field.name}"' for field in fields(ListedPatient))

# Last name first, then birth name, then first name: each an indexed range scan read in
# index order that stops at `limit`, so the cost stays flat however many patients match.
NAME_KEYS = (Patient.search_key, Patient.search_key_birth, Patient.search_key_first)


def _listed(clause: str, *params) -> list[ListedPatient]:
    """The patients matching `clause` (what follows WHERE: a fixed condition, maybe an order
    and a limit, values bound), as ListedPatient rows."""
    rows = database.execute_sql(f'SELECT {LISTED} FROM "patient" WHERE {clause}', params)  # noqa: S608
    return [
        ListedPatient(id_, ref, last, birth, firsts, used, datetime.date.fromisoformat(born), city)
        for id_, ref, last, birth, firsts, used, born, city in rows.fetchall()
    ]


def _by_name_prefix(key: str, limit: int) -> list[ListedPatient]:
    upper = prefix_upper_bound(key)
    # Last names first, read from their index alone: it holds the listed columns (0019).
    found = _listed(
        '"search_key" >= ? AND "search_key" < ? ORDER BY "search_key" LIMIT ?', key, upper, limit
    )
    if len(found) >= limit:
        return found
    ids: dict[int, None] = dict.fromkeys(p.id for p in found)
    for column in NAME_KEYS[1:]:
        if len(ids) >= limit:
            break
        # Plain statements (db.fetch_one): the search runs at each keystroke.
        name = column.column_name
        scan = database.execute_sql(
            f'SELECT "id" FROM "patient" WHERE "{name}" >= ? AND "{name}" < ? '  # noqa: S608
            f'ORDER BY "{name}" LIMIT ?',
            (key, upper, limit),
        )
        for (patient_id,) in scan.fetchall():
            ids.setdefault(patient_id)
    more = list(ids)[len(found) : limit]
    if not more:
        return found
    rows = {p.id: p for p in _listed(f'"id" IN ({", ".join("?" * len(more))})', *more)}
    return found + [rows[i] for i in more]


def recent(actor, limit: int = RECENT_LIMIT) -> list[Patient]:
    patients = list(Patient.select().order_by(Patient.updated_at.desc()).limit(limit))
    trace(actor, "patient.list", target="patients", detail=f"{len(patients)} fiche(s)")
    return patients


def create_patient(data: dict, actor) -> Patient:
    with database.atomic():
        patient = Patient(**data)
        patient.refresh_search_keys()
        patient.save()
        trace(actor, "patient.create", patient=patient, target="patient")
    return patient


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def update_patient(patient: Patient, data: dict, actor) -> list[str]:
    """Apply a rectification; every changed field keeps its old value in the history (D5)."""
    ensure_writable(patient)
    changed = [
        name
        for name in TRACKED_FIELDS
        if name in data and _as_text(getattr(patient, name)) != _as_text(data[name])
    ]
    if not changed:
        return []
    now = utcnow()
    with database.atomic():
        PatientChange.insert_many(
            [
                {
                    "patient": patient.id,
                    "changed_at": now,
                    "actor_id": actor.id,
                    "actor_name": actor.display_name,
                    "field": name,
                    "old_value": _as_text(getattr(patient, name)),
                    "new_value": _as_text(data[name]),
                }
                for name in changed
            ]
        ).execute()
        for name in changed:
            setattr(patient, name, data[name])
        patient.refresh_search_keys()
        patient.updated_at = now
        if CONTACT_FIELDS & set(changed):
            patient.contact_checked_at = now
        patient.save()
        # Field names only: the values are personal data and stay in the history table.
        labels = ", ".join(TRACKED_FIELDS[name] for name in changed)
        trace(actor, "patient.update", patient=patient, target="patient", detail=labels)
    return changed


def history(patient: Patient) -> list[dict]:
    return [
        {
            "changed_at": change.changed_at,
            "actor_name": change.actor_name,
            "field": TRACKED_FIELDS.get(change.field, change.field),
            "old_value": change.old_value,
            "new_value": change.new_value,
        }
        for change in patient.changes()
    ]


def access_report(actor, patient: Patient, first: datetime.date, last: datetime.date) -> list:
    """Every access to the file from `first` to `last` included (Paris days), oldest first
    (T4). The report is itself an access, traced before it is read so it lists itself."""
    trace(
        actor,
        "patient.access_report",
        patient=patient,
        target="patient",
        detail=f"période du {first:%d/%m/%Y}",
    )
    start = paris_midnight_utc(first)
    end = paris_midnight_utc(last + datetime.timedelta(days=1))
    return list(audit_services.patient_accesses(patient.ref, start, end))
