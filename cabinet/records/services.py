"""Rules of the care record: who may read it (care team, shared record, break-glass), how
items are recorded and corrected, sessions with their acts, care sheets and receipts."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import abort, has_request_context, session

from cabinet import settings
from cabinet.audit import trace
from cabinet.db import database, utcnow
from cabinet.formatting import euros
from cabinet.patients import care_team
from cabinet.patients.models import CareAssignment, Patient
from cabinet.patients.services import PatientRestricted, ensure_writable
from cabinet.records.models import (
    ITEM_KINDS,
    PAYMENT_MODES,
    Act,
    BreakGlass,
    CareSession,
    CareSheet,
    LifestyleConsent,
    Receipt,
    RecordItem,
    RecordItemVersion,
    SessionAct,
)
from cabinet.security import has_permission

MISTAKE_DELAY = datetime.timedelta(hours=24)
CENT = Decimal("0.01")


class RecordRefused(Exception):
    """A French message: why the record change is refused (nothing was saved)."""


def _writable(patient: Patient) -> None:
    try:
        ensure_writable(patient)
    except PatientRestricted as frozen:
        raise RecordRefused(str(frozen)) from None


# Scope (A2) ---------------------------------------------------------------------------------


def in_care_team(user, patient: Patient) -> bool:
    """In the patient's care team (patients/care_team.py says how one joins it)."""
    return care_team.is_member(user, patient)


def _session_id() -> int | None:
    # Break-glass lasts one login session; outside a request (a command) there is none.
    return getattr(session, "row_id", None) if has_request_context() else None


def has_break_glass(user, patient: Patient) -> bool:
    session_id = _session_id()
    return (
        session_id is not None
        and BreakGlass.select()
        .where(
            (BreakGlass.practitioner == user.id)
            & (BreakGlass.patient == patient.id)
            & (BreakGlass.session_id == session_id)
        )
        .exists()
    )


def access_basis(user, patient: Patient) -> str | None:
    """Why this user may open this record ("care_team", "shared", "break_glass"), or None."""
    if not has_permission(user, "record.read"):
        return None
    if in_care_team(user, patient):
        return "care_team"
    if settings.get("shared_record") and not patient.objects_to_sharing:
        return "shared"
    if has_break_glass(user, patient):
        return "break_glass"
    return None


def require_record_access(user, patient: Patient) -> str:
    """403 without the permission; the break-glass page is the caller's job when None."""
    if not has_permission(user, "record.read"):
        abort(403)
    return access_basis(user, patient)


def break_glass(user, patient: Patient, reason: str, note: str) -> BreakGlass:
    if reason not in care_team.REASONS:
        raise RecordRefused("Choisissez un motif dans la liste.")
    session_id = _session_id()
    if session_id is None:
        raise RecordRefused("Session expirée : reconnectez-vous.")
    with database.atomic():
        access = BreakGlass.create(
            patient=patient,
            practitioner=user.id,
            session_id=session_id,
            reason=reason,
            note=note[:200],
        )
        trace(
            user,
            "record.break_glass",
            patient=patient,
            target="record",
            detail=care_team.REASONS[reason],
        )
    return access


def break_glass_on_my_patients(user, since: datetime.datetime):
    """Accesses by other practitioners to the patients this user cares for (home page)."""
    mine = CareAssignment.select(CareAssignment.patient).where(
        CareAssignment.practitioner == user.id
    )
    return (
        BreakGlass.select()
        .where(
            (BreakGlass.at >= since)
            & (BreakGlass.practitioner != user.id)
            & BreakGlass.patient.in_(mine)
        )
        .order_by(BreakGlass.at.desc())
    )


def _author_joins_team(user, patient: Patient) -> None:
    """Whoever records care is in the care team, joined under the access she had: the
    shared record, or break-glass with its stated reason (A2)."""
    if care_team.is_member(user, patient):
        return
    basis = access_basis(user, patient)
    if basis is None:
        raise RecordRefused("Ce dossier ne vous est pas ouvert : passez par l'accès exceptionnel.")
    reason = ""
    if basis == "break_glass":
        reason = (
            BreakGlass.select(BreakGlass.reason)
            .where(
                (BreakGlass.practitioner == user.id)
                & (BreakGlass.patient == patient.id)
                & (BreakGlass.session_id == _session_id())
            )
            .order_by(BreakGlass.id.desc())
            .scalar()
        )
    care_team.join(patient, user, user, "break_glass" if reason else "record", reason=reason or "")


# Reading --------------------------------------------------------------------------------------


def open_record(user, patient: Patient, basis: str):
    trace(user, "record.view", patient=patient, target="record", detail=_basis_label(basis))


def _basis_label(basis: str) -> str:
    return {
        "care_team": "équipe de soins",
        "shared": "dossier partagé",
        "break_glass": "accès exceptionnel",
    }.get(basis, basis)


def current_items(patient: Patient) -> dict[str, list[tuple[RecordItem, RecordItemVersion]]]:
    grouped = {kind: [] for kind in ITEM_KINDS}
    for item in RecordItem.select().where(RecordItem.patient == patient.id).order_by(RecordItem.id):
        latest = item.versions.order_by(RecordItemVersion.number.desc()).first()
        grouped[item.kind].append((item, latest))
    return grouped


def has_lifestyle_consent(patient: Patient) -> bool:
    return LifestyleConsent.select().where(LifestyleConsent.patient == patient.id).exists()


# Items and corrections (D5, I4) --------------------------------------------------------------


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
    _writable(patient)
    if kind not in ITEM_KINDS:
        raise RecordRefused("Type d'élément inconnu.")
    if kind == "lifestyle" and not has_lifestyle_consent(patient):
        raise RecordRefused(
            "Les habitudes de vie ne peuvent être notées qu'avec l'accord du "
            "patient : enregistrez d'abord son accord."
        )
    if kind == "measurement" and value is None:
        raise RecordRefused("Une mesure a besoin d'une valeur.")
    with database.atomic():
        _author_joins_team(user, patient)
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
    _writable(item.patient)
    latest = item.versions.order_by(RecordItemVersion.number.desc()).first()
    with database.atomic():
        _author_joins_team(user, item.patient)
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
    _writable(item.patient)
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
    _writable(patient)
    with database.atomic():
        _author_joins_team(user, patient)
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


# Sessions, care sheets, receipts (P4, P5) -----------------------------------------------------


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def record_session(
    user,
    patient: Patient,
    session_date: datetime.date,
    acts: list[tuple[Act, int]],
    pain_score=None,
    range_of_motion=None,
    note: str = "",
    paid_mode: str | None = None,
) -> CareSession:
    """A session with its acts; its care-sheet copy; a receipt line when paid."""
    _writable(patient)
    if not acts:
        raise RecordRefused("Indiquez au moins un acte réalisé.")
    if paid_mode is not None and paid_mode not in PAYMENT_MODES:
        raise RecordRefused("Mode de paiement inconnu.")
    with database.atomic():
        _author_joins_team(user, patient)
        care = CareSession.create(
            patient=patient,
            practitioner=user.id,
            session_date=session_date,
            pain_score=pain_score,
            range_of_motion=range_of_motion,
            note=note,
        )
        total = insurer = Decimal("0")
        lines = []
        for act, quantity in acts:
            SessionAct.create(session=care, act=act, quantity=quantity, fee=act.fee)
            amount = money(act.fee * quantity)
            total += amount
            insurer += money(amount * act.insurer_rate / 100)
            lines.append(f"{act.code} × {quantity} = {euros(amount)}")
        CareSheet.create(
            patient=patient,
            session=care,
            care_date=session_date,
            acts="; ".join(lines),
            total=total,
            insurer_share=insurer,
            patient_share=total - insurer,
        )
        if paid_mode:
            Receipt.create(
                patient=patient,
                patient_name=_name(patient),
                session=care,
                received_on=session_date,
                act_codes=", ".join(a.code for a, _ in acts),
                amount=total,
                payment_mode=paid_mode,
                recorded_by=user.id,
            )
            trace(user, "receipt.create", patient=patient, target=f"session:{care.ref}")
        patient.touch_last_care(datetime.datetime.combine(session_date, datetime.time(12)))
        trace(
            user,
            "record.session_create",
            patient=patient,
            target=f"session:{care.ref}",
            detail=f"{len(acts)} acte(s)",
        )
    return care


def record_payment(
    user, patient: Patient, received_on: datetime.date, act: Act, amount, mode: str
) -> Receipt:
    _writable(patient)
    if mode not in PAYMENT_MODES:
        raise RecordRefused("Mode de paiement inconnu.")
    amount = money(amount)
    if amount <= 0:
        raise RecordRefused("Le montant doit être positif.")
    with database.atomic():
        receipt = Receipt.create(
            patient=patient,
            patient_name=_name(patient),
            received_on=received_on,
            act_codes=act.code,
            amount=amount,
            payment_mode=mode,
            recorded_by=user.id,
        )
        trace(user, "receipt.create", patient=patient, target=f"receipt:{receipt.ref}")
    return receipt


def _name(patient: Patient) -> str:
    """Written on the receipt line: the books outlive the file's stay in the active base."""
    return f"{patient.last_name.upper()} {patient.first_names}"


def journal(first: datetime.date, last: datetime.date):
    return (
        Receipt.select()
        .where((Receipt.received_on >= first) & (Receipt.received_on <= last))
        .order_by(Receipt.received_on, Receipt.id)
    )


def totals(receipts) -> dict:
    """Daily totals, per payment mode and overall, in Decimal (never float)."""
    by_day: dict[datetime.date, Decimal] = {}
    by_mode: dict[str, Decimal] = {}
    overall = Decimal("0.00")
    for receipt in receipts:
        amount = Decimal(receipt.amount)
        by_day[receipt.received_on] = by_day.get(receipt.received_on, Decimal("0.00")) + amount
        by_mode[receipt.payment_mode] = by_mode.get(receipt.payment_mode, Decimal("0.00")) + amount
        overall += amount
    return {"by_day": by_day, "by_mode": by_mode, "overall": overall}


def active_acts():
    return Act.select().where(Act.active).order_by(Act.code)
