"""Access notes for a home visit (P3, A1, X6, T1): door code, key box, floor, parking, animal,
whom to call. Administrative: the secretary reads and keeps them for every patient, a
practitioner for the patients of her care team (a locum's dated grant counts); the admin,
who visits nobody, never. Every reading is traced, each field is bounded and the form
reminds what may be written. A change is traced with the fields it touched; the former values
are not kept (an old door code is of no use and a risk, and the file's history is shown to
the admin too)."""

from flask import abort

from cabinet.audit import trace
from cabinet.db import database, fetch_one, utcnow
from cabinet.patients import care_team
from cabinet.patients.models import AccessNote, Patient
from cabinet.patients.services import ensure_writable, get_patient_or_404
from cabinet.security import has_permission

# field: (label, maximum length, placeholder)
FIELDS = {
    "door_code": ("Digicode", 40, "ex. 1234B, puis 2e porte à gauche"),
    "key_box": ("Boîte à clés", 60, "ex. boîte grise à droite du portail, code 0815"),
    "floor": ("Étage, appartement", 40, "ex. 3e étage sans ascenseur, porte 12"),
    "parking": ("Stationnement", 120, "ex. place livraison devant la pharmacie"),
    "animal": ("Animal", 80, "ex. chien gentil, fermer la porte du jardin"),
    "contact": ("Personne à appeler", 120, "ex. fille, Mme Martin, 06 12 34 56 78"),
}
REMINDER = (
    "Seulement ce qui sert à entrer chez le patient et à le joindre : aucune information "
    "sur sa santé ni jugement sur lui ou ses proches. La secrétaire et l'équipe de soins "
    "lisent ces notes, et chaque lecture est tracée."
)
LABELS = {name: label for name, (label, _, _) in FIELDS.items()}


class AccessNoteRefused(Exception):
    """A French message: why the note cannot be read or changed here."""


def may_read(user, patient: Patient) -> bool:
    if not has_permission(user, "access_note.read"):
        return False
    return has_permission(user, "access_note.any_patient") or care_team.is_member(user, patient)


def may_write(user, patient: Patient) -> bool:
    return has_permission(user, "access_note.write") and may_read(user, patient)


def _trace_reading(user, patient: Patient, where: str) -> None:
    trace(user, "access_note.view", patient=patient, target="access_note", detail=where)


def get_editable_or_404(user, patient_ref: str) -> Patient:
    """The patient whose access notes `user` keeps: 404 outside her scope (the refusal of a
    locum outside her dates traced)."""
    patient = get_patient_or_404(patient_ref)
    if not may_write(user, patient):
        care_team.trace_refused_grant(user, patient, "notes d'accès")
        abort(404)
    return patient


def note_of(patient: Patient) -> AccessNote | None:
    return fetch_one(AccessNote, '"patient_id" = ?', patient.id)


def read(user, patient: Patient, where: str) -> AccessNote | None:
    """The patient's note if `user` may read it (the reading traced), else None; a locum
    outside her dates is refused and the refusal traced."""
    if not may_read(user, patient):
        care_team.trace_refused_grant(user, patient, "notes d'accès")
        return None
    note = note_of(patient)
    if note is not None:
        _trace_reading(user, patient, where)
    return note


def read_many(user, patients: list[Patient], where: str) -> dict[int, AccessNote]:
    """{patient id: note} of those `user` may read, each reading traced (a round, a sheet)."""
    readable = {p.id: p for p in patients if may_read(user, p)}
    if not readable:
        return {}
    notes = {
        n.patient_id: n for n in AccessNote.select().where(AccessNote.patient.in_(list(readable)))
    }
    with database.atomic():
        for patient_id in notes:
            _trace_reading(user, readable[patient_id], where)
    return notes


def is_empty(note: AccessNote | None) -> bool:
    return note is None or not any(getattr(note, name) for name in FIELDS)


def lines(note: AccessNote | None) -> list[tuple[str, str]]:
    """(label, text) of each filled field, in the form's order."""
    if note is None:
        return []
    return [(LABELS[name], getattr(note, name)) for name in FIELDS if getattr(note, name)]


def save(user, patient: Patient, values: dict) -> AccessNote:
    """Record the note; the fields changed are named in the trace."""
    if not may_write(user, patient):
        raise AccessNoteRefused("Vous ne pouvez pas modifier les notes d'accès de ce patient.")
    ensure_writable(patient)
    for name, (label, maximum, _) in FIELDS.items():
        if len(values.get(name, "")) > maximum:
            raise AccessNoteRefused(f"{label} : {maximum} caractères au plus.")
    with database.atomic():
        note = note_of(patient) or AccessNote(patient=patient)
        changed = []
        for name in FIELDS:
            new = values.get(name, "")
            if getattr(note, name) != new:
                changed.append(name)
                setattr(note, name, new)
        if not changed:
            return note
        note.updated_at, note.updated_by = utcnow(), user.id
        note.save()
        trace(
            user,
            "access_note.update",
            patient=patient,
            target="access_note",
            detail=", ".join(LABELS[name] for name in changed),
        )
    return note


def patient_panel(patient: Patient, user) -> dict:
    """The access-notes section of the patient page (traced when shown)."""
    if not may_read(user, patient):
        return {"access_note_shown": False}
    return {
        "access_note_shown": True,
        "access_lines": lines(read(user, patient, "fiche patient")),
        "access_editable": may_write(user, patient),
    }
