"""Rules of the transmissions: who reads them (the record's scope, traced), writing and
correcting them (the author only, a new version each time), read marks and unread counts.
A transmission's author is in the care team (records.scope.author_joins_team)."""

import datetime
from dataclasses import dataclass, field

from cabinet.audit import trace
from cabinet.auth.models import User
from cabinet.db import database, fetch_all, fetch_by_id, utcnow
from cabinet.patients.models import Patient
from cabinet.records import scope
from cabinet.records.scope import RecordRefused
from cabinet.transmissions.models import (
    FIELDS,
    Transmission,
    TransmissionRead,
    TransmissionVersion,
)

PANEL_LIMIT = 3
UNREAD_LIMIT = 50


@dataclass
class Shown:
    """A transmission as a colleague sees it: its latest version, who read which version."""

    transmission: Transmission
    version: TransmissionVersion
    reads: list[TransmissionRead] = field(default_factory=list)
    is_unread: bool = False
    is_mine: bool = False

    @property
    def readers(self) -> list[str]:
        return [
            r.reader.display_name for r in self.reads if r.reader_id != self.transmission.author_id
        ]


# Reading ---------------------------------------------------------------------------------


def get_transmission_or_404(user, ref: str, traced: bool = False) -> Transmission:
    """The transmission, if its patient's record is open to `user` (403 without the
    permission, OutsideCareTeam without a basis: the blueprint sends to break-glass); its
    reading traced when `traced`."""
    transmission = Transmission.get_or_404(Transmission.ref == ref)
    scope.require_record_access(user, transmission.patient)
    if traced:
        trace(
            user,
            "transmission.view",
            patient=transmission.patient,
            target=f"transmission:{transmission.ref}",
        )
    return transmission


def shown(user, transmissions: list[Transmission]) -> list[Shown]:
    ids = [t.id for t in transmissions]
    if not ids:
        return []
    current = {t.id: t.version for t in transmissions}
    # Plain statements: the patient page, the record and the unread list show these (peewee
    # compiled both queries each time, issue 20).
    marks = ", ".join("?" * len(ids))
    latest = {
        v.transmission_id: v
        for v in fetch_all(TransmissionVersion, f'"transmission_id" IN ({marks})', *ids)
        if v.number == current[v.transmission_id]
    }
    reads: dict[int, list[TransmissionRead]] = {}
    found = fetch_all(
        TransmissionRead, f'"transmission_id" IN ({marks})', *ids, order_by='"read_at", "id"'
    )
    readers = fetch_by_id(User, {r.reader_id for r in found})
    for read in found:
        read.reader = readers[read.reader_id]
        reads.setdefault(read.transmission_id, []).append(read)
    result = []
    for t in transmissions:
        mine = next((r for r in reads.get(t.id, []) if r.reader_id == user.id), None)
        result.append(
            Shown(
                t,
                latest[t.id],
                reads.get(t.id, []),
                is_unread=t.author_id != user.id and (mine is None or mine.version < t.version),
                is_mine=t.author_id == user.id,
            )
        )
    return result


def patient_page(user, patient: Patient) -> list[Shown]:
    """Every transmission of the patient, the latest first; the reading traced."""
    rows = list(Transmission.of_patient(patient))
    trace(user, "transmission.view", patient=patient, target="transmissions", detail="page patient")
    return shown(user, rows)


def latest(user, patient: Patient, limit: int) -> list[Shown]:
    """The latest transmissions of a patient, for a page that already traced its reading."""
    return shown(user, list(Transmission.of_patient(patient).limit(limit)))


def panel(user, patient: Patient) -> dict:
    """The patient page's section: the latest transmissions, or nothing without a basis."""
    if scope.access_basis(user, patient) is None:
        return {"transmissions_open": False}
    # A plain statement, the latest first as of_patient (the patient page asks on every
    # visit; peewee compiled the query each time, issue 20).
    rows = fetch_all(
        Transmission,
        '"patient_id" = ?',
        patient.id,
        order_by='"created_at" DESC, "id" DESC',
        limit=PANEL_LIMIT,
    )
    if rows:
        trace(
            user,
            "transmission.view",
            patient=patient,
            target="transmissions",
            detail="fiche patient",
        )
    return {"transmissions_open": True, "transmissions": shown(user, rows)}


# My unread transmissions: of my patients (the care team, active grants), written by a
# colleague, not read in their latest version. Plain statements: the practitioner's home
# page counts them on every visit, the transmissions page lists them, and peewee compiled
# the query each time (1.5-2.2 ms, issue 20). My patients are those whose team I joined or
# on whom I hold a grant whose dates include the day — care_team.is_member's rule — the
# dates compared as stored ("2026-12-08").
_UNREAD = """
    FROM "transmission" AS t
    LEFT JOIN "transmission_read" AS r ON r."transmission_id" = t."id" AND r."reader_id" = ?
    WHERE t."patient_id" IN (
              SELECT "patient_id" FROM "care_assignment" WHERE "practitioner_id" = ?
              UNION
              SELECT "patient_id" FROM "care_grant"
              WHERE "grantee_id" = ? AND "starts" <= ? AND "ends" >= ?)
      AND t."author_id" != ?
      AND (r."id" IS NULL OR r."version" < t."version")
"""


def _unread_values(user, today: datetime.date | None) -> tuple:
    day = (today or datetime.date.today()).isoformat()
    return (user.id, user.id, user.id, day, day, user.id)


def unread_count(user, today: datetime.date | None = None) -> int:
    """How many transmissions of my patients (care team, active grants) I have not read."""
    found = database.execute_sql("SELECT COUNT(*) " + _UNREAD, _unread_values(user, today))
    return found.fetchone()[0]


def unread(user, today: datetime.date | None = None) -> list[Shown]:
    """My unread transmissions, the latest first; each patient's reading traced."""
    found = database.execute_sql(
        'SELECT t."id" ' + _UNREAD + ' ORDER BY t."created_at" DESC, t."id" DESC LIMIT ?',
        (*_unread_values(user, today), UNREAD_LIMIT),
    ).fetchall()
    ids = [id_ for (id_,) in found]
    by_id = fetch_by_id(Transmission, ids)
    rows = _with_patients([by_id[id_] for id_ in ids])  # the latest first, as found
    with database.atomic():
        for patient in {t.patient_id: t.patient for t in rows}.values():
            trace(
                user,
                "transmission.view",
                patient=patient,
                target="transmissions",
                detail="non lues",
            )
    return shown(user, rows)


def _with_patients(rows: list[Transmission]) -> list[Transmission]:
    """Each transmission with its patient, read in one statement for all of them."""
    patients = fetch_by_id(Patient, {t.patient_id for t in rows})
    for t in rows:
        t.patient = patients[t.patient_id]
    return rows


# Writing ---------------------------------------------------------------------------------


def _check(fields: dict) -> dict:
    values = {name: " ".join((fields.get(name) or "").split()) for name in FIELDS}
    if not values["target"]:
        raise RecordRefused("Indiquez la cible de la transmission.")
    if not (values["data"] or values["actions"] or values["results"]):
        raise RecordRefused("Écrivez au moins les données, les actions ou les résultats.")
    for name, (label, maximum, _) in FIELDS.items():
        if len(values[name]) > maximum:
            raise RecordRefused(f"{label} : {maximum} caractères au plus.")
    return values


def _mark(user, transmission: Transmission) -> None:
    updated = (
        TransmissionRead.update(version=transmission.version, read_at=utcnow())
        .where(
            (TransmissionRead.transmission == transmission.id)
            & (TransmissionRead.reader == user.id)
        )
        .execute()
    )
    if not updated:
        TransmissionRead.create(
            transmission=transmission, reader=user.id, version=transmission.version
        )


def _version(transmission: Transmission, number: int, user, values: dict) -> TransmissionVersion:
    return TransmissionVersion.create(
        transmission=transmission,
        number=number,
        author=user.id,
        author_name=user.display_name,
        **values,
    )


def write(user, patient: Patient, fields: dict) -> Transmission:
    """A new transmission, dated and signed by `user` (who reads it as she writes it)."""
    values = _check(fields)
    scope.ensure_record_writable(patient)
    with database.atomic():
        scope.author_joins_team(user, patient)
        transmission = Transmission.create(patient=patient, author=user.id)
        _version(transmission, 1, user, values)
        _mark(user, transmission)
        patient.touch_last_care(utcnow())
        trace(
            user,
            "transmission.create",
            patient=patient,
            target=f"transmission:{transmission.ref}",
        )
    return transmission


def correct(user, transmission: Transmission, fields: dict) -> Transmission:
    """A correction by its author: a new version; the colleagues' marks become unread."""
    if transmission.author_id != user.id:
        raise RecordRefused("Seul l'auteur d'une transmission peut la corriger.")
    values = _check(fields)
    scope.ensure_record_writable(transmission.patient)
    with database.atomic():
        transmission.version += 1
        transmission.save()
        _version(transmission, transmission.version, user, values)
        _mark(user, transmission)
        transmission.patient.touch_last_care(utcnow())
        trace(
            user,
            "transmission.update",
            patient=transmission.patient,
            target=f"transmission:{transmission.ref}",
            detail=f"version {transmission.version}",
        )
    return transmission


def mark_read(user, transmission: Transmission) -> None:
    """My read mark on the transmission as it stands (traced)."""
    with database.atomic():
        _mark(user, transmission)
        trace(
            user,
            "transmission.read",
            patient=transmission.patient,
            target=f"transmission:{transmission.ref}",
        )


def history(transmission: Transmission) -> list[TransmissionVersion]:
    return list(transmission.versions.order_by(TransmissionVersion.number))
