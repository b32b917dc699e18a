"""The cotation aid and the pre-bill (P4, P5): a visit priced by the rules with the checks
that catch the common mistakes, saved as a line of the day's pre-bill, exported as CSV,
printed, and fed into the receipts journal once paid. An aid, not a care sheet: nothing is
transmitted. The acts of a visit are health data: practitioners only, traced."""

import datetime
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal

from cabinet import csvsafe, settings
from cabinet.appointments import schedule
from cabinet.audit import trace
from cabinet.billing import pricing, tariffs
from cabinet.billing.models import PricedVisit
from cabinet.config import TIMEZONE
from cabinet.db import database
from cabinet.patients.models import Patient
from cabinet.prescriptions import services as prescriptions
from cabinet.prescriptions.models import PROFESSION_OF_KIND, Prescription, normalise_code
from cabinet.records import scope
from cabinet.records.models import PAYMENT_MODES, Receipt

SAME_SLOT = datetime.timedelta(minutes=30)
BSI_KEYS = {"AMX", "BSA", "BSB", "BSC"}


@dataclass
class Visit:
    """What the practitioner said of the visit (the form's fields)."""

    day: datetime.date
    time: datetime.time
    act_idents: list[str]
    prescription: Prescription | None = None
    home: bool = False
    km: Decimal = Decimal("0")
    zone: str = "plain"
    urgent: bool = False
    palliative: bool = False


@dataclass
class Priced:
    quote: pricing.Quote
    profession: str
    warnings: list[str] = field(default_factory=list)


def _acts(visit: Visit) -> tuple[str, list[pricing.PickedAct]]:
    in_force = tariffs.acts_in_force(visit.day)
    picked = []
    for ident in visit.act_idents:
        if ident not in in_force:
            raise pricing.PricingError(
                f"Un acte choisi n'est pas en vigueur le {visit.day:%d/%m/%Y}."
            )
        picked.append(in_force[ident])
    professions = {row.profession for row in picked}
    if len(professions) > 1:
        raise pricing.PricingError("Une visite ne mêle pas les actes de deux professions.")
    profession = professions.pop() if professions else "nurse"
    return profession, [tariffs.picked(row) for row in picked]


def price(patient: Patient, visit: Visit) -> Priced:
    """The quote and the warnings, nothing saved."""
    profession, acts = _acts(visit)
    local = datetime.datetime.combine(visit.day, visit.time, tzinfo=TIMEZONE)
    facts = pricing.VisitFacts(
        at=local,
        acts=acts,
        home=visit.home,
        km=visit.km or Decimal("0"),
        zone=visit.zone,
        urgent=visit.urgent,
        palliative=visit.palliative,
        alsace_moselle=settings.get("alsace_moselle"),
    )
    quote = pricing.price(facts, tariffs.in_force(profession, visit.day))
    warnings = checks(patient, visit, profession, acts, quote)
    return Priced(quote, profession, warnings + quote.notes)


def checks(patient, visit: Visit, profession: str, acts, quote) -> list[str]:
    """The common mistakes: act not prescribed, session beyond the number, prescription
    expired, the same slot billed twice, BSI missing or due, a majoration not prescribed."""
    warnings = []
    prescription = visit.prescription
    codes = [s.code for s in quote.steps]
    if prescription is None:
        warnings.append("Aucune ordonnance choisie : les actes doivent être prescrits.")
    else:
        warnings += _prescription_checks(prescription, visit, profession, acts, codes)
    start = schedule.to_utc(visit.day, visit.time)
    twin = (
        PricedVisit.select()
        .where(
            (PricedVisit.patient == patient.id)
            & (PricedVisit.visit_at > start - SAME_SLOT)
            & (PricedVisit.visit_at < start + SAME_SLOT)
        )
        .first()
    )
    if twin:
        warnings.append(
            f"Une visite est déjà cotée pour ce patient à {schedule.hhmm(twin.visit_at)} : "
            "double facturation du même passage ?"
        )
    if profession == "nurse" and any(a.key in BSI_KEYS for a in acts):
        latest, due = prescriptions.bsi_of(patient)
        if latest is None:
            warnings.append(
                "BSI manquant : les actes AMX et les forfaits BSA/BSB/BSC le demandent."
            )
        elif due <= visit.day:
            warnings.append(f"BSI à renouveler depuis le {due:%d/%m/%Y}.")
    if any(s.to_confirm for s in quote.steps):
        warnings.append("Certains montants ou coefficients sont marqués [à confirmer].")
    return warnings


def _prescription_checks(prescription, visit, profession, acts, codes) -> list[str]:
    warnings = []
    said = f"l'ordonnance du {prescription.prescribed_on:%d/%m/%Y}"
    if PROFESSION_OF_KIND.get(prescription.kind) != profession:
        warnings.append(f"Les actes ne correspondent pas à la nature de {said}.")
    prescribed = prescription.codes
    for act in acts:
        if prescribed and normalise_code(act.code) not in prescribed:
            warnings.append(f"{act.code} ne figure pas sur {said} ({prescription.act_codes}).")
    if visit.day > prescription.valid_until:
        warnings.append(f"Ordonnance expirée le {prescription.valid_until:%d/%m/%Y}.")
    if visit.day < prescription.starts_on:
        warnings.append(f"Séance avant le début des soins ({prescription.starts_on:%d/%m/%Y}).")
    billed = PricedVisit.select().where(PricedVisit.prescription == prescription.id).count()
    if billed + 1 > prescription.sessions_count:
        warnings.append(
            f"Séance {billed + 1} au-delà des {prescription.sessions_count} prescrites."
        )
    if any(c.startswith("NUIT") for c in codes) and not prescription.night_required:
        warnings.append(
            "Majoration de nuit : l'ordonnance doit indiquer la nécessité d'une exécution de "
            "nuit (NGAP art. 14 B), sauf urgence."
        )
    if visit.home and not prescription.home_care:
        warnings.append("IFD et IK : l'ordonnance ne mentionne pas les soins à domicile.")
    return warnings


def save(user, patient: Patient, visit: Visit) -> PricedVisit:
    """Price the visit again and keep it in the day's pre-bill, with its explanation."""
    scope.ensure_record_writable(patient)
    priced = price(patient, visit)
    steps = [
        {
            "text": s.text,
            "code": s.code,
            "amount": str(s.amount) if s.amount is not None else None,
            "quantity": str(s.quantity),
            "rate": str(s.rate),
        }
        for s in priced.quote.steps
    ]
    with database.atomic():
        scope.author_joins_team(user, patient)
        row = PricedVisit.create(
            patient=patient,
            practitioner=user.id,
            prescription=visit.prescription,
            visit_at=schedule.to_utc(visit.day, visit.time),
            visit_day=visit.day,
            profession=priced.profession,
            home=visit.home,
            km=visit.km or 0,
            zone=visit.zone,
            acts=", ".join(s.code for s in priced.quote.lines if s.code[:1].isalpha()),
            steps=json.dumps(steps, ensure_ascii=False),
            notes=json.dumps(priced.warnings, ensure_ascii=False),
            total=priced.quote.total,
        )
        trace(user, "billing.quote", patient=patient, target=f"visit:{row.ref}")
    return row


def get_visit_or_404(user, ref: str) -> PricedVisit:
    """A priced visit of the user's own pre-bill."""
    visit = PricedVisit.get_or_404(PricedVisit.ref == ref)
    scope.require_record_access(user, visit.patient)
    return visit


def day_visits(user, day: datetime.date) -> list[PricedVisit]:
    return list(
        PricedVisit.select(PricedVisit, Patient)
        .join(Patient)
        .where((PricedVisit.practitioner == user.id) & (PricedVisit.visit_day == day))
        .order_by(PricedVisit.visit_at)
    )


def open_day(user, day: datetime.date, action: str = "billing.prebill_view") -> list:
    """The day's pre-bill of the user, grouped by patient; the reading traced per patient."""
    visits = day_visits(user, day)
    with database.atomic():
        for patient_id in dict.fromkeys(v.patient_id for v in visits):
            trace(
                user,
                action,
                patient=Patient.get_by_id(patient_id),
                target="prebill",
                detail=f"{day:%d/%m/%Y}",
            )
    groups: dict[int, list[PricedVisit]] = {}
    for visit in visits:
        groups.setdefault(visit.patient_id, []).append(visit)
    return [
        (group[0].patient, group, sum(Decimal(v.total) for v in group)) for group in groups.values()
    ]


CSV_COLUMNS = [
    "date",
    "heure",
    "patient",
    "date_naissance",
    "prescripteur",
    "date_ordonnance",
    "code",
    "quantite",
    "taux",
    "montant",
    "total_visite",
    "reference_visite",
]


def export_day(user, day: datetime.date) -> str:
    """The day's pre-bill as CSV (one row per billed line; columns in docs/cotation.md)."""
    groups = open_day(user, day, "billing.prebill_export")
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csvsafe.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for patient, visits, _ in groups:
        for visit in visits:
            prescription = visit.prescription
            for step in visit.step_list:
                if not step["amount"] or Decimal(step["amount"]) == 0:
                    continue
                writer.writerow(
                    [
                        day.isoformat(),
                        schedule.hhmm(visit.visit_at),
                        f"{patient.last_name.upper()} {patient.first_names}",
                        patient.birth_date.isoformat(),
                        prescription.prescriber_name if prescription else "",
                        prescription.prescribed_on.isoformat() if prescription else "",
                        step["code"],
                        step["quantity"].replace(".", ","),
                        step["rate"].replace(".", ","),
                        step["amount"].replace(".", ","),
                        str(visit.total).replace(".", ","),
                        visit.ref,
                    ]
                )
    return buffer.getvalue()


def mark_paid(user, visit: PricedVisit, mode: str) -> Receipt:
    """The visit paid: a line of the receipts journal (codes and amount), once."""
    scope.ensure_record_writable(visit.patient)
    if mode not in PAYMENT_MODES:
        raise scope.RecordRefused("Mode de paiement inconnu.")
    if visit.receipt_id:
        raise scope.RecordRefused("Cette visite est déjà réglée.")
    patient = visit.patient
    with database.atomic():
        receipt = Receipt.create(
            patient=patient,
            patient_name=f"{patient.last_name.upper()} {patient.first_names}",
            received_on=visit.visit_day,
            act_codes=visit.acts,
            amount=visit.total,
            payment_mode=mode,
            recorded_by=user.id,
        )
        PricedVisit.update(receipt=receipt, paid_mode=mode).where(
            PricedVisit.id == visit.id
        ).execute()
        trace(user, "billing.paid", patient=patient, target=f"visit:{visit.ref}")
        trace(user, "receipt.create", patient=patient, target=f"receipt:{receipt.ref}")
    return receipt
