"""Rules of the care record's content: items recorded and corrected in versions (D5, I4),
the lifestyle agreement (§5 g), sessions with their acts (P2). Who may open the record is
in scope.py; the money (care sheets, receipts) in billing.py."""

import datetime
from decimal import Decimal

from cabinet.audit import trace
from cabinet.auth.models import User
from cabinet.db import database, fetch_all, fetch_by_id, utcnow
from cabinet.patients.models import Patient
from cabinet.records import billing
from cabinet.records.models import (
    ITEM_KINDS,
    Act,
    CareSession,
    CareSheet,
    LifestyleConsent,
    RecordItem,
    RecordItemVersion,
    SessionAct,
)
from cabinet.records.scope import (
    RecordRefused,
    access_basis,
    author_joins_team,
    ensure_record_writable,
    open_record,
)

MISTAKE_DELAY = datetime.timedelta(hours=24)
SUMMARY_SESSIONS = 20
PANEL_SESSIONS = 5


# Reading --------------------------------------------------------------------------------------


def get_item_or_404(item_ref: str) -> RecordItem:
    return RecordItem.get_or_404(RecordItem.ref == item_ref)


# The care record's page reads by plain statements (db.fetch_all), as the patient page
# does: peewee compiled each of its queries on every visit, and the page asks seven (about
# 1.5-2.7 ms of a practitioner's care record, issue 20).


def _versions(patient: Patient) -> dict[int, list[RecordItemVersion]]:
    """Every version of every item of the record, oldest first, by item."""
    by_item: dict[int, list[RecordItemVersion]] = {}
    for version in fetch_all(
        RecordItemVersion, _OF_THE_RECORD, patient.id, order_by='"number", "id"'
    ):
        by_item.setdefault(version.item_id, []).append(version)
    return by_item


_OF_THE_RECORD = '"item_id" IN (SELECT "id" FROM "record_item" WHERE "patient_id" = ?)'


def current_items(
    patient: Patient, versions: dict[int, list[RecordItemVersion]] | None = None
) -> dict[str, list[tuple[RecordItem, RecordItemVersion]]]:
    """Each item of the record with its latest version, by kind: two statements whatever
    the number of items (one per item until issue 20), or one when the page has already
    read every version (`_versions`)."""
    versions = _versions(patient) if versions is None else versions
    grouped = {kind: [] for kind in ITEM_KINDS}
    for item in fetch_all(RecordItem, '"patient_id" = ?', patient.id, order_by='"id"'):
        history = versions.get(item.id)
        grouped[item.kind].append((item, history[-1] if history else None))
    return grouped


def has_lifestyle_consent(patient: Patient) -> bool:
    return bool(fetch_all(LifestyleConsent, '"patient_id" = ?', patient.id, limit=1))


def has_care(patient: Patient) -> bool:
    """Whether anything of the care record exists (a session, an item, a care sheet): the
    file must then be kept (I5)."""
    return (
        CareSession.of_patient(patient).exists()
        or RecordItem.of_patient(patient).exists()
        or CareSheet.of_patient(patient).exists()
    )


def record_page(patient: Patient) -> dict:
    """What the record's page shows: every item with its history, sessions, care sheets."""
    versions = _versions(patient)  # read once: the history and the current values
    return {
        "items": current_items(patient, versions),
        "sessions": sessions_of(patient),
        "consent": has_lifestyle_consent(patient),
        "versions": versions,
        "sheets": fetch_all(
            CareSheet, '"patient_id" = ?', patient.id, order_by='"created_at" DESC, "id" DESC'
        ),
        "mistake_delay": MISTAKE_DELAY,
        "now": utcnow(),
    }


def sessions_of(patient: Patient, limit: int | None = None) -> list[CareSession]:
    """The patient's sessions, the latest first, each with its practitioner's name and its
    acts' codes (`act_codes`): two statements whatever their number, where the page asked
    three more per session (its practitioner, its acts, each act; issue 20)."""
    sessions = fetch_all(
        CareSession,
        '"patient_id" = ?',
        patient.id,
        order_by='"session_date" DESC, "id" DESC',
        limit=limit,
    )
    codes: dict[int, list[str]] = {}
    names: dict[int, User] = {}
    if sessions:
        marks = ", ".join("?" * len(sessions))
        acts = database.execute_sql(_ACT_CODES.format(marks=marks), [s.id for s in sessions])
        for session_id, code in acts.fetchall():
            codes.setdefault(session_id, []).append(code)
        names = fetch_by_id(User, {s.practitioner_id for s in sessions})
    for session in sessions:
        session.act_codes = codes.get(session.id, [])
        session.practitioner = names[session.practitioner_id]
    return sessions


_ACT_CODES = """
    SELECT sa."session_id", a."code" FROM "session_act" AS sa JOIN "act" AS a ON a."id" = sa."act_id"
    WHERE sa."session_id" IN ({marks}) ORDER BY sa."id"
"""


def record_panel(user, patient: Patient) -> dict:
    """The record's section of a practitioner's patient page (traced when shown), or only
    the break-glass invitation."""
    basis = access_basis(user, patient)
    if basis is None:
        return {"record_basis": None}
    open_record(user, patient, basis)
    return {
        "record_basis": basis,
        "items": current_items(patient),
        "sessions": fetch_all(
            CareSession,
            '"patient_id" = ?',
            patient.id,
            order_by='"session_date" DESC, "id" DESC',
            limit=PANEL_SESSIONS,
        ),
    }


def print_summary(user, patient: Patient) -> dict:
    """The printable summary (A6: each print is traced)."""
    trace(user, "record.print", patient=patient, target="record")
    return {
        "items": current_items(patient),
        "sessions": sessions_of(patient, limit=SUMMARY_SESSIONS),
        "printed_at": utcnow(),
    }


# Items and corrections (D5, I4) --------------------------------------------------------------


def _check_item(patient: Patient, kind: str, value) -> None:
    if kind not in ITEM_KINDS:
        raise RecordRefused("Type d'élément inconnu.")
    if kind == "lifestyle" and not has_lifestyle_consent(patient):
        raise RecordRefused(
            "Les habitudes de vie ne peuvent être notées qu'avec l'accord du "
            "patient : enregistrez d'abord son accord."
        )
    if kind == "measurement" and value is None:
        raise RecordRefused("Une mesure a besoin d'une valeur.")


def _create_item(user, patient: Patient, kind: str, label: str, value, unit, observed_on, note):
    """The item, its first version and its trace (inside the caller's transaction)."""
    author_joins_team(user, patient)
    item = RecordItem.create(patient=patient, kind=kind, created_by=user.id)
    _version(item, 1, user, label, value, unit, observed_on, note)
    patient.touch_last_care(utcnow())
    trace(
        user,
        "record.create",
        patient=patient,
        target=f"record_item:{item.ref}",
        detail=ITEM_KINDS[kind],
    )
    return item


def add_item(
    user,
    patient: Patient,
    kind: str,
    label: str,
    value=None,
    unit: str = "",
    observed_on=None,
    note: str = "",
) -> RecordItem:
    ensure_record_writable(patient)
    _check_item(patient, kind, value)
    with database.atomic():
        return _create_item(user, patient, kind, label, value, unit, observed_on, note)


def _version(item, number, user, label, value, unit, observed_on, note):
    return RecordItemVersion.create(
        item=item,
        number=number,
        label=label,
        value=value,
        unit=unit,
        observed_on=observed_on,
        note=note,
        author=user.id,
        author_name=user.display_name,
    )


def correct_item(
    user, item: RecordItem, label: str, value=None, unit: str = "", observed_on=None, note: str = ""
) -> RecordItemVersion:
    """A correction never overwrites: it adds a version; the history stays visible."""
    ensure_record_writable(item.patient)
    latest = item.latest_version()
    with database.atomic():
        author_joins_team(user, item.patient)
        version = _version(item, latest.number + 1, user, label, value, unit, observed_on, note)
        item.patient.touch_last_care(utcnow())
        trace(
            user,
            "record.update",
            patient=item.patient,
            target=f"record_item:{item.ref}",
            detail=f"version {version.number}",
        )
    return version


def delete_mistake(user, item: RecordItem) -> None:
    """Only the author, only within 24 hours, only an item never corrected by someone else."""
    ensure_record_writable(item.patient)
    if item.created_by_id != user.id:
        raise RecordRefused("Seul l'auteur peut supprimer un élément saisi par erreur.")
    if utcnow() - item.created_at > MISTAKE_DELAY:
        raise RecordRefused(
            "Passé 24 heures, un élément ne se supprime plus : corrigez-le "
            "(une nouvelle version est créée)."
        )
    with database.atomic():
        patient = item.patient
        ref = item.ref
        item.delete_instance(recursive=True)
        trace(
            user,
            "record.delete",
            patient=patient,
            target=f"record_item:{ref}",
            detail="saisi par erreur",
        )


def record_lifestyle_consent(user, patient: Patient) -> None:
    ensure_record_writable(patient)
    with database.atomic():
        author_joins_team(user, patient)
        LifestyleConsent.insert(
            patient=patient.id, recorded_by=user.id
        ).on_conflict_ignore().execute()
        trace(
            user,
            "record.consent",
            patient=patient,
            target="record",
            detail="accord pour les habitudes de vie",
        )


def erase_lifestyle(patient: Patient) -> int:
    """Remove the lifestyle items and the agreement, which the law does not oblige us to
    keep (I5); the caller traces it in its own transaction. How many items went."""
    removed = 0
    with database.atomic():
        for item in RecordItem.of_patient(patient).where(RecordItem.kind == "lifestyle"):
            item.delete_instance(recursive=True)
            removed += 1
        LifestyleConsent.delete().where(LifestyleConsent.patient == patient.id).execute()
    return removed


# Sessions (P2, P4, P5) ------------------------------------------------------------------------


def record_session(
    user,
    patient: Patient,
    session_date: datetime.date,
    acts: list[tuple[Act, int]],
    pain_score=None,
    range_of_motion=None,
    note: str = "",
    paid_mode: str | None = None,
    weight: Decimal | None = None,
) -> CareSession:
    """A session with its acts, its care-sheet copy, a receipt line when paid and the weight
    as a measurement when taken: one transaction, all of it or nothing."""
    ensure_record_writable(patient)
    if not acts:
        raise RecordRefused("Indiquez au moins un acte réalisé.")
    billing.check_payment_mode(paid_mode)
    with database.atomic():
        author_joins_team(user, patient)
        care = CareSession.create(
            patient=patient,
            practitioner=user.id,
            session_date=session_date,
            pain_score=pain_score,
            range_of_motion=range_of_motion,
            note=note,
        )
        for act, quantity in acts:
            SessionAct.create(session=care, act=act, quantity=quantity, fee=act.fee)
        billing.bill_session(user, care, acts, paid_mode)
        patient.touch_last_care(datetime.datetime.combine(session_date, datetime.time(12)))
        trace(
            user,
            "record.session_create",
            patient=patient,
            target=f"session:{care.ref}",
            detail=f"{len(acts)} acte(s)",
        )
        if weight is not None:
            _create_item(user, patient, "measurement", "Poids", weight, "kg", session_date, "")
    return care
