"""Rules of the transmissions: who reads them (the record's scope, traced), writing and
correcting them (the author only, a new version each time), read marks and unread counts.
A transmission's author is in the care team (records.scope.author_joins_team)."""

import datetime
from dataclasses import dataclass, field

from peewee import JOIN

from cabinet.audit import trace
from cabinet.auth.models import User
from cabinet.db import database, fetch_all, utcnow
from cabinet.patients import care_team
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
    latest = {
        v.transmission_id: v
        for v in TransmissionVersion.select().where(TransmissionVersion.transmission.in_(ids))
        if v.number == current[v.transmission_id]
    }
    reads: dict[int, list[TransmissionRead]] = {}
    query = (
        TransmissionRead.select(TransmissionRead, User)
        .join(User)
        .where(TransmissionRead.transmission.in_(ids))
        .order_by(TransmissionRead.read_at)
    )
    for read in query:
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


def _unread_query(user, today: datetime.date | None):
    return (
        Transmission.select(Transmission, Patient)
        .join(Patient)
        .switch(Transmission)
        .join(
            TransmissionRead,
            JOIN.LEFT_OUTER,
            on=(
                (TransmissionRead.transmission == Transmission.id)
                & (TransmissionRead.reader == user.id)
            ),
        )
        .where(
            Transmission.patient.in_(care_team.patient_ids(user, today))
            & (Transmission.author != user.id)
            & (TransmissionRead.id.is_null() | (TransmissionRead.version < Transmission.version))
        )
    )


def unread_count(user, today: datetime.date | None = None) -> int:
    """How many transmissions of my patients (care team, active grants) I have not read:
    what `_unread_query` counts, as one plain statement — the practitioner's home page asks
    it on every visit, and peewee compiled the query each time (1.5 ms, issue 20).
    tests/test_transmissions.py holds the two to the same answers."""
    day = (today or datetime.date.today()).isoformat()
    (count,) = database.execute_sql(
        _UNREAD_COUNT, (user.id, user.id, user.id, day, day, user.id)
    ).fetchone()
    return count


# Dates compared as stored ("2026-12-08"), as care_team.patient_ids does with the date.
_UNREAD_COUNT = """
    SELECT COUNT(*)
    FROM "transmission" AS t
    JOIN "patient" AS p ON p."id" = t."patient_id"
    LEFT JOIN "transmission_read" AS r ON r."transmission_id" = t."id" AND r."reader_id" = ?
    WHERE t."patient_id" IN (
              SELECT "patient_id" FROM "care_assignment" WHERE "practitioner_id" = ?
              UNION
              SELECT "patient_id" FROM "care_grant"
              WHERE "grantee_id" = ? AND "starts" <= ? AND "ends" >= ?)
      AND t."author_id" != ?
      AND (r."id" IS NULL OR r."version" < t."version")
"""


def unread(user, today: datetime.date | None = None) -> list[Shown]:
    """My unread transmissions, the latest first; each patient's reading traced."""
    rows = list(
        _unread_query(user, today).order_by(Transmission.created_at.desc()).limit(UNREAD_LIMIT)
    )
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
