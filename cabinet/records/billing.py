"""Money of the practice (P4, P5): the care-sheet copy of each session, the receipts journal,
its totals and its CSV export. Act codes and amounts only, never care content: the
secretary reads all of it. Amounts are Decimal, rounded half-up to the cent, never floats."""

import datetime
import io
from decimal import ROUND_HALF_UP, Decimal

from cabinet import csvsafe
from cabinet.audit import trace
from cabinet.db import database, fetch_all
from cabinet.formatting import euros
from cabinet.patients.models import Patient
from cabinet.records.models import PAYMENT_MODES, Act, CareSession, CareSheet, Receipt
from cabinet.records.scope import RecordRefused, ensure_record_writable

CENT = Decimal("0.01")


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def active_acts():
    return Act.select().where(Act.active).order_by(Act.code)


def check_payment_mode(mode: str | None) -> None:
    if mode is not None and mode not in PAYMENT_MODES:
        raise RecordRefused("Mode de paiement inconnu.")


def bill_session(user, care: CareSession, acts: list[tuple[Act, int]], paid_mode: str | None):
    """The session's care-sheet copy, and its receipt line when paid (inside the session's
    transaction)."""
    patient = care.patient
    total = insurer = Decimal("0")
    lines = []
    for act, quantity in acts:
        amount = money(act.fee * quantity)
        total += amount
        insurer += money(amount * act.insurer_rate / 100)
        lines.append(f"{act.code} × {quantity} = {euros(amount)}")
    CareSheet.create(
        patient=patient,
        session=care,
        care_date=care.session_date,
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
            received_on=care.session_date,
            act_codes=", ".join(a.code for a, _ in acts),
            amount=total,
            payment_mode=paid_mode,
            recorded_by=user.id,
        )
        trace(user, "receipt.create", patient=patient, target=f"session:{care.ref}")


def record_payment(
    user, patient: Patient, received_on: datetime.date, act: Act, amount, mode: str
) -> Receipt:
    ensure_record_writable(patient)
    check_payment_mode(mode)
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


def patient_payments(patient: Patient) -> list[Receipt]:
    """The patient's ten latest payments (patient page: codes and amounts only), in a plain
    statement (db.fetch_all): the patient page runs it on every visit."""
    return list(
        fetch_all(Receipt, '"patient_id" = ?', patient.id, order_by='"received_on" DESC', limit=10)
    )


def journal(first: datetime.date, last: datetime.date):
    return Receipt.between(first, last)


def open_journal(user, first: datetime.date, last: datetime.date) -> list[Receipt]:
    """The month's lines, the reading traced (how many lines, never whose)."""
    rows = list(journal(first, last))
    trace(user, "receipt.view", target="receipts", detail=f"{first:%m/%Y}, {len(rows)} ligne(s)")
    return rows


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


def _amount(value) -> str:
    return str(value).replace(".", ",")


def export_journal(user, first: datetime.date, last: datetime.date) -> str:
    """The journal as CSV for the accountant (BOM for spreadsheets), traced."""
    rows = list(journal(first, last))
    trace(user, "receipt.export", target="receipts", detail=f"{first:%m/%Y}")
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csvsafe.writer(buffer)  # no patient name can run as a formula
    writer.writerow(["date", "patient", "actes", "montant", "mode"])
    for row in rows:
        writer.writerow(
            [
                row.received_on.isoformat(),
                row.patient_name,
                row.act_codes,
                _amount(row.amount),
                row.payment_mode,
            ]
        )
    writer.writerow(["total", "", "", _amount(totals(rows)["overall"]), ""])
    return buffer.getvalue()
