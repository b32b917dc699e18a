"""Importing the patients of the previous software (issue 17; D2, D5, T1), all or nothing.

The upload is read in memory and its cells wait in `patient_import` (encrypted database)
while the admin checks the preview: per row, created, refused (and why) or already present
(same identity traits). The import runs in one transaction: one trace per created file and
one for the import; a single refused row refuses the whole import unless the admin chose,
knowingly, to leave the refused rows out (the import's trace says so). Rows that look like
patients already present are never created twice: they are left out and listed.
"""

import datetime
import json
from dataclasses import dataclass, field

from cabinet.audit import trace
from cabinet.audit.services import trace_many
from cabinet.db import database, utcnow
from cabinet.patients import importing
from cabinet.patients.models import Patient, PatientImport, new_ref

# A preview left waiting is erased after this delay (its cells are patient data).
STALE_AFTER = datetime.timedelta(days=1)
INSERT_BATCH = 500


class ImportRefused(Exception):
    """The import cannot run; `problems` lists why, in French."""

    def __init__(self, problems: list[str]):
        super().__init__("Import refusé : rien n'a été créé.")
        self.problems = problems


@dataclass
class RowResult:
    number: int  # the row's line in the file (the headers are line 1)
    data: dict | None
    problems: list[str] = field(default_factory=list)
    duplicate: str = ""  # why it looks like a patient already present

    @property
    def status(self) -> str:
        if self.problems:
            return "refused"
        return "duplicate" if self.duplicate else "create"


@dataclass
class Preview:
    rows: list[RowResult]
    mapping_problems: list[str]

    def of(self, status: str) -> list[RowResult]:
        return [row for row in self.rows if row.status == status]

    @property
    def refused(self) -> list[RowResult]:
        return self.of("refused")

    @property
    def to_create(self) -> list[RowResult]:
        return self.of("create")

    @property
    def duplicates(self) -> list[RowResult]:
        return self.of("duplicate")


def start(actor, data: bytes, kind: str = "patients", guess=importing.guess_mapping):
    """Read an uploaded file (FileRefused when unreadable) and keep it for its preview, with
    the mapping `guess` makes of its headers; waiting previews past their delay are erased
    on the way. `kind`: patients, or appointments (cabinet/appointments/importing.py)."""
    table = importing.read(data)
    with database.atomic():
        purge_stale(utcnow())
        pending = PatientImport.create(
            kind=kind,
            created_by=actor.id,
            byte_count=len(data),
            encoding=table["encoding"],
            separator=table["separator"],
            headers=json.dumps(table["headers"], ensure_ascii=False),
            rows=json.dumps(table["rows"], ensure_ascii=False),
            mapping=json.dumps(guess(table["headers"])),
        )
        trace(
            actor,
            "patient.import_start",
            target=f"import:{pending.ref}",
            detail=f"{len(table['rows'])} ligne(s), {table['encoding']}, « {table['separator']} »",
        )
    return pending


def get_import_or_404(ref: str, kind: str = "patients") -> PatientImport:
    return PatientImport.get_or_404((PatientImport.ref == ref) & (PatientImport.kind == kind))


def set_mapping(pending: PatientImport, mapping: dict[int, str]) -> None:
    PatientImport.update(mapping=json.dumps(mapping)).where(
        PatientImport.id == pending.id
    ).execute()
    pending.mapping = json.dumps(mapping)


def _present_identities() -> dict[tuple, list[tuple[str, str]]]:
    """{identity key: [(birthplace code, ref)]} of every active file, in one query."""
    present: dict[tuple, list[tuple[str, str]]] = {}
    query = Patient.select(
        Patient.ref,
        Patient.birth_name,
        Patient.first_names,
        Patient.birth_date,
        Patient.sex,
        Patient.birthplace_code,
    ).tuples()
    for ref, birth_name, first_names, birth_date, sex, birthplace in query:
        key = importing.identity_key(
            {
                "birth_name": birth_name,
                "first_names": first_names,
                "birth_date": birth_date,
                "sex": sex,
            }
        )
        present.setdefault(key, []).append((birthplace, ref))
    return present


def _same_place(mine: str, theirs: str) -> bool:
    return not mine or not theirs or mine == theirs


def _checked_rows(pending: PatientImport, mapping: dict[int, str]) -> list[RowResult]:
    """Each row against the rules (the slow part: one form per row, ~0.5 ms)."""
    results = []
    for offset, cells in enumerate(pending.row_list):
        data, why = importing.check_row(cells, mapping)
        results.append(RowResult(offset + 2, data, why))
    return results


def _mark_duplicates(results: list[RowResult]) -> None:
    """Rows that look like a file already present, or like a row above them (one query)."""
    present = _present_identities()
    seen: dict[tuple, list[tuple[str, int]]] = {}
    for row in results:
        row.duplicate = ""
        if row.data is None:
            continue
        key = importing.identity_key(row.data)
        place = row.data["birthplace_code"]
        if any(_same_place(place, theirs) for theirs, _ in present.get(key, [])):
            row.duplicate = "déjà présent dans Cabinet (mêmes traits d'identité)"
        elif earlier := [n for theirs, n in seen.get(key, []) if _same_place(place, theirs)]:
            row.duplicate = f"même personne que la ligne {earlier[0]} du fichier"
        seen.setdefault(key, []).append((place, row.number))


def check(pending: PatientImport) -> Preview:
    """Every row checked against the rules and against the files already present (and the
    rows above it in the same file)."""
    mapping = pending.mapping_dict
    problems = importing.mapping_problems(mapping)
    if problems:
        return Preview([], problems)
    results = _checked_rows(pending, mapping)
    _mark_duplicates(results)
    return Preview(results, [])


def preview(actor, pending: PatientImport) -> Preview:
    """The preview the admin reads; the read is traced (it shows patients' identities)."""
    result = check(pending)
    trace(
        actor,
        "patient.import_preview",
        target=f"import:{pending.ref}",
        detail=f"{len(result.to_create)} à créer, {len(result.refused)} refusée(s), "
        f"{len(result.duplicates)} déjà présente(s)",
    )
    return result


def run(actor, pending: PatientImport, leave_out_refused: bool = False) -> PatientImport:
    """Create the files, all or nothing, in one transaction with their traces. Raises
    ImportRefused (nothing created) on a mapping problem or a refused row, unless
    `leave_out_refused`; rows already present are never created."""
    if pending.status != "pending":
        raise ImportRefused(["Cet import a déjà été traité."])
    now = utcnow()
    # The rules are checked before the write lock is taken (seconds for a large file); the
    # duplicates again under it, so a file typed meanwhile is seen as present.
    result = check(pending)
    with database.atomic():
        if PatientImport.get_by_id(pending.id).status != "pending":
            raise ImportRefused(["Cet import a déjà été traité."])  # a second click
        if result.rows:
            _mark_duplicates(result.rows)
        if result.mapping_problems:
            raise ImportRefused(result.mapping_problems)
        if result.refused and not leave_out_refused:
            raise ImportRefused(
                [f"Ligne {row.number} : {' ; '.join(row.problems)}" for row in result.refused]
            )
        if not result.to_create:
            raise ImportRefused(["Aucune ligne à créer."])
        rows = []
        for row in result.to_create:
            patient = Patient(
                **row.data, ref=new_ref(), created_at=now, updated_at=now, contact_checked_at=now
            )
            patient.refresh_search_keys()
            rows.append(patient.__data__)
        for first in range(0, len(rows), INSERT_BATCH):
            Patient.insert_many(rows[first : first + INSERT_BATCH]).execute()
        trace_many(
            actor,
            "patient.create",
            [{"patient": row["ref"], "target": "patient", "detail": "import"} for row in rows],
        )
        skipped = len(result.rows) - len(rows)
        detail = f"{len(rows)} fiche(s) créée(s), {len(result.duplicates)} déjà présente(s)"
        if result.refused:
            detail += f", {len(result.refused)} ligne(s) refusée(s) écartée(s) par l'admin"
        trace(actor, "patient.import", target=f"import:{pending.ref}", detail=detail)
        PatientImport.update(
            status="done",
            finished_at=now,
            rows="[]",
            created_count=len(rows),
            skipped_count=skipped,
        ).where(PatientImport.id == pending.id).execute()
    return PatientImport.get_by_id(pending.id)


def abandon(actor, pending: PatientImport) -> None:
    """Drop a waiting import and its cells."""
    with database.atomic():
        PatientImport.update(status="abandoned", finished_at=utcnow(), rows="[]").where(
            PatientImport.id == pending.id
        ).execute()
        trace(actor, "patient.import_abandon", target=f"import:{pending.ref}")


def purge_stale(now: datetime.datetime) -> int:
    """Erase the cells of previews left waiting past STALE_AFTER (a job, and each upload)."""
    return (
        PatientImport.update(status="abandoned", finished_at=now, rows="[]")
        .where((PatientImport.status == "pending") & (PatientImport.created_at < now - STALE_AFTER))
        .execute()
    )
