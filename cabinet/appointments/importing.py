"""Future appointments from the previous software (issue 17, second file; P1): the same flow
as the patients' import (cabinet/patients/imports.py: file read in memory, kept in
`patient_import` with kind "appointments", preview, all or nothing, traces), each row
booked through the agenda's own rules (`services.book`: conflicts, opening hours,
absences), for a patient found by the identity traits.

No reason or free text is imported (X6): only the appointment type, chosen among the
practice's types by its name.
"""

import datetime
import re
from dataclasses import dataclass, field

from cabinet.appointments import agenda, schedule, services
from cabinet.appointments.models import AppointmentType
from cabinet.appointments.rules import BookingRefused, conflicts
from cabinet.audit import trace
from cabinet.audit.services import trace_many
from cabinet.db import database, utcnow
from cabinet.patients import importing as patient_importing
from cabinet.patients.identity import search_key
from cabinet.patients.models import Patient, PatientImport

FIELDS = {
    "birth_name": "Nom de naissance du patient",
    "first_names": "Prénoms du patient",
    "birth_date": "Date de naissance du patient",
    "date": "Date du rendez-vous",
    "time": "Heure",
    "appointment_type": "Type de rendez-vous",
    "practitioner": "Praticien",
    "location": "Lieu (cabinet ou domicile)",
}
REQUIRED = ("birth_name", "first_names", "birth_date", "date", "time")
HEADERS = {
    "birth_name": patient_importing.HEADERS["birth_name"],
    "first_names": patient_importing.HEADERS["first_names"],
    "birth_date": patient_importing.HEADERS["birth_date"],
    "date": ["date", "date du rendez vous", "date rdv", "jour", "date rendez vous"],
    "time": ["heure", "heure du rendez vous", "heure rdv", "debut", "heure de debut"],
    "appointment_type": ["type", "type de rendez vous", "type rdv", "prestation"],
    "practitioner": ["praticien", "intervenant", "soignant", "professionnel"],
    "location": ["lieu", "domicile"],
}
TIME = re.compile(r"^(\d{1,2})\s*[:hH]\s*(\d{2})?$")
HOME = {"domicile", "a domicile", "oui", "visite", "visite a domicile"}
PRACTICE = {"", "cabinet", "au cabinet", "non"}


@dataclass
class AppointmentRow:
    number: int
    data: dict | None
    problems: list[str] = field(default_factory=list)
    skipped: str = ""  # why it is left out (already in the agenda, in the past)

    @property
    def status(self) -> str:
        if self.problems:
            return "refused"
        return "duplicate" if self.skipped else "create"


def guess_mapping(headers: list[str]) -> dict[int, str]:
    known = {alias: name for name, aliases in HEADERS.items() for alias in aliases}
    mapping: dict[int, str] = {}
    for index, header in enumerate(headers):
        name = known.get(search_key(header))
        if name and name not in mapping.values():
            mapping[index] = name
    return mapping


def mapping_problems(mapping: dict[int, str]) -> list[str]:
    chosen = list(mapping.values())
    problems = [f"Aucune colonne ne donne « {FIELDS[n]} »." for n in REQUIRED if n not in chosen]
    problems += [
        f"Plusieurs colonnes donnent « {FIELDS[n]} »."
        for n in sorted(set(chosen))
        if chosen.count(n) > 1
    ]
    return problems


def parse_time(text: str) -> datetime.time | None:
    match = TIME.match(text.strip())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    return datetime.time(hour, minute) if hour < 24 and minute < 60 else None


class _Lookups:
    """The practice's patients (by identity traits), practitioners and types, read once."""

    def __init__(self):
        self.patients: dict[tuple, list[Patient]] = {}
        for patient in Patient.select():
            key = (
                search_key(patient.birth_name),
                search_key(patient.first_names),
                patient.birth_date,
            )
            self.patients.setdefault(key, []).append(patient)
        self.practitioners = agenda.practitioners()
        self.types = {
            search_key(t.name): t for t in AppointmentType.select().where(AppointmentType.active)
        }

    def practitioner(self, text: str):
        wanted = search_key(text)
        if not wanted and len(self.practitioners) == 1:
            return self.practitioners[0], None
        for user in self.practitioners:
            if wanted in {search_key(user.login), search_key(user.display_name)}:
                return user, None
        return None, f"praticien inconnu « {text[:40]} » (identifiant ou nom d'un compte)"

    def appointment_type(self, text: str):
        if not text.strip():
            chosen = self.types.get("seance") or next(iter(self.types.values()), None)
            return chosen, None if chosen else "aucun type de rendez-vous actif"
        chosen = self.types.get(search_key(text))
        return chosen, None if chosen else f"type de rendez-vous inconnu « {text[:40]} »"


def _row(cells: list[str], mapping: dict[int, str], lookups: _Lookups, now) -> AppointmentRow:
    raw = {name: "" for name in FIELDS}
    for index, name in mapping.items():
        if index < len(cells):
            raw[name] = cells[index].strip()
    problems = []
    birth, why = patient_importing.parse_date(raw["birth_date"])
    problems += [why] if why else []
    day, why = patient_importing.parse_date(raw["date"], "date du rendez-vous")
    problems += [why] if why else []
    at = parse_time(raw["time"])
    if at is None:
        problems.append(f"heure illisible « {raw['time'][:10]} » (hh:mm attendu)")
    practitioner, why = lookups.practitioner(raw["practitioner"])
    problems += [why] if why else []
    kind, why = lookups.appointment_type(raw["appointment_type"])
    problems += [why] if why else []
    place = search_key(raw["location"])
    if place not in HOME | PRACTICE:
        problems.append(f"lieu illisible « {raw['location'][:20]} » (cabinet ou domicile)")
    patient = None
    if birth:
        found = lookups.patients.get(
            (search_key(raw["birth_name"]), search_key(raw["first_names"]), birth), []
        )
        if not found:
            problems.append("patient introuvable : importez d'abord les patients")
        elif len(found) > 1:
            problems.append("plusieurs patients ont ces traits d'identité : réservez à la main")
        else:
            patient = found[0]
    if problems:
        return AppointmentRow(0, None, problems)
    data = {
        "patient": patient,
        "practitioner": practitioner,
        "appointment_type": kind,
        "starts_at": schedule.to_utc(day, at),
        "location": "home" if place in HOME else "practice",
    }
    return AppointmentRow(0, data)


def check(pending: PatientImport, now: datetime.datetime) -> tuple[list[AppointmentRow], list[str]]:
    """(rows, mapping problems): each row read, matched, and checked against the agenda."""
    mapping = pending.mapping_dict
    problems = mapping_problems(mapping)
    if problems:
        return [], problems
    lookups = _Lookups()
    rows = []
    for offset, cells in enumerate(pending.row_list):
        row = _row(cells, mapping, lookups, now)
        row.number = offset + 2
        if row.data is not None:
            data = row.data
            ends = data["starts_at"] + datetime.timedelta(
                minutes=data["appointment_type"].duration_minutes
            )
            if data["starts_at"] <= now:
                row.skipped = "rendez-vous passé : non importé"
            elif reasons := conflicts(
                data["practitioner"], data["patient"], data["starts_at"], ends
            ):
                if any(r.startswith("Le patient a déjà un rendez-vous") for r in reasons):
                    row.skipped = "déjà dans l'agenda"
                else:
                    row.problems = reasons
        rows.append(row)
    return rows, []


def preview(actor, pending: PatientImport) -> tuple[list[AppointmentRow], list[str]]:
    """The preview the admin reads (patients' names and times), traced once per patient of
    the base it names — so that each one's access report lists it (T4) and a retention move
    under way leaves those files in place — or once alone when it names none (counts only).
    Found in a review: traced once without a patient, it escaped both."""
    rows, problems = check(pending, utcnow())
    created = sum(row.status == "create" for row in rows)
    detail = f"{created} à créer sur {len(rows)} ligne(s)"
    target = f"import:{pending.ref}"
    named = {row.data["patient"].id: row.data["patient"] for row in rows if row.data}
    if named:
        entries = [{"patient": p, "target": target, "detail": detail} for p in named.values()]
        trace_many(actor, "appointment.import_preview", entries)
    else:
        trace(actor, "appointment.import_preview", target=target, detail=detail)
    return rows, problems


class ImportRefused(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("Import refusé : rien n'a été créé.")
        self.problems = problems


def run(actor, pending: PatientImport, leave_out_refused: bool = False) -> PatientImport:
    """Book every row through the agenda's rules, all or nothing, in one transaction."""
    now = utcnow()
    rows, problems = check(pending, now)
    if problems:
        raise ImportRefused(problems)
    refused = [row for row in rows if row.status == "refused"]
    if refused and not leave_out_refused:
        raise ImportRefused([f"Ligne {r.number} : {' ; '.join(r.problems)}" for r in refused])
    wanted = [row for row in rows if row.status == "create"]
    if not wanted:
        raise ImportRefused(["Aucun rendez-vous à créer."])
    failures = []
    with database.atomic():
        if PatientImport.get_by_id(pending.id).status != "pending":
            raise ImportRefused(["Cet import a déjà été traité."])
        for row in wanted:
            booking = services.Booking(
                practitioner=row.data["practitioner"],
                patient=row.data["patient"],
                appointment_type=row.data["appointment_type"],
                starts_at=row.data["starts_at"],
                location=row.data["location"],
            )
            try:
                with database.atomic():
                    services.book(booking, actor)
            except BookingRefused as refused_booking:
                failures.append(f"Ligne {row.number} : {' '.join(refused_booking.reasons)}")
        if failures:
            raise ImportRefused(failures)  # leaving the block rolls every booking back
        detail = f"{len(wanted)} rendez-vous créé(s), {len(rows) - len(wanted)} écarté(s)"
        trace(actor, "appointment.import", target=f"import:{pending.ref}", detail=detail)
        PatientImport.update(
            status="done",
            finished_at=now,
            rows="[]",
            created_count=len(wanted),
            skipped_count=len(rows) - len(wanted),
        ).where(PatientImport.id == pending.id).execute()
    return PatientImport.get_by_id(pending.id)
